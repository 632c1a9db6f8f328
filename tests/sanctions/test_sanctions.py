"""Sanctions as rules: what may be proposed, four eyes, effects, scope arithmetic, standings
before and after, appeals that reverse exactly, and the constraints the database holds."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from casework.cases.models import CaseState
from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.decisions.models import Finding
from casework.elections.models import Candidate, CandidateStatus, Result
from casework.elections.standings import standings
from casework.extensions import db
from casework.sanctions import impact
from casework.sanctions.appeals import decide_appeal, record_appeal
from casework.sanctions.models import (
    Sanction,
    SanctionFinding,
    SanctionResult,
    SanctionStatus,
)
from casework.sanctions.services import (
    approve_sanction,
    propose_sanction,
    reject_sanction,
)
from tests import factories
from tests.factories import region, station
from tests.plugin.results import VOTES

PASSWORD = factories.PASSWORD


def cited(case) -> list[int]:
    return list(db.session.scalars(select(Finding.id).where(Finding.case_id == case.id)))


def propose(case, committee, kind="candidate_disqualification", actor="secretary", **kwargs):
    kwargs.setdefault("finding_ids", cited(case))
    kwargs.setdefault("summary", "Vote buying at BAL-001 confirmed by video and witnesses.")
    if kind in ("candidate_disqualification", "warning", "reprimand"):
        kwargs.setdefault("candidate_id", case.accused[0].id)
    sanction = propose_sanction(case, committee[actor], kind=kind, **kwargs)
    db.session.commit()
    return sanction


def approve(sanction, committee, actor="chair"):
    approve_sanction(sanction, committee[actor])
    db.session.commit()
    return sanction


def snapshot(election):
    """Every result's (annulled, annulled_by) and every candidate's status, for comparisons."""
    results = {r.id: (r.annulled, r.annulled_by_sanction_id, r.annulled_at is None)
               for r in db.session.scalars(select(Result))}
    return results


def votes_of(election, code="KZ-KAR"):
    table = standings(region(election, code))
    return {row.candidate.code: (row.votes, row.annulled_votes, row.rank) for row in table.rows}


# -- what may be proposed ------------------------------------------------------------------

@pytest.mark.parametrize("outcome", ["not_confirmed"])
def test_no_sanction_without_a_confirmed_decision(decided_case, committee, outcome):
    case = decided_case(outcome)
    with pytest.raises(Refusal) as caught:
        propose(case, committee, finding_ids=[])
    assert caught.value.code == "not_allowed"
    assert db.session.scalar(select(Sanction.id)) is None


def test_no_sanction_before_the_decision(make_case, committee, results_world, finding):
    case = make_case(CaseState.FINDINGS_READY)
    finding(case)
    with pytest.raises(Refusal) as caught:
        propose(case, committee)
    assert caught.value.code == "not_allowed"


def test_a_sanction_must_cite_a_finding(decided_case, committee):
    case = decided_case()
    with pytest.raises(Refusal) as caught:
        propose(case, committee, finding_ids=[])
    assert (caught.value.code, caught.value.field) == ("missing", "finding_ids")


def test_a_sanction_cannot_cite_another_cases_finding(decided_case, committee):
    case, other = decided_case(), decided_case()
    with pytest.raises(Refusal) as caught:
        propose(case, committee, finding_ids=cited(other))
    assert caught.value.field == "finding_ids"


def test_partly_confirmed_decision_allows_a_sanction(decided_case, committee):
    case = decided_case("partly_confirmed")
    sanction = propose(case, committee, kind="warning")
    assert sanction.status is SanctionStatus.PROPOSED
    assert [f.id for f in sanction.findings] == cited(case)


def test_disqualification_needs_an_accused_candidate(decided_case, committee, results_world):
    case = decided_case()
    with pytest.raises(Refusal) as caught:
        propose(case, committee, candidate_id=results_world["C02"].id)
    assert caught.value.field == "candidate_id"


def test_referral_names_the_body(decided_case, committee):
    case = decided_case()
    with pytest.raises(Refusal) as caught:
        propose(case, committee, kind="referral")
    assert caught.value.field == "referred_to"
    sanction = propose(case, committee, kind="referral", referred_to="Prosecutor's office")
    assert sanction.referred_to == "Prosecutor's office"


def test_outsider_and_conflicted_member_cannot_propose(decided_case, committee, outsider,
                                                       declare_conflict):
    case = decided_case()
    committee["outsider"] = outsider
    with pytest.raises(Refusal) as caught:
        propose(case, committee, actor="outsider")
    assert caught.value.code == "forbidden"
    declare_conflict(committee["r1"], case)
    with pytest.raises(Refusal) as caught:
        propose(case, committee, actor="r1")
    assert caught.value.code == "forbidden"


# -- four eyes -----------------------------------------------------------------------------

def test_no_self_approval(decided_case, committee):
    case = decided_case()
    sanction = propose(case, committee, actor="chair")
    with pytest.raises(Refusal) as caught:
        approve(sanction, committee, actor="chair")
    assert caught.value.code == "self_approval"
    db.session.rollback()
    assert sanction.status is SanctionStatus.PROPOSED


def test_database_refuses_self_review(decided_case, committee):
    case = decided_case()
    sanction = propose(case, committee)
    with pytest.raises(IntegrityError):
        db.session.execute(update(Sanction).where(Sanction.id == sanction.id).values(
            reviewed_by_id=sanction.proposed_by_id))
        db.session.flush()
    db.session.rollback()


def test_only_a_chair_approves(decided_case, committee):
    # The fresh proof of both factors is the view's (tests/sanctions/test_sanction_views.py).
    case = decided_case()
    sanction = propose(case, committee)
    with pytest.raises(Refusal) as caught:
        approve(sanction, committee, actor="r1")
    assert caught.value.code == "forbidden"
    db.session.rollback()
    assert sanction.candidate.status is CandidateStatus.REGISTERED


def test_rejection_needs_a_reason_and_changes_nothing(decided_case, committee, election):
    case = decided_case()
    sanction = propose(case, committee, kind="vote_annulment",
                       station_ids=[station(election, "BAL-001").id])
    before = snapshot(election)
    with pytest.raises(Refusal) as caught:
        reject_sanction(sanction, committee["chair"], reason=" ")
    assert caught.value.field == "reason"
    reject_sanction(sanction, committee["chair"], reason="Disproportionate.")
    db.session.commit()
    assert sanction.status is SanctionStatus.REJECTED
    assert snapshot(election) == before
    with pytest.raises(Refusal):
        approve(sanction, committee)


def test_every_step_is_audited(decided_case, committee):
    case = decided_case()
    sanction = propose(case, committee)
    approve(sanction, committee)
    record_appeal(sanction, committee["secretary"], filed_at=utcnow(), grounds="Not me.")
    decide_appeal(sanction, committee["chair"], outcome="upheld", reasons="Video is clear.")
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("sanction.%")).order_by(AuditEntry.id)))
    assert actions == ["sanction.proposed", "sanction.enforced", "sanction.appealed",
                       "sanction.appeal_upheld"]


# -- effects -------------------------------------------------------------------------------

def test_disqualification_removes_the_candidate_from_the_standings(decided_case, committee,
                                                                   election):
    case = decided_case()
    assert votes_of(election)["C01"] == (130, 0, 1)
    sanction = approve(propose(case, committee), committee)
    candidate = sanction.candidate
    assert candidate.status is CandidateStatus.DISQUALIFIED
    assert candidate.disqualified_by_sanction_id == sanction.id
    assert candidate.status_reason == sanction.summary
    assert candidate.status_changed_at is not None
    table = votes_of(election)
    assert table["C01"] == (130, 0, None)
    assert table["C02"] == (120, 0, 1)
    with pytest.raises(Refusal):
        propose(case, committee)  # already removed


def test_annulment_scope_arithmetic(decided_case, committee, election, results_world):
    case = decided_case()
    bal, kar, evote = (station(election, c).id for c in ("BAL-001", "KAR-001", "E-VOTE"))
    # One station, all candidates: three results at BAL-001.
    one = propose(case, committee, kind="vote_annulment", station_ids=[bal])
    assert {r.id for r in impact.preview(one).results} == set(db.session.scalars(
        select(Result.id).where(Result.station_id == bal)))
    # A whole region (Karaganda with Balkhash), named candidates only.
    named = propose(case, committee, kind="vote_annulment",
                    annul_region_id=region(election, "KZ-KAR").id, annul_all_candidates=False,
                    candidate_ids=[results_world["C01"].id])
    assert impact.preview(named).votes == VOTES["C01"]["BAL-001"] + VOTES["C01"]["KAR-001"]
    # The electronic vote, all candidates: Karaganda's only, never Almaty's.
    electronic = propose(case, committee, kind="vote_annulment", annul_electronic=True)
    assert impact.preview(electronic).votes == sum(VOTES[c]["E-VOTE"] for c in
                                                   ("C01", "C02", "C03"))
    # Several stations together with the electronic vote.
    several = propose(case, committee, kind="vote_annulment", station_ids=[bal, kar],
                      annul_electronic=True)
    assert impact.preview(several).votes == sum(sum(VOTES[c].values()) for c in
                                                ("C01", "C02", "C03"))


def test_annulment_outside_the_case_region_is_refused(decided_case, committee, election):
    case = decided_case()
    with pytest.raises(Refusal) as caught:
        propose(case, committee, kind="vote_annulment",
                station_ids=[station(election, "ALA-001").id])
    assert caught.value.field == "station_ids"
    with pytest.raises(Refusal) as caught:
        propose(case, committee, kind="vote_annulment")
    assert caught.value.code == "missing"


def test_standings_before_and_after_an_annulment(decided_case, committee, election):
    case = decided_case()
    sanction = propose(case, committee, kind="vote_annulment",
                       station_ids=[station(election, "BAL-001").id])
    preview = impact.preview(sanction)
    [comparison] = preview.comparisons
    assert comparison.region.code == "KZ-KAR"
    assert [r.candidate.code for r in comparison.before.ranked] == ["C01", "C02", "C03"]
    assert [r.candidate.code for r in comparison.after.ranked] == ["C02", "C01", "C03"]
    assert comparison.before.margin == 10  # 130 - 120
    assert comparison.after.margin == 30  # 100 - 70
    assert [c.code for c in comparison.moved_in] == ["C02"]
    assert [c.code for c in comparison.moved_out] == ["C01"]
    assert preview.votes == 90
    assert votes_of(election)["C01"] == (130, 0, 1)  # a preview writes nothing
    approve(sanction, committee)
    table = votes_of(election)
    assert table["C01"] == (70, 60, 2)
    assert table["C02"] == (100, 20, 1)
    assert table["C03"] == (50, 10, 3)
    assert votes_of(election, "KZ-ALA")["A01"] == (100, 0, 1)


def test_impact_lists_other_open_cases(decided_case, make_case, committee, election):
    case = decided_case()
    other = make_case(CaseState.INVESTIGATION)  # accuses C01 too
    closed = make_case(CaseState.CLOSED)
    sanction = propose(case, committee)
    refs = [c.reference for c in impact.preview(sanction).open_cases]
    assert other.reference in refs and closed.reference not in refs
    assert case.reference not in refs


# -- appeals -------------------------------------------------------------------------------

def test_reversal_restores_exactly(decided_case, committee, election):
    case = decided_case()
    before = snapshot(election)
    standing_before = votes_of(election)
    annulment = approve(propose(case, committee, kind="vote_annulment",
                                station_ids=[station(election, "BAL-001").id]), committee)
    assert snapshot(election) != before
    record_appeal(annulment, committee["secretary"], filed_at=utcnow(), grounds="Observers.")
    decide_appeal(annulment, committee["chair"], outcome="reversed", reasons="Recount clean.")
    db.session.commit()
    assert annulment.status is SanctionStatus.REVERSED and annulment.reversed_at is not None
    assert snapshot(election) == before
    assert votes_of(election) == standing_before
    # The history stays: the sanction, its appeal and what it had covered.
    assert annulment.appeal.outcome.value == "reversed"
    assert db.session.scalar(select(SanctionResult).where(
        SanctionResult.sanction_id == annulment.id)) is not None


def test_reversal_keeps_results_another_annulment_covers(decided_case, committee, election):
    case = decided_case()
    bal = station(election, "BAL-001").id
    first = approve(propose(case, committee, kind="vote_annulment", station_ids=[bal]),
                    committee)
    second = approve(propose(case, committee, kind="vote_annulment",
                             annul_region_id=region(election, "KZ-KAR-BAL").id), committee)
    assert impact.effect(second).results == []  # it found them annulled already
    record_appeal(first, committee["secretary"], filed_at=utcnow(), grounds="x")
    decide_appeal(first, committee["chair"], outcome="reversed", reasons="y")
    db.session.commit()
    at_bal = list(db.session.scalars(select(Result).where(Result.station_id == bal)))
    assert all(r.annulled and r.annulled_by_sanction_id == second.id for r in at_bal)


def test_reversed_disqualification_reinstates(decided_case, committee, election):
    case = decided_case()
    sanction = approve(propose(case, committee), committee)
    record_appeal(sanction, committee["secretary"], filed_at=utcnow(), grounds="x")
    with pytest.raises(Refusal) as caught:  # who recorded it does not decide it
        decide_appeal(sanction, committee["secretary"], outcome="reversed", reasons="y")
    assert caught.value.code == "self_approval"
    decide_appeal(sanction, committee["chair"], outcome="reversed", reasons="y")
    db.session.commit()
    assert sanction.candidate.status is CandidateStatus.REGISTERED
    assert sanction.candidate.disqualified_by_sanction_id is None
    assert votes_of(election)["C01"] == (130, 0, 1)


def test_appeal_window_and_once_only(decided_case, committee, app):
    case = decided_case()
    sanction = approve(propose(case, committee, kind="reprimand"), committee)
    days = app.config["CASEWORK_SANCTION_APPEAL_DAYS"]
    with pytest.raises(Refusal) as caught:
        record_appeal(sanction, committee["secretary"],
                      filed_at=sanction.enforced_at + timedelta(days=days, minutes=1),
                      grounds="Late.", now=sanction.enforced_at + timedelta(days=days + 1))
    assert caught.value.field == "filed_at"
    appeal = record_appeal(sanction, committee["secretary"], filed_at=sanction.enforced_at,
                           grounds="In time.")
    assert appeal.due_at > appeal.filed_at
    db.session.commit()
    with pytest.raises(Refusal):
        record_appeal(sanction, committee["secretary"], filed_at=utcnow(), grounds="Again.")


def test_a_proposed_sanction_cannot_be_appealed(decided_case, committee):
    sanction = propose(decided_case(), committee)
    with pytest.raises(Refusal) as caught:
        record_appeal(sanction, committee["secretary"], filed_at=utcnow(), grounds="x")
    assert caught.value.code == "not_allowed"


# -- what the database holds ----------------------------------------------------------------

def test_database_refuses_a_citation_of_another_case(decided_case, committee):
    case, other = decided_case(), decided_case()
    sanction = propose(case, committee, kind="warning")
    db.session.add(SanctionFinding(sanction_id=sanction.id, finding_id=cited(other)[0],
                                   case_id=case.id, finding_conclusion="confirmed"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_database_refuses_changing_a_cited_findings_conclusion(decided_case, committee):
    case = decided_case()
    propose(case, committee, kind="warning")
    with pytest.raises(IntegrityError):
        db.session.execute(update(Finding).where(Finding.case_id == case.id)
                           .values(conclusion="not_confirmed"))
        db.session.flush()
    db.session.rollback()


def test_database_refuses_a_sanction_on_a_not_confirmed_decision(decided_case, committee):
    case = decided_case()
    sanction = propose(case, committee, kind="warning")
    with pytest.raises(IntegrityError):
        db.session.execute(update(Sanction).where(Sanction.id == sanction.id)
                           .values(decision_outcome="not_confirmed"))
        db.session.flush()
    db.session.rollback()


def test_a_cited_findings_conclusion_cannot_be_changed_on_reopening(decided_case, committee):
    from casework.cases.transitions import apply
    from casework.decisions.services import update_finding

    case = decided_case()
    sanction = propose(case, committee, kind="warning")
    apply(case, "appeal", actor=committee["secretary"], reason="New witness.")
    apply(case, "reopen", actor=committee["secretary"])
    finding = sanction.findings[0]
    with pytest.raises(Refusal) as caught:
        update_finding(finding, committee["r1"], allegation=finding.allegation,
                       conclusion="not_confirmed", reasoning="The witness retracted.")
    assert caught.value.field == "conclusion"
    update_finding(finding, committee["r1"], allegation=finding.allegation,
                   conclusion="confirmed", reasoning="Still holds.",
                   evidence_ids=[item.id for item in finding.evidence])  # same: fine


def test_an_appeal_filed_in_the_minute_of_enforcement_is_accepted(decided_case, committee):
    sanction = approve(propose(decided_case(), committee, kind="warning"), committee)
    minute = sanction.enforced_at.replace(second=0, microsecond=0)
    assert record_appeal(sanction, committee["secretary"], filed_at=minute, grounds="x")
    with pytest.raises(Refusal):
        record_appeal(sanction, committee["secretary"], filed_at=minute, grounds="again")


def test_results_imported_later_inside_an_annulment_are_annulled_and_restored(
        decided_case, committee, election, results_world):
    from casework.elections.importers import run_import

    case = decided_case()
    annulment = approve(propose(case, committee, kind="vote_annulment",
                                station_ids=[station(election, "KAR-001").id]), committee)
    before = votes_of(election)["C03"]
    db.session.add(Candidate(election_id=election.id, code="C04", name_kk="Late",
                             name_ru="Late", name_en="Late",
                             region_id=region(election, "KZ-KAR").id))
    db.session.commit()
    # Paper ballots counted late: a new candidate's result at the annulled station, and one
    # at a station outside the scope.
    run_import("results", b"station_code,candidate_code,votes\nKAR-001,C04,25\n"
               b"BAL-001,C04,5\n", election=election, actor=committee["secretary"])
    db.session.commit()
    table = votes_of(election)
    assert table["C04"][:2] == (5, 25)  # counted 5, annulled 25
    assert table["C03"] == before
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action == "sanction.extended")))
    assert actions == ["sanction.extended"]
    record_appeal(annulment, committee["secretary"], filed_at=utcnow(), grounds="x")
    decide_appeal(annulment, committee["chair"], outcome="reversed", reasons="y")
    db.session.commit()
    assert votes_of(election)["C04"][:2] == (30, 0)


def test_certified_results_change_only_after_the_certification_is_withdrawn(
        decided_case, committee, election):
    from casework.results.certification import certification_of, certify, withdraw

    case = decided_case()
    kar = region(election, "KZ-KAR")
    annulment = propose(case, committee, kind="vote_annulment",
                        station_ids=[station(election, "BAL-001").id])
    certify(kar, committee["chair"], override_reason="The count is final.")
    db.session.commit()
    before = snapshot(election)
    with pytest.raises(Refusal) as caught:
        approve(annulment, committee)
    assert caught.value.code == "certified" and "KZ-KAR" in str(caught.value)
    db.session.rollback()
    assert snapshot(election) == before and annulment.status is SanctionStatus.PROPOSED
    with pytest.raises(Refusal):
        withdraw(kar, committee["secretary"], reason="x")  # the chair's act
    with pytest.raises(Refusal) as caught:
        withdraw(kar, committee["chair"], reason=" ")
    assert caught.value.field == "reason"
    withdraw(kar, committee["chair"], reason="A confirmed annulment must be enforced.")
    db.session.commit()
    assert certification_of(kar) is None
    approve(annulment, committee)
    # Reversing it later touches certified results again: refused until withdrawn.
    record_appeal(annulment, committee["secretary"], filed_at=utcnow(), grounds="x")
    certify(kar, committee["chair"], override_reason="Appeal pending, count final.")
    db.session.commit()
    with pytest.raises(Refusal) as caught:
        decide_appeal(annulment, committee["chair"], outcome="reversed", reasons="y")
    assert caught.value.code == "certified"
    db.session.rollback()
    entries = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("results.%")).order_by(AuditEntry.id)))
    assert entries == ["results.certified", "results.certification_withdrawn",
                       "results.certified"]


# -- who may take each step: Sanction.can_* as a table of roles and states --------------------

# state -> role -> (can_view, can_review, can_record_appeal, can_decide_appeal); proposed by the
# secretary, an appeal recorded by the secretary.
NO = (False, False, False, False)
READ = (True, False, False, False)
PERMISSIONS = {
    "proposed": {"operator": NO, "admin": NO, "auditor": READ, "reviewer": READ,
                 "secretary": READ, "chair": (True, True, False, False)},
    "rejected": {"operator": NO, "admin": NO, "auditor": READ, "reviewer": READ,
                 "secretary": READ, "chair": READ},
    "enforced": {"operator": NO, "admin": NO, "auditor": READ, "reviewer": READ,
                 "secretary": (True, False, True, False), "chair": (True, False, True, False)},
    "appealed": {"operator": NO, "admin": NO, "auditor": READ, "reviewer": READ,
                 "secretary": READ, "chair": (True, False, False, True)},
    "reversed": {"operator": NO, "admin": NO, "auditor": READ, "reviewer": READ,
                 "secretary": READ, "chair": READ},
}


def sanction_in(state: str, case, committee):
    sanction = propose(case, committee, kind="warning")
    if state == "rejected":
        reject_sanction(sanction, committee["chair"], reason="Too harsh.")
    elif state != "proposed":
        approve(sanction, committee)
    if state in ("appealed", "reversed"):
        record_appeal(sanction, committee["secretary"], filed_at=utcnow(), grounds="Not me.")
    if state == "reversed":
        decide_appeal(sanction, committee["chair"], outcome="reversed", reasons="Recount.")
    db.session.commit()
    return sanction


def permissions(sanction, user) -> tuple[bool, bool, bool, bool]:
    return (sanction.can_view(user), sanction.can_review(user),
            sanction.can_record_appeal(user), sanction.can_decide_appeal(user))


@pytest.mark.parametrize("state", list(PERMISSIONS))
def test_who_may_take_each_step_by_role_and_state(decided_case, committee, make_user, state):
    sanction = sanction_in(state, decided_case(), committee)
    assert sanction.status.value == ("enforced" if state == "appealed" else state)
    users = {"operator": make_user("operator"), "admin": make_user("admin"),
             "auditor": make_user("auditor"), "reviewer": committee["r1"],
             "secretary": committee["secretary"], "chair": committee["chair"]}
    got = {role: permissions(sanction, user) for role, user in users.items()}
    assert got == PERMISSIONS[state]


def test_a_chair_outside_the_region_or_with_a_conflict_takes_no_step(
        decided_case, committee, outsider, make_user, declare_conflict):
    case = decided_case()
    proposed, enforced = sanction_in("proposed", case, committee), \
        sanction_in("enforced", case, committee)
    far_chair = make_user("chair", email="far.chair@test.kz", regions=["KZ-ALA"])
    assert permissions(proposed, far_chair) == NO and permissions(enforced, far_chair) == NO
    assert permissions(proposed, outsider) == NO
    # The proposer never reviews their own proposal (four eyes).
    own = propose(case, committee, kind="warning", actor="chair")
    assert not own.can_review(committee["chair"]) and own.can_review(make_user("chair"))
    declare_conflict(committee["chair"], case)
    assert permissions(proposed, committee["chair"]) == READ  # still reads it
    assert permissions(enforced, committee["chair"]) == READ


def test_anonymous_visitors_take_no_step(decided_case, committee, app):
    from flask_login import AnonymousUserMixin

    sanction = sanction_in("proposed", decided_case(), committee)
    assert permissions(sanction, AnonymousUserMixin()) == NO


def test_the_chair_is_told_of_a_proposal_and_of_an_appeal(decided_case, committee):
    from casework.notifications.inbox_models import NotificationKind, StaffNotification

    def told(user):
        return [(n.kind, n.sanction_id) for n in db.session.scalars(
            select(StaffNotification).where(StaffNotification.recipient_id == user.id)
            .order_by(StaffNotification.id))]

    sanction = propose(decided_case(), committee, kind="reprimand")
    assert told(committee["chair"]) == [(NotificationKind.SANCTION_WAITING, sanction.id)]
    assert told(committee["secretary"]) == []  # the proposer is not told
    approve(sanction, committee)
    record_appeal(sanction, committee["secretary"], filed_at=sanction.enforced_at,
                  grounds="In time.")
    db.session.commit()
    assert told(committee["chair"])[-1] == (NotificationKind.APPEAL_FILED, sanction.id)
