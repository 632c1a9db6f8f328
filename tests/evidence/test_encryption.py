"""Evidence files encrypted at rest (issue 17), in the local folder and in S3 (moto's server):
a file filed through the web form is nowhere in the store in plaintext, nor in a temporary
file; downloads give it back byte for byte (ranges too); a damaged file is refused with a
clear answer; a file stored before encryption still downloads; rotation re-encrypts them all
under a new key, and carries on after a stop in the middle."""

import hashlib
import io
import os
import stat
import tempfile
import uuid
from pathlib import Path

import boto3
import pytest
from flask import current_app, request
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from casework.core.audit import AuditEntry
from casework.core.crypto import DataKey, Keyring, keyring
from casework.evidence import key_rotation
from casework.evidence.models import EvidenceItem
from casework.evidence.previews import render_due_previews
from casework.evidence.services import StoredFile, attach
from casework.evidence.storage import LocalStorage, get_storage
from casework.evidence.uploads import SealedSpool
from casework.extensions import db
from casework.keys import rotation
from casework.mailin.files import store_raw
from casework.mailin.models import InboundMail, InboundStatus
from tests import factories
from tests.intake.helpers import form_data
from tests.plugin.evidence import stored_bytes

# A photo of noise: incompressible, over Werkzeug's 500 KB in-memory limit, several 64 KiB
# chunks, and a 32-byte run found nowhere else.
PHOTO = io.BytesIO()
Image.frombytes("RGB", (420, 420), os.urandom(420 * 420 * 3)).save(PHOTO, "PNG")
PHOTO = PHOTO.getvalue()
DISTINCT = PHOTO[len(PHOTO) // 2:len(PHOTO) // 2 + 32]


class Store:
    """The configured backend and every object it holds, as stored."""

    def __init__(self, kind: str, folder: Path | None = None, client=None, bucket=None):
        self.kind, self.folder, self.client, self.bucket = kind, folder, client, bucket

    def objects(self) -> dict[str, bytes]:
        if self.kind == "local":
            return {path.name: path.read_bytes() for path in self.folder.rglob("*")
                    if path.is_file()}
        listing = self.client.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return {o["Key"]: self.client.get_object(Bucket=self.bucket, Key=o["Key"])["Body"].read()
                for o in listing}

    def write(self, sha256: str, data: bytes) -> None:
        """Put bytes in place of an object, behind the application's back."""
        storage = get_storage()
        if isinstance(storage, LocalStorage):
            path = Path(storage.path(sha256))
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
            path.write_bytes(data)
            os.chmod(path, 0o440)
        else:
            self.client.put_object(Bucket=self.bucket, Key=storage.key(sha256), Body=data)

    def read(self, sha256: str) -> bytes:
        storage = get_storage()
        if isinstance(storage, LocalStorage):
            return Path(storage.path(sha256)).read_bytes()
        return self.client.get_object(Bucket=self.bucket, Key=storage.key(sha256))["Body"].read()


@pytest.fixture(params=["local", "s3"])
def store(request, evidence_dir):
    if request.param == "local":
        yield Store("local", folder=evidence_dir)
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    bucket = f"crypt-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    current_app.config.update(
        CASEWORK_EVIDENCE_STORAGE="s3", CASEWORK_S3_BUCKET=bucket,
        CASEWORK_S3_ENDPOINT_URL=endpoint, CASEWORK_S3_REGION="us-east-1",
        CASEWORK_S3_ACCESS_KEY_ID="testing", CASEWORK_S3_SECRET_ACCESS_KEY="testing")
    current_app.extensions.pop("casework_storage", None)  # evidence_dir puts it all back
    yield Store("s3", client=client, bucket=bucket)
    # Emptied, so that moto closes the temporary files it keeps large objects in.
    for listed in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        client.delete_object(Bucket=bucket, Key=listed["Key"])
    client.delete_bucket(Bucket=bucket)
    client.close()


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """The system's temporary folder, for this test: checked for plaintext afterwards."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def reviewer(app, login, election):
    user = factories.user("reviewer", election=election, email="kar@test.kz", regions=["KZ-KAR"])
    client = app.test_client()
    client.set_cookie("casework_lang", "en")
    assert login(client, user).status_code == 302
    return client


def multipart(fields: dict) -> dict:
    """A body over 500 KB encoded in memory: Werkzeug's test client would spool it to a
    temporary file it never closes."""
    boundary, body = encode_multipart(MultiDict(fields))
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def photo_field() -> FileStorage:
    return FileStorage(io.BytesIO(PHOTO), filename="noise.png", content_type="image/png")


def file_photo(client) -> EvidenceItem:
    response = client.post("/complaints/new",
                           **multipart(form_data(client, evidence=photo_field())))
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return db.session.scalar(select(EvidenceItem).where(EvidenceItem.label == "noise.png"))


def url(item: EvidenceItem) -> str:
    return f"/cases/{item.case.reference}/evidence/{item.id}"


def assert_no_plaintext(blobs: dict[str, bytes]) -> None:
    for name, blob in blobs.items():
        assert PHOTO not in blob and DISTINCT not in blob, name


def test_a_filed_photo_is_stored_encrypted_and_downloads_intact(client, election, reviewer,
                                                                 store, scratch):
    item = file_photo(client)
    assert item.sha256 == hashlib.sha256(PHOTO).hexdigest() and item.size == len(PHOTO)
    assert render_due_previews() == 1  # the worker's thumbnail goes into the store too
    db.session.refresh(item)
    assert item.preview_sha256

    objects = store.objects()
    assert len(objects) == 2 and all(blob.startswith(b"CWE1") for blob in objects.values())
    assert_no_plaintext(objects)
    assert_no_plaintext({p.name: p.read_bytes() for p in scratch.rglob("*") if p.is_file()})
    assert get_storage().size(item.sha256) == len(PHOTO)

    response = reviewer.get(url(item))
    assert response.status_code == 200 and response.data == PHOTO
    assert hashlib.sha256(response.data).hexdigest() == item.sha256
    assert response.content_length == len(PHOTO)
    # Ranges are not honoured for evidence (the whole verified file or nothing).
    ranged = reviewer.get(url(item), headers={"Range": "bytes=70000-70099"})
    assert ranged.status_code == 200 and ranged.data == PHOTO
    preview = reviewer.get(url(item) + "/preview")
    assert preview.status_code == 200 and preview.data.startswith(b"\xff\xd8\xff")


def test_a_large_upload_is_spooled_encrypted(app):
    """Werkzeug would spool it to an (unlinked, unlistable) temporary file in plaintext."""
    body = multipart({"evidence": photo_field()})
    with app.test_request_context("/complaints/new", method="POST",
                                  input_stream=io.BytesIO(body["data"]),
                                  content_type=body["content_type"]):
        stream = request.files["evidence"].stream
        assert isinstance(stream, SealedSpool)
        on_disk = os.pread(stream._file.fileno(), 2 * len(PHOTO), 0)
        assert on_disk.startswith(b"CWE1") and len(on_disk) > len(PHOTO)
        assert_no_plaintext({"spool": on_disk})
        assert request.files["evidence"].read() == PHOTO
        stream.seek(1000)
        assert stream.read(10) == PHOTO[1000:1010]


def test_a_damaged_file_is_refused_clearly(client, election, reviewer, store):
    item = file_photo(client)
    sealed = bytearray(store.read(item.sha256))
    sealed[len(sealed) // 2] ^= 0x01  # one bit, in the middle of a chunk
    store.write(item.sha256, bytes(sealed))

    response = reviewer.get(url(item))
    assert response.status_code == 409
    assert "failed its integrity check" in response.get_data(as_text=True)
    assert PHOTO[:1000] not in response.data  # nothing of it served
    [entry] = db.session.scalars(select(AuditEntry)
                                 .where(AuditEntry.action == "evidence.integrity_failed"))
    assert entry.details["problem"] == "unreadable"


def test_a_file_stored_before_encryption_still_downloads(election, reviewer, store):
    case = factories.case(election=election, region_code="KZ-KAR")
    sha256 = hashlib.sha256(PHOTO).hexdigest()
    store.write(sha256, PHOTO)  # as the store held it before this change
    item = attach(case, StoredFile(sha256=sha256, size=len(PHOTO), content_type="image/png",
                                   label="old.png", kind="image"), source="web")
    db.session.commit()
    assert get_storage().size(sha256) == len(PHOTO)
    response = reviewer.get(url(item))
    assert response.status_code == 200 and response.data == PHOTO


def test_rotation_re_encrypts_everything_and_resumes_after_a_stop(election, store,
                                                                  monkeypatch):
    case = factories.case(election=election, region_code="KZ-KAR")
    contents = [os.urandom(size) for size in (10, 70_000, 200_000)]
    items = []
    for number, data in enumerate(contents):
        sha256 = get_storage().put_bytes(data)
        items.append(attach(case, StoredFile(sha256=sha256, size=len(data),
                                             content_type="application/pdf",
                                             label=f"f{number}.pdf", kind="document"),
                            source="web"))
    legacy = os.urandom(5000)  # stored before encryption
    legacy_sha = hashlib.sha256(legacy).hexdigest()
    store.write(legacy_sha, legacy)
    attach(case, StoredFile(sha256=legacy_sha, size=len(legacy), content_type="image/png",
                            label="old.png", kind="image"), source="web")
    raw = b"From: a@example.kz\r\nSubject: x\r\n\r\n" + os.urandom(3000)
    mail = InboundMail(message_key="<rotation@test>", raw_sha256=store_raw(raw).sha256,
                       size=len(raw), source="pipe", status=InboundStatus.QUARANTINED)
    db.session.add(mail)
    db.session.commit()
    every = {**{i.sha256: data for i, data in zip(items, contents, strict=True)},
             legacy_sha: legacy, mail.raw_sha256: raw}

    old = keyring()
    new = Keyring([*old.keys, DataKey("rot2", os.urandom(32))])
    monkeypatch.setitem(current_app.extensions, "casework_keys", new)
    key_rotation._walks.clear()
    assert rotation.pending_counts(new)["evidence files"] == len(every)

    assert key_rotation.rotate_batch(new, 2) == 2  # then the process stops
    key_rotation._walks.clear()  # a new process: no marker
    assert rotation.pending_counts(new)["evidence files"] == len(every) - 2
    done = rotation.rotate(new, batch=2)
    assert done["evidence files"] == len(every) - 2
    assert rotation.pending_counts(new)["evidence files"] == 0
    assert rotation.rotate(new, batch=2)["evidence files"] == 0  # nothing left: nothing done

    # Every object now opens with the new key alone, to the same plaintext.
    monkeypatch.setitem(current_app.extensions, "casework_keys", Keyring([new.keys[-1]]))
    for sha256, data in every.items():
        assert store.read(sha256).startswith(b"CWE1\x04rot2")
        assert stored_bytes(sha256) == data
    assert_no_plaintext(store.objects())
    if store.kind == "local":
        assert not list(store.folder.rglob(".incoming-*"))
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o440
                   for p in store.folder.rglob("*") if p.is_file())


def test_rotation_leaves_a_damaged_file_and_goes_on(election, store, monkeypatch, caplog):
    case = factories.case(election=election, region_code="KZ-KAR")
    good, bad = os.urandom(1000), os.urandom(1000)
    shas = [get_storage().put_bytes(data) for data in (bad, good)]
    for number, sha256 in enumerate(shas):
        attach(case, StoredFile(sha256=sha256, size=1000, content_type="application/pdf",
                                label=f"f{number}.pdf", kind="document"), source="web")
    db.session.commit()
    sealed = bytearray(store.read(shas[0]))
    sealed[-3] ^= 0x01
    store.write(shas[0], bytes(sealed))

    new = Keyring([*keyring().keys, DataKey("rot3", os.urandom(32))])
    monkeypatch.setitem(current_app.extensions, "casework_keys", new)
    key_rotation._walks.clear()
    assert rotation.rotate(new, batch=1)["evidence files"] == 1
    assert store.read(shas[0]) == bytes(sealed)  # left as it was, for the integrity check
    assert store.read(shas[1]).startswith(b"CWE1\x04rot3")
    assert shas[0] in caplog.text and "not re-encrypted" in caplog.text
    key_rotation._broken.discard(shas[0])


def test_no_stored_file_is_served_by_its_descriptor(store):
    """A WSGI server sends a file object with a descriptor by sendfile(), from the disk: the
    ciphertext. The readers have none, whether the object is encrypted or older."""
    sealed = get_storage().put_bytes(b"sealed evidence")
    legacy = hashlib.sha256(b"older evidence").hexdigest()
    store.write(legacy, b"older evidence")
    for sha256, content in ((sealed, b"sealed evidence"), (legacy, b"older evidence")):
        with get_storage().open(sha256) as stream:
            with pytest.raises(io.UnsupportedOperation):
                stream.fileno()
            assert stream.read() == content


def test_keys_status_counts_the_files_to_re_encrypt(app, election):
    legacy = b"stored before encryption"
    sha256 = hashlib.sha256(legacy).hexdigest()
    Store("local").write(sha256, legacy)
    attach(factories.case(election=election, region_code="KZ-KAR"),
           StoredFile(sha256=sha256, size=len(legacy), content_type="application/pdf",
                      label="old.pdf", kind="document"), source="web")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["keys", "status"])
    assert result.exit_code == 0 and "evidence files: 1 to re-encrypt" in result.output
