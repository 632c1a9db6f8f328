"""Where evidence bytes live: content-addressed by SHA-256, write-once, never deleted.

Two backends with the same small interface: a local folder (default; outside static/, so
the web server never serves it directly) and S3-compatible object storage. There is no
delete: originals are never removed or replaced by the application.
"""

import abc
import base64
import contextlib
import hashlib
import logging
import os
import re
import shutil
import tempfile
from typing import Any, BinaryIO

from botocore.exceptions import ClientError
from flask import current_app

from casework.config import ConfigError
from casework.core.outages import Unavailable

log = logging.getLogger("casework.evidence")

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
    def put_file(self, sha256: str, path: str) -> bool:
        """Store the file at `path` under its hash; return only once it is durable, True if
        this call created the object. An object with that hash already there is the same
        content: nothing to do (False)."""

    @abc.abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """A readable stream of the object; FileNotFoundError if there is none."""

    @abc.abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abc.abstractmethod
    def size(self, sha256: str) -> int: ...

    @abc.abstractmethod
    def erase(self, sha256: str) -> bool:
        """Remove the object for good (retention, once no row needs its bytes); True if it
        was there. Removing one that is gone already is not an error."""

    def free_bytes(self) -> int | None:
        """Space left for new objects, None when the backend does not say (S3)."""
        return None

    def incoming(self) -> BinaryIO:
        """A new, empty, writable temporary file for an upload to stream into (its `name` is
        its path); hand it to put_new once its hash is known. The system's temporary folder
        by default; LocalStorage: its own disk, so that the file is moved, not copied."""
        return tempfile.NamedTemporaryFile(prefix="casework-upload-", delete=False)  # noqa: SIM115

    def put_new(self, sha256: str, incoming: BinaryIO) -> bool:
        """Store a file written by `incoming()` and hashed while it was written (no second
        read); return once durable, True if created. The temporary file is gone afterwards."""
        try:
            incoming.flush()
            return self.put_file(sha256, incoming.name)
        finally:
            incoming.close()
            discard_incoming(incoming)

    def ready(self) -> bool:
        """Whether a new object can be stored now (the readiness check asks)."""
        return True

    def stamp(self, sha256: str) -> int | None:
        """A mark that changes whenever put_file finds the object already there (None: the
        backend has none, and discard_new keeps everything)."""
        return None

    def discard_new(self, sha256: str, stamp: int | None) -> bool:
        """Remove an object created for a request that was not kept, once the caller made
        sure no row points at it, unless another upload found it meanwhile (its stamp
        moved). Object stores keep it: False."""
        return False


def _fsync_dir(path: str) -> None:
    """A rename or a new entry is durable only once its directory is synced."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def discard_incoming(incoming: BinaryIO) -> None:
    """Close and remove a temporary file from `Storage.incoming()` (gone already: fine)."""
    incoming.close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(incoming.name)


class LocalStorage(Storage):
    """root/ab/cd/<sha256>, files read-only (0o440), folders 0o750. New files are refused
    (Unavailable, a 503) while less than `min_free` bytes would be left on the disk, so that
    the disk never fills up in the middle of a file nor leaves the database no room."""

    def __init__(self, root: str, min_free: int = 0) -> None:
        self.root = os.path.abspath(root)
        self.min_free = min_free

    def free_bytes(self) -> int:
        folder = self.root
        while not os.path.isdir(folder):  # before the first file: the disk it will be on
            folder = os.path.dirname(folder)
        return shutil.disk_usage(folder).free

    def ready(self) -> bool:
        folder = self.root if os.path.isdir(self.root) else os.path.dirname(self.root)
        return os.access(folder, os.W_OK) and self.free_bytes() > self.min_free

    def ensure_room(self, size: int) -> None:
        if self.free_bytes() - size < self.min_free:
            raise Unavailable("evidence")

    def stamp(self, sha256: str) -> int | None:
        try:
            return os.stat(self.path(sha256)).st_ctime_ns
        except FileNotFoundError:
            return None

    def _touch(self, target: str) -> None:
        """Move the stamp (the change time) forward, the content and its modification time
        untouched: an upload of the same content is on its way. (Within one tick of the
        clock the stamp may not move: a window of a few milliseconds.)"""
        try:
            os.chmod(target, 0o440)
        except OSError:
            log.warning("could not mark an evidence object as found again")

    def discard_new(self, sha256: str, stamp: int | None) -> bool:
        if stamp is None or self.stamp(sha256) != stamp:
            return False  # gone already, or another upload found it meanwhile: keep it
        os.unlink(self.path(sha256))
        return True

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

    def incoming(self) -> BinaryIO:
        # In the root itself (no folder of its own: an empty store stays empty), on the same
        # disk as the objects, so put_new renames it into place.
        self._makedirs(self.root)
        self.ensure_room(0)
        fd, path = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        os.close(fd)
        return open(path, "r+b")  # noqa: SIM115 - the caller hands it to put_new or discards it

    def put_new(self, sha256: str, incoming: BinaryIO) -> bool:
        """One fsync of the file and one of its folder (plus one per new folder)."""
        try:
            target = self.path(sha256)
            if os.path.exists(target):
                self._touch(target)
                return False
            incoming.flush()
            os.fchmod(incoming.fileno(), 0o440)
            os.fsync(incoming.fileno())
            self.ensure_room(0)  # the file takes its room on this disk already
            folder = os.path.dirname(target)
            self._makedirs(folder)
            os.replace(incoming.name, target)
        finally:
            discard_incoming(incoming)
        _fsync_dir(folder)
        return True

    def put_file(self, sha256: str, path: str) -> bool:
        target = self.path(sha256)
        if os.path.exists(target):
            self._touch(target)
            return False
        self.ensure_room(os.path.getsize(path))
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
        return True

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")  # noqa: SIM115 - the caller closes it

    def exists(self, sha256: str) -> bool:
        return os.path.isfile(self.path(sha256))

    def size(self, sha256: str) -> int:
        return os.path.getsize(self.path(sha256))

    def erase(self, sha256: str) -> bool:
        try:
            os.unlink(self.path(sha256))
        except FileNotFoundError:
            return False
        _fsync_dir(os.path.dirname(self.path(sha256)))
        return True


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

    def put_file(self, sha256: str, path: str) -> bool:
        if self.exists(sha256):
            return False
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
        return True

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

    def erase(self, sha256: str) -> bool:
        if not self.exists(sha256):
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))
        return True

    def ready(self) -> bool:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception:  # noqa: BLE001 - unreachable, refused or missing: not ready
            return False
        return True


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
                                   or os.path.join(current_app.instance_path, "evidence"),
                                   min_free=config.get("CASEWORK_EVIDENCE_MIN_FREE_MB", 0) * 2**20)
        else:
            raise ConfigError(f"CASEWORK_EVIDENCE_STORAGE must be local or s3, got {kind!r}")
        current_app.extensions["casework_storage"] = storage
    return storage
