"""The review workflow: the table, every role x state x action, requirements, scope,
concurrency, and what each transition leaves behind (timeline, audit, outbox)."""

import itertools
import secrets
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from casework.accounts.models import Role, User
from casework.cases.models import (
    Case,
    CaseDeadline,
    CaseMessage,
    CaseState,
    CaseTransition,
    MessageAuthor,
    ScreeningChecklist,
)
from casework.cases.transitions import (
    apply,
    save_checklist,
)
from casework.cases.workflow import (
    CHECKLIST_NAMES,
    TRANSITIONS,
    DeadlineKind,
    InadmissibleReason,
    Outcome,
    find,
)
from casework.core.audit import AuditEntry, verify
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.extensions import db
from casework.intake.models import Channel, Complaint
from casework.intake.services import ComplaintDraft, public_messages, submit_complaint
from casework.notifications.models import OutboxMessage
from tests import factories
from tests.factories import case as make_case
from tests.plugin.data import NARRATIVE_T2020 as NARRATIVE

S = CaseState
R = Role
STAFF = {R.REVIEWER, R.SECRETARY, R.CHAIR}
LEADS = {R.SECRETARY, R.CHAIR}


# -- helpers ---------------------------------------------------------------------------

def checklist(case, **items) -> ScreeningChecklist:
    values = dict.fromkeys(CHECKLIST_NAMES, True) | items
    row = ScreeningChecklist(case_id=case.id, **values)
    db.session.add(row)
    db.session.flush()
    return row


def add_complaint(case, *, email=None, language="kk") -> Complaint:
    """A web complaint, anonymous unless it leaves an address."""
    return factories.complaint(case, email=email, language=language, anonymous=email is None)


def stored_state(case) -> CaseState:
    return db.session.scalar(select(Case.state).where(Case.id == case.id))


def transitions_of(case) -> list[CaseTransition]:
    return list(db.session.scalars(select(CaseTransition).where(CaseTransition.case_id == case.id)
                                   .order_by(CaseTransition.id)))


def status_mail(case) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.case_id == case.id, OutboxMessage.template == "cases/status_changed")
        .order_by(OutboxMessage.id)))


def refused(code, case, action, **kwargs) -> Refusal:
    before = stored_state(case)
    with pytest.raises(Refusal) as caught:
        apply(case, action, **kwargs)
    assert caught.value.code == code, str(caught.value)
    assert stored_state(case) is before
    assert transitions_of(case) == []
    return caught.value


PAYLOADS = {
    "reject": {"reason_code": "outside_remit", "public_reason": "Not about the primary."},
    "request_info": {"question": "Please send the photo you mention."},
    "request_cure": {"question": "Please say where it happened."},
    "decide": {"outcome": "confirmed", "reasons": "Two witnesses and a video."},
    "redecide": {"outcome": "not_confirmed", "reasons": "The video was staged."},
    "appeal": {"reason": "The candidate contests the finding."},
}


@pytest.fixture
def staff(election):
    """One all-region user per role."""
    return {role: factories.user(role.value, election=election) for role in Role}


# -- the table ---------------------------------------------------------------------------

