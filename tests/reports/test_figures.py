"""Every figure of the known world, exactly: live counts, the rollup, medians, scopes."""

from datetime import timedelta

from sqlalchemy import func, select

from casework.accounts.queries import scope_region_ids
from casework.cases.models import CaseState
from casework.decisions.models import Finding
from casework.extensions import db
from casework.reports import figures, rollups
from casework.reports.figures import Median, median_of
from casework.reports.models import ReportFigure, ReportRefresh
from casework.sanctions.services import approve_sanction, propose_sanction
from tests.factories import member as staff
from tests.reports.world import NOW

ALL_STATES = {"received": 3, "screening": 1, "investigation": 1, "info_requested": 1,
              "findings_ready": 1, "decided": 1, "closed": 2, "inadmissible": 2,
              "appealed": 0, "merged": 1}
ALL_CATEGORIES = {"vote_buying": 6, "voter_coercion": 1, "multiple_voting": 0,
                  "evoting_irregularity": 1, "paper_ballot_irregularity": 0,
                  "campaign_violation": 1, "abuse_of_office": 1, "defamation": 1, "other": 2}


def refreshed(world, now=NOW):
    rollups.refresh(world.election, now)
    db.session.commit()
    return figures.dashboard(world.election, None, now)


def nonzero(series):
    return {key: n for key, n in series if n}


def test_live_counts_by_state_category_and_region(world):
    data = figures.dashboard(world.election, None, NOW)
    assert data.by_state == ALL_STATES
    assert data.by_category == ALL_CATEGORIES
    assert (data.total, data.open) == (13, 7)
    assert [(r.code, r.cases, r.voters) for r in data.by_region] == [
        ("KZ-ALA", 4, 40000), ("KZ-KAR", 8, 200000), ("XX-NEW", 0, None), (None, 1, None)]
    rates = {r.code: r.per_10k for r in data.by_region}
    assert rates == {"KZ-ALA": 1.0, "KZ-KAR": 0.4, "XX-NEW": None, None: None}


def test_overdue_and_due_soon_come_with_the_rollup(world):
    assert figures.dashboard(world.election, None, NOW).overdue is None
    data = refreshed(world)
    assert (data.overdue, data.due_soon) == (2, 3)
    # Five hours later c3 (due in 5 h) and c2 (received 20 h before NOW) are overdue too;
    # c11 (due 11 h after NOW) is still due soon; c9 (due 23 h after NOW) not yet.
    later = refreshed(world, NOW + 5 * timedelta(hours=1))
    assert (later.overdue, later.due_soon) == (4, 1)


def test_rollup_figures_are_absent_until_the_first_refresh(world):
    data = figures.dashboard(world.election, None, NOW)
    assert not data.prepared and data.as_of is None
    assert data.created_hour is None and data.channels is None and data.outcomes is None
    assert data.overdue is None and data.due_soon is None
    assert data.screening_median is None
    assert data.to_dict()["prepared"] is False


def test_rollup_per_hour_and_per_day(world):
    data = refreshed(world)
    assert data.as_of == NOW
    assert len(data.created_hour) == 14 * 24
    assert data.created_hour[0][0] == "2026-02-24T13" and data.created_hour[-1][0] == "2026-03-10T12"
    # c13 (20 days old) is outside the 14 days; the other 12 are there, by UTC hour.
    assert nonzero(data.created_hour) == {
        "2026-03-04T12": 1, "2026-03-05T12": 1, "2026-03-06T12": 1, "2026-03-07T12": 1,
        "2026-03-08T12": 2, "2026-03-09T06": 1, "2026-03-09T12": 1, "2026-03-09T16": 1,
        "2026-03-09T20": 1, "2026-03-10T02": 1, "2026-03-10T11": 1}
    # Days in Almaty time: c12 was created on March 9 at 20:00 UTC, March 10 at 01:00 local.
    days = dict(data.created_day)
    assert data.created_day[0] == ("2026-02-18", 1) and data.created_day[-1][0] == "2026-03-10"
    assert len(data.created_day) == 21  # zero-filled between the first and the last day
    assert nonzero(data.created_day) == {
        "2026-02-18": 1, "2026-03-04": 1, "2026-03-05": 1, "2026-03-06": 1, "2026-03-07": 1,
        "2026-03-08": 2, "2026-03-09": 3, "2026-03-10": 3}
    assert days["2026-03-01"] == 0


