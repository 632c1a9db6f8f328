"""The public complaint flow in a real browser: Kazakh with two files and a progress bar,
Russian without evidence (the confirm dialog), files kept when the server sends the form
back, and the same form with JavaScript off."""

import hashlib
import os
import re
import zlib

import pytest
from sqlalchemy import func, select

from casework.cases.models import Case
from casework.elections.models import Candidate
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake.models import Complaint
from tests.plugin.data import NARRATIVE, PDF, png_bytes

pytestmark = pytest.mark.browser

CODE_RE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")
REFERENCE_RE = re.compile(r"DEMO2020-KAR-\d{5}")
RECEIPT_RE = re.compile(r"/complaints/receipt$")

# Reports every change of the progress box to Python: nothing is missed when the page
# navigates away right after the upload.
WATCH_PROGRESS = """document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("upload-progress");
  if (!box || !window.reportProgress) { return; }
  var button = document.querySelector("#complaint-form button[type=submit]");
  new MutationObserver(function () {
    window.reportProgress({shown: !box.hidden, value: Number(box.querySelector("progress").value),
                           label: box.querySelector(".progress-label").textContent,
                           locked: button.disabled});
  }).observe(box, {attributes: true, subtree: true, childList: true, characterData: true});
});"""

# How many lines each matching element's text takes on screen.
LINES = """sel => Array.from(document.querySelectorAll(sel)).map(e => {
  const r = document.createRange(); r.selectNodeContents(e);
  return new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top))).size; })"""
OPTIONS = """sel => Array.from(document.querySelectorAll(sel + ' option')).map(o => (
  {value: o.value, hidden: o.hidden, region: o.dataset.region || '', kind: o.dataset.kind || ''}))"""


