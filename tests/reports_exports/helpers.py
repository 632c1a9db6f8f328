"""The exports' known day, a formula-like name, and opening the files back (CSV with its BOM,
XLSX, sectioned CSV) as rows of text."""

import csv
import io
from datetime import datetime

import openpyxl

DAY = "2020-05-30"  # the local day of the daily report
FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'


def cell(value) -> str:
    """A cell as text, the same for CSV and XLSX: datetimes as the CSV writes them."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    response.close()
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def read_xlsx(response) -> dict[str, list[list[str]]]:
    """Sheet name -> rows (trailing empty cells dropped, as a CSV row has none)."""
    data = response.get_data()
    response.close()
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheets = {}
    for sheet in workbook.worksheets:
        rows = []
        for row in sheet.iter_rows(values_only=True):
            values = [cell(v) for v in row]
            rows.append(values)
        sheets[sheet.title] = rows
    workbook.close()
    return sheets


def csv_sections(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """A sectioned CSV (title row, header, rows; blank line between) -> title -> header+rows."""
    sections, current = {}, None
    for row in rows:
        if not row:
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    return sections
