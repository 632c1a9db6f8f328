"""`flask --app casework reports refresh`: recompute the dashboard's rollup now."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from casework.elections.models import Election
from casework.elections.queries import current_election
from casework.extensions import db
from casework.reports.rollups import refresh, refresh_if_due

reports_cli = AppGroup("reports", help="The dashboard's and public statistics' figures.")


@reports_cli.command("refresh")
@click.option("--election", "code", default=None,
              help="Election code (default: the current election).")
@click.option("--if-due", is_flag=True,
              help="Only when older than CASEWORK_REPORTS_REFRESH_SECONDS.")
def refresh_command(code: str | None, if_due: bool) -> None:
    """Recompute the rollup figures of the election (the worker does this every minute)."""
    election = (db.session.scalar(select(Election).where(Election.code == code)) if code
                else current_election())
    if election is None:
        click.echo(f"no election {code}" if code else "no election", err=True)
        raise SystemExit(2)
    if if_due:
        done = refresh_if_due(election)
        db.session.commit()
        click.echo(f"reports: {election.code} " + ("refreshed" if done else "is fresh"))
        return
    row = refresh(election)
    db.session.commit()
    click.echo(f"reports: {election.code} refreshed in {row.took_ms} ms")
