"""The bytes of inbound mail: the raw message and its attachments in evidence storage.

The raw message is always kept, whatever it holds: through the evidence validation when it
looks like an email, and stored as it is otherwise (quarantine must keep the bytes). Each
attachment goes through the same validation as a file uploaded on the web form.
"""

import io
import mimetypes
from typing import Any, BinaryIO

from flask import Response, abort, current_app
from flask_babel import force_locale, format_datetime
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Conflict, Gone

from casework.core import audit
from casework.core.crypto import DataKeyError
from casework.evidence.services import (
    StoredFile,
    attachment_response,
    copy_verified,
    harden,
    problem_of,
    store_upload,
)
from casework.evidence.storage import get_storage
from casework.evidence.validation import EvidenceRejected
from casework.mailin.headers import header_text
from casework.mailin.models import InboundMail
from casework.mailin.parse import HEADER_PEEK, Attachment, header_section

RAW_LABEL = "email-message.eml"
RAW_TYPE = "message/rfc822"


class RawMessageMissing(Exception):
    """The stored raw message is gone or no longer matches its hash."""


def store_raw(raw: bytes) -> StoredFile:
    """Durably store the raw message; returns before the caller commits. OSError if the
    storage fails: the caller must not acknowledge the message then."""
    try:
        return store_upload(io.BytesIO(raw), RAW_LABEL, max_file_size=max(len(raw), 1),
                            allow_email=True)
    except EvidenceRejected:
        pass  # not recognisably an email (garbage, empty, unusual first header): keep it anyway
    sha256 = get_storage().put_bytes(raw)
    return StoredFile(sha256=sha256, size=len(raw), content_type=RAW_TYPE, label=RAW_LABEL,
                      kind="email")


def raw_stored_file(mail: InboundMail) -> StoredFile:
    return StoredFile(sha256=mail.raw_sha256, size=mail.size, content_type=RAW_TYPE,
                      label=RAW_LABEL, kind="email")


def _name(attachment: Attachment) -> str:
    is_mail = attachment.content_type == RAW_TYPE
    name = attachment.filename or ("forwarded-message" if is_mail else "attachment") + (
        mimetypes.guess_extension(attachment.content_type) or "")
    if is_mail and not name.lower().endswith(".eml"):
        name += ".eml"
    return name


def store_attachments(attachments: list[Attachment]) -> tuple[list[StoredFile], list[str]]:
    """(files accepted and stored, one reason per file refused). Forwarded messages
    (message/rfc822) are accepted as emails; everything else as on the web form."""
    limit = int(current_app.config["CASEWORK_EVIDENCE_MAX_FILE_SIZE"])
    accepted: dict[str, StoredFile] = {}  # by hash: the same logo twice is kept once
    refused: list[str] = []
    for attachment in attachments:
        try:
            stored = store_upload(io.BytesIO(attachment.data), _name(attachment),
                                  max_file_size=limit,
                                  allow_email=attachment.content_type == RAW_TYPE)
        except EvidenceRejected as rejected:
            with force_locale("en"):
                refused.append(str(rejected))
            continue
        accepted.setdefault(stored.sha256, stored)
    return list(accepted.values()), refused


def open_raw(mail: InboundMail, *, actor: Any = None) -> BinaryIO:
    """The raw message, checked in full against its hash; RawMessageMissing (audited) if not."""
    spool, actual, _size = copy_verified(mail.raw_sha256)
    if spool is None:
        audit.record("mail.integrity_failed", actor=actor, object_type="inbound_mail",
                     object_id=mail.id, details={"expected": mail.raw_sha256,
                                                 "problem": problem_of(actual)})
        raise RawMessageMissing(mail.raw_sha256)
    return spool


def read_raw(mail: InboundMail, *, actor: Any = None) -> bytes:
    with open_raw(mail, actor=actor) as stream:
        return stream.read()


def raw_download_response(mail: InboundMail, user: Any) -> Response:
    """Staff download the raw message: permission, verification, audit, safe headers."""
    if not mail.can_view(user):
        abort(403)
    erased_at = mail.case.personal_data_erased_at if mail.case is not None else None
    if erased_at is not None:  # retention removed it: its hash and size stay on the row
        return harden(Gone(description=str(_l(
            "This message was erased on %(date)s under the election's retention policy: its "
            "addresses went with it. Its SHA-256 and size are kept as proof that it existed.",
            date=format_datetime(erased_at, "d MMM y")))).get_response())
    try:
        stream = open_raw(mail, actor=user)
    except RawMessageMissing:
        response = Conflict(description=str(_l(
            "The stored message failed its integrity check: it is missing or no longer matches "
            "the one received. It has not been served, and the failure has been recorded."))
        ).get_response()
    else:
        audit.record("mail.raw_downloaded", actor=user, object_type="inbound_mail",
                     object_id=mail.id, details={"sha256": mail.raw_sha256, "size": mail.size})
        response = attachment_response(stream, mimetype=RAW_TYPE,
                                       name=f"inbound-{mail.id}.eml", size=mail.size)
    return harden(response)


SHOWN_HEADERS = ("From", "Sender", "Reply-To", "To", "Cc", "Date", "Subject", "Message-ID",
                 "In-Reply-To", "References", "Return-Path", "Auto-Submitted", "Precedence",
                 "Content-Type")
# The header fields that name the sender (or people copied): masked like the sender.
IDENTITY_HEADERS = frozenset({"From", "Sender", "Reply-To", "Return-Path", "Cc"})


def header_summary(mail: InboundMail) -> list[tuple[str, str]]:
    """The main header fields of the stored message, decoded, for the staff page."""
    try:
        with get_storage().open(mail.raw_sha256) as stream:
            head = stream.read(HEADER_PEEK)
    except (OSError, DataKeyError):  # missing, unreadable: the page shows no headers
        return []
    msg = header_section(head)
    if msg is None:
        return []
    return [(name, value[:1000]) for name in SHOWN_HEADERS if (value := header_text(msg, name))]
