"""The `flask --app casework ...` command groups."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from casework.accounts.cli import users_cli
from casework.cases.cli import cases_cli
from casework.demo.cli import demo_cli
from casework.elections.cli import import_cli
from casework.mailin.cli import mail_cli
from casework.reports.cli import reports_cli
from casework.worker import worker_command

audit_cli = AppGroup("audit", help="The audit chain.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the whole chain; name the first entry altered, removed or inserted."""
    from casework.core.audit import verify

    result = verify()
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} entries, head {result.head}")
        return
    click.echo(f"audit chain BROKEN at entry {result.bad_id}: {result.reason} "
               f"({result.checked} entries verified before it)", err=True)
    sys.exit(1)


def register(app: Flask) -> None:
    for group in (audit_cli, users_cli, import_cli, demo_cli, mail_cli, worker_command,
                  cases_cli, reports_cli):
        app.cli.add_command(group)
