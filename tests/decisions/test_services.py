"""Findings and decisions through the services: the quorum and conflict-of-interest rules,
the majority, the outcome against the findings, the evidence a finding may cite, the states
and roles, and what a decision leaves behind (rows, case state, timeline, audit)."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from casework.cases.models import Case, CaseState, CaseTransition
from casework.core.audit import AuditEntry, verify
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.decisions import queries, services
from casework.decisions.models import Decision, DecisionKind, DecisionMember, Finding, Vote
from casework.decisions.services import add_finding, record_decision, update_finding
from casework.extensions import db
from tests import factories
from tests.plugin.cases import evidence_ids

S = CaseState


def stored_state(case: Case) -> CaseState:
    return db.session.scalar(select(Case.state).where(Case.id == case.id))


def decisions_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Decision))


def audit_entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def decide(case, committee, *, actor="secretary", present=("chair", "r1", "r2"), votes=None,
           outcome="confirmed", reasons="The video and two witnesses show money offered.",
           **kwargs) -> Decision:
    votes = dict.fromkeys(present, "for") if votes is None else votes
    return record_decision(
        case, committee[actor], meeting_at=kwargs.pop("meeting_at", utcnow() - timedelta(hours=1)),
        present_ids=[committee[name].id for name in present],
        votes={committee[name].id: vote for name, vote in votes.items()},
        outcome=outcome, reasons=reasons, **kwargs)


def refused(code: str, case, committee, **kwargs) -> Refusal:
    before = stored_state(case)
    with pytest.raises(Refusal) as caught:
        decide(case, committee, **kwargs)
    assert caught.value.code == code, str(caught.value)
    db.session.rollback()
    assert stored_state(case) is before
    assert decisions_count() == 0
    return caught.value


# -- findings ----------------------------------------------------------------------------

def test_a_finding_cites_the_evidence_it_rests_on(case, committee):
    ids = evidence_ids(case)
    finding = add_finding(case, committee["r1"], allegation="  Money was offered at BAL-001. ",
                          conclusion="partly_confirmed", reasoning="One witness, one photo.",
                          evidence_ids=[ids[1], ids[0], ids[1]])
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Finding, finding.id)
    assert stored.allegation == "Money was offered at BAL-001."
    assert stored.conclusion is stored.outcome is services.Outcome.PARTLY_CONFIRMED
    assert [item.id for item in stored.evidence] == ids
    assert stored.author_id == committee["r1"].id
    assert db.session.scalar(select(Finding.id).where(Finding.outcome == "partly_confirmed")) \
        == finding.id
    [entry] = audit_entries("finding.added")
    assert entry.object_id == case.reference
    assert entry.details == {"finding_id": finding.id, "conclusion": "partly_confirmed",
                             "evidence_ids": ids}


@pytest.mark.parametrize("conclusion", ["confirmed", "partly_confirmed"])
def test_a_confirmed_finding_needs_evidence(case, committee, conclusion):
    with pytest.raises(Refusal) as caught:
        add_finding(case, committee["r1"], allegation="Money.", conclusion=conclusion,
                    reasoning="Said so.", evidence_ids=[])
    assert (caught.value.code, caught.value.field) == ("missing", "evidence_ids")


def test_a_not_confirmed_finding_may_cite_nothing(case, committee):
    finding = add_finding(case, committee["r1"], allegation="Money.", conclusion="not_confirmed",
                          reasoning="Nobody saw it.")
    assert finding.evidence == []


def test_a_finding_cites_only_its_own_case_evidence(make_case, committee):
    case, other = make_case(), make_case()
    for ids in ([evidence_ids(other)[0]], [evidence_ids(case)[0], evidence_ids(other)[0]],
                [999999], ["x"]):
        with pytest.raises(Refusal) as caught:
            add_finding(case, committee["r1"], allegation="Money.", conclusion="confirmed",
                        reasoning="Seen.", evidence_ids=ids)
        assert (caught.value.code, caught.value.field) == ("invalid", "evidence_ids")
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 0


@pytest.mark.parametrize(("field", "values"), [
    ("allegation", {"allegation": "  "}),
    ("reasoning", {"reasoning": ""}),
    ("conclusion", {"conclusion": ""}),
])
def test_a_finding_needs_its_fields(case, committee, field, values):
    payload = {"allegation": "Money.", "conclusion": "confirmed", "reasoning": "Seen.",
               "evidence_ids": evidence_ids(case)[:1]} | values
    with pytest.raises(Refusal) as caught:
        add_finding(case, committee["r1"], **payload)
    assert (caught.value.code, caught.value.field) == ("missing", field)


def test_a_finding_concludes_confirmed_partly_or_not(case, committee):
    with pytest.raises(Refusal) as caught:
        add_finding(case, committee["r1"], allegation="Money.", conclusion="proven",
                    reasoning="Seen.", evidence_ids=evidence_ids(case)[:1])
    assert (caught.value.code, caught.value.field) == ("invalid", "conclusion")


@pytest.mark.parametrize("state", list(CaseState))
def test_findings_are_written_during_investigation_or_when_ready(make_case, committee, state):
    case = make_case(state)
    call = lambda: add_finding(case, committee["r1"], allegation="Money.",  # noqa: E731
                               conclusion="not_confirmed", reasoning="Nothing seen.")
    if state in (S.INVESTIGATION, S.FINDINGS_READY):
        assert call().id
    else:
        with pytest.raises(Refusal) as caught:
            call()
        assert caught.value.code == "not_allowed"


@pytest.mark.parametrize("role", ["operator", "admin", "auditor"])
def test_only_committee_members_write_findings(case, election, role):
    user = factories.user(role, election=election)
    with pytest.raises(Refusal) as caught:
        add_finding(case, user, allegation="Money.", conclusion="not_confirmed", reasoning="No.")
    assert caught.value.code == "forbidden"


def test_a_member_of_another_region_cannot_write_findings(case, outsider):
    with pytest.raises(Refusal) as caught:
        add_finding(case, outsider, allegation="Money.", conclusion="not_confirmed",
                    reasoning="No.")
    assert caught.value.code == "forbidden"


def test_updating_a_finding_keeps_its_id(case, committee, finding):
    made = finding(case, "confirmed")
    ids = evidence_ids(case)
    update_finding(made, committee["secretary"], allegation="Money and threats.",
                   conclusion="partly_confirmed", reasoning="The threats are not shown.",
                   evidence_ids=ids)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Finding, made.id)
    assert (stored.allegation, stored.conclusion.value) == ("Money and threats.",
                                                            "partly_confirmed")
    assert [item.id for item in stored.evidence] == ids
    assert stored.updated_at >= stored.created_at
    [entry] = audit_entries("finding.updated")
    assert entry.details["before"] == {"conclusion": "confirmed", "evidence_ids": ids[:1]}
    assert entry.details["conclusion"] == "partly_confirmed"


# -- decisions: quorum -----------------------------------------------------------------------

def test_two_members_present_are_no_quorum(case, committee, finding):
    finding(case)
    error = refused("quorum", case, committee, present=("chair", "r1"))
    assert error.field == "present_ids"
    assert "2" in str(error) and "3" in str(error)


def test_three_members_present_decide(case, committee, finding):
    cited = finding(case)
    decision = decide(case, committee, present=("chair", "r1", "r2"),
                      votes={"chair": "for", "r1": "for", "r2": "against"})
    db.session.commit()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state is S.DECIDED
    assert (case.outcome, case.public_reason) == (
        "confirmed", "The video and two witnesses show money offered.")
    stored = db.session.get(Decision, decision.id)
    assert stored.kind is DecisionKind.DECISION
    assert stored.outcome.value == "confirmed"
    assert stored.language == "kk"
    assert stored.chair_id == committee["chair"].id  # the chair present, by default
    assert stored.recorded_by_id == committee["secretary"].id
    assert stored.tally() == {"for": 2, "against": 1, "abstain": 0}
    rows = {m.user_id: (m.present, m.conflict, m.vote) for m in stored.members}
    assert rows == {
        committee["chair"].id: (True, False, Vote.FOR),
        committee["r1"].id: (True, False, Vote.FOR),
        committee["r2"].id: (True, False, Vote.AGAINST),
        committee["secretary"].id: (False, False, None),  # every member, present or not
        committee["r3"].id: (False, False, None),
    }
    transition = db.session.get(CaseTransition, stored.transition_id)
    assert (transition.action, transition.to_state, transition.outcome.value) == (
        "decide", S.DECIDED, "confirmed")
    [entry] = audit_entries("decision.recorded")
    assert entry.details["tally"] == {"for": 2, "against": 1, "abstain": 0}
    assert entry.details["present"] == sorted(committee[n].id for n in ("chair", "r1", "r2"))
    assert entry.details["quorum"] == 3 and entry.details["outcome"] == "confirmed"
    assert "reasons" not in entry.details
    assert "witnesses" not in str(entry.details)
    assert audit_entries("case.decide")
    assert verify().ok
    assert cited.id in {f.id for f in queries.findings_of(case)}


def test_the_quorum_comes_from_the_settings(app, case, committee, finding, monkeypatch):
    finding(case)
    monkeypatch.setitem(app.config, "CASEWORK_DECISION_QUORUM", 4)
    refused("quorum", case, committee, present=("chair", "r1", "r2"))
    assert decide(case, committee, present=("chair", "r1", "r2", "r3")).id


def test_only_committee_members_of_the_case_can_be_present(case, committee, outsider,
                                                           finding):
    finding(case)
    committee = committee | {"outsider": outsider}
    error = refused("invalid", case, committee, present=("chair", "r1", "r2", "outsider"))
    assert error.field == "present_ids"


def test_a_disabled_account_is_no_member(case, committee, finding):
    finding(case)
    committee["r2"].disabled_at = utcnow()
    db.session.commit()
    refused("invalid", case, committee, present=("chair", "r1", "r2"))


# -- decisions: conflicts of interest ------------------------------------------------------------

def test_a_conflicted_member_cannot_vote(case, committee, finding, declare_conflict):
    finding(case)
    declare_conflict(committee["r2"], case)
    error = refused("conflict_of_interest", case, committee, present=("chair", "r1", "r2", "r3"))
    assert "Erlan Reviewer" in str(error)
    assert error.field == "votes"


def test_a_conflicted_member_may_be_present_without_voting(case, committee, finding,
                                                           declare_conflict):
    finding(case)
    declare_conflict(committee["r2"], case)
    decision = decide(case, committee, present=("chair", "r1", "r2", "r3"),
                      votes={"chair": "for", "r1": "for", "r3": "abstain"})
    db.session.commit()
    db.session.expire_all()
    row = db.session.scalar(select(DecisionMember).where(
        DecisionMember.decision_id == decision.id, DecisionMember.user_id == committee["r2"].id))
    assert (row.present, row.conflict, row.vote) == (True, True, None)
    [entry] = audit_entries("decision.recorded")
    assert entry.details["conflicted"] == [committee["r2"].id]
    assert str(committee["r2"].id) not in entry.details["votes"]


def test_a_conflicted_member_does_not_count_for_the_quorum(case, committee, finding,
                                                           declare_conflict):
    finding(case)
    declare_conflict(committee["r2"], case)
    refused("quorum", case, committee, present=("chair", "r1", "r2"),
            votes={"chair": "for", "r1": "for"})


def test_a_conflict_in_another_case_does_not_count(make_case, committee, finding,
                                                   declare_conflict):
    case, other = make_case(), make_case(accused="C02")
    finding(case)
    declare_conflict(committee["r2"], other)
    assert decide(case, committee, present=("chair", "r1", "r2")).id


def test_the_database_refuses_a_conflicted_or_absent_vote(case, committee, finding):
    finding(case)
    decision = decide(case, committee)
    db.session.commit()
    for values in ({"present": True, "conflict": True}, {"present": False, "conflict": False}):
        db.session.add(DecisionMember(decision_id=decision.id, user_id=committee["r3"].id,
                                      vote=Vote.FOR, **values))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


# -- decisions: votes and the majority --------------------------------------------------------

def test_a_vote_needs_the_member_present(case, committee, finding):
    finding(case)
    error = refused("invalid", case, committee, present=("chair", "r1", "r2"),
                    votes={"chair": "for", "r1": "for", "r2": "for", "r3": "for"})
    assert "Gulnar Reviewer" in str(error)


def test_every_member_present_without_a_conflict_votes(case, committee, finding):
    finding(case)
    error = refused("missing", case, committee, present=("chair", "r1", "r2"),
                    votes={"chair": "for", "r1": "for"})
    assert "Erlan Reviewer" in str(error)


def test_a_vote_is_for_against_or_abstain(case, committee, finding):
    finding(case)
    refused("invalid", case, committee, votes={"chair": "for", "r1": "for", "r2": "maybe"})


@pytest.mark.parametrize(("votes", "adopted"), [
    (("for", "for", "for"), True),
    (("for", "for", "against"), True),
    (("for", "abstain", "abstain"), True),  # abstentions do not count
    (("for", "against", "abstain"), False),  # a tie
    (("abstain", "abstain", "abstain"), False),  # 0 for, 0 against: a tie
    (("for", "against", "against"), False),
    (("against", "against", "against"), False),
])
def test_the_outcome_needs_more_votes_for_than_against(case, committee, finding, votes,
                                                       adopted):
    finding(case)
    present = ("chair", "r1", "r2")
    cast = dict(zip(present, votes, strict=True))
    if adopted:
        assert decide(case, committee, present=present, votes=cast).id
    else:
        error = refused("no_majority", case, committee, present=present, votes=cast)
        if votes.count("for") == votes.count("against"):
            assert "tied" in str(error)


# -- decisions: the outcome against the findings -------------------------------------------------

@pytest.mark.parametrize(("conclusions", "outcome", "allowed"), [
    ((), "not_confirmed", True),
    ((), "partly_confirmed", False),
    ((), "confirmed", False),
    (("not_confirmed",), "not_confirmed", True),
    (("not_confirmed",), "partly_confirmed", False),
    (("not_confirmed",), "confirmed", False),
    (("partly_confirmed", "not_confirmed"), "partly_confirmed", True),
    (("partly_confirmed", "not_confirmed"), "confirmed", False),
    (("partly_confirmed", "not_confirmed"), "not_confirmed", False),
    (("confirmed", "not_confirmed"), "confirmed", True),
    (("confirmed", "not_confirmed"), "partly_confirmed", True),
    (("confirmed",), "not_confirmed", False),
])
def test_the_outcome_agrees_with_the_findings(case, committee, finding, conclusions, outcome,
                                              allowed):
    for conclusion in conclusions:
        finding(case, conclusion)
    if allowed:
        assert decide(case, committee, outcome=outcome).outcome.value == outcome
    else:
        error = refused("inconsistent", case, committee, outcome=outcome)
        assert error.field == "outcome"


# -- decisions: states, roles, fields ----------------------------------------------------------

@pytest.mark.parametrize("state", [s for s in CaseState if s not in (S.FINDINGS_READY, S.APPEALED)])
def test_a_decision_needs_findings_ready_or_an_appeal(make_case, committee, state):
    case = make_case(state)
    refused("not_allowed", case, committee, outcome="not_confirmed", actor="chair")


def test_the_chair_decides_on_an_appeal(make_case, committee, finding):
    case = make_case(S.INVESTIGATION)
    finding(case, "not_confirmed")
    case.state = S.APPEALED  # test set-up only
    db.session.commit()
    refused("forbidden", case, committee, actor="secretary", outcome="not_confirmed")
    decision = decide(case, committee, actor="chair", outcome="not_confirmed")
    assert decision.kind is DecisionKind.REDECISION
    assert stored_state(case) is S.DECIDED
    assert db.session.get(CaseTransition, decision.transition_id).action == "redecide"


@pytest.mark.parametrize("role", ["reviewer", "operator", "admin", "auditor"])
def test_only_the_secretary_and_the_chair_record_a_decision(case, committee, election, finding,
                                                            role):
    finding(case)
    committee = committee | {"actor": factories.user(role, election=election)}
    refused("forbidden", case, committee, actor="actor")


def test_a_decision_outside_ones_region_is_forbidden(case, committee, election, finding):
    finding(case)
    committee = committee | {"actor": factories.user("secretary", election=election,
                                                     email="sec-ala@test.kz",
                                                     regions=["KZ-ALA"])}
    refused("forbidden", case, committee, actor="actor")


@pytest.mark.parametrize(("values", "field"), [
    ({"outcome": ""}, "outcome"),
    ({"outcome": "annulled"}, "outcome"),
    ({"reasons": "  "}, "reasons"),
    ({"meeting_at": None}, "meeting_at"),
    ({"meeting_at": utcnow() + timedelta(days=1)}, "meeting_at"),
])
def test_a_decision_needs_its_fields(case, committee, finding, values, field):
    finding(case)
    error = refused(error_code(values), case, committee, **values)
    assert error.field == field


def error_code(values) -> str:
    value = next(iter(values.values()))
    return "invalid" if value in ("annulled",) or isinstance(value, datetime) else "missing"


def test_the_chair_of_the_meeting_is_a_member_present(case, committee, finding):
    finding(case)
    error = refused("invalid", case, committee, chair_id=committee["secretary"].id)
    assert error.field == "chair_id"
    decision = decide(case, committee, present=("secretary", "r1", "r2"),
                      chair_id=committee["r1"].id)
    assert decision.chair_id == committee["r1"].id


def test_no_chair_present_leaves_the_chair_empty(case, committee, finding):
    finding(case)
    assert decide(case, committee, present=("secretary", "r1", "r2")).chair_id is None


def test_the_decision_date_is_the_meetings_local_date(case, committee, finding):
    finding(case)
    # 20:00 UTC is the next morning in Almaty (UTC+6 in 2020).
    decision = decide(case, committee, meeting_at=datetime(2020, 6, 1, 20, 0))
    assert decision.decided_on.isoformat() == "2020-06-02"
    assert decision.meeting_at == datetime(2020, 6, 1, 20, 0)


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_decision_is_in_the_first_complaints_language(make_case, committee, finding,
                                                          language):
    case = make_case(language=language)
    finding(case)
    assert decide(case, committee).language == language


def test_a_decided_case_cannot_be_decided_twice(case, committee, finding):
    finding(case)
    decide(case, committee)
    db.session.commit()
    with pytest.raises(Refusal) as caught:
        decide(case, committee)
    assert caught.value.code == "not_allowed"


def test_findings_are_frozen_once_decided(case, committee, finding):
    made = finding(case)
    decide(case, committee)
    db.session.commit()
    with pytest.raises(Refusal) as caught:
        update_finding(made, committee["r1"], allegation="Changed.", conclusion="not_confirmed",
                       reasoning="Changed.")
    assert caught.value.code == "not_allowed"
