"""Sanction pages over HTTP: propose, four-eyes approval with a fresh proof of both factors
(step-up), the impact
shown, appeals, scope (404) and roles (403), CSRF, and the list filtered by status and scope."""

import re
import secrets
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from casework.accounts import stepup
from casework.accounts.models import LoginFailure
from casework.cases.models import CaseState, Category
from casework.cases.services import open_case
from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.decisions import services
from casework.decisions.models import Finding
from casework.elections import current
from casework.elections.models import Candidate, CandidateStatus
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.sanctions.models import Sanction, SanctionStatus
from casework.sanctions.services import approve_sanction, propose_sanction
from tests import factories
from tests.factories import region, station
from tests.plugin.data import csrf_from
from tests.plugin.queries import counted_queries
from tests.plugin.second_factor import totp_code

PASSWORD = factories.PASSWORD
SUMMARY = "Vote buying at BAL-001 confirmed by video and witnesses."


@pytest.fixture
def client_for(app, login):
    """client_for(user): a fresh browser, in English, logged in as `user`."""
    def make(user):
        browser = app.test_client()
        browser.set_cookie("casework_lang", "en")
        response = login(browser, user)
        assert response.status_code == 302
        return browser

    return make


def cited(case) -> list[int]:
    return list(db.session.scalars(select(Finding.id).where(Finding.case_id == case.id)))


def proposed(case, committee, actor="secretary", kind="candidate_disqualification",
             **kwargs) -> Sanction:
    """A sanction proposed through the service (set-up for the review and appeal pages)."""
    if kind in ("candidate_disqualification", "warning", "reprimand"):
        kwargs.setdefault("candidate_id", case.accused[0].id)
    sanction = propose_sanction(case, committee[actor], kind=kind, finding_ids=cited(case),
                                summary=SUMMARY, **kwargs)
    db.session.commit()
    return sanction


def enforced(case, committee, **kwargs) -> Sanction:
    sanction = proposed(case, committee, **kwargs)
    # Enforced an hour ago: an appeal filed "now" (to the minute) comes after it.
    approve_sanction(sanction, committee["chair"], now=utcnow() - timedelta(hours=1))
    db.session.commit()
    return sanction


def page_url(sanction) -> str:
    return f"/sanctions/{sanction.id}"


def propose_url(case) -> str:
    return f"/cases/{case.reference}/sanctions/new"


def action(browser, sanction, name: str, prefix: str, **fields):
    """POST one of the sanction page's forms, with the CSRF token from the page."""
    data = {f"{prefix}-csrf_token": csrf_from(browser, page_url(sanction)),
            **{f"{prefix}-{key}": value for key, value in fields.items()}}
    return browser.post(f"{page_url(sanction)}/{name}", data=data)


def fresh(sanction) -> Sanction:
    db.session.expire_all()
    return db.session.get(Sanction, sanction.id)


# -- propose, then approve by another person -----------------------------------------------

def test_secretary_proposes_and_chair_approves_a_removal(decided_case, committee, client_for,
                                                         results_world):
    case = decided_case()
    [finding_id] = cited(case)
    secretary = client_for(committee["secretary"])
    form = secretary.get(propose_url(case))
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert f"Finding {finding_id}" in html and "photo-1.png" in html
    assert "no personal data of the complainant" in html
    response = secretary.post(propose_url(case), data={
        "csrf_token": csrf_from(secretary, propose_url(case)),
        "kind": "candidate_disqualification", "finding_ids": [str(finding_id)],
        "candidate_id": str(results_world["C01"].id), "summary": SUMMARY})
    assert response.status_code == 302
    sanction = db.session.scalar(select(Sanction).where(Sanction.case_id == case.id))
    assert response.headers["Location"].endswith(page_url(sanction))
    assert (sanction.status, sanction.proposed_by_id) == (SanctionStatus.PROPOSED,
                                                          committee["secretary"].id)
    assert [f.id for f in sanction.findings] == [finding_id]

    page = secretary.get(page_url(sanction)).get_data(as_text=True)
    assert "The sanction is proposed." in page
    assert "Impact before approval" in page
    assert "Approve and enforce" not in page  # a secretary does not approve

    chair = client_for(committee["chair"])
    assert "Approve and enforce" in chair.get(page_url(sanction)).get_data(as_text=True)
    response = action(chair, sanction, "approve", "approve")
    assert response.status_code == 302
    sanction = fresh(sanction)
    assert sanction.status is SanctionStatus.ENFORCED
    assert sanction.reviewed_by_id == committee["chair"].id
    candidate = db.session.get(Candidate, results_world["C01"].id)
    assert candidate.status is CandidateStatus.DISQUALIFIED
    assert candidate.disqualified_by_sanction_id == sanction.id

    page = chair.get(page_url(sanction)).get_data(as_text=True)
    assert "The sanction is approved and enforced." in page
    assert "The effect" in page and "Approve and enforce" not in page
    # Karaganda, one seat: C01 (130) led C02 (120); removed, C02 takes the seat.
    assert "1 → removed" in page
    assert "2 → 1" in page and "3 → 2" in page
    assert "moves into a winning place" in page and "moves out of a winning place" in page
    assert "10 before, 60 after" in page  # 130 - 120; then C02 120 - C03 60


