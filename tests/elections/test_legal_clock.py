"""The legal clock (issue 19 point 5): periods counted in the kind of days of each phase of
the election calendar, holidays from CSV, ending at local midnight; the CLI that sets it.

The test election (Asia/Almaty, UTC+6 in 2020): voting starts Monday 25 May, results are
certified Monday 8 June. 14 May 2020 is a Thursday."""

from datetime import date, datetime

import pytest
from sqlalchemy import event, text

from casework.elections.importers import run_import
from casework.elections.legal_clock import (
    add_legal_days,
    clock_of,
    last_day,
    legal_days_between,
    phase_of,
    set_clock,
)
from casework.elections.legal_clock_models import DayKind, Phase
from casework.extensions import db

THURSDAY = datetime(2020, 5, 14, 6)  # 12:00 local


@pytest.fixture
def working(election):
    """Working days before voting and after certification, calendar days in between."""
    set_clock(election, before_voting="working", voting="calendar",
              after_certification="working", filing_days=3, cure_days=2)
    db.session.commit()
    return election


def test_phases_follow_the_calendar_by_local_day(election):
    assert phase_of(election, date(2020, 5, 24)) is Phase.BEFORE_VOTING
    assert phase_of(election, date(2020, 5, 25)) is Phase.VOTING
    assert phase_of(election, date(2020, 6, 8)) is Phase.VOTING
    assert phase_of(election, date(2020, 6, 9)) is Phase.AFTER_CERTIFICATION


def test_filing_limit_across_a_weekend_in_working_days(working):
    # Friday 15, Monday 18, Tuesday 19: the limit ends at local midnight after Tuesday.
    assert last_day(working, THURSDAY, 3) == date(2020, 5, 19)
    assert add_legal_days(working, THURSDAY, 3) == datetime(2020, 5, 19, 18, 0)


def test_the_same_limit_in_calendar_days_ends_on_sunday(election):
    set_clock(election, before_voting="calendar", filing_days=3)
    assert last_day(election, THURSDAY, 3) == date(2020, 5, 17)
    assert add_legal_days(election, THURSDAY, 3) == datetime(2020, 5, 17, 18, 0)


def test_no_clock_counts_calendar_days_with_the_config_periods(app, election):
    clock = clock_of(election)
    assert not clock.configured
    assert set(clock.kinds.values()) == {DayKind.CALENDAR}
    assert clock.periods["filing_days"] == app.config["CASEWORK_LEGAL_FILING_DAYS"]


def test_holidays_from_csv_are_skipped_by_working_days(working):
    csv = b"date,name\n2020-05-18,Holiday one\n2020-05-19,Holiday two\n"
    report = run_import("holidays", csv, election=working)
    assert report.created == 2
    db.session.commit()
    assert clock_of(working).holidays == {date(2020, 5, 18), date(2020, 5, 19)}
    # Friday 15, then Wednesday 20 and Thursday 21.
    assert last_day(working, THURSDAY, 3) == date(2020, 5, 21)
    again = run_import("holidays", csv, election=working)
    assert (again.created, again.unchanged) == (0, 2)


def test_a_bad_holiday_line_imports_nothing(working):
    from casework.elections.csvio import ImportFailed

    with pytest.raises(ImportFailed) as failed:
        run_import("holidays", b"date,name\n2020-05-18,ok\n18.05.2020,bad\n", election=working)
    assert [e.line for e in failed.value.errors] == [3]
    assert clock_of(working).holidays == frozenset()


def test_each_day_counts_by_its_own_phase(working):
    # From Friday 22 May: the weekend before voting does not count (working days), the
    # voting phase counts every day: Monday 25, Tuesday 26.
    assert last_day(working, datetime(2020, 5, 22, 6), 2) == date(2020, 5, 26)
    # Within the voting phase the weekend counts: Saturday 30, Sunday 31.
    assert last_day(working, datetime(2020, 5, 29, 6), 2) == date(2020, 5, 31)
    # After certification (Monday 8 June) working days again: Tuesday 9, Wednesday 10.
    assert last_day(working, datetime(2020, 6, 8, 6), 2) == date(2020, 6, 10)


def test_local_midnight_decides_the_start_day(working):
    # 23:30 local on Thursday is still Thursday; 00:30 local on Friday is Friday.
    assert last_day(working, datetime(2020, 5, 14, 17, 30), 1) == date(2020, 5, 15)
    assert last_day(working, datetime(2020, 5, 14, 18, 30), 1) == date(2020, 5, 18)


def test_days_between_counts_legal_days(working):
    assert legal_days_between(working, date(2020, 5, 14), date(2020, 5, 19)) == 3
    assert legal_days_between(working, date(2020, 5, 14), date(2020, 5, 14)) == 0


def test_cli_sets_and_shows_the_clock(app, election):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["elections", "clock", "set", "--election", "T2020",
                                 "--before-voting", "working", "--cure-days", "4"])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(args=["elections", "clock", "show", "--election", "T2020"])
    assert "before_voting: working" in shown.output and "cure_days: 4" in shown.output
    assert "T2020: set" in shown.output


def _statements_during(call) -> tuple[object, int]:
    seen = []

    def count(*_args):
        seen.append(1)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        return call(), len(seen)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_each_process_keeps_the_clock_until_another_changes_it(working):
    """Kept under the election's reference stamp: read once, then no statement; a holiday
    or a clock written by another connection (another worker, the CLI) gives a new stamp,
    and the next read sees it."""
    first = clock_of(working)
    db.session.commit()
    assert working.reference_stamp  # the election as a request has it: loaded
    again, statements = _statements_during(lambda: clock_of(working))
    assert again is first
    assert statements == 0
    with db.engine.begin() as other:  # another process's write
        other.execute(text("INSERT INTO election_holidays (election_id, day, name) "
                           "VALUES (:e, '2020-05-18', 'Test day')"), {"e": working.id})
    db.session.commit()  # this process's next transaction reads the election's new stamp
    assert clock_of(working).holidays == {date(2020, 5, 18)}
    assert last_day(working, THURSDAY, 3) == date(2020, 5, 20)
    with db.engine.begin() as other:
        other.execute(text("UPDATE legal_clocks SET filing_days = 5 WHERE election_id = :e"),
                      {"e": working.id})
    db.session.commit()
    assert clock_of(working).periods["filing_days"] == 5


def test_a_transaction_that_changed_the_clock_counts_by_its_own(working):
    clock_of(working)
    db.session.commit()
    set_clock(working, before_voting="calendar")
    assert last_day(working, THURSDAY, 3) == date(2020, 5, 17)  # pending, not yet flushed
    db.session.flush()
    assert clock_of(working).kinds[Phase.BEFORE_VOTING] is DayKind.CALENDAR
    db.session.rollback()
    assert clock_of(working).kinds[Phase.BEFORE_VOTING] is DayKind.WORKING
