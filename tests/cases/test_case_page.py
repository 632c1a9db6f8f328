"""The case page over HTTP: each role's view and actions, region scope (404) and roles (403),
CSRF, internal notes kept off every public surface, evidence downloads (headers, audit,
tampering), the timeline (each kind, a fixed number of queries), merging, and the accused
candidate's right of reply."""

import io
import os
import re
import secrets
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.cases import notes
from casework.cases.access import load_case_for
from casework.cases.accused import notify_accused, record_accused_reply
from casework.cases.models import (
    AccusedNotice,
    Case,
    CaseMessage,
    CaseNote,
    CaseState,
    CaseTransition,
    MessageAuthor,
    NoticeMethod,
    ScreeningChecklist,
)
from casework.cases.timeline import timeline
from casework.cases.transitions import apply
from casework.cases.workflow import CHECKLIST_NAMES
from casework.core.audit import AuditEntry, verify
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.elections.models import Candidate
from casework.evidence.models import EvidenceItem
from casework.evidence.storage import get_storage
from casework.extensions import db
from casework.hotline.models import Call, CallPurpose
from casework.intake.models import Channel, Complaint
from casework.intake.services import ComplaintDraft, Upload, add_reply, submit_complaint
from casework.mailin.models import InboundMail, InboundStatus
from casework.notifications.models import OutboxMessage
from tests import factories
from tests.plugin.data import NARRATIVE_T2020 as NARRATIVE
from tests.plugin.data import PDF, csrf_from, png_bytes
from tests.plugin.queries import counted_queries

NOTE = "Internal: the operator thinks the caller works for a rival campaign."


# -- set-up ---------------------------------------------------------------------------------

pytestmark = pytest.mark.usefixtures("evidence_dir", "english")


def candidate(election, code: str = "C01", name: str = "Asan Usenov") -> Candidate:
    """Asan Usenov unless told otherwise, committed."""
    found = factories.candidate(election, code, name)
    db.session.commit()
    return found


@pytest.fixture
def people(election):
    def user(role, email, regions=None):
        return factories.user(role, election=election, email=email, regions=regions)

    return {
        "reviewer": user("reviewer", "kar@test.kz", ["KZ-KAR"]),
        "almaty": user("reviewer", "ala@test.kz", ["KZ-ALA"]),
        "secretary": user("secretary", "secretary@test.kz"),
        "chair": user("chair", "chair@test.kz"),
        "auditor": user("auditor", "auditor@test.kz", ["KZ-KAR"]),
        "operator": user("operator", "operator@test.kz", ["KZ-KAR"]),
        "admin": user("admin", "admin@test.kz"),
    }


@pytest.fixture
def file_complaint(election):
    """file_complaint(...) -> (case, tracking code): through the one submit operation."""
    def file(*, email: str | None = "asel@example.kz", files=(), accused=(), region_code="KZ-KAR-BAL",
             language="en"):
        key = secrets.token_urlsafe(24)
        draft = ComplaintDraft(election=election, category="vote_buying", region_code=region_code,
                               narrative=NARRATIVE, submission_key=key, language=language,
                               anonymous=email is None, name="Asel" if email else None,
                               email=email, accused_codes=[c.code for c in accused])
        uploads = [Upload(io.BytesIO(content), name) for name, content in files]
        submission = submit_complaint(draft, uploads, channel=Channel.WEB)
        db.session.commit()
        return submission.case, submission.tracking_code

    return file


def as_user(app, login, user):
    client = app.test_client()
    client.set_cookie("casework_lang", "en")
    if user is not None:
        response = login(client, user)
        assert response.status_code == 302
    return client


def page_url(case, suffix: str = "") -> str:
    return f"/cases/{case.reference}{suffix}"


def post(client, url: str, prefix: str | None = None, token: str | None = True, **fields):
    """POST a prefixed form of the case page with a CSRF token taken from a page."""
    data = {(f"{prefix}-{name}" if prefix else name): value for name, value in fields.items()}
    if token:
        data[f"{prefix}-csrf_token" if prefix else "csrf_token"] = csrf_from(client, "/")
    return client.post(url, data=data, content_type="multipart/form-data")


def act(client, case, action: str, **fields):
    return post(client, page_url(case, f"/act/{action}"), action, **fields)


def state_of(case) -> CaseState:
    db.session.expire_all()
    return db.session.scalar(select(Case.state).where(Case.id == case.id))


def forms_on(html: str) -> set[str]:
    return set(re.findall(r'<form method="post" action="/cases/[^/"]+(/[^"]*)"', html))


