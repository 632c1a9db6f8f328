"""Findings and decisions over HTTP: scope (404) and roles (403), CSRF, the form round trips,
and the printable decision document in the case's language."""

import re

import pytest
from sqlalchemy import select

from casework.cases.models import Case, CaseState
from casework.decisions.models import Decision, Finding
from casework.extensions import db
from tests import factories
from tests.plugin.cases import evidence_ids
from tests.plugin.data import csrf_from


def url(case, page: str) -> str:
    return f"/cases/{case.reference}/{page}"


def finding_data(client, case, **overrides) -> dict:
    data = {"csrf_token": csrf_from(client, url(case, "findings")),
            "allegation": "A man offered 5000 tenge at the entrance.", "conclusion": "confirmed",
            "reasoning": "The photo shows the money; two witnesses agree.",
            "evidence_ids": [str(evidence_ids(case)[0])]}
    data.update(overrides)
    return data


def decision_data(client, case, committee, present=("chair", "r1", "r2"), votes=None,
                  **overrides) -> dict:
    votes = dict.fromkeys(present, "for") if votes is None else votes
    data = {"csrf_token": csrf_from(client, url(case, "decide")),
            "meeting_at": "2020-06-01T15:30", "present_ids": [str(committee[n].id) for n in present],
            "chair_id": "", "outcome": "confirmed",
            "reasons": "The evidence shows money offered to voters.",
            **{f"vote_{committee[name].id}": vote for name, vote in votes.items()}}
    data.update(overrides)
    return data


def decided(client, case, committee, login, finding) -> Decision:
    finding(case)
    login(client, committee["secretary"])
    response = client.post(url(case, "decide"), data=decision_data(client, case, committee))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    return db.session.scalar(select(Decision).where(Decision.case_id == case.id))


# -- the findings page ----------------------------------------------------------------------

def test_a_member_adds_a_finding_citing_evidence(client, case, committee, login):
    login(client, committee["r1"])
    page = client.get(url(case, "findings")).get_data(as_text=True)
    assert "photo-1.png" in page and "Add the finding" in page
    sha = db.session.scalar(select(Finding).limit(1))  # none yet
    assert sha is None
    response = client.post(url(case, "findings"), data=finding_data(client, case))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(case, "findings"))
    db.session.expire_all()
    finding = db.session.scalar(select(Finding).where(Finding.case_id == case.id))
    assert [item.id for item in finding.evidence] == evidence_ids(case)[:1]
    page = client.get(url(case, "findings")).get_data(as_text=True)
    assert "The finding is recorded." in page
    assert finding.evidence[0].sha256[:12] in page


def test_a_confirmed_finding_without_evidence_is_sent_back(client, case, committee, login):
    login(client, committee["r1"])
    response = client.post(url(case, "findings"),
                           data=finding_data(client, case, evidence_ids=[]))
    assert response.status_code == 422
    assert "must cite the evidence it rests on" in response.get_data(as_text=True)
    assert db.session.scalar(select(Finding).limit(1)) is None


def test_another_cases_evidence_is_no_choice(client, make_case, committee, login):
    case, other = make_case(), make_case()
    login(client, committee["r1"])
    response = client.post(url(case, "findings"), data=finding_data(
        client, case, evidence_ids=[str(evidence_ids(other)[0])]))
    assert response.status_code == 422
    assert db.session.scalar(select(Finding).limit(1)) is None


def test_a_finding_is_edited_in_place(client, case, committee, login, finding):
    made = finding(case)
    login(client, committee["secretary"])
    page = client.get(url(case, f"findings/{made.id}")).get_data(as_text=True)
    assert "Money was offered." in page
    response = client.post(url(case, f"findings/{made.id}"), data=finding_data(
        client, case, conclusion="partly_confirmed", allegation="Money and threats."))
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Finding, made.id)
    assert (stored.conclusion.value, stored.allegation) == ("partly_confirmed",
                                                            "Money and threats.")


