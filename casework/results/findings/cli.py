"""`flask results check|thresholds`: run the results checks now; an election's thresholds."""

import sys

import click
from flask.cli import AppGroup

from casework.core import audit
from casework.elections.cli import chosen_election
from casework.elections.csvio import ImportFailed
from casework.extensions import db
from casework.results.findings import evote_log
from casework.results.findings.models import CheckThresholds, thresholds_of
from casework.results.findings.services import run_checks

results_cli = AppGroup("results", help="The results checks that open the committee's own cases.")


@results_cli.command("check")
@click.option("--election", "code", help="Election code (default: the current one).")
def check_command(code: str | None) -> None:
    """Run every check; open a case for each finding not seen before."""
    election = chosen_election(code)
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
@click.option("--iins-per-phone", type=click.IntRange(2), help="IINs on one phone: a cluster.")
@click.option("--iins-per-ip", type=click.IntRange(2), help="IINs from one IP: a cluster.")
@click.option("--burst-votes", type=click.IntRange(2), help="Votes from one IP: a burst ...")
@click.option("--burst-minutes", type=click.IntRange(1), help="... within these minutes.")
def thresholds_command(code: str | None, **changes: float | int | None) -> None:
    """Show the election's thresholds; with options, set them (audited)."""
    election = chosen_election(code)
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
               f"jump factor {row.jump_factor}, jump min {row.jump_min}, "
               f"IINs per phone {row.iins_per_phone}, IINs per IP {row.iins_per_ip}, "
               f"burst {row.burst_votes} votes in {row.burst_minutes} minutes")


@results_cli.command("import-evote-log")
@click.argument("file", type=click.File("rb"))
@click.option("--election", "code", help="Election code (default: the current one).")
def import_evote_log_command(file, code: str | None) -> None:
    """Import the electronic vote's log (iin, phone, ip, time, candidate_code), replacing the
    election's earlier one; IIN, phone and IP are kept only as keyed hashes. Then run the
    checks: each cluster above the thresholds opens a case."""
    election = chosen_election(code)
    try:
        written = evote_log.import_log(file, election)
    except ImportFailed as failure:
        db.session.rollback()
        for error in failure.errors:
            click.echo(f"{file.name}:{error}", err=True)
        click.echo(f"e-voting log: {len(failure.errors)} error(s); nothing was imported",
                   err=True)
        sys.exit(1)
    audit.record("import.evote_log", object_type="election", object_id=election.code,
                 details={"rows": written})
    opened = run_checks(election)
    db.session.commit()
    click.echo(f"e-voting log: {written} votes imported; {len(opened)} new finding(s)")
    for finding in opened:
        click.echo(f"  {finding.kind.value} -> case {finding.case.reference}")