def audit_actions(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def fill_checklist(client, case, **items):
    values = dict.fromkeys(CHECKLIST_NAMES, "yes") | items
    return post(client, page_url(case, "/checklist"), "checklist", notes="Looks fine.", **values)


# -- the page for each role ---------------------------------------------------------------------

@pytest.mark.parametrize("who, status, forms", [
    # An unassigned case: every member may also claim it, and ask a custodian for the
    # named complainant's identity (cases/identity.py).
    ("reviewer", 200, {"/act/start_screening", "/notes", "/messages", "/claim", "/identity"}),
    ("secretary", 200, {"/act/start_screening", "/notes", "/messages", "/assign", "/claim",
                        "/identity"}),
    ("chair", 200, {"/act/start_screening", "/notes", "/messages", "/assign", "/claim",
                    "/identity"}),
    ("auditor", 200, set()),
    ("almaty", 404, None),
    ("operator", 403, None),
    ("admin", 403, None),
])
def test_the_page_for_each_role(app, login, people, file_complaint, who, status, forms):
    case, _code = file_complaint()
    client = as_user(app, login, people[who])
    response = client.get(page_url(case))
    assert response.status_code == status
    if forms is not None:
        html = response.get_data(as_text=True)
        assert forms_on(html) == forms
        assert case.reference in html and "Received" in html and "Balkhash" in html
        assert NARRATIVE in html  # the complaint in the timeline
        assert ("Read-only" in html) is (who == "auditor")
        # Nobody sees the named complainant by role: the identity is protected.
        assert "asel@example.kz" not in html and "Complainant (identity protected)" in html


def test_unknown_reference_is_404_and_anonymous_goes_to_login(app, client, login, people,
                                                              file_complaint):
    case, _code = file_complaint()
    anonymous = client.get(page_url(case))
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    reviewer = as_user(app, login, people["reviewer"])
    assert reviewer.get("/cases/T2020-KAR-99999").status_code == 404
    assert reviewer.get(page_url(case).lower()).status_code == 200  # references are not case-sensitive


def test_a_case_with_no_region_is_seen_only_with_all_regions(app, login, people, election):
    from casework.cases.models import Category
    from casework.cases.services import open_case

    case = open_case(election=election, region=None, category=Category.OTHER, station=None,
                     accused=[])
    db.session.commit()
    assert as_user(app, login, people["reviewer"]).get(page_url(case)).status_code == 404
    assert as_user(app, login, people["secretary"]).get(page_url(case)).status_code == 200


def test_deadline_and_overdue_marker_in_the_header(app, login, people, file_complaint):
    case, _code = file_complaint()
    case.created_at = utcnow() - timedelta(days=3)  # screening is due within 24 hours
    db.session.commit()
    html = as_user(app, login, people["reviewer"]).get(page_url(case)).get_data(as_text=True)
    assert 'class="case-overdue"' in html


# -- the workflow through HTTP -----------------------------------------------------------------

def decide_as_the_decisions_page_does(case, chair, outcome: str, reasons: str) -> None:
    """A decision moves the case through the decisions page (votes, quorum: tests/decisions);
    here only its move, as record_decision takes it."""
    db.session.expire_all()
    apply(db.session.get(Case, case.id), "decide", actor=chair, outcome=outcome, reasons=reasons)
    db.session.commit()


def test_a_case_goes_through_the_workflow_over_http(app, login, people, file_complaint):
    case, _code = file_complaint()
    reviewer = as_user(app, login, people["reviewer"])
    assert act(reviewer, case, "start_screening").status_code == 302
    assert state_of(case) is CaseState.SCREENING

    html = reviewer.get(page_url(case)).get_data(as_text=True)
    assert {"/checklist", "/act/admit", "/act/reject"} <= forms_on(html)
    assert "/act/merge" not in forms_on(html)  # the secretary or chair merges
    assert fill_checklist(reviewer, case, not_duplicate="no").status_code == 302
    refused = act(reviewer, case, "admit")
    assert refused.status_code == 422 and "checklist failed" in refused.get_data(as_text=True)
    fill_checklist(reviewer, case)
    checklist = db.session.get(ScreeningChecklist, case.id)
    assert checklist.passed and checklist.notes == "Looks fine."
    assert act(reviewer, case, "admit").status_code == 302
    assert state_of(case) is CaseState.INVESTIGATION

    missing = act(reviewer, case, "request_info", question="  ")
    assert missing.status_code == 422
    assert "Write the question for the complainant." in missing.get_data(as_text=True)
    assert act(reviewer, case, "request_info", question="Which entrance?").status_code == 302
    assert state_of(case) is CaseState.INFO_REQUESTED
    html = reviewer.get(page_url(case)).get_data(as_text=True)
    assert "/act/info_received" in forms_on(html) and "Which entrance?" in html
    assert act(reviewer, case, "info_received").status_code == 302
    assert act(reviewer, case, "ready_findings").status_code == 302
    assert state_of(case) is CaseState.FINDINGS_READY
    decide_link = f'href="/cases/{case.reference}/decide"'
    html = reviewer.get(page_url(case)).get_data(as_text=True)
    assert "/act/decide" not in forms_on(html) and decide_link not in html
    bare = act(reviewer, case, "decide", outcome="confirmed", reasons="x")
    assert bare.status_code == 302 and bare.headers["Location"].endswith("/decide")
    assert state_of(case) is CaseState.FINDINGS_READY  # never a bare move

    chair = as_user(app, login, people["chair"])
    html = chair.get(page_url(case)).get_data(as_text=True)
    assert decide_link in html and "/act/decide" not in forms_on(html)
    decide_as_the_decisions_page_does(case, people["chair"], "confirmed",
                                      "Two witnesses and a photo.")
    assert state_of(case) is CaseState.DECIDED
    assert act(chair, case, "appeal", reason="The candidate contests it.").status_code == 302
    assert act(chair, case, "reopen").status_code == 302
    assert state_of(case) is CaseState.INVESTIGATION
    assert act(reviewer, case, "ready_findings").status_code == 302
    decide_as_the_decisions_page_does(case, people["chair"], "not_confirmed", "Staged.")
    assert act(chair, case, "close").status_code == 302
    assert state_of(case) is CaseState.CLOSED
    html = chair.get(page_url(case)).get_data(as_text=True)
    # closed: no move, no assignment
    assert forms_on(html) == {"/notes", "/messages", "/identity"}
    actions = [t.action for t in db.session.scalars(
        select(CaseTransition).where(CaseTransition.case_id == case.id).order_by(CaseTransition.id))]
    assert actions == ["start_screening", "admit", "request_info", "info_received",
                       "ready_findings", "decide", "appeal", "reopen", "ready_findings",
                       "decide", "close"]
    assert verify().ok


def test_reject_with_reason_code_and_public_reason(app, login, people, file_complaint):
    case, code = file_complaint()
    reviewer = as_user(app, login, people["reviewer"])
    act(reviewer, case, "start_screening")
    fill_checklist(reviewer, case, specific_facts="no")
    response = act(reviewer, case, "reject", reason_code="no_specific_facts",
                   public_reason="The complaint names no place or time.")
    assert response.status_code == 302
    assert state_of(case) is CaseState.INADMISSIBLE
    assert db.session.get(Case, case.id).public_reason == "The complaint names no place or time."


def test_decide_goes_to_the_decisions_page(app, login, people, file_complaint):
    case, _code = file_complaint()
    case.state = CaseState.FINDINGS_READY  # test set-up only
    db.session.commit()
    chair = as_user(app, login, people["chair"])
    html = chair.get(page_url(case)).get_data(as_text=True)
    assert f'href="/cases/{case.reference}/decide"' in html and "/act/decide" not in forms_on(html)
    response = act(chair, case, "decide", outcome="confirmed", reasons="x")
    assert response.status_code == 302 and response.headers["Location"].endswith("/decide")
    assert state_of(case) is CaseState.FINDINGS_READY


def test_refusals_answer_409_403_and_422_and_change_nothing(app, login, people, file_complaint):
    case, _code = file_complaint()
    reviewer = as_user(app, login, people["reviewer"])
    act(reviewer, case, "start_screening")
    again = act(reviewer, case, "start_screening")  # the page was stale: the case moved on
    assert again.status_code == 409 and "is not possible while the case" in again.get_data(as_text=True)
    merge = act(reviewer, case, "merge", into="T2020-KAR-00001")
    assert merge.status_code == 403
    assert act(reviewer, case, "no_such_action").status_code == 404
    assert state_of(case) is CaseState.SCREENING
    assert db.session.scalar(select(func.count()).select_from(CaseTransition)) == 1


def test_other_users_get_403_or_404_and_the_row_is_unchanged(app, login, people, file_complaint):
    case, _code = file_complaint()
    almaty = as_user(app, login, people["almaty"])
    auditor = as_user(app, login, people["auditor"])
    operator = as_user(app, login, people["operator"])
    reviewer = as_user(app, login, people["reviewer"])
    for client, status in ((almaty, 404), (auditor, 403), (operator, 403)):
        assert act(client, case, "start_screening").status_code == status
        assert post(client, page_url(case, "/notes"), "note", body="x").status_code == status
        assert post(client, page_url(case, "/messages"), "message", body="x").status_code == status
        assert fill_checklist(client, case).status_code == status
    assert post(almaty, page_url(case, "/assign"), "assign",
                assignee=str(people["almaty"].id)).status_code == 404  # out of scope: 404 first
    assert post(reviewer, page_url(case, "/assign"), "assign",
                assignee=str(people["reviewer"].id)).status_code == 403
    db.session.expire_all()
    row = db.session.get(Case, case.id)
    assert row.state is CaseState.RECEIVED and row.assignee_id is None
    assert db.session.scalar(select(func.count()).select_from(CaseNote)) == 0
    assert db.session.scalar(select(func.count()).select_from(CaseMessage)) == 0


def test_posts_need_the_csrf_token(app, login, people, file_complaint):
    case, _code = file_complaint()
    reviewer = as_user(app, login, people["reviewer"])
    assert post(reviewer, page_url(case, "/act/start_screening"), "start_screening",
                token=None).status_code == 400
    assert post(reviewer, page_url(case, "/notes"), "note", token=None, body="x").status_code == 400
    assert state_of(case) is CaseState.RECEIVED


# -- notes and messages ------------------------------------------------------------------------

def track(client, code: str):
    token = csrf_from(client, "/track")
    response = client.post("/track", data={"code": code, "csrf_token": token})
    assert response.status_code == 302
    return client.get("/track/case").get_data(as_text=True)


def test_internal_notes_never_reach_the_complainant(app, client, login, people, file_complaint):
    case, code = file_complaint()
    reviewer = as_user(app, login, people["reviewer"])
    assert post(reviewer, page_url(case, "/notes"), "note", body=NOTE).status_code == 302
    assert post(reviewer, page_url(case, "/messages"), "message",
                body="Could you send the photo you mention?").status_code == 302
    staff_page = reviewer.get(page_url(case)).get_data(as_text=True)
    assert NOTE in staff_page and "never shown to the complainant" in staff_page

    public = track(client, code)
    assert "Could you send the photo you mention?" in public
    assert NOTE not in public and "Internal" not in public
    api = client.get(f"/api/v1/track/{code}")
    assert api.status_code == 200
    assert "Could you send the photo you mention?" in api.get_data(as_text=True)
    assert NOTE not in api.get_data(as_text=True)
    [entry] = audit_actions("case.note_added")
    assert NOTE not in str(entry.details)  # the audit log says a note exists, not what it says


def test_a_message_is_emailed_to_each_complainant_with_an_address(app, login, people,
                                                                  file_complaint):
    case, _code = file_complaint(email="asel@example.kz")
    reviewer = as_user(app, login, people["reviewer"])
    post(reviewer, page_url(case, "/messages"), "message", body="Please call us back.")
    db.session.expire_all()
    [message] = db.session.scalars(select(CaseMessage))
    assert message.author is MessageAuthor.COMMITTEE and message.complaint_id is None
    assert message.author_user_id == people["reviewer"].id
    [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "cases/message"))
    assert mail.recipient == "asel@example.kz" and "Please call us back." in mail.body_text
    assert case.reference in mail.subject and "/track" in mail.body_text
    assert state_of(case) is CaseState.RECEIVED  # a message does not move the case


