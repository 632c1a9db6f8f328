"""Storage backends: content-addressed, durable, write-once; S3 against a real HTTP server."""

import base64
import hashlib
import os
import stat
import time

import boto3
import pytest
from flask import current_app

from casework.config import ConfigError
from casework.evidence.storage import LocalStorage, S3Storage, get_storage

BAD_HASHES = ["../" * 21 + "a", "A" * 64, "a" * 63, "a" * 65, "g" * 64, "a" * 64 + "\n", "", None]


def write(tmp_path, data: bytes, name="upload") -> tuple[str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest(), str(path)


def test_local_put_is_content_addressed_and_read_only(tmp_path):
    storage = LocalStorage(str(tmp_path / "store"))
    sha, path = write(tmp_path, b"evidence bytes")
    storage.put_file(sha, path)

    target = tmp_path / "store" / sha[:2] / sha[2:4] / sha
    stored = target.read_bytes()  # encrypted at rest, named by the plaintext's hash
    assert stored.startswith(b"CWE1") and b"evidence bytes" not in stored
    assert stat.S_IMODE(target.stat().st_mode) == 0o440
    for folder in (tmp_path / "store", target.parent.parent, target.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    assert storage.exists(sha) and storage.size(sha) == 14
    with storage.open(sha) as stream:
        assert stream.read() == b"evidence bytes"
    assert os.listdir(target.parent) == [sha]  # no temporary file left behind


def test_local_put_is_idempotent(tmp_path):
    storage = LocalStorage(str(tmp_path / "store"))
    sha, path = write(tmp_path, b"same content")
    storage.put_file(sha, path)
    before = os.stat(storage.path(sha))
    storage.put_file(sha, path)
    after = os.stat(storage.path(sha))
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_local_refuses_bytes_that_do_not_match_the_hash(tmp_path):
    storage = LocalStorage(str(tmp_path / "store"))
    sha, _ = write(tmp_path, b"what was received")
    _, other = write(tmp_path, b"something else", name="other")
    with pytest.raises(ValueError, match="does not hash"):
        storage.put_file(sha, other)
    assert not storage.exists(sha)
    assert [name for _, _, names in os.walk(tmp_path / "store") for name in names] == []


@pytest.mark.parametrize("bad", BAD_HASHES)
def test_local_rejects_anything_but_a_hex_digest(tmp_path, bad):
    storage = LocalStorage(str(tmp_path / "store"))
    _, path = write(tmp_path, b"x")
    for call in (lambda: storage.put_file(bad, path), lambda: storage.open(bad),
                 lambda: storage.exists(bad), lambda: storage.size(bad)):
        with pytest.raises(ValueError, match="SHA-256"):
            call()
    assert not (tmp_path / "store").exists()


def test_local_missing_object(tmp_path):
    storage = LocalStorage(str(tmp_path / "store"))
    assert not storage.exists("0" * 64)
    with pytest.raises(FileNotFoundError):
        storage.open("0" * 64)


def test_get_storage_local_is_configured_and_cached(evidence_dir):
    storage = get_storage()
    assert isinstance(storage, LocalStorage) and storage.root == str(evidence_dir)
    assert get_storage() is storage


def test_get_storage_refuses_bad_settings():
    current_app.config["CASEWORK_EVIDENCE_STORAGE"] = "ftp"
    with pytest.raises(ConfigError, match="local or s3"):
        get_storage()
    current_app.config["CASEWORK_EVIDENCE_STORAGE"] = "s3"
    current_app.config["CASEWORK_S3_BUCKET"] = None
    with pytest.raises(ConfigError, match="CASEWORK_S3_BUCKET"):
        get_storage()


@pytest.fixture
def s3_bucket(s3_endpoint, request):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    bucket = "evidence-" + request.node.name.replace("_", "-")[:40].lower()
    client.create_bucket(Bucket=bucket)
    yield bucket, client
    client.close()


def test_s3_round_trip(tmp_path, s3_bucket):
    bucket, client = s3_bucket
    storage = S3Storage(bucket, client)
    data = os.urandom(200_000)
    sha, path = write(tmp_path, data)
    assert not storage.exists(sha)
    storage.put_file(sha, path)
    storage.put_file(sha, path)  # already there: nothing to do
    assert storage.exists(sha) and storage.size(sha) == len(data)
    with storage.open(sha) as stream:
        assert stream.read() == data
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [f"evidence/{sha[:2]}/{sha}"]


def test_s3_sends_the_sha256_for_the_server_to_verify(tmp_path, s3_bucket):
    bucket, client = s3_bucket
    storage = S3Storage(bucket, client)
    sha, path = write(tmp_path, b"what was received")
    storage.put_file(sha, path)
    # Real S3 refuses a body that does not match; moto only records the checksum it got.
    head = client.head_object(Bucket=bucket, Key=storage.key(sha), ChecksumMode="ENABLED")
    # The object is the ciphertext: its checksum is the ciphertext's, its name the plaintext's.
    stored = client.get_object(Bucket=bucket, Key=storage.key(sha))["Body"].read()
    assert stored.startswith(b"CWE1")
    assert base64.b64decode(head["ChecksumSHA256"]) == hashlib.sha256(stored).digest()


def test_s3_refuses_bytes_that_do_not_match_the_hash(tmp_path, s3_bucket):
    storage = S3Storage(*s3_bucket)
    sha, _ = write(tmp_path, b"what was received")
    _, other = write(tmp_path, b"something else", name="other")
    with pytest.raises(ValueError, match="does not hash"):
        storage.put_file(sha, other)
    assert not storage.exists(sha)


def test_s3_missing_object_and_bad_hash(s3_bucket):
    storage = S3Storage(*s3_bucket)
    with pytest.raises(FileNotFoundError):
        storage.open("0" * 64)
    with pytest.raises(FileNotFoundError):
        storage.size("0" * 64)
    with pytest.raises(ValueError):
        storage.exists("../" + "a" * 61)


def test_get_storage_s3_from_config(tmp_path, s3_endpoint, s3_bucket):
    bucket, _ = s3_bucket
    current_app.config.update({
        "CASEWORK_EVIDENCE_STORAGE": "s3", "CASEWORK_S3_BUCKET": bucket,
        "CASEWORK_S3_ENDPOINT_URL": s3_endpoint, "CASEWORK_S3_REGION": "us-east-1",
        "CASEWORK_S3_ACCESS_KEY_ID": "testing", "CASEWORK_S3_SECRET_ACCESS_KEY": "testing",
    })
    storage = get_storage()
    assert isinstance(storage, S3Storage)
    sha, path = write(tmp_path, b"via settings")
    storage.put_file(sha, path)
    with storage.open(sha) as stream:
        assert stream.read() == b"via settings"


def test_a_new_object_found_again_by_another_upload_is_not_discarded(tmp_path):
    storage = LocalStorage(str(tmp_path / "store"))
    sha, path = write(tmp_path, b"the same photo, sent twice at once")
    assert storage.put_file(sha, path) is True
    stamp = storage.stamp(sha)
    time.sleep(0.02)  # the other upload comes later (the change time has ticks of a few ms)
    assert storage.put_file(sha, path) is False  # the other upload finds it there
    assert storage.discard_new(sha, stamp) is False and storage.exists(sha)
    assert storage.discard_new(sha, storage.stamp(sha)) is True and not storage.exists(sha)


def test_new_files_are_refused_below_the_free_space_floor(tmp_path):
    from casework.core.outages import Unavailable

    storage = LocalStorage(str(tmp_path / "store"), min_free=10**18)  # more than any disk
    sha, path = write(tmp_path, b"evidence")
    with pytest.raises(Unavailable):
        storage.put_file(sha, path)
    assert not storage.exists(sha) and storage.ready() is False


def test_local_erase_removes_the_object_once(tmp_path):
    storage = LocalStorage(str(tmp_path / "store"))
    sha, path = write(tmp_path, b"to be erased by retention")
    storage.put_file(sha, path)
    assert storage.erase(sha) is True
    assert not storage.exists(sha)
    assert storage.erase(sha) is False  # gone already: not an error


def test_s3_erase_removes_the_object_once(tmp_path, s3_bucket):
    bucket, client = s3_bucket
    storage = S3Storage(bucket, client)
    sha, path = write(tmp_path, b"to be erased by retention")
    storage.put_file(sha, path)
    assert storage.erase(sha) is True
    assert not storage.exists(sha)
    assert storage.erase(sha) is False
    assert "Contents" not in client.list_objects_v2(Bucket=bucket)
