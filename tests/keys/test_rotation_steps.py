"""`flask keys rotate` over the sealed personal data: stopped after one batch, run again, it
finishes; every value still reads and every look-up still finds; the old key can then go."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from casework.cases.models import CaseSearchDocument
from casework.cases.search import index_case, matching_case_ids
from casework.core import crypto
from casework.core.db import utcnow
from casework.extensions import db
from casework.hotline import services as hotline
from casework.hotline.models import Call, CallPurpose
from casework.intake.models import Complaint
from casework.keys import rotation
from casework.mailin import routing
from casework.mailin.models import InboundMail, InboundStatus
from casework.notifications.models import OutboxMessage
from tests import factories

NAME, PHONE, EMAIL = "Жанар Өтегенова", "+77015550123", "zhanar.otegen@example.kz"
SEALED = {"complaints": ("name", "phone", "email", "witnesses"),
          "hotline_calls": ("caller_number", "note"), "inbound_mail": ("sender",),
          "outbox_messages": ("recipient", "body_text")}


class Crash(RuntimeError):
    pass


@pytest.fixture
def own_keys_file(app, tmp_path, monkeypatch):
    """A keys file of this test's own; the run's keyring comes back afterwards."""
    path = tmp_path / "data_keys"
    crypto.write_keys_file(path)
    monkeypatch.setitem(app.config, "CASEWORK_DATA_KEYS", str(path))
    monkeypatch.setitem(app.extensions, "casework_keys", crypto.load_keys(path))
    monkeypatch.setattr(crypto, "_active", crypto._active)
    return path


def use(app, ring):
    """As after a restart: the app reads and writes with `ring`."""
    app.extensions["casework_keys"] = ring
    crypto.install(ring)
    db.session.expire_all()


def _people(count):
    election = factories.election_with_regions()
    operator = factories.user("operator", election=election)
    cases = []
    for n in range(count):
        case = factories.case(election)
        complaint = factories.complaint(case, anonymous=False, name=f"{NAME} {n}",
                                        phone=f"+7701555{n:04d}", email=f"p{n}.{EMAIL}")
        complaint.witnesses = f"Witness Aigerim {n}"
        db.session.add(Call(operator_id=operator.id, caller_number=complaint.phone,
                            started_at=utcnow() - timedelta(minutes=n), case_id=case.id,
                            purpose=CallPurpose.COMPLAINT, note=f"called back {n}"))
        db.session.add(InboundMail(message_key=f"<m{n}@example.kz>", raw_sha256="0" * 64,
                                   size=10, sender=complaint.email, subject="s", source="file",
                                   status=InboundStatus.COMPLAINT, case_id=case.id,
                                   complaint_id=complaint.id))
        db.session.add(OutboxMessage(dedupe_key=f"d{n}", template="intake/acknowledgment",
                                     recipient=complaint.email, language="kk", subject="s",
                                     body_text=f"Dear {complaint.name}", message_id=f"<o{n}@x>",
                                     case_id=case.id))
        db.session.flush()
        index_case(case)
        cases.append(case)
    # One complaint as it was before sealing (the migration hashed it): plaintext.
    db.session.execute(text("UPDATE complaints SET name = 'Plain Old', phone = '+77015550000' "
                            "WHERE case_id = :id"), {"id": cases[0].id})
    db.session.commit()
    return cases


def _check_everything_reads(cases):
    db.session.expire_all()
    for n, case in enumerate(cases):
        complaint = db.session.scalar(db.select(Complaint).where(Complaint.case_id == case.id))
        assert complaint.phone == f"+7701555{n:04d}"
        assert complaint.email == f"p{n}.{EMAIL}"
        assert complaint.witnesses == f"Witness Aigerim {n}"
        assert [m.case_id for m in hotline.find_cases(f"8 701 555 {n:04d}")] == [case.id]
        assert routing._complaint_by_email({case.id}, f"P{n}.{EMAIL}".upper()) == complaint
        mail = db.session.scalar(db.select(InboundMail).where(InboundMail.case_id == case.id))
        assert routing._own_thread([mail.message_key], complaint.email).case.id == case.id
        call = db.session.scalar(db.select(Call).where(Call.case_id == case.id))
        assert call.note == f"called back {n}"
        outbox = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.case_id == case.id))
        assert outbox.recipient == complaint.email and outbox.body_text.startswith("Dear ")
        found = db.session.scalars(matching_case_ids(f"7701555{n:04d}", contacts=True)).all()
        assert found == [case.id]


def _raw_values():
    return {(name, c): list(db.session.scalars(text(f"SELECT {c} FROM {name}")))  # noqa: S608
            for name, columns in SEALED.items() for c in columns}


def test_rotation_stopped_after_a_batch_finishes_when_run_again(app, own_keys_file):
    cases = _people(4)
    old = crypto.load_keys(own_keys_file).current.key_id
    _check_everything_reads(cases)

    new = crypto.add_key(own_keys_file)
    ring = crypto.load_keys(own_keys_file)
    use(app, ring)
    assert sum(rotation.pending_counts(ring).values()) >= 4 * 4 + 4

    def crash(_name, _total):
        raise Crash  # after the first batch was committed

    with pytest.raises(Crash):
        rotation.rotate(ring, batch=1, progress=crash)
    db.session.rollback()
    left = rotation.pending_counts(ring)
    assert left["complaints"] == 3 and left["hotline_calls"] == 4
    _check_everything_reads(cases)  # half rotated: old and new keys both read and find

    done = rotation.rotate(ring, batch=2)
    assert done["complaints"] == 3 and done["case_search_documents.contacts"] == 4
    assert sum(rotation.pending_counts(ring).values()) == 0
    for (name, column), values in _raw_values().items():
        for value in values:
            assert value in ("", None) or value.startswith(f"cw1:{new}:"), (name, column, value)
    contacts = db.session.scalars(db.select(CaseSearchDocument.contacts)).all()
    assert all(c.startswith(f"key{new} ") for c in contacts)
    assert not any(old in (v or "") for values in _raw_values().values() for v in values)

    # The old key removed from the file: everything still reads and is found.
    lines = own_keys_file.read_text().splitlines()
    own_keys_file.write_text("\n".join(line for line in lines if not line.startswith(old)) + "\n")
    use(app, crypto.load_keys(own_keys_file))
    assert [k.key_id for k in crypto.keyring().keys] == [new]
    _check_everything_reads(cases)