# -- evidence ------------------------------------------------------------------------------------

def tamper(item: EvidenceItem) -> None:
    path = get_storage().path(item.sha256)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(Path(path).read_bytes())
    data[-5] ^= 0xFF
    Path(path).write_bytes(bytes(data))


def test_evidence_download_is_an_audited_attachment(app, login, people, file_complaint):
    case, _code = file_complaint(files=[("photo.png", png_bytes()), ("act.pdf", PDF)])
    photo = db.session.scalar(select(EvidenceItem).where(EvidenceItem.label == "photo.png"))
    reviewer = as_user(app, login, people["reviewer"])
    html = reviewer.get(page_url(case)).get_data(as_text=True)
    assert photo.sha256 in html and f"/evidence/{photo.id}" in html
    response = reviewer.get(page_url(case, f"/evidence/{photo.id}"))
    assert response.status_code == 200 and response.data == png_bytes()
    response.close()  # as the WSGI server does: closes the verified copy
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    [entry] = audit_actions("evidence.downloaded")
    assert entry.actor_id == people["reviewer"].id and entry.details["evidence_id"] == photo.id

    almaty = as_user(app, login, people["almaty"])
    assert almaty.get(page_url(case, f"/evidence/{photo.id}")).status_code == 404
    other, _ = file_complaint(files=[("other.pdf", PDF)], email=None)
    assert reviewer.get(page_url(other, f"/evidence/{photo.id}")).status_code == 404
    assert reviewer.get(page_url(case, "/evidence/999999")).status_code == 404
    assert as_user(app, login, people["operator"]).get(
        page_url(case, f"/evidence/{photo.id}")).status_code == 403
    assert len(audit_actions("evidence.downloaded")) == 1