def test_the_table_is_the_one_the_issue_describes():
    expected = {
        "start_screening": ({S.RECEIVED}, S.SCREENING, STAFF, set()),
        "admit": ({S.SCREENING}, S.INVESTIGATION, STAFF, {"checklist"}),
        "reject": ({S.SCREENING}, S.INADMISSIBLE, STAFF,
                   {"checklist", "reason_code", "public_reason"}),
        "merge": ({S.SCREENING}, S.MERGED, LEADS, {"into"}),
        # Cure (issue 19 point 5): the answer returns to screening, silence ends the case.
        "request_cure": ({S.SCREENING}, S.INFO_REQUESTED, STAFF, {"question"}),
        "cure_received": ({S.INFO_REQUESTED}, S.SCREENING, STAFF, set()),
        "cure_lapsed": ({S.INFO_REQUESTED}, S.INADMISSIBLE, set(), set()),
        "request_info": ({S.INVESTIGATION}, S.INFO_REQUESTED, STAFF, {"question"}),
        "info_received": ({S.INFO_REQUESTED}, S.INVESTIGATION, STAFF, set()),
        "ready_findings": ({S.INVESTIGATION}, S.FINDINGS_READY, STAFF, set()),
        "decide": ({S.FINDINGS_READY}, S.DECIDED, LEADS, {"outcome", "reasons"}),
        "close": ({S.DECIDED}, S.CLOSED, LEADS, set()),
        "appeal": ({S.DECIDED, S.INADMISSIBLE}, S.APPEALED, LEADS, {"reason"}),
        "reopen": ({S.APPEALED}, S.INVESTIGATION, LEADS, set()),
        "redecide": ({S.APPEALED}, S.DECIDED, {R.CHAIR}, {"outcome", "reasons"}),
    }
    assert {t.action: (set(t.sources), t.target, set(t.roles), set(t.requires))
            for t in TRANSITIONS} == expected
    assert [t.action for t in TRANSITIONS if t.system] == [
        "cure_received", "cure_lapsed", "info_received"]
    assert find("decide").target is S.DECIDED
    with pytest.raises(KeyError):
        find("annul")


def moves(state: CaseState, user) -> list[str]:
    """The buttons of a case in `state` (no region: every user here sees all regions)."""
    return [t.action for t in Case(state=state, region=None).moves_for(user)]


@pytest.mark.parametrize("role", [R.AUDITOR, R.OPERATOR, R.ADMIN])
def test_auditors_operators_and_admins_take_no_transition(staff, role):
    assert all(moves(state, staff[role]) == [] for state in CaseState)


def test_the_moves_are_the_buttons_in_table_order(staff):
    assert moves(S.SCREENING, staff[R.REVIEWER]) == ["admit", "reject", "request_cure"]
    assert moves(S.SCREENING, staff[R.CHAIR]) == ["admit", "reject", "merge", "request_cure"]
    assert moves(S.APPEALED, staff[R.CHAIR]) == ["reopen", "redecide"]
    assert moves(S.APPEALED, staff[R.SECRETARY]) == ["reopen"]
    # The table offers both answers; the case page keeps the one the case waits for.
    assert moves(S.INFO_REQUESTED, None) == ["cure_received", "cure_lapsed", "info_received"]
    assert moves(S.CLOSED, staff[R.CHAIR]) == moves(S.MERGED, staff[R.CHAIR]) == []


def test_every_state_is_reachable_and_only_closed_and_merged_are_final():
    reachable, frontier = {S.RECEIVED}, [S.RECEIVED]
    while frontier:
        state = frontier.pop()
        for t in TRANSITIONS:
            if state in t.sources and t.target not in reachable:
                reachable.add(t.target)
                frontier.append(t.target)
    assert reachable == set(CaseState)
    assert {s for s in CaseState if not any(s in t.sources for t in TRANSITIONS)} == {
        S.CLOSED, S.MERGED}


# -- role x state x action ------------------------------------------------------------------

@pytest.mark.parametrize(("action", "state"),
                         list(itertools.product([t.action for t in TRANSITIONS], CaseState)))
def test_apply_succeeds_exactly_when_the_table_allows(election, staff, action, state):
    transition = find(action)
    actors = [None, *staff.values()]
    for actor in actors:
        role = getattr(actor, "role", None)
        case = make_case(election, state)
        payload = dict(PAYLOADS.get(action, {}))
        if action == "admit":
            checklist(case)
        elif action == "reject":
            checklist(case, within_remit=False)
        elif action == "merge":
            payload["into"] = make_case(election, S.INVESTIGATION)
        elif action.startswith("cure_") and state is S.INFO_REQUESTED:
            # The answer to a cure request, or its period run out: the case waits for a cure.
            db.session.add(CaseDeadline(case_id=case.id, state=state, kind=DeadlineKind.CURE,
                                        due_at=utcnow() - timedelta(hours=1),
                                        started_at=utcnow(), paused_seconds=0))
        allowed = state in transition.sources and (
            transition.system if actor is None else role in transition.roles)
        if allowed:
            record = apply(case, action, actor=actor, **payload)
            assert (record.from_state, record.to_state) == (state, transition.target)
            assert stored_state(case) is transition.target is case.state
        else:
            code = "not_allowed" if state not in transition.sources else "forbidden"
            refused(code, case, action, actor=actor, **payload)
            assert case.state is state


