"""Deadlines per state, the pause while the complainant is asked, overdue and due-soon
queries, and the secretaries' daily digest (through the outbox and a real SMTP server)."""

from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from casework.cases import queue_lines
from casework.cases.deadlines import (
    deadline_for,
    due_at,
    is_due_soon,
    is_overdue,
    is_paused,
    overdue_and_due_soon,
    received_due_by,
    send_daily_digest,
)
from casework.cases.models import CaseDeadline, CaseState, ScreeningChecklist
from casework.cases.queries import queue_page
from casework.cases.queue_conditions import QueueFilters
from casework.cases.transitions import apply
from casework.cases.workflow import CHECKLIST_NAMES
from casework.core.db import utcnow
from casework.elections.legal_clock import set_clock
from casework.extensions import db
from casework.notifications.delivery import deliver_due
from casework.notifications.models import OutboxMessage
from tests import factories

S = CaseState
H = timedelta(hours=1)
# The test election: decision deadline 2020-06-05 03:00, certification 2020-06-08 03:00 (UTC).
T0 = datetime(2020, 6, 1, 3, 0)


# make_case(election, state=RECEIVED, region_code="KZ-KAR-BAL", created_at=T0): received at T0.
make_case = partial(factories.case, created_at=T0)


def deadline(case) -> CaseDeadline | None:
    return db.session.get(CaseDeadline, case.id)


def passed_checklist(case) -> None:
    db.session.add(ScreeningChecklist(case_id=case.id, **dict.fromkeys(CHECKLIST_NAMES, True)))
    db.session.flush()


@pytest.fixture
def chair(election):
    return factories.user("chair", election=election)


# -- per state ----------------------------------------------------------------------------

def test_screening_is_due_a_day_after_receipt(election, chair):
    case = make_case(election)
    assert deadline(case) is None
    assert due_at(case, None) == T0 + 24 * H  # no row yet: counted from receipt
    apply(case, "start_screening", actor=chair, now=T0 + 5 * H)
    row = deadline(case)
    assert (row.state, row.started_at, row.due_at) == (S.SCREENING, T0 + 5 * H, T0 + 24 * H)