def test_a_tampered_file_is_a_loud_recorded_409(app, login, people, file_complaint):
    case, _code = file_complaint(files=[("photo.png", png_bytes())])
    item = db.session.scalar(select(EvidenceItem))
    tamper(item)
    response = as_user(app, login, people["auditor"]).get(page_url(case, f"/evidence/{item.id}"))
    assert response.status_code == 409 and b"integrity check" in response.data
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    [entry] = audit_actions("evidence.integrity_failed")
    assert entry.actor_id == people["auditor"].id and entry.details["evidence_id"] == item.id
    assert audit_actions("evidence.downloaded") == []


# -- the timeline --------------------------------------------------------------------------------

def add_everything(case, people, n: int = 1) -> None:
    """n rows of every kind the timeline shows (besides the filed complaint)."""
    now = utcnow()
    candidate_ = case.accused[0]
    for i in range(n):
        db.session.add(Call(operator_id=people["operator"].id, caller_number="+77011234567",
                            started_at=now, ended_at=now + timedelta(seconds=75),
                            purpose=CallPurpose.FOLLOW_UP, note=f"Caller adds detail {i}",
                            case_id=case.id))
        db.session.add(InboundMail(message_key=secrets.token_hex(8), raw_sha256="0" * 64, size=10,
                                   sender="voter@example.kz", subject=f"More facts {i}",
                                   source="imap", status=InboundStatus.FOLLOW_UP, case_id=case.id))
        db.session.add(EvidenceItem(case_id=case.id, sha256=secrets.token_hex(32), size=10,
                                    content_type="image/png", label=f"extra-{i}.png",
                                    source="tracking"))
        notes.add_note(case, people["reviewer"], f"note {i}")
        db.session.add(CaseMessage(case_id=case.id, author=MessageAuthor.COMPLAINANT,
                                   body=f"reply {i}", channel="email"))
        notice = notify_accused(case, candidate_, people["reviewer"], NoticeMethod.LETTER)
        record_accused_reply(notice, people["reviewer"], f"I deny it {i}", [])
    db.session.commit()


