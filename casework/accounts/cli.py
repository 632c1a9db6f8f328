"""`flask --app casework users ...`"""

import sys

import click
from flask.cli import AppGroup

from casework.accounts import services
from casework.accounts.models import Role
from casework.core.refusal import Refusal
from casework.elections.queries import current_election
from casework.extensions import db

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--region", "regions", multiple=True, help="Region code of the scope; repeatable.")
@click.option("--all-regions", is_flag=True, help="Scope: every region.")
@click.option("--name", "full_name", default="", help="Full name (defaults to the email).")
@click.password_option(envvar="CASEWORK_NEW_USER_PASSWORD")
def create(email: str, role: str, regions: tuple[str, ...], all_regions: bool,
           full_name: str, password: str) -> None:
    """Create a staff account (the password is asked for, or read from CASEWORK_NEW_USER_PASSWORD).

    For the server's operator: no second person is asked, the account is created at once
    and audited (no actor, "cli": true). The password follows the rules of every new
    password (at least 8 characters, not a common one, not the email name or the name)."""
    election = current_election()
    try:
        user = services.create_user(
            actor=None, email=email, full_name=full_name or email, role=Role(role),
            password=password, all_regions=all_regions, region_codes=list(regions),
            election_id=election.id if election else None, cli=True)
    except Refusal as error:
        db.session.rollback()
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(f"created {user.email} ({user.role.value}, scope {user.scope_label()})")
