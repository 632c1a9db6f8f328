"""SMTP down while complaints arrive, then back: every 201 has its row and its file with the
same SHA-256, a refused request left nothing, every acknowledgment goes exactly once (with
the Message-ID stored at intake), and the audit chain is intact."""

import hashlib
import io
import json

from sqlalchemy import select, update

from casework.cases.models import Case
from casework.core import audit
from casework.core.db import utcnow
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake.models import Complaint
from casework.notifications.delivery import deliver_due
from casework.notifications.models import OutboxMessage, OutboxStatus
from tests.plugin.data import NARRATIVE_T2020
from tests.plugin.evidence import stored_bytes


def send(client, n: int, body: bytes):
    part = json.dumps({"category": "vote_buying", "region": "KZ-KAR-BAL", "anonymous": False,
                       "language": "ru", "narrative": NARRATIVE_T2020,
                       "contact": {"name": f"Заявитель {n}", "email": f"c{n}@example.kz"}})
    return client.post("/api/v1/complaints", data={"complaint": part, "evidence": [
        (io.BytesIO(body), f"act-{n}.pdf")]}, content_type="multipart/form-data",
        headers={"Idempotency-Key": f"smtp-down-{n}"})


def test_smtp_down_delays_every_acknowledgment_and_loses_none(app, client, election,
                                                              evidence_dir, smtp_server,
                                                              monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_LIMIT_SUBMIT", "100 per minute")
    smtp_server.stop()
    sent = {}
    for n in range(6):
        body = b"%PDF-1.4\n% complaint " + str(n).encode() + b"\n%%EOF\n"
        answer = send(client, n, body)
        assert answer.status_code == 201
        sent[answer.get_json()["reference"]] = (hashlib.sha256(body).hexdigest(), f"c{n}@example.kz")
    refused = send(client, 99, b"not a pdf at all")  # refused: must leave nothing behind
    assert refused.status_code == 422

    assert deliver_due()["retry"] == 6  # SMTP is down: every message waits, none is lost
    db.session.rollback()
    waiting = db.session.scalars(select(OutboxMessage)).all()
    assert {m.status for m in waiting} == {OutboxStatus.PENDING}
    stored_ids = {m.recipient: m.message_id for m in waiting}

    smtp_server.start()
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()
    assert deliver_due()["sent"] == 6
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 0}

    mails = smtp_server.messages
    assert sorted(m["To"] for m in mails) == sorted(email for _, email in sent.values())
    assert {m["To"]: m["Message-ID"] for m in mails} == stored_ids  # the same Message-ID

    db.session.rollback()
    for reference, (sha256, email) in sent.items():
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        complaint = db.session.scalar(select(Complaint).where(Complaint.case_id == case.id))
        item = db.session.scalar(select(EvidenceItem).where(EvidenceItem.case_id == case.id))
        assert complaint.email == email and item.sha256 == sha256
        assert hashlib.sha256(stored_bytes(sha256)).hexdigest() == sha256  # decrypted
    assert db.session.query(Complaint).count() == len(sent)
    files = [p for p in evidence_dir.rglob("*") if p.is_file()]
    assert len(files) == len(sent)  # the refused upload left no file
    assert audit.verify().ok