def test_the_timeline_has_every_kind_in_time_order_with_a_fixed_number_of_queries(
        app, login, people, election, file_complaint):
    accused = candidate(election)
    case, _code = file_complaint(accused=[accused], files=[("photo.png", png_bytes())])
    for action in ("start_screening",):
        apply(case, action, actor=people["reviewer"])
    db.session.add(ScreeningChecklist(case_id=case.id, **dict.fromkeys(CHECKLIST_NAMES, True)))
    apply(case, "admit", actor=people["reviewer"])
    db.session.commit()
    add_everything(case, people)

    def count_queries(fn):
        with counted_queries() as statements:
            result = fn()
        return result, len(statements)

    db.session.expire_all()
    case = db.session.get(Case, case.id)
    entries, first = count_queries(lambda: timeline(case))
    kinds = [e.kind for e in entries]
    assert set(kinds) == {"complaint", "call", "mail", "evidence", "note", "message",
                          "transition", "notice", "reply"}
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert kinds[0] == "complaint"
    titles = [str(e.title) for e in entries]
    assert "Start screening" in titles and "Internal note" in titles
    assert any(t.startswith("Reply of the accused") for t in titles)

    add_everything(case, people, n=5)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    more, second = count_queries(lambda: timeline(case))
    assert len(more) > len(entries) + 30
    assert second == first <= 9  # one query per kind (SMS too), whatever the number of rows

    auditor, url = as_user(app, login, people["auditor"]), page_url(case)
    auditor.get(url)  # the first page after sign-in also stores the session's new CSRF token
    _response, page_queries = count_queries(lambda: auditor.get(url))
    add_everything(case, people, n=3)
    response, more_page_queries = count_queries(lambda: auditor.get(url))
    assert response.status_code == 200 and more_page_queries == page_queries  # no query per row
    html = response.get_data(as_text=True)
    for kind in ("complaint", "call", "mail", "evidence", "note", "message", "transition",
                 "notice", "reply"):
        assert f'data-kind="{kind}"' in html
    assert "Caller adds detail 0" in html and "I deny it 0" in html and "note 0" in html




