"""Local formats in a real browser, kk and ru, on a phone and a desktop: the case page with
its evidence, the queue, the public statistics (map tiles with short names) and register,
and the complaint form's file list (sizes written by the script) show no English unit, no
English digit group and no raw value. CASEWORK_SHOTS=<folder> keeps a screenshot of each."""

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import update

from casework.accounts.models import User
from casework.demo.cases import seed_cases
from casework.extensions import db
from casework.reports.cache import page_cache
from tests.plugin.browser import VIEWPORTS, sign_in
from tests.site.test_local_formats import (
    ENGLISH_GROUPS,
    ENGLISH_UNIT,
    RAW_VALUES,
    evidence_case,
)

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("CASEWORK_SHOTS")


@pytest.fixture
def casework(demo, app):
    seed_cases(30, on_batch=db.session.commit)
    db.session.commit()
    page_cache(app).clear()


def looks_local(tab, name: str) -> str:
    text = tab.inner_text("main")
    for pattern in (ENGLISH_UNIT, ENGLISH_GROUPS, RAW_VALUES):
        found = pattern.search(text)
        assert found is None, (tab.url, text[max(0, found.start() - 60):found.end() + 20])
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(SHOTS) / f"formats-{name}.png"), full_page=True)
    return text


@pytest.mark.parametrize("screen", VIEWPORTS)
@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_pages_in_local_formats(browser, live_server, casework, lang, screen):
    db.session.execute(update(User).values(preferred_locale=lang))
    db.session.commit()
    context = browser.new_context(locale=f"{lang}-KZ", viewport=VIEWPORTS[screen])
    context.add_cookies([{"name": "casework_lang", "value": lang, "url": live_server}])
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    try:
        tab.goto(live_server + "/statistics")
        looks_local(tab, f"{lang}-{screen}-statistics")
        tiles = tab.locator("text.map-code").all_text_contents()
        assert tiles and not any(re.fullmatch(r"[A-Z]{3}", t) for t in tiles)
        assert ("СҚО" if lang == "kk" else "СКО") in tiles

        tab.goto(live_server + "/decisions")
        looks_local(tab, f"{lang}-{screen}-register")

        tab.goto(live_server + "/complaints/new")
        tab.set_input_files("#evidence", files=[
            {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * 1500},
            {"name": "video.mp4", "mimeType": "video/mp4", "buffer": b"\0" * (2**20 + 2**19)}])
        listed = tab.inner_text("#file-list")
        assert "1 КБ" in listed and "1,5 МБ" in listed, listed
        looks_local(tab, f"{lang}-{screen}-complaint")

        sign_in(tab, live_server, "secretary@example.kz", "secretary-demo-2020")
        tab.goto(live_server + "/cases")
        looks_local(tab, f"{lang}-{screen}-queue")
        tab.goto(live_server + f"/cases/{evidence_case()}")
        text = looks_local(tab, f"{lang}-{screen}-case")
        assert re.search(r"\d+(,\d)?\s(байт|байта|КБ|МБ)", text)
    finally:
        context.close()