# -- requirements ------------------------------------------------------------------------

def test_reject_needs_a_reason_code_and_an_explanation(election, staff):
    case = make_case(election, S.SCREENING)
    checklist(case, within_remit=False)
    reviewer = staff[R.REVIEWER]
    error = refused("missing", case, "reject", actor=reviewer, public_reason="Not ours.")
    assert error.field == "reason_code"
    assert refused("missing", case, "reject", actor=reviewer, reason_code="outside_remit",
                   public_reason="   ").field == "public_reason"
    assert refused("invalid", case, "reject", actor=reviewer, reason_code="boring",
                   public_reason="x").field == "reason_code"


def test_reject_rests_on_a_failed_checklist_item_that_supports_the_reason(election, staff):
    reviewer = staff[R.REVIEWER]
    case = make_case(election, S.SCREENING)
    error = refused("missing", case, "reject", actor=reviewer, reason_code="outside_remit",
                    public_reason="Not ours.")
    assert error.field == "checklist"
    checklist(case, evidence_or_source=False)  # a failed item, but not the one of the reason
    refused("invalid", case, "reject", actor=reviewer, reason_code="outside_remit",
            public_reason="Not ours.")
    record = apply(case, "reject", actor=reviewer, reason_code="no_evidence_or_source",
                   public_reason="No photo, video or witness, and no source to check.")
    assert record.reason_code is InadmissibleReason.NO_EVIDENCE_OR_SOURCE
    assert record.details["checklist"]["evidence_or_source"] is False
    assert case.public_reason == "No photo, video or witness, and no source to check."
    assert case.state is S.INADMISSIBLE


def test_missing_accused_supports_no_specific_facts(election, staff):
    case = make_case(election, S.SCREENING)
    checklist(case, accused_identified=False)
    apply(case, "reject", actor=staff[R.REVIEWER], reason_code="no_specific_facts",
          public_reason="Who did it is not said.")
    assert case.state is S.INADMISSIBLE


@pytest.mark.parametrize("reason", ["duplicate", "withdrawn"])
def test_duplicate_and_withdrawn_need_no_checklist(election, staff, reason):
    case = make_case(election, S.SCREENING)
    record = apply(case, "reject", actor=staff[R.REVIEWER], reason_code=reason,
                   public_reason="See case T2020-KAR-00001.")
    assert record.reason_code == reason and record.details == {}
    assert stored_state(case) is S.INADMISSIBLE


def test_admit_needs_a_complete_checklist_with_every_item_passed(election, staff):
    reviewer = staff[R.REVIEWER]
    case = make_case(election, S.SCREENING)
    assert refused("missing", case, "admit", actor=reviewer).field == "checklist"
    row = checklist(case, accused_identified=None)
    assert refused("missing", case, "admit", actor=reviewer).field == "checklist"
    row.accused_identified, row.within_filing_window = True, False
    assert refused("invalid", case, "admit", actor=reviewer).field == "checklist"
    row.within_filing_window = True
    record = apply(case, "admit", actor=reviewer)
    assert record.details["checklist"] == dict.fromkeys(CHECKLIST_NAMES, True)
    assert case.state is S.INVESTIGATION


def test_save_checklist_keeps_items_and_who_checked(election, staff):
    reviewer = staff[R.REVIEWER]
    case = make_case(election, S.SCREENING)
    save_checklist(case, actor=reviewer, within_remit=True, specific_facts=False,
                   notes="  Only a rumour.  ")
    row = save_checklist(case, actor=reviewer, within_filing_window=True)
    assert row.items() == {"within_remit": True, "within_filing_window": True,
                           "specific_facts": False, "evidence_or_source": None,
                           "accused_identified": None, "not_duplicate": None}
    assert (row.notes, row.checked_by_id, row.complete) == ("Only a rumour.", reviewer.id, False)
    assert row.failed_items() == ["specific_facts"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "case.checklist")) == 2
    with pytest.raises(TypeError):
        save_checklist(case, actor=reviewer, looks_fine=True)
    with pytest.raises(Refusal) as caught:
        save_checklist(case, actor=staff[R.AUDITOR], within_remit=False)
    assert caught.value.code == "forbidden"
    received = make_case(election, S.RECEIVED)
    with pytest.raises(Refusal) as caught:
        save_checklist(received, actor=reviewer, within_remit=True)
    assert caught.value.code == "not_allowed"