def test_a_new_case_reads_only_the_kinds_of_rows_it_has(people, election, file_complaint,
                                                       monkeypatch):
    """One probe asks every kind at once; a case with a complaint and a file reads those two,
    and shows what reading every kind would show."""
    from casework.cases import timeline as timelines

    case, _code = file_complaint(files=[("photo.png", png_bytes())])
    db.session.commit()
    db.session.refresh(case)
    with counted_queries() as statements:
        entries = timeline(case)
    assert {e.kind for e in entries} == {"complaint", "evidence"}
    assert len(statements) == 3  # the probe, the complaints, the files
    names = {t.name for t in timelines.timeline_tables()} | {
        "case_notes", "case_messages", "case_transitions", "accused_notices"}
    with monkeypatch.context() as patched:
        patched.setattr(timelines, "_present", lambda case_id: names)
        with counted_queries() as every_kind:
            assert timeline(case) == entries
    assert len(every_kind) > len(statements) + 5
    # A row just added, not flushed yet, is on the timeline (the probe flushes first).
    db.session.add(CaseNote(case_id=case.id, author_id=people["reviewer"].id, body="fresh"))
    assert "note" in {e.kind for e in timeline(case)}


def test_the_page_takes_the_filing_facts_and_the_complainants_from_its_own_entries(
        people, election):
    """The first complaint by number (a merged case keeps its own first one), not the first
    in time, gives the filing check; an own finding alone has no one to write to."""
    from datetime import date, datetime

    from casework.cases import page as pages
    from casework.cases.filing import filing_check

    case = factories.case(election, state=CaseState.SCREENING,
                          created_at=datetime(2020, 5, 20, 4))
    first = factories.complaint(case, received_at=datetime(2020, 5, 20, 4))
    first.learned_on = date(2020, 5, 14)
    later = factories.complaint(case, received_at=datetime(2020, 5, 19, 4))  # earlier in time
    later.learned_on = date(2020, 5, 18)
    db.session.flush()
    page = pages.case_page(case, people["secretary"])
    assert page.filing == filing_check(case) and page.filing.since == date(2020, 5, 14)
    assert page.can_message

    own = factories.case(election, state=CaseState.SCREENING)
    factories.complaint(own, Channel.OWN_FINDING)
    assert not pages.case_page(own, people["secretary"]).can_message
    factories.complaint(own, Channel.HOTLINE)
    assert pages.case_page(own, people["secretary"]).can_message

def test_statements_built_once_read_each_cases_own_rows(app, login, people, election,
                                                        file_complaint):
    """The case page's statements are kept per process with the case as a parameter: pages
    of two cases read in turn each show their own calls, mails, files and notes, and the
    file both hold names the other case."""
    shared = secrets.token_hex(32)
    cases = [file_complaint(accused=[candidate(election, code)])[0] for code in ("C01", "C02")]
    for case in cases:
        mark = case.reference
        db.session.add(Call(operator_id=people["operator"].id, caller_number="+77011234567",
                            started_at=utcnow(), purpose=CallPurpose.FOLLOW_UP,
                            note=f"call on {mark}", case_id=case.id))
        db.session.add(InboundMail(message_key=secrets.token_hex(8), raw_sha256="0" * 64,
                                   size=10, sender="voter@example.kz", subject=f"mail on {mark}",
                                   source="imap", status=InboundStatus.FOLLOW_UP,
                                   case_id=case.id))
        db.session.add(EvidenceItem(case_id=case.id, sha256=shared, size=10,
                                    content_type="image/png", label=f"file-{mark}.png",
                                    source="tracking"))
        notes.add_note(case, people["reviewer"], f"note on {mark}")
    db.session.commit()
    secretary = as_user(app, login, people["secretary"])
    for _ in range(2):
        for case, other in (cases, cases[::-1]):
            html = secretary.get(page_url(case)).get_data(as_text=True)
            for kind in ("call", "mail", "note"):
                assert f"{kind} on {case.reference}" in html
                assert f"{kind} on {other.reference}" not in html
            assert f"file-{case.reference}.png" in html
            assert f"file-{other.reference}.png" not in html
            assert f'href="/cases/{other.reference}">{other.reference}</a> (the same file)' in html


