"""`flask mail ingest`: exit 0 once the message is stored, 75 when it could not be."""

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from casework.extensions import db
from casework.intake.models import Complaint
from casework.mailin import services
from casework.mailin.models import InboundMail, InboundStatus
from casework.notifications.models import OutboxMessage
from tests.mailin import corpus
from tests.plugin.data import count

RAW = bytes(corpus.message("Шағым", corpus.NARRATIVE_KK))


def one() -> InboundMail:
    return db.session.scalars(select(InboundMail)).one()


def run(app, *args, stdin: bytes | None = None):
    return app.test_cli_runner().invoke(args=["mail", "ingest", *args], input=stdin)


def test_ingest_from_stdin_then_again(app, demo):
    result = run(app, stdin=RAW)
    assert result.exit_code == 0, result.output
    mail = one()
    assert result.stdout.strip() == f"stored complaint {mail.case.reference} inbound={mail.id}"
    assert mail.source == "pipe"
    again = run(app, stdin=RAW)
    assert again.exit_code == 0 and again.stdout.startswith("duplicate complaint")
    assert count(InboundMail) == 1 and count(OutboxMessage) == 1


def test_ingest_from_a_file_and_garbage_is_kept(app, demo, tmp_path):
    path = tmp_path / "message.eml"
    path.write_bytes(b"\x00\x01 not an email")
    result = run(app, str(path))
    assert result.exit_code == 0 and result.stdout.startswith("stored quarantined - inbound=")
    assert one().source == "file"


def test_storage_failure_exits_75_and_stores_nothing(app, broken_storage):
    break_it, repair = broken_storage
    break_it()
    result = run(app, stdin=RAW)
    assert result.exit_code == 75
    assert "not stored, try again later" in result.stderr and "ақша" not in result.stderr
    assert count(InboundMail) == 0 and count(Complaint) == 0 and count(OutboxMessage) == 0
    repair()
    retry = run(app, stdin=RAW)  # what the mail server does next
    assert retry.exit_code == 0 and count(InboundMail) == 1 and count(OutboxMessage) == 1


def test_database_failure_exits_75_without_quoting_the_message(app, demo, monkeypatch):
    def down(raw, *, source):
        raise OperationalError("INSERT ... 'ақша таратылды'", {}, Exception("server closed"))

    monkeypatch.setattr(services, "receive", down)
    result = run(app, stdin=RAW)
    assert result.exit_code == 75 and "OperationalError" in result.stderr
    assert "ақша" not in result.stderr


def test_a_message_stored_meanwhile_by_another_process_counts_as_stored(app, demo, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    real = services.receive
    calls = []

    def racing(raw, *, source):
        calls.append(source)
        if len(calls) == 1:
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))
        return real(raw, source=source)

    monkeypatch.setattr(services, "receive", racing)
    result = run(app, stdin=RAW)
    assert result.exit_code == 0 and len(calls) == 2
    assert one().status is InboundStatus.COMPLAINT
