"""`flask reports refresh`: recompute now, or only when due."""

from sqlalchemy import select

from casework.extensions import db
from casework.reports.cli import reports_cli
from casework.reports.models import ReportRefresh


def test_refresh_command(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(reports_cli, ["refresh"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("reports: T2020 refreshed in ")
    row = db.session.scalar(select(ReportRefresh).where(
        ReportRefresh.election_id == world.election.id))
    assert row is not None and row.refreshed_at is not None
    result = runner.invoke(reports_cli, ["refresh", "--if-due"])
    assert result.output.strip() == "reports: T2020 is fresh"
    result = runner.invoke(reports_cli, ["refresh", "--election", "OTHER", "--if-due"])
    assert result.output.strip() == "reports: OTHER refreshed"
    result = runner.invoke(reports_cli, ["refresh", "--election", "NOPE"])
    assert result.exit_code == 2 and "no election NOPE" in result.output


def test_the_worker_keeps_the_rollup_fresh(app, world):
    from casework.worker import worker_command

    runner = app.test_cli_runner()
    result = runner.invoke(worker_command, ["--burst"])
    assert result.exit_code == 0, result.output
    first = db.session.scalar(select(ReportRefresh.refreshed_at).where(
        ReportRefresh.election_id == world.election.id))
    assert first is not None
    runner.invoke(worker_command, ["--burst"])  # within the minute: left as it is
    db.session.expire_all()
    assert db.session.scalar(select(ReportRefresh.refreshed_at).where(
        ReportRefresh.election_id == world.election.id)) == first
