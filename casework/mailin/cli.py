"""`flask --app casework mail ingest [FILE]` and `mail fetch`: email into the intake.

`ingest` is what a mail server pipes each message to: exit 0 once the message is stored
(as a complaint, a follow-up, an auto-reply record or in quarantine), exit 75
(EX_TEMPFAIL) when it could not be stored, so the mail server keeps it and retries.
`fetch` reads an IMAP folder; a message is marked processed only after it is committed.
Neither logs nor prints what a message says, nor who sent it.
"""

import imaplib
import logging
import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from casework.extensions import db
from casework.mailin import services
from casework.mailin.imap import ImapError, ImapSettings, Mailbox

EX_TEMPFAIL = 75  # sysexits.h: try again later (Postfix defers and retries)
EX_CONFIG = 78

log = logging.getLogger("casework.mailin")
mail_cli = AppGroup("mail", help="Email intake: messages piped by the mail server or fetched over IMAP.")


def _why(exc: BaseException) -> str:
    """The exception's class, and its text only when it cannot carry message content
    (database errors may quote the values of the failed statement)."""
    return f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError | ImapError) else type(exc).__name__


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the database is gone: nothing to roll back
        log.warning("mail: rollback failed", exc_info=False)


def store(raw: bytes, source: str) -> services.Received:
    """Ingest and commit once. If another process stored the same message at the same
    moment (unique Message-ID), roll back and find its row: stored once."""
    try:
        received = services.receive(raw, source=source)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        received = services.receive(raw, source=source)
        db.session.commit()
    return received


def _line(received: services.Received) -> str:
    mail = received.mail
    reference = mail.case.reference if mail.case is not None else "-"
    return (f"{'duplicate' if received.duplicate else 'stored'} {mail.status.value} {reference} "
            f"inbound={mail.id}")


@mail_cli.command("ingest")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def ingest_command(file: Path | None) -> None:
    """Store one RFC 5322 message read from FILE or standard input.

    Exit 0 when it is stored, 75 (EX_TEMPFAIL) when it could not be: retry later."""
    try:
        raw = file.read_bytes() if file else sys.stdin.buffer.read()
        received = store(raw, "file" if file else "pipe")
    except Exception as exc:  # any failure to store: the mail server keeps the message
        _rollback()
        log.error("mail ingest: message not stored, to be retried (%s)", _why(exc))
        click.echo(f"not stored, try again later: {_why(exc)}", err=True)
        sys.exit(EX_TEMPFAIL)
    log.info("mail ingest: %s", _line(received))
    click.echo(_line(received))


@mail_cli.command("fetch")
@click.option("--limit", default=500, show_default=True, help="At most this many messages per run.")
def fetch_command(limit: int) -> None:
    """Store new messages from the IMAP folder, then mark each one processed.

    Never deletes mail. A message that could not be stored stays unmarked and is
    fetched again next time; the command then exits 75."""
    try:
        settings = ImapSettings.from_config(current_app.config)
    except ImapError as exc:
        click.echo(f"mail fetch: {exc}", err=True)
        sys.exit(EX_CONFIG)
    counts: Counter[str] = Counter()
    try:
        with Mailbox(settings) as box:
            for uid in box.unprocessed(limit):
                raw = box.fetch(uid)
                if raw is None:
                    continue
                try:
                    received = store(raw, "imap")
                except Exception as exc:  # left unmarked: fetched again next run
                    _rollback()
                    counts["failed"] += 1
                    log.error("mail fetch: UID %s not stored, to be retried (%s)",
                              uid.decode(), _why(exc))
                    continue
                box.mark_processed(uid)
                counts["duplicate" if received.duplicate else received.mail.status.value] += 1
    except (ImapError, OSError, imaplib.IMAP4.error) as exc:
        click.echo(f"mail fetch: {_why(exc)}", err=True)
        _summary(counts)
        sys.exit(EX_TEMPFAIL)
    _summary(counts)
    if counts["failed"]:
        sys.exit(EX_TEMPFAIL)


def _summary(counts: Counter[str]) -> None:
    parts = " ".join(f"{key}={value}" for key, value in sorted(counts.items()))
    click.echo(f"mail fetch: {parts or 'nothing new'}")