def test_propose_an_annulment_through_the_form(decided_case, committee, client_for, election):
    case = decided_case()
    bal = station(election, "BAL-001")
    secretary = client_for(committee["secretary"])
    html = secretary.get(propose_url(case)).get_data(as_text=True)
    assert "BAL-001" in html and "KAR-001" in html and "E-VOTE" in html
    assert "ALA-001" not in html  # a station outside the case's region is no choice
    response = secretary.post(propose_url(case), data={
        "csrf_token": csrf_from(secretary, propose_url(case)), "kind": "vote_annulment",
        "finding_ids": [str(i) for i in cited(case)], "summary": SUMMARY,
        "station_ids": [str(bal.id)], "annul_region_id": "", "candidates": "all"})
    assert response.status_code == 302, response.get_data(as_text=True)
    sanction = db.session.scalar(select(Sanction).where(Sanction.case_id == case.id))
    assert [s.code for s in sanction.stations] == ["BAL-001"]
    assert sanction.annul_all_candidates and not sanction.annul_electronic
    page = secretary.get(page_url(sanction)).get_data(as_text=True)
    assert "Polling stations: BAL-001" in page
    # 90 votes at BAL-001: C01 130 -> 70, C02 120 -> 100: C02 moves into the seat.
    assert "Results annulled: 3; votes: 90." in page
    assert "10 before, 30 after" in page


def test_a_proposal_without_a_finding_is_sent_back_on_the_field(decided_case, committee,
                                                                client_for):
    case = decided_case()
    secretary = client_for(committee["secretary"])
    response = secretary.post(propose_url(case), data={
        "csrf_token": csrf_from(secretary, propose_url(case)), "kind": "warning",
        "candidate_id": str(case.accused[0].id), "summary": SUMMARY})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = re.search(r'id="finding_ids-error">([^<]*)<', html)
    assert field and "must cite the confirmed finding(s)" in field.group(1)
    assert db.session.scalar(select(Sanction.id)) is None


def test_no_proposal_page_before_a_confirmed_decision(make_case, committee, client_for,
                                                      finding):
    case = make_case(CaseState.FINDINGS_READY)
    finding(case)
    secretary = client_for(committee["secretary"])
    assert secretary.get(propose_url(case)).status_code == 403
    findings_page = secretary.get(f"/cases/{case.reference}/findings").get_data(as_text=True)
    assert "Propose a sanction" not in findings_page


# -- four eyes and the fresh proof----------------------------------------------------------

def test_self_approval_is_refused_and_changes_nothing(decided_case, committee, client_for):
    case = decided_case()
    sanction = proposed(case, committee, actor="chair")
    chair = client_for(committee["chair"])
    assert "Approve and enforce" not in chair.get(page_url(sanction)).get_data(as_text=True)
    token = csrf_from(chair, page_url(sanction))
    response = chair.post(f"{page_url(sanction)}/approve",
                          data={"approve-csrf_token": token})
    assert response.status_code == 403
    sanction = fresh(sanction)
    assert sanction.status is SanctionStatus.PROPOSED and sanction.reviewed_by_id is None
    assert sanction.candidate.status is CandidateStatus.REGISTERED


