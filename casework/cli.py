"""The `flask --app casework ...` command groups."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from casework.accounts.cli import users_cli
from casework.cases.cli import cases_cli
from casework.demo.cli import demo_cli
from casework.elections.cli import elections_cli, import_cli
from casework.keys.cli import keys_cli
from casework.mailin.cli import mail_cli
from casework.reports.cli import reports_cli
from casework.results.findings.cli import results_cli
from casework.retention.cli import retention_cli
from casework.worker import worker_command

audit_cli = AppGroup("audit", help="The audit chain.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the whole chain and every signed checkpoint: name the first entry altered,
    removed or inserted, and any checkpoint whose head is gone or whose signature fails."""
    from casework.core.audit_checkpoints import verify_chain, verify_checkpoints

    result = verify_chain()
    checkpoints = verify_checkpoints()
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} entries, head {result.head}")
    else:
        click.echo(f"audit chain BROKEN at entry {result.bad_id}: {result.reason} "
                   f"({result.checked} entries verified before it)", err=True)
    for problem in checkpoints.problems:
        click.echo(f"audit checkpoint FAILED: {problem}", err=True)
    if checkpoints.ok:
        click.echo(f"checkpoints intact: {checkpoints.checked} signed heads still in the chain")
    if not (result.ok and checkpoints.ok):
        sys.exit(1)


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain's head now if a checkpoint is due (the worker does this on its own)."""
    from casework.site.audit_jobs import checkpoint_audit_if_due

    click.echo("checkpoint signed" if checkpoint_audit_if_due() else "no checkpoint due")


def register(app: Flask) -> None:
    for group in (audit_cli, users_cli, import_cli, demo_cli, mail_cli, worker_command,
                  cases_cli, reports_cli, retention_cli, keys_cli, results_cli, elections_cli):
        app.cli.add_command(group)
