"""Every kk and ru page shown with the demo casework speaks the page's language in its
figures: no English units (156 Bytes, 1 KB), no English digit groups (1,805), no raw enum
values (web, social_media), and region lists in the alphabet."""

import html
import re

import pytest
from sqlalchemy import select, update

from casework.accounts.models import User
from casework.cases.models import Case
from casework.core.i18n import collation_key
from casework.demo.cases import seed_cases
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.reports.cache import page_cache

PUBLIC = ["/", "/complaints/new", "/track", "/decisions", "/standings", "/statistics",
          "/statistics?by=count", "/transparency/audit"]
STAFF = ["/staff", "/cases", "/cases?state=", "/staff/dashboard", "/staff/results/",
         "/staff/exports/", "/sanctions", "/cases/conflicts", "/hotline/log"]

ENGLISH_UNIT = re.compile(r"\d\s*(bytes?|[KMG]i?B|kB)\b", re.IGNORECASE)
ENGLISH_GROUPS = re.compile(r"(?<![\d.,])\d{1,3}(,\d{3})+(?![\d,])")
RAW_VALUES = re.compile(r"(?<![\w.@/-])(web|social_media|walk_in|hotline|tracking|api|letter)"
                        r"(?![\w.@/-])")


def visible_text(body: str) -> str:
    """The words a reader sees: no tags, attributes, scripts or styles."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S | re.I)
    body = re.sub(r"<[^>]+>", " ", body)
    return html.unescape(body)


@pytest.fixture
def casework(demo, app):
    seed_cases(40, on_batch=db.session.commit)
    db.session.commit()
    page_cache(app).clear()


def evidence_case() -> str:
    return db.session.scalar(select(Case.reference).join(EvidenceItem,
                                                         EvidenceItem.case_id == Case.id)
                             .order_by(Case.id).limit(1))


def check_page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    text = visible_text(response.get_data(as_text=True))
    assert not ENGLISH_UNIT.search(text), (url, ENGLISH_UNIT.search(text).group(0))
    assert not ENGLISH_GROUPS.search(text), (url, ENGLISH_GROUPS.search(text).group(0))
    raw = RAW_VALUES.search(text)
    assert raw is None, (url, text[max(0, raw.start() - 60):raw.end() + 20])
    return response.get_data(as_text=True)


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_every_page_in_local_formats(client, login, casework, locale):
    client.set_cookie("casework_lang", locale)
    for url in PUBLIC:
        check_page(client, url)
    db.session.execute(update(User).values(preferred_locale=locale))
    db.session.commit()
    assert login(client, "secretary@example.kz", "secretary-demo-2020").status_code in (302, 303)
    reference = evidence_case()
    assert reference
    for url in [*STAFF, f"/cases/{reference}"]:
        check_page(client, url)
    page = check_page(client, f"/cases/{reference}")
    assert re.search(r"\d+(,\d)? (байт|байта|КБ|МБ)", visible_text(page))


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_region_lists_follow_the_alphabet(client, casework, locale):
    client.set_cookie("casework_lang", locale)
    body = client.get("/complaints/new").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*id="region".*?</select>', body, re.S).group(0)
    tops = [html.unescape(name) for name in
            re.findall(r'<option value="KZ-[A-Z]{3}"[^>]*>([^<]+)</option>', select_html)]
    assert len(tops) > 10
    assert tops == sorted(tops, key=lambda name: collation_key(name, locale))
    if locale == "kk":  # Ақ… before Ал…, Қ after К
        assert tops.index("Ақмола облысы") < tops.index("Алматы облысы")
        assert tops.index("Қарағанды облысы") > tops.index("Жамбыл облысы")

    stats = client.get("/statistics").get_data(as_text=True)
    tiles = re.findall(r'<text class="map-code"[^>]*>([^<]+)</text>', stats)
    assert tiles and not any(re.fullmatch(r"[A-Z]{3}", t) for t in tiles)
    assert ("СҚО" if locale == "kk" else "СКО") in tiles