def expire_the_proof(monkeypatch, app, seconds_more=1):
    """Make the last proof of both factors older than CASEWORK_STEP_UP_SECONDS."""
    later = time.time() + app.config["CASEWORK_STEP_UP_SECONDS"] + seconds_more
    monkeypatch.setattr(stepup, "time", SimpleNamespace(time=lambda: later))


def test_approval_with_a_proof_older_than_the_step_up_window_is_refused(
        decided_case, committee, client_for, monkeypatch, app):
    case = decided_case()
    sanction = proposed(case, committee)
    chair = client_for(committee["chair"])  # signing in is a proof: fresh now
    expire_the_proof(monkeypatch, app)
    page = chair.get(page_url(sanction)).get_data(as_text=True)
    assert "Confirm it is you first" in page
    response = action(chair, sanction, "approve", "approve")
    assert response.status_code == 303
    assert response.location.startswith("/account/confirm?next=")
    assert f"/sanctions/{sanction.id}" in response.location
    sanction = fresh(sanction)
    assert sanction.status is SanctionStatus.PROPOSED
    assert sanction.candidate.status is CandidateStatus.REGISTERED
    confirm = chair.get(response.location).get_data(as_text=True)
    assert "Nothing was done: confirm it is you" in confirm
    # Confirming (password + a new code) makes the proof fresh again: the approval goes through.
    monkeypatch.undo()
    token = csrf_from(chair, "/account/confirm")
    answer = chair.post("/account/confirm", data={
        "csrf_token": token, "password": PASSWORD, "code": totp_code(committee["chair"]),
        "next": page_url(sanction)})
    assert (answer.status_code, answer.location) == (303, page_url(sanction))
    assert action(chair, sanction, "approve", "approve").status_code == 302
    assert fresh(sanction).status is SanctionStatus.ENFORCED


def test_a_wrong_confirmation_changes_nothing_and_counts_as_a_failed_login(
        decided_case, committee, client_for, monkeypatch, app):
    case = decided_case()
    sanction = proposed(case, committee)
    chair = client_for(committee["chair"])
    expire_the_proof(monkeypatch, app)
    token = csrf_from(chair, "/account/confirm")
    answer = chair.post("/account/confirm", data={
        "csrf_token": token, "password": "not my password",
        "code": totp_code(committee["chair"]), "next": page_url(sanction)})
    assert answer.status_code == 401
    assert "Wrong password or code." in answer.get_data(as_text=True)
    assert action(chair, sanction, "approve", "approve").status_code == 303
    sanction = fresh(sanction)
    assert sanction.status is SanctionStatus.PROPOSED
    assert sanction.candidate.status is CandidateStatus.REGISTERED
    assert db.session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.account == committee["chair"].email)) == 1
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "user.step_up_failed")) is not None


def test_a_reviewer_cannot_approve(decided_case, committee, client_for):
    case = decided_case()
    sanction = proposed(case, committee)
    reviewer = client_for(committee["r1"])
    page = reviewer.get(page_url(sanction))
    assert page.status_code == 200 and "Approve and enforce" not in page.get_data(as_text=True)
    response = action(reviewer, sanction, "approve", "approve")
    assert response.status_code == 403
    assert fresh(sanction).status is SanctionStatus.PROPOSED


def test_the_chair_rejects_with_a_reason(decided_case, committee, client_for):
    case = decided_case()
    sanction = proposed(case, committee)
    chair = client_for(committee["chair"])
    response = action(chair, sanction, "reject", "reject", reason="")
    assert response.status_code == 422
    assert fresh(sanction).status is SanctionStatus.PROPOSED
    response = action(chair, sanction, "reject", "reject", reason="Disproportionate.")
    assert response.status_code == 302
    sanction = fresh(sanction)
    assert (sanction.status, sanction.rejection_reason) == (SanctionStatus.REJECTED,
                                                            "Disproportionate.")
    page = chair.get(page_url(sanction)).get_data(as_text=True)
    assert "Disproportionate." in page and "Impact before approval" not in page
    # Approving it now is a conflict with what happened meanwhile, not a permission matter.
    token = csrf_from(chair, page_url(sanction))
    response = chair.post(f"{page_url(sanction)}/approve",
                          data={"approve-csrf_token": token})
    assert response.status_code == 409
    assert fresh(sanction).status is SanctionStatus.REJECTED