def test_the_hours_come_from_the_settings(app, election, chair, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_DEADLINE_SCREENING_HOURS", 6)
    monkeypatch.setitem(app.config, "CASEWORK_DEADLINE_INVESTIGATION_HOURS", 10)
    case = make_case(election)
    assert deadline_for(case, S.SCREENING, T0) == T0 + 6 * H
    assert deadline_for(case, S.INVESTIGATION, T0) == T0 + 10 * H


def test_investigation_takes_three_days_but_ends_by_the_decision_deadline(election, chair):
    case = make_case(election, S.SCREENING)
    passed_checklist(case)
    apply(case, "admit", actor=chair, now=T0)
    assert deadline(case).due_at == T0 + 72 * H
    late = make_case(election)
    assert deadline_for(late, S.INVESTIGATION, election.decision_deadline_at - 24 * H) == \
        election.decision_deadline_at
    # Once the decision deadline has passed (an appeal reopened), a fresh three days.
    after = election.decision_deadline_at + H
    assert deadline_for(late, S.INVESTIGATION, after) == after + 72 * H


def test_asking_the_complainant_pauses_the_clock_and_the_answer_extends_it(election, chair):
    case = make_case(election, S.SCREENING)
    passed_checklist(case)
    apply(case, "admit", actor=chair, now=T0)
    apply(case, "request_info", actor=chair, question="Which station?", now=T0 + 10 * H)
    row = deadline(case)
    assert (row.state, row.paused_at, row.due_at) == (S.INFO_REQUESTED, T0 + 10 * H, T0 + 72 * H)
    assert is_paused(row)
    assert not is_overdue(row, T0 + 100 * H)  # a paused clock is never overdue
    apply(case, "info_received", actor=None, now=T0 + 40 * H)
    assert (row.state, row.paused_at, row.paused_seconds, row.due_at) == (
        S.INVESTIGATION, None, 30 * 3600, T0 + 102 * H)
    apply(case, "request_info", actor=chair, question="And the time?", now=T0 + 50 * H)
    apply(case, "info_received", actor=chair, now=T0 + 52 * H)
    assert (row.paused_seconds, row.due_at) == (32 * 3600, T0 + 104 * H)


def test_findings_are_decided_by_the_decision_deadline_then_no_deadline(election, chair):
    case = make_case(election, S.INVESTIGATION)
    apply(case, "ready_findings", actor=chair, now=T0)
    assert deadline(case).due_at == election.decision_deadline_at
    apply(case, "decide", actor=chair, outcome="confirmed", reasons="Proven.", now=T0 + H)
    assert (deadline(case).state, deadline(case).due_at) == (S.DECIDED, None)
    apply(case, "appeal", actor=chair, reason="New facts.", now=T0 + 2 * H)
    assert deadline(case).due_at == T0 + 74 * H
    apply(case, "redecide", actor=chair, outcome="confirmed", reasons="Still.", now=T0 + 3 * H)
    apply(case, "close", actor=chair, now=T0 + 4 * H)
    assert deadline(case).due_at is None


def test_an_appeal_is_examined_before_the_results_are_certified(election):
    case = make_case(election)
    almost = election.results_certification_at - 10 * H
    assert deadline_for(case, S.APPEALED, almost) == election.results_certification_at


@pytest.mark.parametrize("state", [S.DECIDED, S.CLOSED, S.INADMISSIBLE, S.MERGED,
                                   S.INFO_REQUESTED])
def test_states_without_a_deadline_of_their_own(election, state):
    assert deadline_for(make_case(election), state, T0) is None


def test_rejection_and_merge_stop_the_clock(election, chair):
    rejected, merged = make_case(election, S.SCREENING), make_case(election, S.SCREENING)
    apply(rejected, "reject", actor=chair, reason_code="withdrawn", public_reason="Withdrawn.",
          now=T0)
    apply(merged, "merge", actor=chair, into=make_case(election, S.INVESTIGATION), now=T0)
    assert deadline(rejected).due_at is None and deadline(merged).due_at is None


def test_is_overdue_and_is_due_soon(election, chair):
    case = make_case(election, S.INVESTIGATION)
    apply(case, "ready_findings", actor=chair, now=T0)
    row, due = deadline(case), election.decision_deadline_at
    assert not is_overdue(row, due - H) and is_due_soon(row, due - H)
    assert not is_due_soon(row, due - 13 * H)
    assert is_overdue(row, due) and not is_due_soon(row, due)
    assert not is_overdue(None, due) and not is_due_soon(None, due)


# -- the queue query and the digest ----------------------------------------------------------

@pytest.fixture
def calendar(election, chair):
    """Cases around NOW: which are overdue, due soon, neither."""
    now = T0 + 30 * H
    cases = {
        "received_overdue": make_case(election, created_at=now - 25 * H),  # no row: receipt+24h
        "received_soon": make_case(election, created_at=now - 20 * H, region_code="KZ-ALA"),
        "received_fresh": make_case(election, created_at=now - H),
        "investigation_far": make_case(election, S.SCREENING),
        "paused": make_case(election, S.INVESTIGATION),
        "findings_overdue": make_case(election, S.INVESTIGATION),
        "decided": make_case(election, S.FINDINGS_READY),
    }
    passed_checklist(cases["investigation_far"])
    apply(cases["investigation_far"], "admit", actor=chair, now=now - H)
    apply(cases["paused"], "request_info", actor=chair, question="?", now=T0 - 100 * H)
    apply(cases["findings_overdue"], "ready_findings", actor=chair, now=T0)
    deadline(cases["findings_overdue"]).due_at = now - 2 * H  # as if the calendar said so
    apply(cases["decided"], "decide", actor=chair, outcome="confirmed", reasons="x", now=T0)
    other = factories.election_with_regions("T2021")
    make_case(other, created_at=now - 100 * H)  # another election's overdue case
    db.session.flush()
    return now, cases


def test_overdue_and_due_soon(election, calendar):
    now, cases = calendar
    overdue, soon = overdue_and_due_soon(election, now)
    assert [(d.case.id, d.due_at) for d in overdue] == [  # the longest overdue first
        (cases["findings_overdue"].id, now - 2 * H), (cases["received_overdue"].id, now - H)]
    assert [(d.case.id, d.due_at) for d in soon] == [(cases["received_soon"].id, now + 4 * H)]


def test_the_digest_goes_once_a_day_to_each_secretary_with_their_cases(election, calendar):
    now, cases = calendar
    everywhere = factories.user("secretary", election=election, email="sec@test.kz")
    everywhere.preferred_locale = "ru"
    almaty = factories.user("secretary", election=election, email="ala@test.kz",
                            regions=["KZ-ALA"])
    factories.user("secretary", election=election, email="east@test.kz", regions=["KZ-KAR"]
                   ).disabled_at = utcnow()
    factories.user("reviewer", election=election, email="rev@test.kz")
    assert send_daily_digest(election, now) == 2
    assert send_daily_digest(election, now + 3 * H) == 0  # the same local day: once
    digests = sorted(db.session.scalars(select(OutboxMessage).where(  # recipients are sealed
        OutboxMessage.template == "cases/digest")), key=lambda m: m.recipient)
    assert [(m.recipient, m.language) for m in digests] == [("ala@test.kz", "kk"),
                                                            ("sec@test.kz", "ru")]
    ala, everything = digests
    local_date = now.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Almaty")).date().isoformat()
    assert everything.dedupe_key == f"digest:{election.id}:{everywhere.id}:{local_date}"
    assert ala.dedupe_key == f"digest:{election.id}:{almaty.id}:{local_date}"
    references = {name: case.reference for name, case in cases.items()}
    for name in ("received_overdue", "findings_overdue", "received_soon"):
        assert references[name] in everything.body_text
    for name in ("received_fresh", "investigation_far", "paused", "decided"):
        assert references[name] not in everything.body_text
    assert references["received_soon"] in ala.body_text
    assert "\n\n\n" not in ala.body_text and "\n\n\n" not in everything.body_text
    assert references["received_overdue"] not in ala.body_text
    # Due times are shown in the election's zone.
    due = (now + 4 * H).replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Almaty"))
    assert due.strftime("%H:%M") in ala.body_text
    # The next day brings a new digest.
    assert send_daily_digest(election, now + 24 * H) == 2


def test_no_digest_when_nothing_is_late(election):
    factories.user("secretary", election=election, email="sec@test.kz")
    assert send_daily_digest(election, T0) == 0
    make_case(election, created_at=T0)
    assert send_daily_digest(election, T0 + H) == 0


def test_the_digest_is_delivered_through_smtp(election, calendar, smtp_server):
    now, cases = calendar
    factories.user("secretary", election=election, email="sec@test.kz").preferred_locale = "en"
    assert send_daily_digest(election, now) == 1
    db.session.commit()
    assert deliver_due()["sent"] == 1
    [email] = smtp_server.messages
    assert email["To"] == "sec@test.kz"
    local_date = now.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Almaty")).date()
    assert email["Subject"] == f"Deadlines on {local_date.isoformat()}: 2 overdue, 1 due soon"
    assert cases["findings_overdue"].reference in email.get_content()


def test_cli_digest_command(app):
    result = app.test_cli_runner().invoke(args=["cases", "digest"])
    assert result.exit_code == 2 and "no election" in result.output


# -- the legal clock (issue 19 point 5) ------------------------------------------------------
# With a clock set, every period is legal days ending at local midnight (Asia/Almaty, UTC+6
# in 2020). T0 is Monday 1 June 09:00 local, in the voting phase (until certification on
# Monday 8 June); after it, Tuesday 9 June on, the clock below counts working days.

def legal(election, **values):
    set_clock(election, voting="calendar", after_certification="working", **values)


def test_with_a_clock_screening_is_days_from_receipt(election, chair):
    legal(election, screening_days=2)
    case = make_case(election)
    assert due_at(case, None) == datetime(2020, 6, 3, 18)  # Wednesday 24:00 local
    apply(case, "start_screening", actor=chair, now=T0 + 5 * H)
    row = deadline(case)
    assert (row.due_at, row.kind.value) == (datetime(2020, 6, 3, 18), "screening")


def test_with_a_clock_investigation_and_decision_share_one_period(election, chair):
    legal(election, decision_days=2)
    case = make_case(election, S.SCREENING)
    passed_checklist(case)
    apply(case, "admit", actor=chair, now=T0)
    assert (deadline(case).due_at, deadline(case).kind.value) == (
        datetime(2020, 6, 3, 18), "investigation")
    apply(case, "ready_findings", actor=chair, now=T0 + H)
    # Findings ready keeps the period begun at admission (before the election's cap).
    assert (deadline(case).due_at, deadline(case).kind.value) == (
        datetime(2020, 6, 3, 18), "decision")


def test_with_a_clock_an_appeal_after_certification_counts_working_days(election, chair):
    legal(election, appeal_days=2)
    case = make_case(election, S.DECIDED)
    friday = datetime(2020, 6, 12, 6)  # 12:00 local, after certification
    apply(case, "appeal", actor=chair, reason="New facts.", now=friday)
    # Monday 15, Tuesday 16: the weekend does not count.
    assert (deadline(case).due_at, deadline(case).kind.value) == (
        datetime(2020, 6, 16, 18), "appeal")


def test_without_a_clock_the_hour_settings_still_apply(election, chair):
    case = make_case(election)
    apply(case, "start_screening", actor=chair, now=T0)
    assert deadline(case).due_at == T0 + 24 * H


def test_with_a_clock_a_case_that_never_moved_is_due_alike_everywhere(election, chair):
    """No deadline row yet: the digest, the rollups' threshold and the case page agree on the
    legal-day due time (they counted the screening hours before)."""
    legal(election, screening_days=2)
    # Received Friday 5 June 23:30 local and Saturday 6 June 00:30 local (calendar days
    # during the vote): due at the end of Sunday 7 and of Monday 8 June, local.
    late_friday = make_case(election, created_at=datetime(2020, 6, 5, 17, 30))
    saturday = make_case(election, created_at=datetime(2020, 6, 5, 18, 30))
    db.session.flush()
    assert due_at(late_friday, None) == datetime(2020, 6, 7, 18)
    assert due_at(saturday, None) == datetime(2020, 6, 8, 18)
    now = datetime(2020, 6, 7, 18)  # the end of Sunday: Friday's case is just due
    overdue, soon = overdue_and_due_soon(election, now)
    assert [(d.case.id, d.due_at) for d in overdue] == [(late_friday.id, datetime(2020, 6, 7, 18))]
    assert saturday.id not in {d.case.id for d in soon}  # due in 24 h: beyond the due-soon hours
    # The threshold for SQL: exactly the cases received before Saturday began, local.
    assert received_due_by(election, now) == datetime(2020, 6, 5, 18)
    assert received_due_by(election, now - timedelta(microseconds=1)) == datetime(2020, 6, 4, 18)
    for created in (datetime(2020, 6, 5, 17, 59), datetime(2020, 6, 5, 18), T0):
        case = make_case(election, created_at=created)
        assert (due_at(case, None) <= now) == (created < received_due_by(election, now))


def test_with_a_clock_the_queue_shows_sorts_and_filters_a_case_that_never_moved_so(
        election, chair):
    """The queue's due time, overdue mark, overdue filter and "due soonest" sort count a case
    that never moved in legal days too (they counted the screening hours before), and the due
    sort's pages interleave it with clocked cases at any page size."""
    legal(election, screening_days=2)
    secretary = factories.user("secretary", election=election)
    late_friday = make_case(election, created_at=datetime(2020, 6, 5, 17, 30))  # due 7th 18:00
    saturday = make_case(election, created_at=datetime(2020, 6, 5, 18, 30))  # due 8th 18:00
    # A clock row due between the two, and one due at the same instant as Friday's case.
    between = make_case(election, S.INVESTIGATION, created_at=T0)
    factories.deadline(between, due_at=datetime(2020, 6, 7, 20))
    tied = make_case(election, S.INVESTIGATION, created_at=T0)
    factories.deadline(tied, due_at=datetime(2020, 6, 7, 18))
    decided = make_case(election, S.DECIDED, created_at=T0)
    db.session.commit()
    now = datetime(2020, 6, 7, 19)  # Sunday 01:00 local on the 8th: Friday's case is overdue

    for load in (None, queue_lines.lines):
        page = queue_page(secretary, election, QueueFilters(), now=now, load=load)
        shown = {row.id: (row.due_at, row.overdue) for row in page.rows}
        assert shown[late_friday.id] == (datetime(2020, 6, 7, 18), True)
        assert shown[saturday.id] == (datetime(2020, 6, 8, 18), False)
    overdue = queue_page(secretary, election, QueueFilters(overdue=True), now=now)
    assert {row.id for row in overdue.rows} == {late_friday.id, tied.id}
    on_time = queue_page(secretary, election, QueueFilters(overdue=False), now=now)
    assert saturday.id in {row.id for row in on_time.rows}
    assert late_friday.id not in {row.id for row in on_time.rows}

    expected = [tied.id, late_friday.id, between.id, saturday.id, decided.id]
    for limit in (1, 2, 3, 5):
        seen, cursor = [], None
        for _ in range(10):
            page = queue_page(secretary, election, QueueFilters(sort="due"), after=cursor,
                              limit=limit, now=now, load=queue_lines.lines)
            seen += [row.id for row in page.rows]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == expected, limit