def big_png(width: int = 1024, height: int = 1000) -> bytes:
    """A valid ~3 MB PNG of noise (noise does not compress): an upload long enough to watch."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))

    raw = b"".join(b"\x00" + os.urandom(3 * width) for _ in range(height))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1))
            + chunk(b"IEND", b""))


def count(model) -> int:
    db.session.expire_all()  # the live server wrote these rows in its own sessions
    return db.session.scalar(select(func.count()).select_from(model))


def fill_basics(page, narrative=NARRATIVE):
    page.check('input[name="category"][value="vote_buying"]')
    page.select_option("#region", "KZ-KAR-BAL")
    page.fill("#narrative", narrative)


def visible_values(page, selector):
    return {o["value"] for o in page.evaluate(OPTIONS, selector) if not o["hidden"]}


def test_kazakh_complaint_with_two_files_progress_receipt_and_tracking(page, live_server, demo):
    progress = []
    page.expose_function("reportProgress", lambda state: progress.append(state))
    page.add_init_script(WATCH_PROGRESS)
    page.goto(live_server + "/complaints/new")
    assert page.get_attribute("html", "lang") == "kk" and page.locator("#upload-progress").is_hidden()
    fill_basics(page)

    # Stations: only the chosen district's, plus electronic voting.
    stations = page.evaluate(OPTIONS, "#station")
    shown = [o for o in stations if o["value"] and not o["hidden"]]
    assert {o["region"] for o in shown if o["kind"] != "electronic"} == {"KZ-KAR-BAL"}
    assert "E-VOTE" in {o["value"] for o in shown}
    assert {o["value"] for o in stations if o["region"] == "KZ-KAR-BAL"} <= {o["value"] for o in shown}
    assert any(o["hidden"] for o in stations if o["region"] == "KZ-KAR")  # the region's own
    assert page.evaluate("""Array.from(document.querySelectorAll('#station optgroup'))
                            .filter(g => !g.hidden).length""") == 1
    page.select_option("#station", "KAR-BAL-018")

    # Candidates: found by part of the name in Kazakh, Russian or Latin letters.
    assert page.locator("#candidate-filter").is_visible()
    target = db.session.scalar(select(Candidate).where(Candidate.code == "C-007"))
    everyone = [o["value"] for o in page.evaluate(OPTIONS, "#accused")]
    names = {c.code: f"{c.name_kk} {c.name_ru} {c.name_en}".lower()
             for c in db.session.scalars(select(Candidate))}
    for typed in (target.name_kk[:5], target.name_ru[:5].upper(), target.name_en.split()[-1][:5]):
        page.fill("#candidate-filter", typed)
        expected = {code for code in everyone if typed.lower() in names[code]}
        assert target.code in expected and len(expected) < len(everyone)
        assert visible_values(page, "#accused") == expected, typed
    page.fill("#candidate-filter", "")
    assert visible_values(page, "#accused") == set(everyone)
    page.select_option("#accused", target.code)
    page.fill("#candidate-filter", "zzz-nobody")
    assert visible_values(page, "#accused") == {target.code}  # the chosen one stays in view

    # Two files, shown with their sizes; one removed and added again.
    photo, photo_name = big_png(), "сайлау-учаскесіндегі-ақша-таратқан-адамның-суреті.png"
    pdf_name = "хаттама.pdf"
    pdf_payload = {"name": pdf_name, "mimeType": "application/pdf", "buffer": PDF}
    page.set_input_files("#evidence", [
        {"name": photo_name, "mimeType": "image/png", "buffer": photo}, pdf_payload])
    items = page.locator("#file-list li")
    assert items.count() == 2
    assert re.search(r"суреті\.png \([23],\d МБ\)", items.nth(0).inner_text())
    assert re.search(r"хаттама\.pdf \(1 КБ\)", items.nth(1).inner_text())
    items.nth(1).locator("button").click()
    assert items.count() == 1 and pdf_name not in page.inner_text("#file-list")
    page.set_input_files("#evidence", [pdf_payload])
    assert items.count() == 2 and pdf_name in items.nth(1).inner_text()
    assert page.evaluate(LINES, "#file-list button") == [1, 1]  # a long name does not crush it
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Loopback is instant: throttle the upload (Chromium's DevTools) to watch the bar move.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
             "downloadThroughput": -1, "uploadThroughput": 4 * 2**20})
    sending = page.get_attribute("#complaint-form", "data-uploading")
    page.click("#complaint-form button[type=submit]")
    page.wait_for_url(RECEIPT_RE)
    assert progress, "the progress bar never appeared"
    assert all(p["shown"] and p["locked"] for p in progress)  # no second click meanwhile
    values = [p["value"] for p in progress]
    assert values == sorted(values) and values[-1] == 100 and any(0 < v < 100 for v in values)
    assert {p["label"] for p in progress if p["label"]} == {f"{sending} {v}%" for v in values if v}

    code = page.inner_text("#tracking-code").strip()
    assert CODE_RE.match(code)
    assert page.evaluate(LINES, "#tracking-code") == [1]  # never split at a dash on a phone
    reference = page.inner_text(".receipt .reference").strip()
    assert REFERENCE_RE.fullmatch(reference)
    table = page.inner_text(".receipt table")
    for name, content in ((photo_name, photo), (pdf_name, PDF)):
        assert name in table and hashlib.sha256(content).hexdigest() in table

    assert count(Case) == 1 and count(Complaint) == 1 and count(EvidenceItem) == 2
    complaint = db.session.scalar(select(Complaint))
    assert complaint.case.reference == reference and complaint.language == "kk"
    assert complaint.case.station.code == "KAR-BAL-018" and complaint.narrative == NARRATIVE
    assert [c.code for c in complaint.case.accused] == [target.code]
    stored = db.session.scalars(select(EvidenceItem).order_by(EvidenceItem.id)).all()
    assert [(i.label, i.sha256, i.size) for i in stored] == [
        (photo_name, hashlib.sha256(photo).hexdigest(), len(photo)),
        (pdf_name, hashlib.sha256(PDF).hexdigest(), len(PDF))]

    # Tracking: the code typed carelessly (lowercase, spaces) still finds the case.
    page.click('.receipt a[href="/track"]')
    page.fill("#code", code.lower().replace("-", " "))
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/track/case$"))
    assert reference in page.inner_text("h1")
    assert page.locator("section.status.status-received .status-label").is_visible()


def test_russian_complaint_without_evidence_asks_before_sending(page, live_server, demo):
    page.goto(live_server + "/complaints/new")
    page.click('button[data-lang="ru"]')
    page.wait_for_url(live_server + "/complaints/new")
    assert page.get_attribute("html", "lang") == "ru"
    fill_basics(page)
    warning = page.get_attribute("#complaint-form", "data-confirm-no-evidence")

    asked, posts = [], []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.once("dialog", lambda d: (asked.append((d.type, d.message)), d.dismiss()))
    page.click("#complaint-form button[type=submit]")
    assert page.evaluate("document.getElementById('confirm_no_evidence').checked") is False
    assert warning and asked == [("confirm", warning)] and posts == []
    assert page.url == live_server + "/complaints/new"
    assert page.locator("#upload-progress").is_hidden() and count(Complaint) == 0
    assert page.locator("#complaint-form button[type=submit]").is_enabled()

    page.once("dialog", lambda d: (asked.append((d.type, d.message)), d.accept()))
    page.click("#complaint-form button[type=submit]")
    page.wait_for_url(RECEIPT_RE)
    assert asked[1:] == [("confirm", warning)] and posts == [live_server + "/complaints/new"]
    assert page.get_attribute("html", "lang") == "ru"
    assert CODE_RE.match(page.inner_text("#tracking-code").strip())
    assert page.locator(".receipt table").count() == 0
    assert count(Complaint) == 1 and count(EvidenceItem) == 0
    complaint = db.session.scalar(select(Complaint))
    assert complaint.language == "ru" and complaint.case.reference in page.inner_text(".receipt")


def test_files_survive_when_the_server_sends_the_form_back(page, live_server, demo):
    asked = []
    page.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.goto(live_server + "/complaints/new")
    fill_basics(page, narrative="Too short.")
    photo = png_bytes(3, 3)
    page.set_input_files("#evidence", [{"name": "фото.png", "mimeType": "image/png",
                                        "buffer": photo}])
    page.click("#complaint-form button[type=submit]")
    page.wait_for_selector("#narrative-error")  # the server's answer replaced the page
    assert page.url == live_server + "/complaints/new" and count(Complaint) == 0
    assert page.locator("#file-list li").all_inner_texts()[0].startswith("фото.png (1 КБ)")
    assert page.locator(".candidate-search").is_visible()  # the script runs again
    page.fill("#narrative", NARRATIVE)
    page.click("#complaint-form button[type=submit]")
    page.wait_for_url(RECEIPT_RE)
    assert asked == []  # the file was still there: no "without evidence?" question
    assert hashlib.sha256(photo).hexdigest() in page.inner_text(".receipt table")
    assert count(Complaint) == 1 and count(EvidenceItem) == 1


def test_without_javascript_the_server_asks_about_missing_evidence(browser, live_server, demo):
    context = browser.new_context(java_script_enabled=False, locale="kk-KZ",
                                  viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(live_server + "/complaints/new")
        assert page.locator(".candidate-search").is_hidden()  # needs JavaScript
        assert page.locator("#confirm_no_evidence").is_hidden()
        fill_basics(page)
        page.click("#complaint-form button[type=submit]")
        page.wait_for_selector(".notice[role=alert] #confirm_no_evidence", state="visible")
        assert page.url == live_server + "/complaints/new"
        assert page.input_value("#narrative") == NARRATIVE  # nothing typed is lost
        assert count(Complaint) == 0
        page.check("#confirm_no_evidence")
        page.click("#complaint-form button[type=submit]")
        page.wait_for_url(RECEIPT_RE)
        assert CODE_RE.match(page.inner_text("#tracking-code").strip())
        assert count(Complaint) == 1 and count(EvidenceItem) == 0
    finally:
        context.close()


def test_a_refused_send_keeps_the_form_and_says_why_beside_the_button(page, live_server, app,
                                                                       demo, monkeypatch):
    """An error page (here the rate limit) never replaces the form: what was typed and the
    files chosen stay, and the reason is shown and focused next to the send button."""
    monkeypatch.setitem(app.config, "CASEWORK_LIMIT_SUBMIT", "1 per minute")
    # A refused send counts toward its own allowance only (never the accepted sends'): here
    # one, so the second send meets the limit.
    monkeypatch.setitem(app.config, "CASEWORK_LIMIT_SUBMIT_REFUSED", "1 per minute")
    page.on("dialog", lambda d: d.accept())  # the first send has no file: "send anyway?"
    page.context.add_cookies([{"name": "casework_lang", "value": "ru", "url": live_server}])
    page.goto(live_server + "/complaints/new")
    fill_basics(page, narrative="Too short.")
    page.click("#complaint-form button[type=submit]")
    page.wait_for_selector("#narrative-error")  # the first send: the form comes back
    fill_basics(page)
    page.set_input_files("#evidence", [{"name": "фото.png", "mimeType": "image/png",
                                        "buffer": png_bytes(3, 3)}])
    page.click("#complaint-form button[type=submit]")
    error = page.locator("#send-error")
    error.wait_for(state="visible")
    assert "Слишком много" in error.inner_text()
    assert page.evaluate("document.activeElement.id") == "send-error"
    assert page.input_value("#narrative") == NARRATIVE
    assert page.locator("#file-list li").count() == 1
    assert page.locator("#complaint-form button[type=submit]").is_enabled()
    assert page.url == live_server + "/complaints/new" and count(Complaint) == 0


def test_a_full_evidence_disk_gives_the_form_back_with_the_files(page, live_server, app, demo,
                                                                 monkeypatch):
    """503 from the evidence store: the form again with the outage said, everything typed and
    the chosen files kept; once there is room the same send files it once."""
    with app.app_context():
        from casework.evidence.storage import get_storage

        storage = get_storage()
    monkeypatch.setattr(storage, "min_free", 2**62)
    page.goto(live_server + "/complaints/new")
    fill_basics(page)
    photo = png_bytes(4, 4)
    page.set_input_files("#evidence", [{"name": "photo.png", "mimeType": "image/png",
                                        "buffer": photo}])
    page.click("#complaint-form button[type=submit]")
    page.wait_for_selector("#outage")
    assert page.input_value("#narrative") == NARRATIVE and count(Complaint) == 0
    assert page.locator("#file-list li").count() == 1
    monkeypatch.setattr(storage, "min_free", 0)
    page.click("#complaint-form button[type=submit]")
    page.wait_for_url(RECEIPT_RE)
    assert hashlib.sha256(photo).hexdigest() in page.inner_text(".receipt table")
    assert count(Complaint) == 1 and count(EvidenceItem) == 1
