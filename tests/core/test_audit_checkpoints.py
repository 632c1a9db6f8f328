"""Signed checkpoints of the chain's head: made by the worker when due, mailed to the chair,
published with the public key; `audit verify` catches the newest entries removed."""

import base64
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select, text

from casework.core import audit, audit_checkpoints
from casework.core.audit_checkpoints import AuditCheckpoint, make_checkpoint
from casework.core.db import utcnow
from casework.extensions import db
from casework.notifications.models import OutboxMessage
from casework.site.audit_jobs import checkpoint_audit_if_due
from casework.worker import PERIODIC
from tests.plugin.app import audit_guard_lifted


def _entries(n: int) -> None:
    for i in range(n):
        audit.record("test.event", details={"n": i})
    db.session.commit()


def test_a_checkpoint_signs_the_head_and_is_made_again_only_when_due(app):
    assert make_checkpoint() is None  # an empty chain has no head to sign
    _entries(3)
    now = utcnow()
    first = make_checkpoint(now)
    db.session.commit()
    assert (first.id, first.head_id, first.head_seal) == (1, 3, audit.verify().head)
    _entries(1)
    assert make_checkpoint(now + timedelta(minutes=14)) is None  # within the interval
    later = now + timedelta(minutes=app.config["CASEWORK_AUDIT_CHECKPOINT_MINUTES"] + 1)
    second = make_checkpoint(later)
    assert (second.id, second.head_id) == (2, 4)
    db.session.commit()
    assert make_checkpoint(later + timedelta(hours=1)) is None  # the head has not moved
    assert audit_checkpoints.verify_checkpoints().ok


def test_signatures_verify_with_the_published_public_key(client):
    _entries(2)
    make_checkpoint()
    db.session.commit()
    published = client.get("/transparency/audit.json").get_json()
    assert published["algorithm"] == "Ed25519"
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(published["public_key"]))
    [checkpoint] = published["checkpoints"]
    assert checkpoint["head_id"] == 2 and checkpoint["number"] == 1
    assert checkpoint["message"] == (f"casework-audit-checkpoint/1 number=1 head=2 "
                                     f"seal={checkpoint['head_seal']} at={checkpoint['at']}")
    public.verify(base64.b64decode(checkpoint["signature"]), checkpoint["message"].encode())
    assert not audit_checkpoints.signature_valid(checkpoint["message"].replace("head=2", "head=1"),
                                                 checkpoint["signature"], published["public_key"])


def test_removing_the_newest_entries_after_a_checkpoint_is_caught(app):
    _entries(5)
    make_checkpoint()
    db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "1 signed heads" in ok.output
    with audit_guard_lifted():
        db.session.execute(text("DELETE FROM audit_entries WHERE id >= 4"))
    db.session.commit()
    assert audit.verify().ok  # the chain alone still looks whole
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert "checkpoint 1: its head, entry 5, was removed" in broken.output


def test_a_forged_or_removed_checkpoint_is_caught(app):
    _entries(2)
    make_checkpoint()
    _entries(1)
    make_checkpoint(utcnow() + timedelta(hours=1))
    db.session.commit()
    with audit_guard_lifted():
        db.session.execute(text("UPDATE audit_checkpoints SET head_id = 2 WHERE id = 2"))
        db.session.execute(text("DELETE FROM audit_checkpoints WHERE id = 1"))
    db.session.commit()
    problems = audit_checkpoints.verify_checkpoints().problems
    assert problems[0] == "checkpoint 1 was removed"
    assert "checkpoint 2: the signature does not verify" in problems[1]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "audit chain intact" in result.output


def test_the_worker_checkpoints_and_mails_the_chair(make_user):
    chair = make_user("chair", email="chair@test.kz")
    chair.preferred_locale = "ru"
    make_user("secretary", email="sec@test.kz")
    db.session.commit()
    assert checkpoint_audit_if_due in PERIODIC
    assert checkpoint_audit_if_due() is True
    assert checkpoint_audit_if_due() is False  # not due again at once
    checkpoint = db.session.scalar(select(AuditCheckpoint))
    [mail] = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "site/audit_checkpoint"))
    assert (mail.recipient, mail.language) == ("chair@test.kz", "ru")
    assert checkpoint.signature in mail.body_text and checkpoint.head_seal in mail.body_text
    assert audit_checkpoints.public_key_b64() in mail.body_text
    assert "/transparency/audit" in mail.body_text
