"""Reading CSV files for import: encoding, delimiter, header checks, line numbers.

Every problem is collected with its line number; nothing is written unless the
whole file is valid.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from casework.core.text import is_safe, printable

MAX_ERRORS_SHOWN = 1000


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportFailed(Exception):
    """The file has errors; nothing was imported."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s); nothing was imported")
        self.errors = sorted(errors, key=lambda e: e.line)


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return (f"{self.kind}: {self.total} rows, {self.created} created, "
                f"{self.updated} updated, {self.unchanged} unchanged")


@dataclass
class Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailed([RowError(line, "the file is not UTF-8 text; save it as "
                                           "'CSV UTF-8' and try again")]) from exc


def read_rows(data: bytes, required: list[str], optional: list[str]) -> list[Row]:
    """Parse the file; the header row is line 1, data rows start at line 2."""
    text = decode(data)
    if not text.strip():
        raise ImportFailed([RowError(1, "the file is empty")])
    first_line = text.splitlines()[0]
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    if not all(is_safe(name) for name in header):
        raise ImportFailed([RowError(1, "a column name holds a character that is not allowed")])
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required and c not in optional]
    errors = []
    if missing:
        errors.append(RowError(1, f"missing column(s): {', '.join(missing)}"))
    if unknown:
        errors.append(RowError(1, f"unknown column(s): {', '.join(unknown)}; "
                                  f"expected {', '.join(required + optional)}"))
    if len(set(header)) != len(header):
        errors.append(RowError(1, "a column name appears twice"))
    if errors:
        raise ImportFailed(errors)
    rows = []
    for values in _records(reader):
        line, cells = values
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are allowed
        if len(cells) != len(header):
            errors.append(RowError(line, f"expected {len(header)} fields, found {len(cells)}"))
            continue
        unsafe = next((name for name, cell in zip(header, cells, strict=True)
                       if not is_safe(cell)), None)
        if unsafe is not None:  # it would break the database, the feed or an export later
            errors.append(RowError(line, f"column {printable(unsafe)}: a character that is "
                                         "not allowed (a control character or an invalid one)"))
            continue
        rows.append(Row(line, dict(zip(header, cells, strict=True))))
    if errors:
        raise ImportFailed(errors)
    if not rows:
        raise ImportFailed([RowError(2, "the file has a header but no data rows")])
    return rows


def _records(reader) -> Iterator[tuple[int, list[str]]]:
    # reader.line_num is the physical line where a record ends; quoted newlines span lines.
    start = reader.line_num + 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFailed([RowError(reader.line_num, f"malformed CSV: {exc}")]) from exc
