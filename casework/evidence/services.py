"""Evidence operations: store an upload, attach it to a case, read it back verified, serve it.

Bytes are durable in storage before the caller's transaction commits, so a committed
EvidenceItem row always points at an object that exists. Nothing here commits.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from flask import Response, abort, current_app, g, has_request_context, send_file
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Conflict, Gone

from casework.core import audit
from casework.core.crypto import DataKeyError
from casework.evidence.inspection import inspect
from casework.evidence.models import (
    ActiveContent,
    EvidenceItem,
    FactsStatus,
    PhotoFacts,
    PreviewStatus,
)
from casework.evidence.storage import CHUNK, discard_incoming, get_storage
from casework.evidence.validation import HEAD_SIZE, check_file, safe_label, too_large
from casework.extensions import db

log = logging.getLogger("casework.evidence")


@dataclass
class StoredFile:
    sha256: str
    size: int
    content_type: str
    label: str
    kind: str
    active: list[ActiveContent] = field(default_factory=list)


# What the worker can turn into a safe thumbnail (Pillow, with pillow-heif for HEIC, or pdfium
# for the first page).
PREVIEWABLE = frozenset(("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif",
                         "image/heic", "image/heif", "application/pdf"))
# Photos whose EXIF Pillow reads (casework.evidence.photo_facts; HEIC through pillow-heif's
# plugin; GIF carries none), and videos: their tags through MediaInfo, their key frames'
# perceptual hashes through PyAV (key_frames.py).
WITH_FACTS = frozenset(("image/jpeg", "image/png", "image/webp", "image/avif", "image/heic",
                        "image/heif", "video/mp4", "video/quicktime", "video/3gpp",
                        "video/webm", "video/x-matroska", "video/x-msvideo", "video/ogg"))


class EvidenceCorrupted(Exception):
    """The stored bytes no longer match the hash recorded at intake (or are gone)."""


def store_upload(stream: BinaryIO, filename: str | None, *, max_file_size: int,
                 allow_email: bool = False) -> StoredFile:
    """Validate and durably store one uploaded file; EvidenceRejected if we refuse it.

    The stream is read once, in chunks, and never further than the limit allows; each
    chunk is hashed and encrypted as it is written to the storage's temporary file, which
    is then moved into place (LocalStorage: no copy, no second hash). Inspection reads the
    plaintext copy kept in memory meanwhile."""
    label = safe_label(filename)
    size, head = 0, b""
    storage = get_storage()
    incoming = storage.incoming(plain_copy=True)
    try:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max_file_size:
                raise too_large(label, max_file_size)
            if len(head) < HEAD_SIZE:
                head += chunk[:HEAD_SIZE - len(head)]
            incoming.write(chunk)
        incoming.flush()
        detected = check_file(label, head, size, max_file_size=max_file_size,
                              allow_email=allow_email)
        active = inspect(incoming.plain_path, label, detected,
                         max_pixels=current_app.config["CASEWORK_EVIDENCE_MAX_PIXELS"])
    except BaseException:
        discard_incoming(incoming)
        raise
    sha256 = _put_new(storage, incoming)
    return StoredFile(sha256=sha256, size=size, content_type=detected.mime, label=label,
                      kind=detected.kind, active=active)


def _put_new(storage: Any, incoming: Any) -> str:
    """Move a written temporary file into place under its hash; a file new to the store is
    removed again at the end of the request if no row came to point at it
    (evidence/cleanup.py), so a refused or failed request leaves no orphan file."""
    sha256 = incoming.sha256
    if storage.put_new(sha256, incoming) and has_request_context():
        g.setdefault("evidence_created", []).append((sha256, storage.stamp(sha256)))
    return sha256


def store_generated(data: bytes, label: str, content_type: str, kind: str) -> StoredFile:
    """Durably store a file the system made itself (a findings report): no upload checks, the
    same storage, hash and clean-up as an upload."""
    storage = get_storage()
    incoming = storage.incoming()
    try:
        incoming.write(data)
        incoming.flush()
    except BaseException:
        discard_incoming(incoming)
        raise
    sha256 = _put_new(storage, incoming)
    return StoredFile(sha256=sha256, size=len(data), content_type=content_type,
                      label=safe_label(label), kind=kind)


def new_item(case: Any, stored: StoredFile, *, source: str, actor: Any = None) -> EvidenceItem:
    """The row of a stored file on a case, not yet in the session; marks the case."""
    case.has_evidence = True
    item = EvidenceItem(
        case=case, sha256=stored.sha256, size=stored.size, content_type=stored.content_type,
        label=stored.label, source=source, added_by_id=getattr(actor, "id", None),
        active_content=",".join(stored.active) or None,
        preview_status=PreviewStatus.PENDING if stored.content_type in PREVIEWABLE else None,
    )
    if stored.content_type in WITH_FACTS:  # the worker reads its metadata
        item.facts = PhotoFacts(status=FactsStatus.PENDING)
    return item


def added_facts(item: EvidenceItem, stored: StoredFile) -> dict[str, Any]:
    """What the audit log keeps of a file added to a case (its row flushed)."""
    return {"evidence_id": item.id, "sha256": stored.sha256, "size": stored.size,
            "label": stored.label, "source": item.source, "active_content": list(stored.active)}


def attach(case: Any, stored: StoredFile, *, complaint: Any = None, source: str,
           actor: Any = None) -> EvidenceItem:
    """Record a stored file as evidence on a case (the caller commits)."""
    if complaint is not None and complaint.id is None:
        db.session.flush()
    item = new_item(case, stored, source=source, actor=actor)
    item.complaint_id = complaint.id if complaint is not None else None
    db.session.add(item)
    db.session.flush()
    audit.record("evidence.added", actor=actor, object_type="case", object_id=case.reference,
                 details=added_facts(item, stored))
    return item


# The "actual hash" of stored bytes that do not decrypt.
UNREADABLE = "unreadable"


def problem_of(actual: str | None) -> str:
    """What the audit says of a failed check: missing, unreadable or hash_mismatch."""
    return "missing" if actual is None else UNREADABLE if actual == UNREADABLE \
        else "hash_mismatch"


def _integrity_failed(item: EvidenceItem, actor: Any, actual: str | None, size: int) -> None:
    problem = problem_of(actual)
    log.error("evidence %s of case %s failed its integrity check (%s): expected %s, got %s "
              "(%d bytes)", item.id, item.case.reference, problem, item.sha256, actual, size)
    audit.record("evidence.integrity_failed", actor=actor, object_type="case",
                 object_id=item.case.reference,
                 details={"evidence_id": item.id, "problem": problem, "expected": item.sha256,
                          "actual": actual, "size": size, "expected_size": item.size})


def copy_verified(sha256: str) -> tuple[BinaryIO | None, str | None, int]:
    """Open a stored object's plaintext, re-hashed in full first.

    Returns (stream, sha256, size) when the bytes match, (None, actual hash, size) when they
    do not, (None, UNREADABLE, size) when they do not decrypt (damaged, or under a key the
    keys file lacks), and (None, None, 0) when the object is missing. The stream is then
    read again from its start: the same stored bytes (LocalStorage: the same open file,
    which rotation replaces by a rename; S3: the downloaded copy), which decryption
    authenticates chunk by chunk, so what a caller serves is what was verified, and no
    plaintext copy of it is ever written to a disk."""
    try:
        source = get_storage().open(sha256)
    except FileNotFoundError:
        return None, None, 0
    digest, size = hashlib.sha256(), 0
    try:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    except DataKeyError:
        source.close()
        return None, UNREADABLE, size
    except BaseException:
        source.close()
        raise
    if digest.hexdigest() != sha256:
        source.close()
        return None, digest.hexdigest(), size
    source.seek(0)
    return source, sha256, size


def open_verified(item: EvidenceItem, *, actor: Any = None) -> BinaryIO:
    """The item's bytes, re-hashed on the way; EvidenceCorrupted (audited) if they differ."""
    spool, actual, size = copy_verified(item.sha256)
    if spool is None:
        _integrity_failed(item, actor, actual, size)
        raise EvidenceCorrupted(item.sha256)
    return spool