def test_decide_needs_an_outcome_and_reasons(election, staff):
    chair = staff[R.CHAIR]
    case = make_case(election, S.FINDINGS_READY)
    assert refused("missing", case, "decide", actor=chair, reasons="x").field == "outcome"
    assert refused("invalid", case, "decide", actor=chair, outcome="guilty",
                   reasons="x").field == "outcome"
    assert refused("missing", case, "decide", actor=chair,
                   outcome="confirmed").field == "reasons"
    record = apply(case, "decide", actor=chair, outcome="partly_confirmed",
                   reasons="One of two episodes is proven.")
    assert record.outcome is Outcome.PARTLY_CONFIRMED
    assert (case.outcome, case.public_reason) == ("partly_confirmed",
                                                  "One of two episodes is proven.")


def test_appeal_then_reopen_clears_the_decision_and_redecide_replaces_it(election, staff):
    chair = staff[R.CHAIR]
    case = make_case(election, S.FINDINGS_READY)
    apply(case, "decide", actor=chair, outcome="confirmed", reasons="Proven.")
    refused_appeal = make_case(election, S.DECIDED)
    assert refused("missing", refused_appeal, "appeal", actor=chair).field == "reason"
    apply(case, "appeal", actor=chair, reason="New video.")
    assert case.outcome == "confirmed"  # the decision stands while it is appealed
    apply(case, "redecide", actor=chair, outcome="not_confirmed", reasons="The video is older.")
    assert (case.state, case.outcome) == (S.DECIDED, "not_confirmed")
    apply(case, "appeal", actor=chair, reason="Again.")
    apply(case, "reopen", actor=chair)
    assert (case.state, case.outcome, case.public_reason) == (S.INVESTIGATION, None, None)
    assert [t.action for t in transitions_of(case)] == [
        "decide", "appeal", "redecide", "appeal", "reopen"]


def test_request_info_needs_a_question(election, staff):
    case = make_case(election, S.INVESTIGATION)
    assert refused("missing", case, "request_info", actor=staff[R.REVIEWER],
                   question="").field == "question"


def test_merge_target_must_be_another_open_case_of_the_same_election(election, staff):
    chair = staff[R.CHAIR]
    case = make_case(election, S.SCREENING)
    assert refused("missing", case, "merge", actor=chair).field == "into"
    refused("invalid", case, "merge", actor=chair, into=case)
    for state in (S.MERGED, S.CLOSED, S.INADMISSIBLE):
        refused("invalid", case, "merge", actor=chair, into=make_case(election, state))
    other = factories.election_with_regions("T2021")
    refused("invalid", case, "merge", actor=chair, into=make_case(other, S.INVESTIGATION))
    target = make_case(election, S.SCREENING)
    record = apply(case, "merge", actor=chair, into=target)
    assert (case.state, case.merged_into_id) == (S.MERGED, target.id)
    assert record.details["merged_into"] == target.reference


def test_unknown_actions_and_payloads_are_refused(election, staff):
    case = make_case(election, S.RECEIVED)
    refused("not_allowed", case, "annul", actor=staff[R.CHAIR])
    with pytest.raises(TypeError):
        apply(case, "start_screening", actor=staff[R.CHAIR], reason="because")


def test_a_disabled_user_takes_no_transition(election, staff):
    chair = staff[R.CHAIR]
    chair.disabled_at = utcnow()
    refused("forbidden", make_case(election, S.RECEIVED), "start_screening", actor=chair)


# -- scope -------------------------------------------------------------------------------

