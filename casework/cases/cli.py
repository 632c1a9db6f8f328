"""`flask --app casework cases digest`: the daily digest of overdue and due-soon cases."""

import click
from flask.cli import AppGroup

from casework.cases.deadlines import send_daily_digest
from casework.elections.queries import current_election
from casework.extensions import db

cases_cli = AppGroup("cases", help="Case deadlines and digests.")


@cases_cli.command("digest")
def digest() -> None:
    """Queue today's digest for each secretary (once a day; run it from a daily timer)."""
    election = current_election()
    if election is None:
        click.echo("no election", err=True)
        raise SystemExit(2)
    sent = send_daily_digest(election)
    db.session.commit()
    click.echo(f"digest: {sent} message(s) queued")
