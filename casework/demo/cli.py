"""`flask --app casework demo seed|cases`: the demo primary and its casework."""

import sys

import click
from flask.cli import AppGroup

from casework.extensions import db

demo_cli = AppGroup("demo", help="The demo primary.")


@demo_cli.command("seed")
def demo_seed() -> None:
    """Load the demo primary and one account per role (idempotent)."""
    from casework.demo.seed import seed

    lines = seed()
    db.session.commit()
    for line in lines:
        click.echo(line)


@demo_cli.command("cases")
@click.option("--count", default=300, show_default=True, type=click.IntRange(20, 5000),
              help="How many complaints to file.")
def demo_cases(count: int) -> None:
    """Three days of complaints, calls and committee work on the demo primary (idempotent)."""
    from casework.cases.search_pending import index_all_pending
    from casework.core.refusal import Refusal
    from casework.demo.cases import already_there, seed_cases

    if already_there():
        click.echo("demo cases: already there")
        return
    try:
        summary = seed_cases(count, on_batch=db.session.commit)
    except (LookupError, Refusal) as error:
        db.session.rollback()
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    db.session.commit()
    index_all_pending()  # searchable at once, before any worker runs
    click.echo(str(summary))