# -- merging ---------------------------------------------------------------------------------------

def test_merge_moves_complaints_evidence_messages_and_tells_every_complainant_once(
        app, client, login, people, election, file_complaint):
    first, second = candidate(election, "C01"), candidate(election, "C02", "Bota Bekova")
    keep, keep_code = file_complaint(email="keep@example.kz", accused=[first],
                                     files=[("keep.png", png_bytes())])
    gone, gone_code = file_complaint(email="gone@example.kz", accused=[second],
                                     files=[("gone.pdf", PDF)])
    secretary = as_user(app, login, people["secretary"])
    for case in (keep, gone):
        act(secretary, case, "start_screening")
    post(secretary, page_url(gone, "/messages"), "message", body="Which station exactly?")
    post(secretary, page_url(gone, "/notes"), "note", body="Same facts as the other one.")
    gone_complaint = db.session.scalar(select(Complaint).where(Complaint.case_id == gone.id))
    add_reply(gone_complaint, "Station BAL-001.", [])
    db.session.commit()
    before = db.session.scalar(select(func.max(OutboxMessage.id)))

    unknown = act(secretary, gone, "merge", into="T2020-KAR-09999")
    assert unknown.status_code == 422 and "No case with this reference" in unknown.get_data(as_text=True)
    response = act(secretary, gone, "merge", into=keep.reference.lower())
    assert response.status_code == 302
    db.session.expire_all()
    gone, keep = db.session.get(Case, gone.id), db.session.get(Case, keep.id)
    assert gone.state is CaseState.MERGED and gone.merged_into_id == keep.id
    assert set(db.session.scalars(select(Complaint.case_id))) == {keep.id}
    assert set(db.session.scalars(select(EvidenceItem.case_id))) == {keep.id}
    assert set(db.session.scalars(select(CaseMessage.case_id))) == {keep.id}
    assert [c.code for c in keep.accused] == ["C01", "C02"]
    assert db.session.scalar(select(CaseNote.case_id)) == gone.id  # the pointer keeps its notes
    assert keep.state is CaseState.SCREENING

    mails = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > before)
                                    .order_by(OutboxMessage.id)))
    assert sorted(m.recipient for m in mails) == ["gone@example.kz", "keep@example.kz"]
    assert all(m.template == "cases/status_changed" and keep.reference in m.body_text
               for m in mails)
    told = {m.recipient: m for m in mails}
    assert "Joined with another case" in told["gone@example.kz"].subject
    assert gone.reference in told["keep@example.kz"].body_text
    [entry] = audit_actions("case.merged_in")
    assert entry.object_id == keep.reference and entry.details["complaints"] == 1

    # The moved complainant follows the surviving case with the same code, thread and all;
    # the other complainant never sees what was written to them.
    moved = track(client, gone_code)
    assert keep.reference in moved and "Which station exactly?" in moved
    assert "Station BAL-001." in moved
    other = app.test_client()
    stayed = track(other, keep_code)
    assert "Which station exactly?" not in stayed and "Station BAL-001." not in stayed

    pointer = secretary.get(page_url(gone)).get_data(as_text=True)
    assert "This case was merged into" in pointer and keep.reference in pointer
    survivor = secretary.get(page_url(keep)).get_data(as_text=True)
    assert gone.reference in survivor and "gone.pdf" in survivor


# -- the accused candidate's right of reply ---------------------------------------------------------

