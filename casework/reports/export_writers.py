"""Export writers: tables of cells as streamed CSV (UTF-8 with a BOM, in chunks) or as an
XLSX workbook (openpyxl write-only mode, one sheet per table, into a temporary file), with
the formula guard on every cell. Nothing here queries the database.
"""

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from casework.core.timezones import to_local

FORMATS = ("csv", "xlsx")
CSV_CHUNK = 500  # rows per chunk of the streamed CSV
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SHEET_NAME_MAX = 31
SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def local_cell(value: datetime | None, zone: Any) -> datetime | None:
    """A stored (naive UTC) time as the naive local time a cell holds (spreadsheet cells
    carry no time zone; the export says which zone its times are in)."""
    return None if value is None else to_local(value, zone).replace(tzinfo=None)


def safe(value: Any) -> Any:
    """A cell value a spreadsheet will not run: text that starts like a formula gets a
    leading apostrophe; None becomes empty; numbers and datetimes stay what they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass
class Table:
    """One CSV section or XLSX sheet: a title, a header row and the rows (lazy or not)."""

    title: str
    header: list[str]
    rows: Iterable[list[Any]]


def _csv_cell(value: Any) -> str:
    value = safe(value)
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_chunks(tables: list[Table], *, titled: bool = False) -> Iterator[str]:
    """The CSV text in chunks: a UTF-8 BOM first (so Excel reads Kazakh and Russian right),
    then each table (with a title row when `titled`), tables separated by a blank line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    for number, table in enumerate(tables):
        if number:
            writer.writerow([])
        if titled:
            writer.writerow([_csv_cell(table.title)])
        writer.writerow([_csv_cell(h) for h in table.header])
        for count, row in enumerate(table.rows, start=1):
            writer.writerow([_csv_cell(v) for v in row])
            if count % CSV_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    base = (title.translate(SHEET_FORBIDDEN).strip(" '") or "Sheet")[:SHEET_NAME_MAX]
    name, n = base, 1
    while name.lower() in used:
        n += 1
        suffix = f" {n}"
        name = base[:SHEET_NAME_MAX - len(suffix)] + suffix
    used.add(name.lower())
    return name


def xlsx_file(tables: list[Table]) -> IO[bytes]:
    """An XLSX workbook, one sheet per table, written row by row (openpyxl write-only mode)
    into a temporary file, returned rewound. The caller sends and closes it."""
    # Imported here: openpyxl (and numpy, which it loads) is ~20 MB in every web worker
    # that never writes a workbook.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.title, used))
        sheet.append([safe(h) for h in table.header])
        for row in table.rows:
            sheet.append([safe(v) for v in row])
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned open
    try:
        workbook.save(target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target


@dataclass
class Export:
    """What the view sends: `body` is a generator of CSV text or an open XLSX file."""

    filename: str
    mimetype: str
    body: Iterator[str] | IO[bytes]
    rows: int | None


def build_export(fmt: str, tables: list[Table], filename: str, *, titled: bool = False,
                 rows: int | None = None) -> Export:
    filename = FILENAME_UNSAFE.sub("_", filename)  # goes into a header: plain ASCII only
    if fmt == "xlsx":
        return Export(f"{filename}.xlsx", MIMETYPES["xlsx"], xlsx_file(tables), rows)
    return Export(f"{filename}.csv", MIMETYPES["csv"], csv_chunks(tables, titled=titled), rows)
