"""The evidence disk filling up (a 2 MB tmpfs as the evidence root): new files are refused
with 503 before the disk is full, in the visitor's language, with nothing half-stored: every
201 has its row and its file with the same SHA-256, and no file is left without a row."""

import hashlib
import io
import json
import os
import subprocess

import pytest
from flask import current_app
from sqlalchemy import func, select

from casework.evidence.models import EvidenceItem
from casework.evidence.storage import LocalStorage
from casework.extensions import db
from casework.intake.models import Complaint
from tests.plugin.data import NARRATIVE_T2020, csrf_from


def jpeg(size: int) -> bytes:
    """A file the evidence checks take for a JPEG photo, of random (incompressible) bytes."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(size) + b"\xff\xd9"


@pytest.fixture
def tiny_disk(evidence_dir, monkeypatch, election):
    """The evidence root on a 2 MB tmpfs, new files refused below 1 MB free."""
    evidence_dir.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs",
                              str(evidence_dir)], capture_output=True, check=False)
    if mounted.returncode:
        pytest.skip("cannot mount a tmpfs here (needs root): "
                    + mounted.stderr.decode(errors="replace").strip())
    monkeypatch.setitem(current_app.config, "CASEWORK_EVIDENCE_MIN_FREE_MB", 1)
    monkeypatch.setitem(current_app.config, "CASEWORK_LIMIT_SUBMIT", "100 per minute")
    current_app.extensions.pop("casework_storage", None)
    db.session.commit()
    yield evidence_dir
    current_app.extensions.pop("casework_storage", None)
    subprocess.run(["umount", str(evidence_dir)], check=True)


def fill(root, size: int) -> None:
    """Something else taking space on the evidence disk."""
    (root / ".ballast").write_bytes(os.urandom(size))


def files_on(root) -> dict[str, str]:
    """Every stored object (name -> SHA-256 of its content, decrypted); temporary files too
    (the hash of what they hold as they are)."""
    found = {}
    for folder, _dirs, names in os.walk(root):
        for name in set(names) - {".ballast"}:
            if name.startswith("."):
                with open(os.path.join(folder, name), "rb") as stream:
                    found[name] = hashlib.sha256(stream.read()).hexdigest()
                continue
            with LocalStorage(str(root)).open(name) as stream:
                found[name] = hashlib.sha256(stream.read()).hexdigest()
    return found


def post(client, *contents: bytes, key: str):
    part = json.dumps({"category": "vote_buying", "region": "KZ-KAR-BAL", "anonymous": True,
                       "narrative": NARRATIVE_T2020})
    data = {"complaint": part,
            "evidence": [(io.BytesIO(c), f"photo{n}.jpg") for n, c in enumerate(contents)]}
    return client.post("/api/v1/complaints", data=data, content_type="multipart/form-data",
                       headers={"Idempotency-Key": key, "Accept-Language": "ru"})


def check_nothing_half_stored(root, accepted: int) -> None:
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == accepted
    rows = set(db.session.scalars(select(EvidenceItem.sha256)))
    on_disk = files_on(root)
    assert set(on_disk) == rows  # no orphan file, no temporary file, no row without its file
    assert all(name == sha for name, sha in on_disk.items())


def test_submissions_are_refused_before_the_disk_is_full(client, tiny_disk):
    statuses = [post(client, jpeg(300_000), key=f"k{n}") for n in range(6)]
    codes = [answer.status_code for answer in statuses]
    assert codes[0] == 201 and 503 in codes
    assert codes == sorted(codes)  # once refused, refused: 201s then 503s
    refused = statuses[codes.index(503)]
    assert refused.headers["Retry-After"] == "30"
    assert refused.mimetype == "application/problem+json"
    assert "не сохранено" in refused.get_json()["detail"]
    check_nothing_half_stored(tiny_disk, codes.count(201))
    assert os.statvfs(tiny_disk).f_bavail * os.statvfs(tiny_disk).f_frsize >= 2**20


def test_a_submission_whose_last_file_does_not_fit_leaves_none_of_its_files(client, tiny_disk,
                                                                          caplog):
    caplog.set_level("INFO", "casework.evidence")
    fill(tiny_disk, 700_000)  # about 350 kB left above the floor: two files fit, not three
    answer = post(client, jpeg(150_000), jpeg(150_000), jpeg(150_000), key="three")
    assert answer.status_code == 503
    check_nothing_half_stored(tiny_disk, 0)
    assert files_on(tiny_disk) == {}
    assert "removed 2 evidence object(s)" in caplog.text  # stored, then taken back


def test_the_disk_really_full_is_a_503_too(client, tiny_disk, monkeypatch):
    monkeypatch.setitem(current_app.config, "CASEWORK_EVIDENCE_MIN_FREE_MB", 0)
    current_app.extensions.pop("casework_storage", None)
    fill(tiny_disk, 1_700_000)
    answer = post(client, jpeg(400_000), key="too-big")  # ENOSPC while writing
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    check_nothing_half_stored(tiny_disk, 0)


def test_the_web_form_comes_back_with_what_was_typed(client, english, tiny_disk):
    fill(tiny_disk, 900_000)  # 200 kB more would leave less than 1 MB
    token = csrf_from(client, "/complaints/new")
    data = {"csrf_token": token, "submission_key": "web-key-0123456789", "identity": "anonymous",
            "category": "vote_buying", "region": "KZ-KAR-BAL", "station": "",
            "narrative": NARRATIVE_T2020 + " Seen twice.", "complainant_role": "voter",
            "evidence": [(io.BytesIO(jpeg(200_000)), "photo.jpg")]}
    answer = client.post("/complaints/new", data=data, content_type="multipart/form-data")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    page = answer.get_data(as_text=True)
    assert "has NOT been stored" in page and "choose them again" in page
    assert "Seen twice." in page and "web-key-0123456789" in page
    check_nothing_half_stored(tiny_disk, 0)
