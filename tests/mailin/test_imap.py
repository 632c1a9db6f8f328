"""`flask mail fetch` against a real Dovecot IMAP server over TLS on loopback.

Dovecot (Debian's dovecot-imapd) is configured and started by the fixture in a temporary
folder (tests/mailin/dovecot.py); every test gets its own mailbox. Without
/usr/sbin/dovecot the tests skip, unless CASEWORK_REQUIRE_IMAP=1.
"""

import os
import re
from collections import Counter

import pytest
from sqlalchemy import select

from casework.core.sealed import EMAIL, hashes_of
from casework.extensions import db
from casework.mailin import services
from casework.mailin.models import InboundMail
from casework.notifications.models import OutboxMessage
from tests.mailin import corpus
from tests.mailin import dovecot as imap_server
from tests.mailin.dovecot import PASSWORD, PROCESSED, Account
from tests.mailin.test_hostile import multipart, references
from tests.mailin.test_ingest import STATUS
from tests.plugin.data import count
from tests.plugin.evidence import stored_bytes


@pytest.fixture(scope="session")
def dovecot():
    why = imap_server.missing()
    if why:
        if os.environ.get("CASEWORK_REQUIRE_IMAP") == "1":
            pytest.fail(f"{why}, and CASEWORK_REQUIRE_IMAP=1 requires the IMAP tests")
        pytest.skip(f"{why}; set CASEWORK_REQUIRE_IMAP=1 to make this a failure")
    server = imap_server.start()
    yield server
    imap_server.stop(server)


@pytest.fixture
def account(app, dovecot):
    keys = ("CASEWORK_IMAP_HOST", "CASEWORK_IMAP_PORT", "CASEWORK_IMAP_USER",
            "CASEWORK_IMAP_PASSWORD", "CASEWORK_IMAP_SECURITY", "CASEWORK_IMAP_CA_FILE",
            "CASEWORK_IMAP_PROCESSED_FOLDER", "CASEWORK_IMAP_FOLDER")
    saved = {key: app.config.get(key) for key in keys}
    mailbox = Account(dovecot)
    app.config.update({"CASEWORK_IMAP_HOST": "127.0.0.1", "CASEWORK_IMAP_PORT": dovecot.imaps_port,
                       "CASEWORK_IMAP_USER": mailbox.user, "CASEWORK_IMAP_PASSWORD": PASSWORD,
                       "CASEWORK_IMAP_SECURITY": "ssl", "CASEWORK_IMAP_CA_FILE": dovecot.ca_file,
                       "CASEWORK_IMAP_PROCESSED_FOLDER": "", "CASEWORK_IMAP_FOLDER": "INBOX"})
    yield mailbox
    app.config.update(saved)


def fetch(app):
    return app.test_cli_runner().invoke(args=["mail", "fetch"])


PROCESSED_FLAGS = {"CaseworkProcessed", "\\Seen"}


def for_imap(sample: corpus.Sample) -> bytes:
    return sample.raw.replace(b"\x00", b"")  # an IMAP literal cannot carry NUL bytes


def test_fetch_stores_every_message_once_marks_it_and_deletes_nothing(app, account, demo,
                                                                      mail_limit):
    app.config["CASEWORK_IMAP_PROCESSED_FOLDER"] = PROCESSED
    mail_limit(corpus.OVERSIZE_LIMIT)
    samples = corpus.base_samples()
    account.append(*(for_imap(s) for s in samples))
    result = fetch(app)
    assert result.exit_code == 0, result.output + result.stderr
    stored = [s for s in samples if s.outcome != "duplicate"]
    assert Counter(m.status for m in db.session.scalars(select(InboundMail))) == Counter(
        STATUS[s.outcome] for s in stored)
    assert count(OutboxMessage) == sum(1 for s in stored if s.ack)
    for mail in db.session.scalars(select(InboundMail)):
        assert mail.source == "imap" and len(stored_bytes(mail.raw_sha256)) == mail.size
    inbox = account.flags()
    assert len(inbox) == len(samples)  # nothing deleted, duplicates included
    assert all(flags >= PROCESSED_FLAGS for flags in inbox)
    assert len(account.flags(PROCESSED)) == len(samples)
    again = fetch(app)
    assert again.exit_code == 0 and "nothing new" in again.output
    assert count(InboundMail) == len(stored)

    first = db.session.scalar(select(InboundMail).where(
        InboundMail.sender_hash.in_(hashes_of(EMAIL, "aigul@example.kz"))))
    ack = db.session.scalar(select(OutboxMessage).where(OutboxMessage.case_id == first.case_id))
    code = re.search(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}\b", ack.body_text).group(0)
    thread = db.session.scalar(select(InboundMail).where(
        InboundMail.sender_hash.in_(hashes_of(EMAIL, "ivan@example.kz"))))
    follow_ups = corpus.follow_up_samples(
        outbox_message_id=ack.message_id, tracking_code=code, reference=first.case.reference,
        thread_id=thread.message_key, thread_sender=thread.sender)
    account.append(*(s.raw for s in follow_ups))
    outbox_before = count(OutboxMessage)
    result = fetch(app)
    assert result.exit_code == 0, result.output + result.stderr
    assert "follow_up=4" in result.output and "duplicate=1" in result.output
    assert count(OutboxMessage) == outbox_before  # follow-ups are never answered
    assert all(flags >= PROCESSED_FLAGS for flags in account.flags())
    assert len(account.flags()) == len(samples) + len(follow_ups)


