"""Tables that a phone and a keyboard can read: every public table stacks into cards on a
narrow screen, so each value carries its column's name (data-label), and every table region
that may scroll takes the focus and has a name. The browser tests (tests/browser/
test_accessibility.py) check the layout itself; these read the markup."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from casework.core.audit_checkpoints import make_checkpoint
from casework.demo.cases import seed_cases
from casework.extensions import db
from casework.reports.cache import page_cache

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PUBLIC_PAGES = ("/standings/KZ-KAR", "/decisions", "/statistics", "/transparency/audit")


class Tables(HTMLParser):
    """The stacked tables of a page: their column headers and, per body cell, its
    data-label (None when it has none) and whether it spans the row."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._cell: str | None = None  # "head" while inside a thead th

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"stacked": "stacked" in (attrs.get("class") or "").split(),
                                "headers": [], "cells": [], "in_head": False})
        elif not self.tables:
            return
        table = self.tables[-1]
        if tag == "thead":
            table["in_head"] = True
        elif tag == "tbody":
            table["in_head"] = False
        elif tag == "th" and table["in_head"]:
            table["headers"].append("")
            self._cell = "head"
        elif tag in ("td", "th"):
            table["cells"].append((attrs.get("data-label"), "colspan" in attrs))

    def handle_endtag(self, tag):
        if tag == "th":
            self._cell = None

    def handle_data(self, data):
        if self._cell == "head":
            self.tables[-1]["headers"][-1] += data.strip()


@pytest.fixture
def public_world(demo, app):
    seed_cases(12, on_batch=db.session.commit)
    make_checkpoint()
    db.session.commit()
    page_cache(app).clear()


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_tables_label_every_cell_with_its_column(client, public_world, path):
    response = client.get(path)
    assert response.status_code == 200
    parser = Tables()
    parser.feed(response.get_data(as_text=True))
    tables = [t for t in parser.tables if t["headers"]]
    assert tables, path
    for table in tables:
        assert table["stacked"], (path, table["headers"])
        labels = {label for label, spans in table["cells"] if not spans}
        assert table["cells"] and None not in labels, (path, table["headers"])
        assert labels <= set(table["headers"]), (path, labels - set(table["headers"]))


def test_standings_label_the_winning_place(client, public_world):
    html = client.get("/standings/KZ-KAR").get_data(as_text=True)
    winning = re.findall(r'<tr data-candidate="[^"]+" class="register-winning">(.*?)</tr>', html,
                         re.S)
    assert winning
    for row in winning:
        assert 'data-label="Place"><span class="register-flag register-flag-winning">' in row


def test_every_table_region_takes_the_focus_and_has_a_name():
    """A region that scrolls sideways must be reachable from the keyboard (axe:
    scrollable-region-focusable), and a landmark needs a name."""
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r'<div class="table-wrap"[^>]*>', text):
            assert 'tabindex="0"' in tag and 'role="region"' in tag, (template.name, tag)
            assert "aria-label=" in tag or "aria-labelledby=" in tag, (template.name, tag)
