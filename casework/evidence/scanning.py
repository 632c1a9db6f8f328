"""The antivirus check of stored evidence: a small clamd client and the worker's periodic task.

clamd is spoken to directly (zINSTREAM over a UNIX socket or TCP, CASEWORK_CLAMD_*), and only
from the worker, never in a request. A file goes pending → clean / infected / failed: when
clamd cannot be reached it is tried again with a growing delay, a bounded number of times,
then marked failed. A file clamd refuses as too large is failed at once, never clean.
"""

import logging
import socket
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from casework.core.crypto import DataKeyError
from casework.core.db import utcnow
from casework.evidence.models import EvidenceItem, ScanStatus
from casework.evidence.quarantine import record_verdict
from casework.evidence.storage import CHUNK, get_storage
from casework.extensions import db

log = logging.getLogger("casework.evidence")

BATCH = 20
MAX_DELAY = timedelta(hours=6)
REPLY_MAX = 4096

# Why a scan failed, as stored in scan_detail; shown translated on the case page.
FAILURES = {
    "size_limit": _l("The file is larger than the antivirus accepts; it was not checked."),
    "missing": _l("The stored file could not be read; it was not checked."),
    "unreachable": _l("The antivirus could not be reached; it was tried several times."),
    "error": _l("The antivirus answered with an error; it was tried several times."),
}
NOT_SCANNED = _l("Not scanned: no antivirus is configured")


class ClamdUnavailable(Exception):
    """clamd could not be reached or gave no usable answer: worth trying again later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # a FAILURES key


@dataclass(frozen=True)
class Verdict:
    status: ScanStatus
    detail: str | None = None  # the signature (infected) or a FAILURES key (failed)


class Clamd:
    """One connection per command; the timeout bounds every connect, send and receive."""

    def __init__(self, *, socket_path: str | None = None, host: str | None = None,
                 port: int = 3310, timeout: float = 60.0, stream_max: int = 25 * 2**20) -> None:
        self.socket_path, self.host, self.port = socket_path, host, port
        self.timeout, self.stream_max = timeout, stream_max

    def _connect(self) -> socket.socket:
        try:
            if self.socket_path:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout)
                try:
                    sock.connect(self.socket_path)
                except BaseException:
                    sock.close()
                    raise
                return sock
            return socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise ClamdUnavailable("unreachable") from exc

    @staticmethod
    def _reply(sock: socket.socket) -> str:
        data = b""
        while not data.endswith(b"\0") and len(data) < REPLY_MAX:
            chunk = sock.recv(REPLY_MAX)
            if not chunk:
                break
            data += chunk
        return data.rstrip(b"\0").decode("utf-8", "replace").strip()

    def ping(self) -> bool:
        try:
            with self._connect() as sock:
                sock.sendall(b"zPING\0")
                return self._reply(sock) == "PONG"
        except (ClamdUnavailable, OSError):
            return False

    def scan(self, stream: BinaryIO) -> Verdict:
        """Send the stream with zINSTREAM; ClamdUnavailable when trying later may help."""
        with self._connect() as sock:
            sent, refused = 0, False
            try:
                sock.sendall(b"zINSTREAM\0")
                while chunk := stream.read(CHUNK):
                    sent += len(chunk)
                    if sent > self.stream_max:  # clamd would cut us off: do not send it all
                        return Verdict(ScanStatus.FAILED, "size_limit")
                    sock.sendall(struct.pack(">I", len(chunk)) + chunk)
                sock.sendall(struct.pack(">I", 0))
            except OSError:
                refused = True  # clamd may have closed early, saying why: read its answer
            try:
                reply = self._reply(sock)
            except OSError as exc:
                raise ClamdUnavailable("unreachable") from exc
        return parse_reply(reply, refused)


def parse_reply(reply: str, refused: bool = False) -> Verdict:
    """clamd's answer to one stream: "stream: OK", "stream: <name> FOUND" or "... ERROR"."""
    if "size limit exceeded" in reply:  # "INSTREAM size limit exceeded. ERROR"
        return Verdict(ScanStatus.FAILED, "size_limit")
    body = reply.removeprefix("stream:").strip()
    if body == "OK" and not refused:
        return Verdict(ScanStatus.CLEAN)
    if body.endswith(" FOUND"):
        return Verdict(ScanStatus.INFECTED, body.removesuffix(" FOUND").strip()[:200])
    raise ClamdUnavailable("unreachable" if not reply else "error")