def test_approval_without_csrf_token_is_refused(decided_case, committee, client_for):
    case = decided_case()
    sanction = proposed(case, committee)
    chair = client_for(committee["chair"])
    response = chair.post(f"{page_url(sanction)}/approve", data={})
    assert response.status_code == 400
    assert fresh(sanction).status is SanctionStatus.PROPOSED


# -- scope and read-only roles --------------------------------------------------------------

def test_an_outsider_gets_404(decided_case, committee, outsider, client_for):
    case = decided_case()
    sanction = proposed(case, committee)
    browser = client_for(outsider)
    assert browser.get(page_url(sanction)).status_code == 404
    assert browser.get(propose_url(case)).status_code == 404
    assert browser.get("/sanctions/999999").status_code == 404
    assert browser.get(f"/sanctions?case={case.reference}").status_code == 404


def test_an_auditor_reads_but_sees_no_form(decided_case, committee, make_user, client_for):
    case = decided_case()
    sanction = enforced(case, committee)
    auditor = client_for(make_user("auditor"))
    response = auditor.get(page_url(sanction))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert SUMMARY in html and "The effect" in html
    assert "<form method=\"post\" class=\"card" not in html
    assert "Record an appeal" not in html and "Approve and enforce" not in html
    assert auditor.get(propose_url(case)).status_code == 403
    assert action(auditor, sanction, "appeal", "appeal", filed_at="2020-06-01T10:00",
                  grounds="x").status_code == 403


# -- appeals --------------------------------------------------------------------------------