def test_rollup_channels_outcomes_reasons(world):
    data = refreshed(world)
    assert data.channels == {"web": 6, "api": 1, "hotline": 2, "email": 2, "sms": 0,
                             "social_media": 1, "letter": 1, "walk_in": 1, "own_finding": 0}
    assert data.outcomes == {"confirmed": 2, "partly_confirmed": 0, "not_confirmed": 1}
    assert data.inadmissible == {"outside_remit": 0, "outside_filing_window": 0,
                                 "no_specific_facts": 1, "no_evidence_or_source": 0,
                                 "duplicate": 1, "withdrawn": 0, "defect_not_cured": 0}


def test_histograms_and_medians(world):
    data = refreshed(world)
    assert data.screening_minutes == {0: 2, 15: 1, 30: 2, 60: 1, 120: 1, 480: 1}
    assert data.screening_median == Median(30, 60, 8)
    assert data.decision_minutes == {1440: 1, 2880: 1}
    assert data.decision_median == Median(1440, 2880, 2)


def test_median_of_merged_histograms():
    assert median_of({}) is None
    assert median_of({0: 1}) == Median(0, 15, 1)
    assert median_of({0: 2, 60: 2}) == Median(0, 15, 4)  # the lower median
    assert median_of({0: 2, 60: 3}) == Median(60, 120, 5)
    assert median_of({20160: 3, 0: 1}) == Median(20160, None, 4)


def test_calls_per_hour(world):
    data = refreshed(world)
    assert len(data.calls_hour) == 14 * 24
    assert nonzero(data.calls_hour) == {"2026-03-10T10": 2, "2026-03-09T06": 1}


def test_a_region_scope_sees_only_its_regions(world):
    rollups.refresh(world.election, NOW)
    db.session.commit()
    reviewer = staff(world.election, "reviewer", "Karagandy", regions=["KZ-KAR"])
    data = figures.dashboard(world.election, scope_region_ids(reviewer, world.election.id), NOW)
    assert not data.all_regions
    # c1 c2 c4 c6 c7 c10 c11 c13: Karaganda with Balkhash; no Almaty, no case without region.
    assert data.by_state == {**dict.fromkeys(ALL_STATES, 0), "received": 2, "investigation": 1,
                             "decided": 1, "closed": 2, "inadmissible": 1, "findings_ready": 1}
    assert (data.total, data.open) == (8, 4)
    assert [(r.code, r.cases) for r in data.by_region] == [("KZ-KAR", 8)]
    assert (data.overdue, data.due_soon) == (2, 2)
    # web: c1 c4 c6 c10 c13; hotline: c2 c4; letter: c7; walk-in: c11.
    assert data.channels == {"web": 5, "api": 0, "hotline": 2, "email": 0, "sms": 0,
                             "social_media": 0, "letter": 1, "walk_in": 1, "own_finding": 0}
    assert data.outcomes == {"confirmed": 2, "partly_confirmed": 0, "not_confirmed": 1}
    assert data.inadmissible["duplicate"] == 1 and data.inadmissible["no_specific_facts"] == 0
    assert data.screening_median == Median(30, 60, 5)
    assert nonzero(data.calls_hour) == {"2026-03-10T10": 1}  # about c2; the no-case call not
    assert sum(n for _k, n in data.created_hour) == 7

    district = staff(world.election, "reviewer", "Balkhash", regions=["KZ-KAR-BAL"])
    data = figures.dashboard(world.election, scope_region_ids(district, world.election.id), NOW)
    assert [(r.code, r.cases) for r in data.by_region] == [("KZ-KAR-BAL", 2)]
    assert data.total == 2 and data.channels["letter"] == 1 and data.channels["web"] == 0


