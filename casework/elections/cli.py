"""`flask --app casework import ...`: reference data from CSV."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from casework.core import audit
from casework.elections.csvio import ImportFailed
from casework.elections.importers import IMPORTERS, run_import
from casework.elections.legal_clock import MAX_DAYS, clock_of, set_clock
from casework.elections.legal_clock_models import DayKind
from casework.elections.models import Election
from casework.elections.queries import current_election
from casework.extensions import db

import_cli = AppGroup("import", help="Import reference data from CSV (all or nothing).")


def _make_command(kind: str) -> click.Command:
    _function, required, optional = IMPORTERS[kind]

    @click.argument("file", type=click.File("rb"))
    @click.option("--election", "election_code", help="Election code (default: the current one).")
    def command(file, election_code: str | None) -> None:
        election = None
        if election_code:
            election = db.session.scalar(select(Election).where(Election.code == election_code))
            if election is None:
                click.echo(f"error: no election with code {election_code}", err=True)
                sys.exit(2)
        elif kind != "elections":
            election = current_election()
        try:
            report = run_import(kind, file.read(), election=election, source=file.name)
        except ImportFailed as failure:
            db.session.rollback()
            for error in failure.errors:
                click.echo(f"{file.name}:{error}", err=True)
            click.echo(f"{kind}: {len(failure.errors)} error(s); nothing was imported", err=True)
            sys.exit(1)
        db.session.commit()
        click.echo(str(report))
        for note in report.notes:
            click.echo(f"  {note}")

    command.__doc__ = (f"Import {kind} from a CSV FILE ('-' for standard input). "
                       f"Columns: {', '.join(required)}"
                       + (f"; optional: {', '.join(optional)}" if optional else "") + ".")
    return import_cli.command(kind)(command)


for _kind in IMPORTERS:
    _make_command(_kind)


elections_cli = AppGroup("elections", help="Election settings.")


@elections_cli.group("clock")
def clock_cli() -> None:
    """The legal clock: the kind of days each phase counts and the periods in days."""


def chosen_election(code: str | None) -> Election:
    """The election named by a command's --election (default: the current one); exits 2."""
    election = (db.session.scalar(select(Election).where(Election.code == code)) if code
                else current_election())
    if election is None:
        click.echo(f"error: no election{' with code ' + code if code else ''}", err=True)
        sys.exit(2)
    return election


@clock_cli.command("show")
@click.option("--election", "election_code", help="Election code (default: the current one).")
def clock_show(election_code: str | None) -> None:
    """Print the election's clock (defaults from the settings when none is set)."""
    election = chosen_election(election_code)
    clock = clock_of(election)
    click.echo(f"{election.code}: {'set' if clock.configured else 'not set (hour settings apply)'}")
    for phase, kind in clock.kinds.items():
        click.echo(f"  {phase.value}: {kind.value}")
    for name, days in clock.periods.items():
        click.echo(f"  {name}: {days}")
    click.echo(f"  holidays: {', '.join(d.isoformat() for d in sorted(clock.holidays)) or '-'}")


KIND = click.Choice([k.value for k in DayKind])


@clock_cli.command("set")
@click.option("--election", "election_code", help="Election code (default: the current one).")
@click.option("--before-voting", type=KIND)
@click.option("--voting", type=KIND)
@click.option("--after-certification", type=KIND)
@click.option("--filing-days", type=click.IntRange(0, MAX_DAYS))
@click.option("--screening-days", type=click.IntRange(0, MAX_DAYS))
@click.option("--decision-days", type=click.IntRange(0, MAX_DAYS))
@click.option("--appeal-days", type=click.IntRange(0, MAX_DAYS))
@click.option("--cure-days", type=click.IntRange(0, MAX_DAYS))
def clock_set(election_code: str | None, **values) -> None:
    """Set the clock (what is not given keeps its value); new deadlines count with it."""
    election = chosen_election(election_code)
    set_clock(election, **values)
    audit.record("election.clock", actor=None, object_type="election", object_id=election.code,
                 details={k: v for k, v in values.items() if v is not None})
    db.session.commit()
    click.echo(f"{election.code}: clock set")
