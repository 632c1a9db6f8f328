"""Accessibility in a real browser, on the demo casework: axe-core (from npm, see axe.py) finds
no serious or critical violation on any public or staff page, in Kazakh, Russian and English,
on a phone and on a desktop screen; the public tables read on a phone without a sideways
scroll (the standings' winning places included); the staff queue fits a 1366 px screen."""

import re

import pytest
from sqlalchemy import select

from casework.cases.models import Case
from casework.core.audit_checkpoints import make_checkpoint
from casework.demo.cases import seed_cases
from casework.elections.models import Region
from casework.elections.standings import standings
from casework.extensions import db
from casework.intake import tracking
from casework.intake.models import Channel, Complaint
from casework.reports.cache import page_cache
from casework.sanctions.models import Sanction
from tests.browser import axe
from tests.plugin.browser import ARTIFACTS, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
LANGS = ("kk", "ru", "en")
CHAIR = ("chair@example.kz", "chair-demo-2020")  # every desk but the administrator's


@pytest.fixture(scope="session")
def axe_ready(browser):
    reason = axe.unavailable()
    if reason:
        if axe.REQUIRED:
            pytest.fail(f"CASEWORK_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(f"axe tests skipped: {reason}")


@pytest.fixture
def casework(demo, app):
    """The demo primary with some casework, a signed audit checkpoint, and a web complaint
    whose tracking code this test knows (the demo does not keep its codes)."""
    seed_cases(24, on_batch=db.session.commit)
    make_checkpoint()
    complaint = db.session.scalars(select(Complaint).where(Complaint.channel == Channel.WEB)
                                   .order_by(Complaint.id)).first()
    code = tracking.derive_code(app.config["SECRET_KEY"], complaint.submission_key)
    complaint.tracking_hash = tracking.code_hash(code)
    db.session.commit()
    page_cache(app).clear()
    return {"code": code,
            "case": db.session.scalars(select(Case.reference).order_by(Case.id)).first(),
            "sanction": db.session.scalars(select(Sanction.id).order_by(Sanction.id)).first()}


def open_tab(browser, request, screen, lang):
    """A context of its own at the screen size, in `lang`. CSP is bypassed only so that
    axe's script can be injected; the pages are served as always."""
    context = browser.new_context(locale="kk-KZ", viewport=screen, bypass_csp=True)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    request.addfinalizer(lambda: finish(context, tab, request))
    return tab


def finish(context, tab, request):
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def choose_language(page, live_server, lang):
    page.goto(live_server + "/")
    page.click(f"header button[data-lang={lang}]")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == lang


def overflow(page) -> dict:
    """How far the page, and each table region, is wider than its box."""
    return page.evaluate("""() => ({
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        regions: [...document.querySelectorAll('.table-wrap')]
            .map(w => w.scrollWidth - w.clientWidth).filter(d => d > 0)})""")


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("lang", LANGS)
def test_axe_finds_no_serious_violation(browser, axe_ready, live_server, casework, request,
                                        lang, screen):
    page = open_tab(browser, request, SCREENS[screen], lang)
    choose_language(page, live_server, lang)
    found = []

    def check(path: str) -> None:
        if path != page.url.removeprefix(live_server):
            page.goto(live_server + path)
        assert page.evaluate("document.documentElement.lang") == lang
        violations = axe.serious_violations(page)
        if violations:
            found.append(axe.describe(path, violations))
        if screen == "phone":  # nothing pushes a phone's page sideways
            assert overflow(page)["page"] <= 0, path

    for path in ("/", "/complaints/new", "/track"):
        check(path)
    page.fill("#code", casework["code"])
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/track/case$"))
    check("/track/case")
    for path in ("/decisions", f"/decisions/{casework['sanction']}", "/standings",
                 "/standings/KZ-KAR", "/statistics", "/transparency/audit", "/login"):
        check(path)

    sign_in(page, live_server, *CHAIR)
    for path in ("/staff", "/cases", f"/cases/{casework['case']}", "/staff/dashboard",
                 "/sanctions", f"/sanctions/{casework['sanction']}", "/hotline/",
                 "/hotline/log", "/staff/mail", "/account", "/audit", "/staff/results/",
                 "/staff/results/KZ-KAR", "/staff/exports/", "/cases/conflicts",
                 "/staff/identity"):
        check(path)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("lang", ("kk", "ru"))
def test_public_tables_read_without_a_sideways_scroll(browser, live_server, casework, request,
                                                      lang, screen):
    page = open_tab(browser, request, SCREENS[screen], lang)
    choose_language(page, live_server, lang)
    for path in ("/standings/KZ-KAR", "/decisions", "/statistics"):
        page.goto(live_server + path)
        assert overflow(page) == {"page": 0, "regions": []}, path
        # Every remaining table region can take the keyboard's focus and has a name.
        for region in page.locator(".table-wrap").all():
            assert region.get_attribute("tabindex") == "0"
            assert region.get_attribute("role") == "region"
            assert region.get_attribute("aria-label") or region.get_attribute("aria-labelledby")

    # The standings: every winning place is on screen, marked, and its figures labelled.
    page.goto(live_server + "/standings/KZ-KAR")
    kar = db.session.scalar(select(Region).where(Region.code == "KZ-KAR"))
    winners = [row.candidate.code for row in standings(kar).ranked if row.winning]
    assert winners
    for code in winners:
        row = page.locator(f'#standings tr[data-candidate="{code}"]')
        box = row.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= SCREENS[screen]["width"]
        assert row.locator(".register-flag-winning").is_visible()
    votes = page.locator("#standings tbody tr").first.locator("td").nth(2)
    label = page.locator("#standings thead th").nth(2).inner_text().strip()
    assert votes.get_attribute("data-label") == label
    if screen == "phone":  # cards: the column's name is shown beside each value
        shown = votes.evaluate("td => getComputedStyle(td, '::before').content")
        assert shown.strip('"') == label
        assert not page.locator("#standings thead").is_visible() or \
            page.locator("#standings thead").bounding_box()["height"] <= 1
    else:  # a plain table with its header row
        assert page.locator("#standings thead th").nth(2).is_visible()


@pytest.mark.parametrize("lang", LANGS)
def test_staff_queue_fits_a_1366_screen(browser, live_server, casework, request, lang):
    page = open_tab(browser, request, DESKTOP, lang)
    choose_language(page, live_server, lang)
    sign_in(page, live_server, *CHAIR)
    page.goto(live_server + "/cases")
    assert page.locator("#queue tbody tr[data-case]").count() > 0
    widths = page.evaluate("""() => { const wrap = document.querySelector('#queue').parentElement;
        return {page: document.documentElement.scrollWidth, wrap: wrap.clientWidth,
                table: wrap.scrollWidth}; }""")
    assert widths["page"] <= DESKTOP["width"], widths
    assert widths["table"] <= widths["wrap"], widths


@pytest.mark.parametrize("lang", ("kk", "ru"))
def test_queue_on_a_phone_scrolls_from_the_keyboard(browser, live_server, casework, request,
                                                    lang):
    """On a phone the queue keeps its columns in a region that scrolls; the region takes the
    focus and the arrow keys move it, so no column is out of a keyboard's reach."""
    page = open_tab(browser, request, PHONE, lang)
    choose_language(page, live_server, lang)
    sign_in(page, live_server, *CHAIR)
    page.goto(live_server + "/cases")
    region = page.locator(".table-wrap:has(#queue)")
    assert region.get_attribute("role") == "region" and region.get_attribute("aria-label")
    region.focus()
    assert page.evaluate("document.activeElement.classList.contains('table-wrap')")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('.table-wrap:has(#queue)').scrollLeft > 0")
