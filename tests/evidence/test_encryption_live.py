"""Through a real gunicorn (production settings): a photo filed through the public API is
stored encrypted, and a reviewer's download is its plaintext, byte for byte. gunicorn sends
a response file that has a descriptor with sendfile(), straight from the disk: the readers
of stored files have none, so the ciphertext can never go out that way."""

import hashlib
import json

import requests
from sqlalchemy import select

from casework.evidence.models import EvidenceItem
from casework.extensions import db
from tests import factories
from tests.evidence.test_encryption import DISTINCT, PHOTO
from tests.plugin.data import NARRATIVE


def test_a_photo_filed_and_downloaded_through_gunicorn(live_gunicorn, election):
    reviewer = factories.user("reviewer", election=election, email="live-crypt@test.kz",
                              regions=["KZ-KAR"])
    db.session.commit()
    url = live_gunicorn.url
    filed = requests.post(url + "/api/v1/complaints", timeout=60, files={
        "complaint": (None, json.dumps({
            "category": "vote_buying", "region": "KZ-KAR-BAL", "narrative": NARRATIVE,
            "anonymous": True, "language": "ru", "accused_candidates": []}),
            "application/json"),
        "evidence": ("noise.png", PHOTO, "image/png")})
    assert filed.status_code == 201, filed.text

    folder = live_gunicorn.access_log.parent / "instance" / "evidence"
    stored = [p.read_bytes() for p in folder.rglob("*") if p.is_file()]
    assert stored and all(blob.startswith(b"CWE1") for blob in stored)
    assert not any(DISTINCT in blob for blob in stored)

    db.session.expire_all()
    item = db.session.scalar(select(EvidenceItem).where(EvidenceItem.label == "noise.png"))
    download = live_gunicorn.session(reviewer).get(
        f"{url}/cases/{item.case.reference}/evidence/{item.id}", timeout=60)
    assert download.status_code == 200
    assert download.content == PHOTO and hashlib.sha256(download.content).hexdigest() \
        == item.sha256