def configured() -> bool:
    config = current_app.config
    return bool(config.get("CASEWORK_CLAMD_SOCKET") or config.get("CASEWORK_CLAMD_HOST"))


def client_from_config() -> Clamd | None:
    """The configured clamd, or None: then nothing is scanned (and nothing called clean)."""
    if not configured():
        return None
    config = current_app.config
    return Clamd(socket_path=config.get("CASEWORK_CLAMD_SOCKET"),
                 host=config.get("CASEWORK_CLAMD_HOST"), port=config["CASEWORK_CLAMD_PORT"],
                 timeout=config["CASEWORK_CLAMD_TIMEOUT"],
                 stream_max=config["CASEWORK_CLAMD_STREAM_MAX"])


def retry_delay(attempts: int) -> timedelta:
    """Doubling from CASEWORK_SCAN_BACKOFF_SECONDS after each failed try, at most six hours."""
    base = current_app.config["CASEWORK_SCAN_BACKOFF_SECONDS"]
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_DELAY)


def _claim(item_id: int, now: datetime, lease: timedelta) -> bool:
    """Take one due item for this worker until `lease` ends (another worker skips it)."""
    claimed = db.session.execute(
        update(EvidenceItem)
        .where(EvidenceItem.id == item_id, EvidenceItem.scan_status == ScanStatus.PENDING,
               or_(EvidenceItem.scan_due_at.is_(None), EvidenceItem.scan_due_at <= now))
        .values(scan_due_at=now + lease).execution_options(synchronize_session=False))
    db.session.commit()
    return claimed.rowcount == 1


def scan_one(client: Clamd, sha256: str, size: int) -> Verdict:
    if size > client.stream_max:
        return Verdict(ScanStatus.FAILED, "size_limit")
    try:
        stream = get_storage().open(sha256)
    except FileNotFoundError:
        return Verdict(ScanStatus.FAILED, "missing")
    with stream:
        try:
            return client.scan(stream)
        except DataKeyError:  # damaged, or under a key the keys file lacks
            return Verdict(ScanStatus.FAILED, "unreadable")


def scan_pending_evidence(now: datetime | None = None) -> dict[str, int]:
    """The worker's periodic task: scan what is due, one short transaction per file."""
    client = client_from_config()
    if client is None:
        return {}
    now = now or utcnow()
    lease = timedelta(seconds=client.timeout * 2 + 60)
    due = list(db.session.execute(
        select(EvidenceItem.id, EvidenceItem.sha256, EvidenceItem.size)
        .where(EvidenceItem.scan_status == ScanStatus.PENDING,
               or_(EvidenceItem.scan_due_at.is_(None), EvidenceItem.scan_due_at <= now),
               EvidenceItem.erased_at.is_(None))  # retention removed its file
        .order_by(EvidenceItem.id).limit(BATCH)))
    db.session.commit()
    counts: dict[str, int] = {}
    for item_id, sha256, size in due:
        if not _claim(item_id, now, lease):
            continue
        try:
            verdict: Verdict | ClamdUnavailable = scan_one(client, sha256, size)
        except ClamdUnavailable as exc:
            verdict = exc
        item = db.session.get(EvidenceItem, item_id)
        if item is None:
            continue
        outcome = record_verdict(item, verdict, now, retry_delay,
                                 current_app.config["CASEWORK_SCAN_MAX_ATTEMPTS"])
        db.session.commit()
        counts[outcome] = counts.get(outcome, 0) + 1
    if counts:
        log.info("evidence scan: %s", " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return counts


def scan_summary(item: Any) -> tuple[str, Any]:
    """(status key, text) for the case page: never "clean" unless clamd said so."""
    status = item.scan_status
    if status is ScanStatus.INFECTED:
        return "infected", _l("Infected: %(signature)s. The file is quarantined.",
                              signature=item.scan_detail or "?")
    if status is ScanStatus.FAILED:
        return "failed", FAILURES.get(item.scan_detail or "", status.label)
    if status is ScanStatus.PENDING and not configured():
        return "unscanned", NOT_SCANNED
    if status is ScanStatus.PENDING and item.scan_attempts:
        return "pending", _l("Waiting for the virus scan (tried %(count)s times)",
                             count=item.scan_attempts)
    return status.value, status.label
