"""Cure (issue 19 point 5): screening sends a case back to the complainant with a deadline
in legal days; their answer on the tracking page returns it to screening; silence past the
deadline makes the worker declare it inadmissible by itself, with the reason, the audit entry
and an email in the complainant's language. Controlled clock: every call is given `now`."""

import secrets
from datetime import datetime

import pytest
from sqlalchemy import select

from casework.cases import page as case_page_module
from casework.cases.cure import lapse_expired_cures
from casework.cases.models import CaseDeadline, CaseState, CaseTransition
from casework.cases.transitions import apply
from casework.cases.workflow import DeadlineKind, InadmissibleReason
from casework.core.audit import AuditEntry
from casework.core.refusal import Refusal
from casework.elections.legal_clock import set_clock
from casework.extensions import db
from casework.intake.models import Channel
from casework.intake.services import ComplaintDraft, add_reply, submit_complaint
from casework.notifications.models import OutboxMessage
from casework.worker import PERIODIC
from tests import factories

S = CaseState
THURSDAY = datetime(2020, 5, 14, 6)  # 12:00 in Almaty, before voting
DUE = datetime(2020, 5, 18, 18)  # 2 working days: Friday 15, Monday 18 (local midnight)


@pytest.fixture
def screened(election):
    """A Russian complaint with an email, in screening, the election counting working days
    before voting with a cure period of 2 days."""
    set_clock(election, before_voting="working", cure_days=2)
    submission = submit_complaint(ComplaintDraft(
        election=election, category="vote_buying", region_code="KZ-KAR-BAL",
        narrative="На участке №5 раздавали деньги за голоса, видела сама.",
        anonymous=False, name="Айгуль", email="aigul@example.org", complainant_role="voter",
        language="ru", submission_key="k-" + secrets.token_hex(8)), [], channel=Channel.WEB)
    chair = factories.user("chair", election=election)
    case = submission.case
    apply(case, "start_screening", actor=chair, now=THURSDAY)
    db.session.commit()
    return case, submission.complaint, chair


def cure_requested(screened):
    case, complaint, chair = screened
    apply(case, "request_cure", actor=chair, question="Укажите адрес участка.", now=THURSDAY)
    db.session.commit()
    return case, complaint, chair


def test_a_cure_request_runs_its_own_clock_in_legal_days(screened):
    case, _complaint, chair = cure_requested(screened)
    row = db.session.get(CaseDeadline, case.id)
    assert (case.state, row.kind, row.due_at, row.paused_at) == (
        S.INFO_REQUESTED, DeadlineKind.CURE, DUE, None)
    # The case page offers the cure's answer, not the investigation's.
    actions = [t.action for t in case_page_module.case_page(case, chair, "en",
                                                            now=THURSDAY).actions]
    assert "cure_received" in actions and "info_received" not in actions
    with pytest.raises(Refusal):
        apply(case, "info_received", actor=chair, now=THURSDAY)


def test_an_answer_in_time_returns_the_case_to_screening(screened):
    case, complaint, _chair = cure_requested(screened)
    add_reply(complaint, "Участок №5, школа на улице Ленина.", [])
    db.session.commit()
    row = db.session.get(CaseDeadline, case.id)
    assert case.state is S.SCREENING and row.kind is DeadlineKind.SCREENING
    assert lapse_expired_cures(now=DUE) == 0
    assert case.state is S.SCREENING


def test_an_expired_cure_makes_the_case_inadmissible_by_the_worker(screened):
    case, _complaint, _chair = cure_requested(screened)
    assert lapse_expired_cures in PERIODIC
    assert lapse_expired_cures(now=datetime(2020, 5, 18, 17, 59)) == 0  # still Monday
    assert lapse_expired_cures(now=DUE) == 1
    db.session.refresh(case)
    assert case.state is S.INADMISSIBLE
    move = db.session.scalars(select(CaseTransition).where(CaseTransition.case_id == case.id)
                              .order_by(CaseTransition.id.desc())).first()
    assert (move.action, move.actor_id, move.reason_code) == (
        "cure_lapsed", None, InadmissibleReason.DEFECT_NOT_CURED)
    assert case.public_reason
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "case.cure_lapsed")).all()
    assert [(a.object_id, a.actor_id) for a in audit] == [(case.reference, None)]
    mail = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.case_id == case.id, OutboxMessage.template == "cases/status_changed")
        .order_by(OutboxMessage.id.desc())).first()
    assert (mail.recipient, mail.language) == ("aigul@example.org", "ru")
    assert "Недостаток не устранён в срок" in mail.body_text
    # A second worker (or round) finds nothing left to do.
    assert lapse_expired_cures(now=DUE) == 0


def test_a_worker_that_lost_the_race_changes_nothing(screened):
    case, _complaint, _chair = cure_requested(screened)
    assert lapse_expired_cures(now=DUE) == 1
    # The other worker still holds the case as waiting: its move is refused, not doubled.
    db.session.expire_all()
    stale = db.session.get(type(case), case.id)
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(stale, "state", S.INFO_REQUESTED)
    with pytest.raises(Refusal):
        apply(stale, "cure_lapsed", actor=None, now=DUE)
    db.session.rollback()
    assert db.session.scalar(select(CaseTransition.id).where(
        CaseTransition.case_id == case.id, CaseTransition.action == "cure_lapsed")
        .order_by(CaseTransition.id).offset(1)) is None


def test_staff_cannot_give_the_system_reason(screened):
    case, _complaint, chair = screened
    with pytest.raises(Refusal):
        apply(case, "reject", actor=chair, reason_code="defect_not_cured",
              public_reason="No.", now=THURSDAY)