def download_response(item: EvidenceItem, user: Any, *, confirmed: bool = False) -> Response:
    """THE way staff get evidence bytes: permission, verification, audit, safe headers.

    A file marked as active content is served only once the user has confirmed (a POST from
    the confirmation page); the audit entry says so. A failed integrity check gives a 409
    *response* rather than an exception, so the view still commits and the
    evidence.integrity_failed audit entry is kept."""
    if item.erased_at is not None and item.case.can_view(user):
        return harden(erased_response(item))
    if item.quarantined and item.case.can_view(user):
        # Gone for everyone: say why, and record that someone asked for it.
        audit.record("evidence.download_refused", actor=user, object_type="case",
                     object_id=item.case.reference,
                     details={"evidence_id": item.id, "signature": item.scan_detail})
        return harden(Gone(description=str(_l(
            "This file is quarantined: the antivirus found %(signature)s in it. Nobody can "
            "download it.", signature=item.scan_detail or "?"))).get_response())
    if not item.can_download(user):
        abort(403)
    if item.active_content and not confirmed:
        abort(409)
    try:
        stream = open_verified(item, actor=user)
    except EvidenceCorrupted:
        response = Conflict(description=str(_l(
            "This file failed its integrity check: the stored copy no longer matches the one "
            "received. It has not been served, and the failure has been recorded."))).get_response()
    else:
        audit.record("evidence.downloaded", actor=user, object_type="case",
                     object_id=item.case.reference,
                     details={"evidence_id": item.id, "sha256": item.sha256, "label": item.label,
                              **({"active_content": item.active_content, "confirmed": True}
                                 if item.active_content else {})})
        response = attachment_response(stream, mimetype=item.content_type, name=item.label,
                              size=item.size)
    return harden(response)


def erased_response(item: EvidenceItem) -> Response:
    """410 for a file retention removed: the row stays as its proof, the bytes are gone."""
    return Gone(description=str(_l(
        "This file was erased on %(date)s under the election's retention policy. Its SHA-256, "
        "size and type are kept as proof that it existed; its content is gone for everyone.",
        date=format_datetime(item.erased_at, "d MMM y")))).get_response()


def attachment_response(stream: BinaryIO, *, mimetype: str, name: str, size: int) -> Response:
    """A file to save, never to show: no caching, the user's name only as a label."""
    response = send_file(stream, mimetype=mimetype, as_attachment=True, download_name=name,
                         max_age=0, etag=False)
    response.content_length = size
    response.headers["Cache-Control"] = "private, no-store"
    return response


def harden(response: Response) -> Response:
    """Downloads (and their refusals) are never sniffed or run as a page."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response