def test_a_reviewer_moves_only_cases_in_their_regions(election):
    almaty = factories.user("reviewer", election=election, email="ala@test.kz",
                            regions=["KZ-ALA"])
    karaganda = factories.user("reviewer", election=election, email="kar@test.kz",
                               regions=["KZ-KAR"])
    balkhash_case = make_case(election, S.RECEIVED, "KZ-KAR-BAL")
    refused("forbidden", balkhash_case, "start_screening", actor=almaty)
    apply(balkhash_case, "start_screening", actor=karaganda)  # Balkhash lies in Karaganda
    apply(make_case(election, S.RECEIVED, "KZ-ALA"), "start_screening", actor=almaty)


def test_a_case_without_a_region_is_for_all_region_staff(election, staff):
    scoped = factories.user("reviewer", election=election, email="ala@test.kz",
                            regions=["KZ-ALA"])
    case = make_case(election, S.RECEIVED, None)
    refused("forbidden", case, "start_screening", actor=scoped)
    apply(case, "start_screening", actor=staff[R.REVIEWER])


def test_merging_into_a_case_outside_the_scope_is_forbidden(election):
    secretary = factories.user("secretary", election=election, email="s@test.kz",
                               regions=["KZ-KAR"])
    case = make_case(election, S.SCREENING, "KZ-KAR")
    refused("forbidden", case, "merge", actor=secretary,
            into=make_case(election, S.INVESTIGATION, "KZ-ALA"))


# -- concurrency -------------------------------------------------------------------------

def test_a_move_on_a_stale_state_is_a_conflict(election, staff):
    case = make_case(election, S.RECEIVED)
    # Someone else screens it: the row changes, this session's object still says received.
    db.session.execute(update(Case.__table__).where(Case.__table__.c.id == case.id)
                       .values(state=S.SCREENING.value))
    assert case.state is S.RECEIVED
    with pytest.raises(Refusal) as caught:
        apply(case, "start_screening", actor=staff[R.REVIEWER])
    assert caught.value.code == "conflict"
    assert stored_state(case) is S.SCREENING
    assert transitions_of(case) == []
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "case.start_screening")) == 0


def test_two_sessions_only_one_moves_the_case(app, election, staff):
    case = make_case(election, S.SCREENING)
    checklist(case)
    db.session.commit()
    assert case.state is S.SCREENING  # loaded by this session
    with Session(db.engine) as other:  # a second user, another connection, commits first
        apply_other = other.get(Case, case.id)
        other.execute(update(Case).where(Case.id == apply_other.id, Case.state == S.SCREENING)
                      .values(state=S.INVESTIGATION)
                      .execution_options(synchronize_session=False))
        other.commit()
    with pytest.raises(Refusal) as caught:
        apply(case, "reject", actor=staff[R.CHAIR], reason_code="duplicate",
              public_reason="Same as another.")
    assert caught.value.code == "conflict"
    db.session.rollback()
    assert stored_state(case) is S.INVESTIGATION


def test_racing_users_one_wins_the_other_gets_a_conflict(app, election, staff):
    """Two threads, each with its own connection, load the case and move it at once."""
    case = make_case(election, S.RECEIVED)
    db.session.commit()
    case_id = case.id
    actor_ids = [staff[R.REVIEWER].id, staff[R.CHAIR].id]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker(actor_id):
        try:
            with app.app_context():
                mine, actor = db.session.get(Case, case_id), db.session.get(User, actor_id)
                assert mine.state is S.RECEIVED
                barrier.wait()
                try:
                    apply(mine, "start_screening", actor=actor)
                    db.session.commit()
                    outcomes.append("moved")
                except Refusal as error:
                    db.session.rollback()
                    outcomes.append(error.code)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(actor_id,)) for actor_id in actor_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == ["conflict", "moved"]
    db.session.expire_all()
    assert len(transitions_of(case)) == 1 and stored_state(case) is S.SCREENING


# -- what a transition leaves behind ----------------------------------------------------------