def test_record_and_decide_an_appeal_that_reverses_the_removal(decided_case, committee,
                                                               client_for, election):
    case = decided_case()
    sanction = enforced(case, committee)
    candidate_id = sanction.candidate_id
    secretary = client_for(committee["secretary"])
    page = secretary.get(page_url(sanction)).get_data(as_text=True)
    assert "Record an appeal" in page and "The time to appeal runs until" in page
    filed = (utcnow() + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")  # Almaty: UTC+5
    response = action(secretary, sanction, "appeal", "appeal", filed_at=filed,
                      grounds="The video shows someone else.")
    assert response.status_code == 302, response.get_data(as_text=True)
    appeal = fresh(sanction).appeal
    assert appeal.grounds == "The video shows someone else."
    assert abs(appeal.filed_at - utcnow()) < timedelta(minutes=2)  # stored in UTC

    chair = client_for(committee["chair"])
    page = chair.get(page_url(sanction)).get_data(as_text=True)
    assert "If the appeal reverses it" in page and "Decide the appeal" in page
    assert "Decide the appeal" not in secretary.get(page_url(sanction)).get_data(as_text=True)
    response = action(chair, sanction, "appeal/decision", "decide", outcome="reversed",
                      reasons="The video is inconclusive.")
    assert response.status_code == 302, response.get_data(as_text=True)
    sanction = fresh(sanction)
    assert sanction.status is SanctionStatus.REVERSED
    assert sanction.appeal.decided_by_id == committee["chair"].id
    candidate = db.session.get(Candidate, candidate_id)
    assert candidate.status is CandidateStatus.REGISTERED
    assert candidate.disqualified_by_sanction_id is None
    page = chair.get(page_url(sanction)).get_data(as_text=True)
    assert "Sanction reversed" in page and "The video is inconclusive." in page


def test_an_appeal_decision_without_a_fresh_proof_changes_nothing(decided_case, committee,
                                                                   client_for, monkeypatch, app):
    case = decided_case()
    sanction = enforced(case, committee)
    secretary = client_for(committee["secretary"])
    filed = (utcnow() + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    assert action(secretary, sanction, "appeal", "appeal", filed_at=filed,
                  grounds="Not me.").status_code == 302
    chair = client_for(committee["chair"])
    expire_the_proof(monkeypatch, app)
    response = action(chair, sanction, "appeal/decision", "decide", outcome="reversed",
                      reasons="y")
    assert response.status_code == 303 and "/account/confirm" in response.location
    sanction = fresh(sanction)
    assert sanction.status is SanctionStatus.ENFORCED and sanction.appeal.outcome is None
    assert sanction.candidate.status is CandidateStatus.DISQUALIFIED


# -- the list -------------------------------------------------------------------------------

def almaty_case(election, committee, results_world):
    """A decided Almaty case accusing A01, with a confirmed finding."""
    case = open_case(election=election, region=region(election, "KZ-ALA"),
                     category=Category.VOTE_BUYING, station=None,
                     accused=[results_world["A01"]])
    case.state = CaseState.FINDINGS_READY
    item = EvidenceItem(case_id=case.id, sha256=secrets.token_hex(32), size=100,
                        content_type="image/png", label="almaty.png", source="web")
    db.session.add(item)
    db.session.commit()
    services.add_finding(case, committee["r1"], allegation="Money offered.",
                         conclusion="confirmed", reasoning="A witness.", evidence_ids=[item.id])
    services.record_decision(
        case, committee["secretary"], meeting_at=utcnow() - timedelta(hours=1),
        present_ids=[committee[n].id for n in ("chair", "r1", "r2")],
        votes={committee[n].id: "for" for n in ("chair", "r1", "r2")},
        outcome="confirmed", reasons="The witness is credible.")
    db.session.commit()
    return case


def test_the_list_filters_by_status_and_hides_other_regions(decided_case, committee, outsider,
                                                            client_for, election,
                                                            results_world):
    waiting_case, done_case = decided_case(), decided_case()
    waiting = proposed(waiting_case, committee, kind="warning")
    done = enforced(done_case, committee, kind="reprimand")
    ala_case = almaty_case(election, committee, results_world)
    ala = proposed(ala_case, committee, kind="warning")

    chair = client_for(committee["chair"])
    html = chair.get("/sanctions").get_data(as_text=True)
    assert all(f"Sanction {s.id}<" in html for s in (waiting, done, ala))
    assert html.index(f"Sanction {ala.id}<") < html.index(f"Sanction {waiting.id}<")  # newest
    html = chair.get("/sanctions?status=proposed").get_data(as_text=True)
    assert f"Sanction {waiting.id}<" in html and f"Sanction {ala.id}<" in html
    assert f"Sanction {done.id}<" not in html
    html = chair.get("/sanctions?status=enforced").get_data(as_text=True)
    assert f"Sanction {done.id}<" in html and f"Sanction {waiting.id}<" not in html
    html = chair.get(f"/sanctions?case={done_case.reference}").get_data(as_text=True)
    assert f"Sanction {done.id}<" in html and f"Sanction {waiting.id}<" not in html

    html = client_for(outsider).get("/sanctions").get_data(as_text=True)
    assert f"Sanction {ala.id}<" in html and ala_case.reference in html
    assert f"Sanction {waiting.id}<" not in html and f"Sanction {done.id}<" not in html
    assert waiting_case.reference not in html and done_case.reference not in html

    karaganda = client_for(committee["r3"])
    html = karaganda.get("/sanctions").get_data(as_text=True)
    assert f"Sanction {waiting.id}<" in html and f"Sanction {ala.id}<" not in html


def test_case_pages_link_to_the_sanctions(decided_case, committee, client_for, make_user):
    case = decided_case()
    sanction = proposed(case, committee, kind="warning")
    secretary = client_for(committee["secretary"])
    html = secretary.get(f"/cases/{case.reference}/findings").get_data(as_text=True)
    assert f'href="{propose_url(case)}"' in html
    assert f'href="{page_url(sanction)}"' in html
    html = secretary.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert f'href="/sanctions?case={case.reference}"' in html
    auditor = client_for(make_user("auditor"))
    html = auditor.get(f"/cases/{case.reference}/findings").get_data(as_text=True)
    assert f'href="{page_url(sanction)}"' in html and "Propose a sanction" not in html


def test_the_list_runs_a_fixed_number_of_queries(decided_case, committee, client_for):
    chair = client_for(committee["chair"])

    def queries_for_list() -> int:
        current.forget()  # the election read each time, as after any commit
        with counted_queries() as statements:
            assert chair.get("/sanctions").status_code == 200
        return len(statements)

    enforced(decided_case(), committee, kind="reprimand")
    queries_for_list()  # the first page after sign-in also stores the session's CSRF token
    few = queries_for_list()
    for _ in range(3):
        enforced(decided_case(), committee, kind="warning")
    assert queries_for_list() == few