def test_another_election_is_never_counted(world):
    data = refreshed(world)
    assert data.total == 13
    other = figures.dashboard(world.other, None, NOW)
    assert other.total == 1 and other.by_state["received"] == 1


def test_refresh_replaces_the_rows_and_if_due_waits(world, app):
    rollups.refresh(world.election, NOW)
    db.session.commit()
    first = db.session.scalar(select(func.count()).select_from(ReportFigure))
    assert first > 0
    # c9 gets a region: the rows move with it, none is left behind or doubled.
    world.cases["c9"].region_id = world.regions["ALA"].id
    db.session.commit()
    assert rollups.refresh_if_due(world.election, NOW + timedelta(seconds=30)) is False
    assert rollups.refresh_if_due(world.election, NOW + timedelta(seconds=61)) is True
    db.session.commit()
    data = figures.dashboard(world.election, None, NOW)
    assert data.as_of == NOW + timedelta(seconds=61)
    assert [(r.code, r.cases) for r in data.by_region][0] == ("KZ-ALA", 5)
    assert sum(data.channels.values()) == 14
    no_region = db.session.scalar(select(func.count()).select_from(ReportFigure).where(
        ReportFigure.region_key == 0, ReportFigure.metric == rollups.CREATED_DAY))
    assert no_region == 0
    assert rollups.refresh_if_due(world.election, NOW + timedelta(seconds=90),
                                  max_age_seconds=10) is True
    app.config["CASEWORK_REPORTS_REFRESH_SECONDS"] = 3600
    try:
        assert rollups.refresh_if_due(world.election, NOW + timedelta(minutes=30)) is False
    finally:
        app.config["CASEWORK_REPORTS_REFRESH_SECONDS"] = 60
    assert db.session.get(ReportRefresh, world.election.id).took_ms >= 0


def test_sanctions_by_type_and_scope(decided_case, committee, election):
    case = decided_case("confirmed")
    cited = list(db.session.scalars(select(Finding.id).where(Finding.case_id == case.id)))
    warning = propose_sanction(case, committee["secretary"], kind="warning",
                               finding_ids=cited, summary="Warned.",
                               candidate_id=case.accused[0].id)
    db.session.commit()
    approve_sanction(warning, committee["chair"])
    propose_sanction(case, committee["secretary"], kind="referral", finding_ids=cited,
                     summary="Referred.", referred_to="Prosecutor's office")
    db.session.commit()
    data = figures.dashboard(election, None, NOW)
    assert data.sanctions == {"warning": 1, "reprimand": 0, "candidate_disqualification": 0,
                              "vote_annulment": 0, "referral": 0}
    assert data.sanctions_proposed["referral"] == 1 and sum(data.sanctions_proposed.values()) == 1
    assert "sanctions_proposed" not in data.to_dict(public=True)
    assert data.to_dict()["sanctions_proposed"]["referral"] == 1
    almaty = staff(election, "reviewer", "Almaty", regions=["KZ-ALA"])
    scoped = figures.dashboard(election, scope_region_ids(almaty, election.id), NOW)
    assert sum(scoped.sanctions.values()) == 0 and sum(scoped.sanctions_proposed.values()) == 0
    assert CaseState(case.state) is CaseState.DECIDED


def test_to_dict_is_plain_json(world):
    import json

    data = refreshed(world).to_dict(public=True)
    assert json.loads(json.dumps(data)) == data
    assert data["as_of"] == "2026-03-10T12:30:00Z"
    assert data["cases"] == {"total": 13, "open": 7, "overdue": 2, "due_soon": 3}
    assert data["screening_minutes"]["median"] == {"low": 30, "high": 60, "count": 8}
    assert data["by_region"][0] == {"code": "KZ-ALA", "names": {
        "kk": "Алматы қаласы", "ru": "город Алматы", "en": "Almaty"}, "cases": 4,
        "voters": 40000, "per_10k_voters": 1.0}
