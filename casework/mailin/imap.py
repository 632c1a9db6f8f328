"""The IMAP side of `mail fetch`: connect over TLS, find unprocessed messages, mark them.

Messages are found by UID and read with BODY.PEEK[] (nothing is marked by reading).
A message is marked only after the caller committed it: the keyword CaseworkProcessed
plus \\Seen, and a COPY into the processed folder when one is set. Nothing is ever
deleted or expunged: the mailbox stays the complete record of what arrived.
"""

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass
from typing import Any

PROCESSED = "CaseworkProcessed"
SECURITY = ("ssl", "starttls", "none")
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}


class ImapError(Exception):
    """The IMAP server refused or the connection failed; the run stops and is retried."""


@dataclass
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    processed_folder: str = ""
    security: str = "ssl"
    ca_file: str = ""
    timeout: float = 60

    @classmethod
    def from_config(cls, config: Any) -> "ImapSettings":
        security = (config.get("CASEWORK_IMAP_SECURITY") or "ssl").strip().lower()
        if security not in SECURITY:
            raise ImapError(f"CASEWORK_IMAP_SECURITY must be one of {', '.join(SECURITY)}")
        host = config.get("CASEWORK_IMAP_HOST") or ""
        if not host:
            raise ImapError("CASEWORK_IMAP_HOST is not set")
        return cls(host=host, port=int(config.get("CASEWORK_IMAP_PORT") or DEFAULT_PORTS[security]),
                   user=config.get("CASEWORK_IMAP_USER") or "",
                   password=config.get("CASEWORK_IMAP_PASSWORD") or "",
                   folder=config.get("CASEWORK_IMAP_FOLDER") or "INBOX",
                   processed_folder=config.get("CASEWORK_IMAP_PROCESSED_FOLDER") or "",
                   security=security, ca_file=config.get("CASEWORK_IMAP_CA_FILE") or "",
                   timeout=float(config.get("CASEWORK_IMAP_TIMEOUT") or 60))


def quote(mailbox: str) -> str:
    """A mailbox name as an IMAP quoted string."""
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(answer: tuple[str, list], what: str) -> list:
    status, data = answer
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise ImapError(f"{what} refused: {detail[:200]}")
    return data


class Mailbox:
    """One session on the inbox folder; use as a context manager."""

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self.conn: imaplib.IMAP4 | None = None

    def __enter__(self) -> "Mailbox":
        s = self.settings
        context = ssl.create_default_context(cafile=s.ca_file or None)
        try:
            if s.security == "ssl":
                self.conn = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=context,
                                              timeout=s.timeout)
            else:
                self.conn = imaplib.IMAP4(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    self.conn.starttls(ssl_context=context)
            _check(self.conn.login(s.user, s.password), "LOGIN")
            if s.processed_folder:
                self.conn.create(quote(s.processed_folder))  # NO when it exists: fine
            _check(self.conn.select(quote(s.folder)), f"SELECT {s.folder}")
        except (OSError, imaplib.IMAP4.error) as exc:
            self.close()
            raise ImapError(f"cannot open {s.folder} on {s.host}:{s.port}: "
                            f"{type(exc).__name__}: {exc}") from exc
        except ImapError:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        if self.conn is None:
            return
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            self.conn.logout()  # never CLOSE or EXPUNGE: those remove messages flagged \Deleted
        self.conn = None

    def unprocessed(self, limit: int) -> list[bytes]:
        """UIDs of messages not yet marked processed, oldest first."""
        data = _check(self.conn.uid("SEARCH", None, "UNKEYWORD", PROCESSED), "SEARCH")
        uids = b" ".join(d for d in data if d).split()
        return sorted(uids, key=int)[:limit]

    def fetch(self, uid: bytes) -> bytes | None:
        """The message's bytes, or None if it is gone meanwhile."""
        data = _check(self.conn.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
        for item in data:
            if isinstance(item, tuple) and re.search(rb"BODY\[\]", item[0]):
                return item[1]
        return None

    def mark_processed(self, uid: bytes) -> None:
        if self.settings.processed_folder:
            _check(self.conn.uid("COPY", uid, quote(self.settings.processed_folder)), "COPY")
        _check(self.conn.uid("STORE", uid, "+FLAGS", f"({PROCESSED} \\Seen)"), "STORE")