def test_the_findings_form_needs_csrf(client, case, committee, login):
    login(client, committee["r1"])
    data = finding_data(client, case)
    del data["csrf_token"]
    assert client.post(url(case, "findings"), data=data).status_code == 400
    assert db.session.scalar(select(Finding).limit(1)) is None


def test_another_regions_reviewer_gets_404(client, case, outsider, login, finding):
    made = finding(case)
    login(client, outsider)
    assert client.get(url(case, "findings")).status_code == 404
    assert client.get(url(case, f"findings/{made.id}")).status_code == 404
    assert client.get("/cases/T2020-NOPE-00001/findings").status_code == 404


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_staff_outside_the_committee_get_403(client, case, election, login, role):
    login(client, factories.user(role, election=election))
    assert client.get(url(case, "findings")).status_code == 403
    assert client.get(url(case, "decide")).status_code == 403


def test_an_auditor_reads_but_does_not_write(client, case, election, login):
    auditor = factories.user("auditor", election=election)
    login(client, auditor)
    page = client.get(url(case, "findings"))
    assert page.status_code == 200 and "Add the finding" not in page.get_data(as_text=True)
    token = csrf_from(client, url(case, "findings"))
    response = client.post(url(case, "findings"), data={"csrf_token": token, "allegation": "x",
                                                         "conclusion": "not_confirmed",
                                                         "reasoning": "y"})
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, case):
    response = client.get(url(case, "findings"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- the decision form ----------------------------------------------------------------------

def test_the_decision_form_shows_members_and_disables_a_conflicted_vote(
        client, case, committee, login, declare_conflict):
    declare_conflict(committee["r2"], case)
    login(client, committee["secretary"])
    page = client.get(url(case, "decide")).get_data(as_text=True)
    for person in committee.values():
        assert person.full_name in page
    assert re.search(rf'<select[^>]*disabled[^>]*name="vote_{committee["r2"].id}"', page) or \
        re.search(rf'<select[^>]*name="vote_{committee["r2"].id}"[^>]*disabled', page)
    assert not re.search(rf'<select[^>]*name="vote_{committee["r1"].id}"[^>]*disabled', page)
    assert "Declared: cannot vote" in page


def test_a_reviewer_cannot_open_the_decision_form(client, case, committee, login):
    login(client, committee["r1"])
    assert client.get(url(case, "decide")).status_code == 403


def test_the_secretary_cannot_decide_an_appeal(client, make_case, committee, login):
    case = make_case(CaseState.APPEALED)
    login(client, committee["secretary"])
    assert client.get(url(case, "decide")).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client, url(case, "findings"))})
    login(client, committee["chair"])
    page = client.get(url(case, "decide")).get_data(as_text=True)
    assert "Decision on the appeal" in page


def test_a_case_not_ready_shows_no_form(client, make_case, committee, login):
    case = make_case(CaseState.INVESTIGATION)
    login(client, committee["secretary"])
    page = client.get(url(case, "decide")).get_data(as_text=True)
    assert "A decision is taken when the findings are ready" in page
    assert 'name="reasons"' not in page


def test_two_members_present_are_sent_back(client, case, committee, login, finding):
    finding(case)
    login(client, committee["secretary"])
    response = client.post(url(case, "decide"), data=decision_data(
        client, case, committee, present=("chair", "r1")))
    assert response.status_code == 422
    assert "No quorum" in response.get_data(as_text=True)
    assert db.session.scalar(select(Case.state).where(Case.id == case.id)) is \
        CaseState.FINDINGS_READY


def test_a_tie_is_sent_back(client, case, committee, login, finding):
    finding(case)
    login(client, committee["secretary"])
    response = client.post(url(case, "decide"), data=decision_data(
        client, case, committee, votes={"chair": "for", "r1": "against", "r2": "abstain"}))
    assert response.status_code == 422
    assert "tied" in response.get_data(as_text=True)