def test_a_message_that_fails_stays_unmarked_and_is_fetched_next_time(app, account, demo,
                                                                      monkeypatch):
    app.config.update({"CASEWORK_IMAP_SECURITY": "starttls",
                       "CASEWORK_IMAP_PORT": account.server.imap_port})
    account.append(bytes(corpus.message("first", corpus.NARRATIVE_KK)),
                   bytes(corpus.message("fail me", corpus.NARRATIVE_RU, sender="ivan@example.kz")),
                   bytes(corpus.message("third", corpus.NARRATIVE_EN, sender="john@example.org")))
    real = services.receive

    def flaky(raw, *, source):
        if b"fail me" in raw:
            raise OSError("evidence storage unavailable")
        return real(raw, source=source)

    monkeypatch.setattr(services, "receive", flaky)
    result = fetch(app)
    assert result.exit_code == 75 and "failed=1" in result.output
    assert [flags >= PROCESSED_FLAGS for flags in account.flags()] == [True, False, True]
    assert count(InboundMail) == 2
    monkeypatch.setattr(services, "receive", real)
    result = fetch(app)
    assert result.exit_code == 0 and "complaint=1" in result.output
    assert count(InboundMail) == 3 and count(OutboxMessage) == 3
    assert all(flags >= PROCESSED_FLAGS for flags in account.flags())


def test_storage_down_marks_nothing_and_loses_nothing(app, account, broken_storage):
    break_it, repair = broken_storage
    account.append(bytes(corpus.message("one", corpus.NARRATIVE_KK)),
                   bytes(corpus.message("two", corpus.NARRATIVE_RU, sender="ivan@example.kz")))
    break_it()
    result = fetch(app)
    assert result.exit_code == 75 and "failed=2" in result.output
    assert count(InboundMail) == 0 and not any("CaseworkProcessed" in f for f in account.flags())
    repair()
    assert fetch(app).exit_code == 0
    assert count(InboundMail) == 2 and all(f >= PROCESSED_FLAGS for f in account.flags())


def test_a_wrong_password_is_a_temporary_failure(app, account, demo):
    account.append(bytes(corpus.message("one", corpus.NARRATIVE_KK)))
    app.config["CASEWORK_IMAP_PASSWORD"] = "wrong"
    result = fetch(app)
    assert result.exit_code == 75 and "Authentication failed" in result.stderr
    assert count(InboundMail) == 0


def test_fetch_without_a_host_is_a_configuration_error(app, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_IMAP_HOST", "")
    result = fetch(app)
    assert result.exit_code == 78 and "CASEWORK_IMAP_HOST" in result.stderr


def test_hostile_messages_never_block_the_ones_after_them(app, account, demo):
    account.append(bytes(corpus.message("first", corpus.NARRATIVE_KK)), references(200_000),
                   multipart(50_000),
                   bytes(corpus.message("last", corpus.NARRATIVE_EN, sender="john@example.org")))
    result = fetch(app)
    assert result.exit_code == 0, result.output + result.stderr
    assert "complaint=2" in result.output and "quarantined=2" in result.output
    assert all(flags >= PROCESSED_FLAGS for flags in account.flags())
