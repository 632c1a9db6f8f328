"""Where evidence bytes live: content-addressed by SHA-256, write-once, never deleted.

Two backends with the same small interface: a local folder (default; outside static/, so
the web server never serves it directly) and S3-compatible object storage. There is no
delete: originals are never removed or replaced by the application (retention erases;
key rotation re-encrypts the same plaintext in place).

Every object is encrypted at rest (evidence/sealed.py) under its plaintext's SHA-256:
writers hand plaintext, `open` gives plaintext back, only ciphertext is on the disk.
"""

import abc
import base64
import contextlib
import logging
import os
import re
import shutil
import tempfile
from typing import Any, BinaryIO

from botocore.exceptions import ClientError
from flask import current_app

from casework.config import ConfigError
from casework.core.crypto import Keyring
from casework.core.outages import Unavailable
from casework.evidence.sealed import HEAD_MAX, Incoming, plain_size, reader

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
    def put_file(self, sha256: str, path: str) -> bool:
        """Store the (plaintext) file at `path` under its hash; return only once it is
        durable, True if this call created the object. An object with that hash already
        there is the same content: nothing to do (False). ValueError if it does not hash
        to `sha256`: bytes are never filed under the wrong address."""
        if self.exists(sha256):
            self._touch(sha256)
            return False
        self.ensure_room(os.path.getsize(path))
        incoming = self.incoming()
        try:
            with open(path, "rb") as src:
                while chunk := src.read(CHUNK):
                    incoming.write(chunk)
        except BaseException:
            discard_incoming(incoming)
            raise
        return self.put_new(sha256, incoming)

    def put_bytes(self, data: bytes) -> str:
        """Store bytes held in memory (a preview, a raw message); their SHA-256."""
        incoming = self.incoming()
        try:
            incoming.write(data)
        except BaseException:
            discard_incoming(incoming)
            raise
        sha256 = incoming.sha256
        self.put_new(sha256, incoming)
        return sha256

    def open(self, sha256: str) -> BinaryIO:
        """A readable stream of the object's plaintext, decrypted while read (seekable, no
        file descriptor); FileNotFoundError if there is none. DataKeyError from a read that
        meets damaged bytes or an unknown key."""
        return reader(self.open_stored(sha256))

    @abc.abstractmethod
    def open_stored(self, sha256: str) -> BinaryIO:
        """The object as stored (ciphertext), seekable; FileNotFoundError if none."""

    @abc.abstractmethod
    def head(self, sha256: str) -> tuple[int, bytes]:
        """(stored size, first bytes) of the object; FileNotFoundError if none."""

    def size(self, sha256: str) -> int:
        """The plaintext's size."""
        return plain_size(*self.head(sha256))

    def ensure_room(self, size: int) -> None:
        """Unavailable when `size` more bytes would not fit (only LocalStorage knows)."""
        return None

    def _touch(self, sha256: str) -> None:
        """An upload found the object already there (LocalStorage moves its stamp)."""
        return None

    def reseal(self, sha256: str, ring: Keyring) -> bool:
        """Re-encrypt an object under `ring`'s newest key, in place (key rotation): True if
        replaced, False if it was erased meanwhile. FileNotFoundError if it is missing,
        DataKeyError if it does not decrypt, ValueError if its plaintext does not hash to
        its name: it is left as it is then."""
        incoming = self.incoming(ring=ring)
        try:
            with reader(self.open_stored(sha256), ring) as source:
                while chunk := source.read(CHUNK):
                    incoming.write(chunk)
            _finished(sha256, incoming)
        except BaseException:
            discard_incoming(incoming)
            raise
        return self.replace(sha256, incoming)

    @abc.abstractmethod
    def replace(self, sha256: str, incoming: Incoming) -> bool:
        """Put a re-encrypted copy of an object in its place, atomically, only if the object
        is still there (retention may have erased it meanwhile): True if replaced."""

    @abc.abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abc.abstractmethod
    def erase(self, sha256: str) -> bool:
        """Remove the object for good (retention, once no row needs its bytes); True if it
        was there. Removing one that is gone already is not an error."""

    def free_bytes(self) -> int | None:
        """Space left for new objects, None when the backend does not say (S3)."""
        return None

    def incoming(self, *, plain_copy: bool = False, ring: Keyring | None = None) -> Incoming:
        """A new object to write plaintext into: it is hashed and encrypted as it comes, into
        a temporary file (its `name`); hand it to put_new once written. `plain_copy` keeps
        the plaintext in memory too, at `plain_path`, for inspection. The system's
        temporary folder by default; LocalStorage: its own disk, so that the file is moved,
        not copied."""
        file = tempfile.NamedTemporaryFile(prefix="casework-upload-", delete=False)  # noqa: SIM115
        return Incoming(file, ring=ring, plain_copy=plain_copy)

    @abc.abstractmethod
    def put_new(self, sha256: str, incoming: Incoming) -> bool:
        """Store an object written into `incoming()` (no second read); return once durable,
        True if created. The temporary file is gone afterwards. ValueError if what was
        written does not hash to `sha256`."""

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