def test_a_conflicted_vote_sent_anyway_is_refused(client, case, committee, login, finding,
                                                  declare_conflict):
    finding(case)
    declare_conflict(committee["r2"], case)
    login(client, committee["secretary"])
    response = client.post(url(case, "decide"), data=decision_data(
        client, case, committee, present=("chair", "r1", "r2", "r3")))
    assert response.status_code == 422
    assert "Erlan Reviewer declared a conflict of interest" in response.get_data(as_text=True)


def test_the_decision_form_needs_csrf(client, case, committee, login, finding):
    finding(case)
    login(client, committee["secretary"])
    data = decision_data(client, case, committee)
    del data["csrf_token"]
    assert client.post(url(case, "decide"), data=data).status_code == 400
    assert db.session.scalar(select(Decision).limit(1)) is None


def test_a_decision_is_recorded_and_its_document_shown(client, case, committee, login, finding,
                                                       declare_conflict):
    declare_conflict(committee["r3"], case)
    finding(case)
    login(client, committee["secretary"])
    data = decision_data(client, case, committee, present=("chair", "r1", "r2", "r3"),
                         votes={"chair": "for", "r1": "for", "r2": "abstain"})
    response = client.post(url(case, "decide"), data=data)
    assert response.status_code == 302
    db.session.expire_all()
    decision = db.session.scalar(select(Decision).where(Decision.case_id == case.id))
    assert response.headers["Location"].endswith(url(case, f"decisions/{decision.id}/document"))
    assert decision.meeting_at.isoformat() == "2020-06-01T09:30:00"  # 15:30 in Almaty, UTC+6
    assert db.session.get(Case, case.id).state is CaseState.DECIDED
    assert {m.user_id for m in decision.members if m.conflict} == {committee["r3"].id}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash flash-info"' in page  # "The decision is recorded.", in the case's language
    assert case.reference in page and "Aigerim Chair" in page
    assert re.search(r"2\D{1,40}0\D{1,40}1", page)  # 2 for, 0 against, 1 abstained
    finding_row = db.session.scalar(select(Finding).where(Finding.case_id == case.id))
    assert finding_row.evidence[0].sha256 in page  # the full hash on the document
    assert "data-print" in page and "js/receipt.js" in page


def _document(client, case, decision):
    response = client.get(url(case, f"decisions/{decision.id}/document"))
    assert response.status_code == 200
    return response


def test_the_document_is_in_russian_for_a_russian_complaint(client, make_case, committee,
                                                            login, finding):
    case = make_case(language="ru")
    decision = decided(client, case, committee, login, finding)
    page = _document(client, case, decision).get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "город Балхаш" in page and "Асан Усенов" in page
    assert "июня 2020" in page  # the date in Russian


def test_the_document_is_in_kazakh_for_a_kazakh_complaint(client, make_case, committee,
                                                          login, finding):
    case = make_case(language="kk")
    decision = decided(client, case, committee, login, finding)
    page = _document(client, case, decision).get_data(as_text=True)
    assert '<html lang="kk">' in page
    assert "Балқаш қаласы" in page and "Асан Үсенов" in page
    assert "маусым" in page  # June in Kazakh


def test_the_document_has_no_inline_script_or_style(client, case, committee, login, finding):
    decision = decided(client, case, committee, login, finding)
    response = _document(client, case, decision)
    page = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "<style" not in page and " style=" not in page


def test_the_document_is_out_of_reach_outside_the_scope(client, make_case, committee, outsider,
                                                        login, finding):
    case, other = make_case(), make_case()
    decision = decided(client, case, committee, login, finding)
    assert client.get(url(other, f"decisions/{decision.id}/document")).status_code == 404
    assert client.get(url(case, f"decisions/{decision.id + 1}/document")).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_from(client, url(case, "findings"))})
    login(client, outsider)
    assert client.get(url(case, f"decisions/{decision.id}/document")).status_code == 404
