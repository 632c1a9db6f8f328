"""`flask --app casework import ...`: reference data from CSV."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from casework.elections.csvio import ImportFailed
from casework.elections.importers import IMPORTERS, run_import
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
