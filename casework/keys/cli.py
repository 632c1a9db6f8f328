"""`flask keys status|add|rotate`: the data keys that encrypt personal data and evidence."""

import click
from flask import current_app
from flask.cli import AppGroup

from casework.core import audit, crypto
from casework.extensions import db
from casework.keys import rotation

keys_cli = AppGroup("keys", help="The data keys (CASEWORK_DATA_KEYS).")


@keys_cli.command("status")
def status_command() -> None:
    """The keys in the file, the one that writes, and what is not yet under it."""
    ring = crypto.keyring()
    click.echo(f"keys file: {current_app.config['CASEWORK_DATA_KEYS']}")
    click.echo("keys (oldest first): " + ", ".join(key.key_id for key in ring.keys))
    click.echo(f"writing with: {ring.current.key_id}")
    for name, count in rotation.pending_counts(ring).items():
        click.echo(f"  {name}: {count} to re-encrypt")


@keys_cli.command("add")
def add_command() -> None:
    """Append a new key to the file; it writes from the next start. Then run `rotate`."""
    key_id = crypto.add_key(current_app.config["CASEWORK_DATA_KEYS"])
    click.echo(f"added key {key_id}; restart the web servers and the worker, then run "
               "`flask keys rotate`. Back up the keys file now.")


@keys_cli.command("rotate")
@click.option("--batch", default=500, show_default=True, help="Rows or files per commit.")
def rotate_command(batch: int) -> None:
    """Re-encrypt everything under the newest key. Safe to stop and run again."""
    ring = crypto.load_keys(current_app.config["CASEWORK_DATA_KEYS"])
    current_app.extensions["casework_keys"] = ring  # the file as it is now, not as at start
    crypto.install(ring)
    done = rotation.rotate(ring, batch, lambda name, total: click.echo(f"  {name}: {total}"))
    audit.record("keys.rotate", details={"key": ring.current.key_id, **done})
    db.session.commit()
    click.echo(f"all under key {ring.current.key_id}: "
               + (", ".join(f"{name} {count}" for name, count in done.items()) or "nothing to do"))
