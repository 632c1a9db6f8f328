"""Store, attach, verify and serve evidence; the audit chain sees every step."""

import io
import logging
import os
import stat
from pathlib import Path

import pytest
from flask import current_app
from flask_login import AnonymousUserMixin
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from casework.core.audit import AuditEntry
from casework.evidence.models import EvidenceItem
from casework.evidence.services import (
    EvidenceCorrupted,
    attach,
    download_response,
    open_verified,
    store_upload,
)
from casework.evidence.storage import CHUNK, get_storage
from casework.evidence.validation import EvidenceRejected
from casework.extensions import db
from tests.plugin.data import PDF, png_bytes

MB = 1024 * 1024


def audit_entries(action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def stored_objects(root):
    return [f for _, _, files in os.walk(root) for f in files]


def add_png(case, label="site photo.png", actor=None):
    stored = store_upload(io.BytesIO(png_bytes()), label, max_file_size=MB)
    item = attach(case, stored, source="web", actor=actor)
    db.session.commit()
    return item


def test_store_and_attach(case, evidence_dir, make_user):
    operator = make_user("operator")
    stored = store_upload(io.BytesIO(PDF), "../../Акт проверки.pdf", max_file_size=MB)
    assert stored.label == "Акт проверки.pdf"
    assert (stored.content_type, stored.kind, stored.size) == ("application/pdf", "document", len(PDF))
    assert get_storage().exists(stored.sha256)

    item = attach(case, stored, source="hotline", actor=operator)
    db.session.commit()
    row = db.session.get(EvidenceItem, item.id)
    assert (row.case_id, row.sha256, row.label, row.source, row.added_by_id) == (
        case.id, stored.sha256, "Акт проверки.pdf", "hotline", operator.id)
    assert case.has_evidence is True
    [entry] = audit_entries("evidence.added")
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("case", case.reference, operator.id)
    assert entry.details["sha256"] == stored.sha256 and entry.details["size"] == len(PDF)
    assert entry.details["label"] == "Акт проверки.pdf"


def test_same_content_is_stored_once(case, evidence_dir):
    first, second = add_png(case, "a.png"), add_png(case, "b.png")
    assert first.sha256 == second.sha256 and first.id != second.id
    assert stored_objects(evidence_dir) == [first.sha256]


def test_rejected_upload_stores_nothing(evidence_dir):
    with pytest.raises(EvidenceRejected) as info:
        store_upload(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100), "setup.exe", max_file_size=MB)
    assert info.value.code == "unknown_type"
    with pytest.raises(EvidenceRejected) as info:
        store_upload(io.BytesIO(b""), "empty.jpg", max_file_size=MB)
    assert info.value.code == "empty"
    assert stored_objects(evidence_dir) == []


class EndlessStream:
    """A sender that never stops: counts what the service reads."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        size = CHUNK if size is None or size < 0 else size
        self.read_bytes += size
        return b"\xff\xd8\xff" + b"\x00" * (size - 3)


def test_too_large_stream_stops_early(evidence_dir):
    stream = EndlessStream()
    with pytest.raises(EvidenceRejected) as info:
        store_upload(stream, "huge.jpg", max_file_size=200_000)
    assert info.value.code == "too_large" and "huge.jpg" in str(info.value)
    assert stream.read_bytes <= 200_000 + CHUNK
    assert stored_objects(evidence_dir) == []


def test_open_verified_returns_the_original(case):
    item = add_png(case)
    with open_verified(item) as stream:
        assert stream.read() == png_bytes()


def tamper(item):
    path = get_storage().path(item.sha256)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(Path(path).read_bytes())
    data[-5] ^= 0xFF
    Path(path).write_bytes(bytes(data))


def test_open_verified_detects_a_tampered_file(case, make_user, caplog):
    item = add_png(case)
    reviewer = make_user("reviewer")
    tamper(item)
    with caplog.at_level(logging.ERROR, logger="casework.evidence"), \
            pytest.raises(EvidenceCorrupted):
        open_verified(item, actor=reviewer)
    [entry] = audit_entries("evidence.integrity_failed")
    assert entry.actor_id == reviewer.id and entry.object_id == case.reference
    # A flipped bit in the ciphertext fails its chunk's tag: the file does not decrypt.
    assert entry.details["problem"] == "unreadable" and entry.details["expected"] == item.sha256
    [record] = caplog.records
    assert record.levelno == logging.ERROR and item.sha256 in record.getMessage()
    assert "IHDR" not in record.getMessage()  # names the file, never its contents


def test_open_verified_detects_a_missing_file(case):
    item = add_png(case)
    os.unlink(get_storage().path(item.sha256))
    with pytest.raises(EvidenceCorrupted):
        open_verified(item)
    [entry] = audit_entries("evidence.integrity_failed")
    assert entry.details["problem"] == "missing"


def test_download_refused_outside_the_users_regions(app, case, make_user):
    item = add_png(case)
    almaty = make_user("reviewer", email="almaty@test.kz", regions=["KZ-ALA"])
    with app.test_request_context():
        for user in (almaty, AnonymousUserMixin()):
            with pytest.raises(Forbidden):
                download_response(item, user)
    assert audit_entries("evidence.downloaded") == []


def read_body(response):
    response.direct_passthrough = False
    try:
        return response.get_data()
    finally:
        response.close()


def test_download_serves_an_attachment(app, make_case, make_user):
    case = make_case(region_code="KZ-KAR-BAL")  # below the reviewer's region
    item = add_png(case, label="Сайлау учаскесі.png")
    karaganda = make_user("reviewer", email="kar@test.kz", regions=["KZ-KAR"])
    with app.test_request_context():
        response = download_response(item, karaganda)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "sandbox"
        assert response.mimetype == "image/png"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert read_body(response) == png_bytes()
    db.session.commit()  # the view commits: the audit entry stays
    [entry] = audit_entries("evidence.downloaded")
    assert entry.actor_id == karaganda.id and entry.object_id == case.reference
    assert entry.details["evidence_id"] == item.id


def test_download_of_a_tampered_file_is_a_recorded_409(app, case, make_user):
    item = add_png(case)
    reviewer = make_user("reviewer", email="kar@test.kz", regions=["KZ-KAR"])
    tamper(item)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        response = download_response(item, reviewer)
        assert response.status_code == 409
        assert b"integrity check" in read_body(response)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    db.session.commit()
    assert len(audit_entries("evidence.integrity_failed")) == 1
    assert audit_entries("evidence.downloaded") == []


@pytest.fixture
def s3_settings():
    """The same services on S3-compatible storage (moto's real HTTP server; no real store runs here)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    current_app.config.update({
        "CASEWORK_EVIDENCE_STORAGE": "s3", "CASEWORK_S3_BUCKET": "casework-evidence",
        "CASEWORK_S3_ENDPOINT_URL": f"http://{host}:{port}", "CASEWORK_S3_REGION": "us-east-1",
        "CASEWORK_S3_ACCESS_KEY_ID": "testing", "CASEWORK_S3_SECRET_ACCESS_KEY": "testing",
    })
    get_storage().client.create_bucket(Bucket="casework-evidence")
    yield
    get_storage().client.close()
    server.stop()


def test_store_and_verify_on_s3(case, s3_settings):
    item = add_png(case)
    assert get_storage().key(item.sha256) == f"evidence/{item.sha256[:2]}/{item.sha256}"
    with open_verified(item) as stream:
        assert stream.read() == png_bytes()