def test_notify_the_accused_and_record_the_reply_with_files(app, login, people, election,
                                                            file_complaint):
    accused = candidate(election)
    case, _code = file_complaint(accused=[accused])
    case.state = CaseState.INVESTIGATION  # test set-up only
    db.session.commit()
    reviewer = as_user(app, login, people["reviewer"])
    html = reviewer.get(page_url(case)).get_data(as_text=True)
    assert "/accused/notify" in forms_on(html)
    bad = post(reviewer, page_url(case, "/accused/notify"), "notify", candidate="999999",
               method="letter")
    assert bad.status_code == 422
    assert post(reviewer, page_url(case, "/accused/notify"), "notify", candidate=str(accused.id),
                method="in_person").status_code == 302
    notice = db.session.scalar(select(AccusedNotice))
    assert (notice.candidate_id, notice.method, notice.notified_by_id) == (
        accused.id, NoticeMethod.IN_PERSON, people["reviewer"].id)

    url = page_url(case, f"/accused/{notice.id}/reply")
    prefix = f"reply{notice.id}"
    assert post(reviewer, url, prefix, text="").status_code == 422
    response = post(reviewer, url, prefix, text="I was not there that day.",
                    files=[(io.BytesIO(PDF), "alibi.pdf")])
    assert response.status_code == 302
    db.session.expire_all()
    notice = db.session.get(AccusedNotice, notice.id)
    assert notice.reply_text == "I was not there that day." and notice.replied_at is not None
    [item] = db.session.scalars(select(EvidenceItem))
    assert (item.source, item.label, item.case_id) == ("accused_reply", "alibi.pdf", case.id)
    assert post(reviewer, url, prefix, text="again").status_code == 409
    html = reviewer.get(page_url(case)).get_data(as_text=True)
    assert "I was not there that day." in html and "alibi.pdf" in html
    assert [e.action for e in audit_actions("case.accused_replied")] == ["case.accused_replied"]

    almaty = as_user(app, login, people["almaty"])
    assert post(almaty, url, prefix, text="x").status_code == 404


def test_the_accused_is_notified_only_during_the_investigation(people, election, file_complaint):
    accused = candidate(election)
    case, _code = file_complaint(accused=[accused])
    with pytest.raises(Refusal) as caught:
        notify_accused(case, accused, people["reviewer"], "letter")
    assert caught.value.code == "not_allowed"
    case.state = CaseState.INVESTIGATION
    other = candidate(election, "C09", "Not Accused")
    with pytest.raises(Refusal) as caught:
        notify_accused(case, other, people["reviewer"], "letter")
    assert caught.value.field == "candidate"
    with pytest.raises(Refusal) as caught:
        notify_accused(case, accused, people["auditor"], "letter")
    assert caught.value.code == "forbidden"


def test_auditors_read_everything_in_scope_and_change_nothing(app, login, people, election,
                                                             file_complaint):
    accused = candidate(election)
    case, _code = file_complaint(accused=[accused], files=[("photo.png", png_bytes())])
    case.state = CaseState.INVESTIGATION
    db.session.commit()
    notes.add_note(case, people["reviewer"], NOTE)
    db.session.commit()
    auditor = as_user(app, login, people["auditor"])
    html = auditor.get(page_url(case)).get_data(as_text=True)
    assert NOTE in html and "photo.png" in html and forms_on(html) == set()
    assert "<textarea" not in html and "<select" not in html
    assert post(auditor, page_url(case, "/accused/notify"), "notify", candidate=str(accused.id),
                method="letter").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AccusedNotice)) == 0


def test_load_case_for_hides_existence_outside_the_scope(people, file_complaint):
    case, _code = file_complaint()
    assert load_case_for(people["reviewer"], case.reference).id == case.id
    assert load_case_for(people["reviewer"], f" {case.reference.lower()} ").id == case.id
    for who in ("almaty", "operator", "admin"):
        assert load_case_for(people[who], case.reference) is None
    assert load_case_for(people["reviewer"], "T2020-KAR-99999") is None
    assert load_case_for(people["reviewer"], "x" * 500) is None
    people["reviewer"].disabled_at = utcnow()
    assert load_case_for(people["reviewer"], case.reference) is None


def test_possible_duplicates_are_suggested_at_screening(client, login, make_user):
    """Two open complaints about the same candidate: each page points to the other."""
    from sqlalchemy import select as _select

    from casework.cases.models import Case as _Case
    from casework.demo.seed import seed
    from casework.elections.queries import current_election
    from casework.intake.models import Channel as _Channel
    from casework.intake.services import ComplaintDraft, submit_complaint

    seed()
    election = current_election()
    for key in ("dup-1", "dup-2"):
        submit_complaint(ComplaintDraft(
            election=election, category="vote_buying", region_code="KZ-KAR",
            narrative="Money was handed out to voters near polling station in Temirtau.",
            accused_codes=["C-007"], submission_key=key), [], channel=_Channel.WEB)
    db.session.commit()
    first, second = db.session.scalars(_select(_Case).order_by(_Case.id)).all()
    login(client, make_user("secretary", email="sec-dup@test.kz"))
    page = client.get(f"/cases/{first.reference}").get_data(as_text=True)
    assert 'id="similar-title"' in page and second.reference in page
