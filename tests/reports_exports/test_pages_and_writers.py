"""The exports page, the links to it, and the writers (formula guard, sheets, CSV chunks)."""

import csv
import io
from datetime import datetime

import openpyxl
import pytest

from casework.accounts.roles import EXPORT_CONTACTS
from casework.reports.export_writers import CSV_CHUNK, Table, csv_chunks, safe, xlsx_file


@pytest.mark.parametrize("value", ["=1+2", "+7701", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_gets_an_apostrophe(value):
    assert safe(value) == "'" + value


@pytest.mark.parametrize("value,kept", [("Aliya", "Aliya"), ("a=b", "a=b"), (-3, -3), (0, 0),
                                        (None, ""), (datetime(2020, 1, 1), datetime(2020, 1, 1))])
def test_other_values_are_kept(value, kept):
    assert safe(value) == kept


def test_nobody_exports_contacts():
    assert EXPORT_CONTACTS.readers == frozenset()  # the identity custodian decides instead


def test_csv_comes_in_chunks_and_reads_back(app):
    rows = [[n, f"Ақтөбе {n}", "=x" if n == 3 else ""] for n in range(CSV_CHUNK * 2 + 7)]
    with app.test_request_context():
        chunks = list(csv_chunks([Table("T", ["n", "name", "f"], iter(rows))]))
    assert len(chunks) == 3
    read = list(csv.reader(io.StringIO("".join(chunks).removeprefix("\ufeff"), newline="")))
    assert read[0] == ["n", "name", "f"]
    assert read[1:] == [[str(n), name, "'=x" if f else ""] for n, name, f in rows]


def test_xlsx_sheet_names_are_valid_and_unique():
    tables = [Table("A very long title: with [forbidden] characters?", ["h"], [[1]]),
              Table("A very long title: with [forbidden] characters?", ["h"], [[2]]),
              Table("Итоги/день", ["h"], [["=2"]])]
    with xlsx_file(tables) as target:
        workbook = openpyxl.load_workbook(target)
    names = workbook.sheetnames
    assert len(set(names)) == 3 and all(len(n) <= 31 for n in names)
    assert not any(c in "".join(names) for c in "[]:*?/\\")
    assert [[c.value for c in ws["A"]] for ws in workbook.worksheets] == [
        ["h", 1], ["h", 2], ["h", "'=2"]]
    workbook.close()


def test_page_for_a_reviewer_without_contacts(client, login, world, staff):
    login(client, staff["r1"])
    html = client.get("/staff/exports/").get_data(as_text=True)
    assert 'action="/staff/exports/cases.csv"' in html
    assert 'formaction="/staff/exports/daily.xlsx"' in html
    assert 'action="/staff/exports/sanctions.csv"' in html
    assert "Case exports do not include the complainants' contact details." in html
    assert 'href="/staff/exports/"' in html  # the staff menu link


def test_page_for_the_secretary_says_there_are_no_contacts(client, login, world, staff):
    login(client, staff["secretary"])
    html = client.get("/staff/exports/").get_data(as_text=True)
    assert "include the complainants' names, phone numbers and email addresses" not in html
    assert "Case exports do not include the complainants' contact details." in html


def test_queue_links_to_the_export_of_the_same_list(client, login, world, staff):
    login(client, staff["secretary"])
    html = client.get("/cases?state=received&region=KZ-ALA&after=abc&q=").get_data(
        as_text=True)
    assert 'href="/staff/exports/cases.csv?state=received&amp;region=KZ-ALA"' in html
    assert 'href="/staff/exports/cases.xlsx?state=received&amp;region=KZ-ALA"' in html


def test_no_menu_link_for_an_operator(client, login, world, staff):
    login(client, staff["operator"])
    html = client.get("/staff").get_data(as_text=True)
    assert "/staff/exports/" not in html
