"""`flask results check|thresholds`: run the results checks now; an election's thresholds."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from casework.core import audit
from casework.elections.models import Election
from casework.elections.queries import current_election
from casework.extensions import db
from casework.results.findings.models import CheckThresholds, thresholds_of
from casework.results.findings.services import run_checks

results_cli = AppGroup("results", help="The results checks that open the committee's own cases.")


def _election(code: str | None) -> Election:
    election = (db.session.scalar(select(Election).where(Election.code == code)) if code
                else current_election())
    if election is None:
        click.echo(f"error: no election{' with code ' + code if code else ''}", err=True)
        sys.exit(2)
    return election


@results_cli.command("check")
@click.option("--election", "code", help="Election code (default: the current one).")
def check_command(code: str | None) -> None:
    """Run every check; open a case for each finding not seen before."""
    election = _election(code)
    opened = run_checks(election)
    db.session.commit()
    click.echo(f"election {election.code}: {len(opened)} new finding(s)")
    for finding in opened:
        click.echo(f"  {finding.kind.value} {finding.key} -> case {finding.case.reference}")


@results_cli.command("thresholds")
@click.option("--election", "code", help="Election code (default: the current one).")
@click.option("--share", type=click.FloatRange(0.5, 1.0), help="A candidate's share, 0.5-1.")
@click.option("--min-votes", type=click.IntRange(1), help="Votes a station needs to count.")
@click.option("--jump-factor", type=click.FloatRange(1.0, min_open=True),
              help="Times the median of the hours before.")
@click.option("--jump-min", type=click.IntRange(1), help="Votes above that median, at least.")
def thresholds_command(code: str | None, **changes: float | int | None) -> None:
    """Show the election's thresholds; with options, set them (audited)."""
    election = _election(code)
    row = thresholds_of(election)
    given = {name: value for name, value in changes.items() if value is not None}
    if given:
        if db.session.get(CheckThresholds, election.id) is None:
            db.session.add(row)
        for name, value in given.items():
            setattr(row, name, value)
        audit.record("results.thresholds", object_type="election", object_id=election.code,
                     details=given)
        db.session.commit()
    click.echo(f"election {election.code}: share {row.share}, min votes {row.min_votes}, "
               f"jump factor {row.jump_factor}, jump min {row.jump_min}")