def test_timeline_and_audit_entry(election, staff):
    reviewer = staff[R.REVIEWER]
    case = make_case(election, S.RECEIVED)
    record = apply(case, "start_screening", actor=reviewer)
    assert [(t.action, t.from_state, t.to_state, t.actor_id) for t in transitions_of(case)] == [
        ("start_screening", S.RECEIVED, S.SCREENING, reviewer.id)]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.start_screening"))
    assert (entry.actor_id, entry.object_type, entry.object_id) == (reviewer.id, "case",
                                                                    case.reference)
    assert entry.details["from"] == "received" and entry.details["to"] == "screening"
    assert entry.details["transition_id"] == record.id
    assert case.state_changed_at == record.at
    assert verify().ok


def test_the_system_records_the_complainants_answer(election):
    case = make_case(election, S.INFO_REQUESTED)
    record = apply(case, "info_received", actor=None)
    assert record.actor_id is None and case.state is S.INVESTIGATION
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.info_received"))
    assert entry.actor_label == "system"


@pytest.fixture
def complained(election):
    """A case from the public form (Russian, with an email), a second complainant in English,
    and a third, anonymous one without an address."""
    submission = submit_complaint(ComplaintDraft(
        election=election, category="vote_buying", region_code="KZ-KAR-BAL",
        narrative=NARRATIVE, anonymous=False, name="Айгуль", email="aigul@example.org",
        complainant_role="voter", language="ru", submission_key="k-" + secrets.token_hex(8)),
        [], channel=Channel.WEB)
    case = submission.case
    second = add_complaint(case, email="john@example.org", language="en")
    add_complaint(case)
    return case, submission.complaint, second


def test_a_public_status_change_mails_each_complainant_in_their_language(complained, staff):
    case, first, second = complained
    record = apply(case, "start_screening", actor=staff[R.REVIEWER])
    mail = status_mail(case)
    assert [(m.recipient, m.language, m.dedupe_key) for m in mail] == [
        ("aigul@example.org", "ru", f"status:{case.id}:{record.id}:{first.id}"),
        ("john@example.org", "en", f"status:{case.id}:{record.id}:{second.id}")]
    assert mail[0].subject == f"Дело {case.reference}: На рассмотрении"
    assert mail[1].subject == f"Case {case.reference}: Under review"
    assert all(case.reference in m.body_text and "/track" in m.body_text for m in mail)
    assert mail[1].body_text.rstrip().endswith("Party Control Committee")


def test_no_mail_when_the_public_status_stays(complained, staff):
    case, _first, _second = complained
    apply(case, "start_screening", actor=staff[R.REVIEWER])
    checklist(case)
    apply(case, "admit", actor=staff[R.REVIEWER])  # under review -> under review
    assert len(status_mail(case)) == 2


def test_request_info_asks_the_complainants_on_the_tracking_page_and_by_mail(complained, staff):
    case, first, second = complained
    case.state = S.INVESTIGATION
    db.session.flush()
    question = "Please send the video you mention."
    apply(case, "request_info", actor=staff[R.REVIEWER], question=question)
    for complaint in (first, second):
        [message] = public_messages(complaint)
        assert (message.author, message.body, message.author_user_id) == (
            MessageAuthor.COMMITTEE, question, staff[R.REVIEWER].id)
    mail = status_mail(case)
    assert len(mail) == 2 and all(question in m.body_text for m in mail)
    assert mail[0].subject == f"Дело {case.reference}: Запрошена дополнительная информация"
    assert db.session.scalar(select(func.count()).select_from(CaseMessage)) == 1


def test_rejection_and_decision_tell_the_complainant_why(complained, staff):
    case, _first, _second = complained
    case.state = S.SCREENING
    db.session.flush()
    apply(case, "reject", actor=staff[R.REVIEWER], reason_code="duplicate",
          public_reason="The same facts are examined in another case.")
    [ru, en] = status_mail(case)
    assert "The same facts are examined in another case." in en.body_text
    assert "Duplicate of another complaint" in en.body_text
    assert en.subject == f"Case {case.reference}: Rejected"
    assert ru.subject == f"Дело {case.reference}: Отклонено"

    decided = make_case(case.election, S.FINDINGS_READY)
    add_complaint(decided, email="v@example.org", language="en")
    apply(decided, "decide", actor=staff[R.CHAIR], outcome="confirmed", reasons="Video.")
    [mail] = status_mail(decided)
    assert "Confirmed" in mail.body_text and "Video." in mail.body_text
