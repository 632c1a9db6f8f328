"""Where evidence bytes live: content-addressed by SHA-256, write-once, never deleted.

Two backends with the same small interface: a local folder (default; outside static/, so
the web server never serves it directly) and S3-compatible object storage. There is no
delete: originals are never removed or replaced by the application.
"""

import abc
import base64
import hashlib
import os
import re
import shutil
import tempfile
from typing import Any, BinaryIO

from botocore.exceptions import ClientError
from flask import current_app

from casework.config import ConfigError

CHUNK = 64 * 1024
SPOOL_MAX = 8 * 1024 * 1024  # larger objects spill from memory to a temporary file
_SHA256 = re.compile(r"[0-9a-f]{64}")


def check_sha256(sha256: str) -> str:
    """Refuse anything but 64 lowercase hex digits before it becomes part of a path or key."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r:.80}")
    return sha256


class Storage(abc.ABC):
    @abc.abstractmethod
    def put_file(self, sha256: str, path: str) -> None:
        """Store the file at `path` under its hash; return only once it is durable.
        An object with that hash already there is the same content: nothing to do."""

    @abc.abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """A readable stream of the object; FileNotFoundError if there is none."""

    @abc.abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abc.abstractmethod
    def size(self, sha256: str) -> int: ...


def _fsync_dir(path: str) -> None:
    """A rename or a new entry is durable only once its directory is synced."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStorage(Storage):
    """root/ab/cd/<sha256>, files read-only (0o440), folders 0o750."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)

    def path(self, sha256: str) -> str:
        check_sha256(sha256)
        return os.path.join(self.root, sha256[:2], sha256[2:4], sha256)

    def _makedirs(self, folder: str) -> None:
        """Create missing folders one level at a time, syncing each new entry's parent."""
        if os.path.isdir(folder):
            return
        parent = os.path.dirname(folder)
        self._makedirs(parent)
        try:
            os.mkdir(folder, 0o750)
        except FileExistsError:
            return  # another upload created it
        os.chmod(folder, 0o750)  # noqa: S103 - whatever the umask; group: backup/ops
        _fsync_dir(parent)

    def put_file(self, sha256: str, path: str) -> None:
        target = self.path(sha256)
        if os.path.exists(target):
            return
        folder = os.path.dirname(target)
        self._makedirs(folder)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fchmod(out.fileno(), 0o440)
                os.fsync(out.fileno())
            if digest.hexdigest() != sha256:  # never file bytes under the wrong address
                raise ValueError(f"{path} does not hash to {sha256}")
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        _fsync_dir(folder)

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")  # noqa: SIM115 - the caller closes it

    def exists(self, sha256: str) -> bool:
        return os.path.isfile(self.path(sha256))

    def size(self, sha256: str) -> int:
        return os.path.getsize(self.path(sha256))


def _not_found(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


class S3Storage(Storage):
    """Objects at evidence/ab/<sha256>; the server checks the SHA-256 of what it receives."""

    def __init__(self, bucket: str, client: Any) -> None:
        self.bucket = bucket
        self.client = client

    def key(self, sha256: str) -> str:
        check_sha256(sha256)
        return f"evidence/{sha256[:2]}/{sha256}"

    def _head(self, sha256: str) -> dict[str, Any] | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if _not_found(exc):
                return None
            raise

    def put_file(self, sha256: str, path: str) -> None:
        if self.exists(sha256):
            return
        digest = hashlib.sha256()
        with open(path, "rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != sha256:  # some S3-compatible servers skip the check below
            raise ValueError(f"{path} does not hash to {sha256}")
        checksum = base64.b64encode(bytes.fromhex(sha256)).decode("ascii")
        with open(path, "rb") as body:
            # A 200 answer means the object is stored and matched this checksum.
            self.client.put_object(Bucket=self.bucket, Key=self.key(sha256), Body=body,
                                   ChecksumAlgorithm="SHA256", ChecksumSHA256=checksum,
                                   ContentType="application/octet-stream")

    def open(self, sha256: str) -> BinaryIO:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if _not_found(exc):
                raise FileNotFoundError(self.key(sha256)) from exc
            raise
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX)  # noqa: SIM115 - returned
        body = answer["Body"]
        try:
            shutil.copyfileobj(body, spool, CHUNK)
        except BaseException:
            spool.close()
            raise
        finally:
            body.close()
        spool.seek(0)
        return spool

    def exists(self, sha256: str) -> bool:
        return self._head(sha256) is not None

    def size(self, sha256: str) -> int:
        head = self._head(sha256)
        if head is None:
            raise FileNotFoundError(self.key(sha256))
        return int(head["ContentLength"])


def _s3_from_config(config: Any) -> S3Storage:
    import boto3
    from botocore.config import Config

    bucket = config.get("CASEWORK_S3_BUCKET")
    if not bucket:
        raise ConfigError("CASEWORK_EVIDENCE_STORAGE is s3 but CASEWORK_S3_BUCKET is not set")
    endpoint = config.get("CASEWORK_S3_ENDPOINT_URL") or None
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=config.get("CASEWORK_S3_REGION") or None,
        aws_access_key_id=config.get("CASEWORK_S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=config.get("CASEWORK_S3_SECRET_ACCESS_KEY") or None,
        config=Config(
            retries={"mode": "standard", "max_attempts": 5},
            # Self-hosted S3-compatible servers rarely know virtual-host buckets or the
            # newer default CRC checksums; we send our own SHA-256 anyway.
            s3={"addressing_style": "path" if endpoint else "auto"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )
    return S3Storage(bucket, client)


def get_storage() -> Storage:
    """The configured backend, made once per application."""
    storage = current_app.extensions.get("casework_storage")
    if storage is None:
        config = current_app.config
        kind = (config.get("CASEWORK_EVIDENCE_STORAGE") or "local").lower()
        if kind == "s3":
            storage = _s3_from_config(config)
        elif kind == "local":
            storage = LocalStorage(config.get("CASEWORK_EVIDENCE_DIR")
                                   or os.path.join(current_app.instance_path, "evidence"))
        else:
            raise ConfigError(f"CASEWORK_EVIDENCE_STORAGE must be local or s3, got {kind!r}")
        current_app.extensions["casework_storage"] = storage
    return storage
