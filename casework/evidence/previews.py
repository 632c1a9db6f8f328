"""Safe previews: thumbnails the worker re-encodes, so reviewers see a photo or a PDF's first
page without opening the raw file.

A job (worker.PERIODIC): each round renders a few pending items in a resource-limited child
process (render.py) and keeps the JPEG in the evidence storage under its own SHA-256. An
item's attempts are counted before each try, so a file that kills the renderer is marked
failed after a few rounds instead of being retried forever.
"""

import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, send_file
from sqlalchemy import select

from casework.evidence.models import EvidenceItem, PreviewStatus
from casework.evidence.sealed import plain_scratch
from casework.evidence.services import EvidenceCorrupted, copy_verified, harden, open_verified
from casework.evidence.storage import get_storage
from casework.extensions import db

log = logging.getLogger("casework.evidence")

MAX_ATTEMPTS = 3
RENDER_TIMEOUT = 60  # seconds, wall clock; the child also has a CPU limit
PREVIEW_MAX_BYTES = 2 * 2**20
RENDERER = Path(__file__).with_name("render.py")


def render_due_previews() -> int:
    """Render the pending previews of one small batch; the number of items handled."""
    config = current_app.config
    items = db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.preview_status == PreviewStatus.PENDING)
        .order_by(EvidenceItem.id).limit(config["CASEWORK_EVIDENCE_PREVIEW_BATCH"])).all()
    for item in items:
        _render_one(item, max_pixels=config["CASEWORK_EVIDENCE_MAX_PIXELS"],
                    size=config["CASEWORK_EVIDENCE_PREVIEW_SIZE"])
    return len(items)


def _render_one(item: EvidenceItem, *, max_pixels: int, size: int) -> None:
    item.preview_attempts = (item.preview_attempts or 0) + 1
    if item.preview_attempts > MAX_ATTEMPTS:
        item.preview_status = PreviewStatus.FAILED
        db.session.commit()
        return
    db.session.commit()  # the attempt counts even if this process dies while rendering
    try:
        jpeg = _thumbnail(item, max_pixels=max_pixels, size=size)
        item.preview_sha256 = _keep(jpeg)
        item.preview_status = PreviewStatus.READY
    except EvidenceCorrupted:
        item.preview_status = PreviewStatus.FAILED  # audited by open_verified
    except (subprocess.SubprocessError, ValueError) as exc:
        # The file's name and contents stay out of the log: its id and the kind of failure.
        log.warning("evidence %s: no preview (%s)", item.id, type(exc).__name__)
        item.preview_status = PreviewStatus.FAILED
    db.session.commit()


def run_renderer(item: EvidenceItem, kind: str, *, max_pixels: int, size: int) -> bytes:
    """What the child renderer writes for the item's verified bytes (`kind`: image, pdf or
    facts); SubprocessError when it fails, dies or overruns its time. The decrypted file
    reaches the child in memory (its descriptor passed on), never on a disk."""
    original, path = plain_scratch()
    with open_verified(item) as stream, original:
        shutil.copyfileobj(stream, original)
        original.flush()
        result = subprocess.run(  # noqa: S603 - our interpreter, our script, fixed arguments
            [sys.executable, "-I", str(RENDERER), kind, str(max_pixels), str(size), path],
            capture_output=True, timeout=RENDER_TIMEOUT, check=True,
            pass_fds=(original.fileno(),))
    return result.stdout


def _thumbnail(item: EvidenceItem, *, max_pixels: int, size: int) -> bytes:
    kind = "pdf" if item.content_type == "application/pdf" else "image"
    jpeg = run_renderer(item, kind, max_pixels=max_pixels, size=size)
    if not jpeg.startswith(b"\xff\xd8\xff") or len(jpeg) > PREVIEW_MAX_BYTES:
        raise ValueError("the renderer gave no usable JPEG")
    return jpeg


def _keep(jpeg: bytes) -> str:
    return get_storage().put_bytes(jpeg)


def preview_response(item: EvidenceItem, user: Any) -> Response:
    """The thumbnail, to whoever may download the file itself: never cached, never sniffed."""
    if not item.can_download(user):
        abort(403)
    if not item.has_preview:
        abort(404)
    spool, _actual, size = copy_verified(item.preview_sha256 or "")
    if spool is None:
        log.error("evidence %s: its preview failed its integrity check", item.id)
        abort(404)
    response = send_file(spool, mimetype="image/jpeg", max_age=0, etag=False,
                         last_modified=None, conditional=False)
    response.content_length = size
    response.headers["Cache-Control"] = "private, no-store"
    return harden(response)