def discard_incoming(incoming: Incoming) -> None:
    """Close and remove a temporary file from `Storage.incoming()` (gone already: fine)."""
    try:
        incoming.close()
    except OSError:
        pass  # a full disk cannot take the rest of what is thrown away anyway
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(incoming.name)


def _finished(sha256: str, incoming: Incoming) -> None:
    incoming.finish()
    if incoming.sha256 != sha256:  # never file bytes under the wrong address
        raise ValueError(f"what was written does not hash to {sha256}")


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

    def _touch(self, sha256: str) -> None:
        """Move the stamp (the change time) forward, the content and its modification time
        untouched: an upload of the same content is on its way. (Within one tick of the
        clock the stamp may not move: a window of a few milliseconds.)"""
        try:
            os.chmod(self.path(sha256), 0o440)
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

    def incoming(self, *, plain_copy: bool = False, ring: Keyring | None = None) -> Incoming:
        # In the root itself (no folder of its own: an empty store stays empty), on the same
        # disk as the objects, so put_new renames it into place.
        self._makedirs(self.root)
        self.ensure_room(0)
        fd, path = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        os.close(fd)
        file = open(path, "r+b")  # noqa: SIM115 - the caller hands it to put_new or discards it
        return Incoming(file, ring=ring, plain_copy=plain_copy, sealed_digest=False)

    def put_new(self, sha256: str, incoming: Incoming) -> bool:
        """One fsync of the file and one of its folder (plus one per new folder)."""
        try:
            target = self.path(sha256)
            if os.path.exists(target):
                self._touch(sha256)
                return False
            _finished(sha256, incoming)
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

    def replace(self, sha256: str, incoming: Incoming) -> bool:
        try:
            incoming.finish()
            os.fchmod(incoming.fileno(), 0o440)
            os.fsync(incoming.fileno())
            target = self.path(sha256)
            if not os.path.exists(target):
                return False  # erased meanwhile: do not bring it back
            os.replace(incoming.name, target)
        finally:
            discard_incoming(incoming)
        _fsync_dir(os.path.dirname(target))
        return True

    def open_stored(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")  # noqa: SIM115 - the caller closes it

    def head(self, sha256: str) -> tuple[int, bytes]:
        with open(self.path(sha256), "rb") as stored:
            return os.fstat(stored.fileno()).st_size, stored.read(HEAD_MAX)

    def exists(self, sha256: str) -> bool:
        return os.path.isfile(self.path(sha256))

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

    def put_new(self, sha256: str, incoming: Incoming) -> bool:
        try:
            if self.exists(sha256):
                return False
            _finished(sha256, incoming)
            self._upload(sha256, incoming)
        finally:
            discard_incoming(incoming)
        return True

    def _upload(self, sha256: str, incoming: Incoming) -> None:
        # The server checks the SHA-256 of the ciphertext it receives; a 200 answer means
        # the object is stored and matched it.
        checksum = base64.b64encode(incoming.sealed_digest.digest()).decode("ascii")
        with open(incoming.name, "rb") as body:
            self.client.put_object(Bucket=self.bucket, Key=self.key(sha256), Body=body,
                                   ChecksumAlgorithm="SHA256", ChecksumSHA256=checksum,
                                   ContentType="application/octet-stream")

    def replace(self, sha256: str, incoming: Incoming) -> bool:
        try:
            incoming.finish()
            if not self.exists(sha256):
                return False  # erased meanwhile: do not bring it back
            self._upload(sha256, incoming)  # a put replaces the object whole
        finally:
            discard_incoming(incoming)
        return True

    def _get(self, sha256: str, **extra: Any) -> dict[str, Any]:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256), **extra)
        except ClientError as exc:
            if _not_found(exc):
                raise FileNotFoundError(self.key(sha256)) from exc
            raise

    def open_stored(self, sha256: str) -> BinaryIO:
        answer = self._get(sha256)
        # Ciphertext: it may spill to a temporary file.
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

    def head(self, sha256: str) -> tuple[int, bytes]:
        try:
            answer = self._get(sha256, Range=f"bytes=0-{HEAD_MAX - 1}")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                return 0, b""  # an empty object (stored before encryption)
            raise
        with contextlib.closing(answer["Body"]) as body:
            first = body.read()
        total = answer.get("ContentRange", "").rpartition("/")[2]
        return (int(total) if total.isdigit() else int(answer["ContentLength"])), first

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
