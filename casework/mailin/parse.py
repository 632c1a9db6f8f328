"""One inbound message, parsed: who, what, which attachments, is it an auto-reply.

Pure functions: no database, no application context. Bad input never crashes the parser:
a message without usable structure raises MalformedMail (with the reason), everything else
is read as well as it can be (see charsets.py for text, htmltext.py for HTML bodies).
"""

import email
import email.policy
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesParser

from casework.intake import tracking
from casework.mailin import headers, limits
from casework.mailin.charsets import REPLACEMENT, clean_text, decode_bytes
from casework.mailin.headers import header_text
from casework.mailin.htmltext import html_to_text
from casework.mailin.limits import MAX_DEPTH, MAX_PARTS

MAX_TEXT = 1_000_000  # characters of text read from the parts (the narrative keeps 20,000)
MAX_CODES = 20  # tracking codes looked up per message
REPLACED = "NUL bytes or invalid characters were replaced by \ufffd"
HEADER_PEEK = 256 * 1024
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_SEP = r"[ \t\u00a0\-\u2010-\u2015]?"
_CODE = re.compile(rf"(?<![0-9A-Za-z])(?=((?:[0-9A-Za-z]{{4}}{_SEP}){{4}}[0-9A-Za-z]{{4}})(?![0-9A-Za-z]))")
_REFERENCE = re.compile(r"\b[A-Z0-9]{2,20}-[A-Z]{2,4}-\d{5}\b")
_BROKEN_MULTIPART = ("NoBoundaryInMultipartDefect", "StartBoundaryNotFoundDefect")


@dataclass
class Attachment:
    filename: str | None
    content_type: str
    data: bytes
    inline: bool


@dataclass
class ParsedMail:
    message_id: str | None
    references: list[str]
    sender: str
    sender_name: str
    subject: str
    date: datetime | None  # naive UTC
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    auto_reply: str | None = None  # why we take it for an auto-reply or a bounce
    language: str = "en"
    notes: list[str] = field(default_factory=list)  # what was changed to read it


@dataclass
class Envelope:
    """What the header section alone says; read even from messages we will not parse."""

    message_id: str | None
    sender: str
    subject: str


class MalformedMail(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def strip_envelope_line(raw: bytes) -> bytes:
    """Drop an mbox "From sender date" line some delivery agents put before the message."""
    if raw.startswith(b"From "):
        end = raw.find(b"\n")
        return raw[end + 1:] if end != -1 else b""
    return raw


def detect_language(text: str) -> str:
    if any(ch in KAZAKH_LETTERS for ch in text):
        return "kk"
    if re.search("[\u0400-\u04ff]", text):
        return "ru"
    return "en"


def find_tracking_codes(text: str) -> list[str]:
    """Valid tracking codes quoted in a text (grouped or not), normalized, in order."""
    codes: dict[str, None] = {}
    for match in _CODE.finditer(text or ""):
        candidate = re.sub(_SEP, "", match.group(1))
        if tracking.is_valid(candidate):
            codes[tracking.normalize(candidate)] = None
            if len(codes) == MAX_CODES:
                break
    return list(codes)


def redact_tracking_codes(text: str, replacement: str = "[tracking code]") -> str:
    """The text with every valid tracking code replaced: codes are never stored in clear."""
    out, last = [], 0
    for match in _CODE.finditer(text or ""):
        start, end = match.span(1)
        if start >= last and tracking.is_valid(re.sub(_SEP, "", match.group(1))):
            out.extend((text[last:start], replacement))
            last = end
    return "".join(out) + (text or "")[last:]


def find_references(text: str) -> list[str]:
    return list(dict.fromkeys(_REFERENCE.findall(text or "")))


def _part_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        payload = part.get_payload()
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return data


@dataclass
class _Reading:
    """What a walk through the parts has left to read, and what it changed."""

    room: int = MAX_TEXT  # characters of text (or of HTML source) still to read
    notes: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        if what not in self.notes:
            self.notes.append(what)


def _part_text(part: Message, reading: _Reading) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text = decode_bytes(_part_bytes(part), charset)[:reading.room]
    reading.room -= len(text)  # HTML is charged by its source: converting it is the cost
    if part.get_content_type() == "text/html":
        text = html_to_text(text)
    return clean_text(text).strip()


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if not name:
        return None
    return clean_text(str(name), single_line=True) or None


def _embedded_message(part: Message) -> Attachment:
    inner = part.get_payload()
    data = b""
    if isinstance(inner, list) and inner:
        try:
            data = inner[0].as_bytes()
        except Exception:
            data = _part_bytes(part)
    return Attachment(_filename(part), "message/rfc822", data, inline=False)


def _rank(part: Message, depth: int = 0) -> int:
    kind = part.get_content_type()
    if kind == "text/plain":
        return 2
    if kind == "text/html":
        return 1
    if part.is_multipart() and depth < 5:
        return max((_rank(p, depth + 1) for p in part.iter_parts()), default=0)
    return 0


def _collect(part: Message, texts: list[str], attachments: list[Attachment], want_text: bool,
             depth: int = 0, reading: _Reading | None = None) -> None:
    reading = _Reading() if reading is None else reading
    if depth > MAX_DEPTH or len(texts) + len(attachments) >= MAX_PARTS:
        return
    kind = part.get_content_type()
    if kind == "message/rfc822":
        attachments.append(_embedded_message(part))
        return
    if part.is_multipart():
        subparts = list(part.iter_parts())
        chosen = None
        if kind == "multipart/alternative" and subparts:
            ranks = [_rank(p) for p in subparts]
            chosen = subparts[ranks.index(max(ranks))] if max(ranks) else subparts[-1]
        for sub in subparts:
            _collect(sub, texts, attachments, want_text and (chosen is None or sub is chosen),
                     depth + 1, reading)
        return
    disposition = part.get_content_disposition()
    textual = kind in ("text/plain", "text/html") or kind.startswith("multipart/")
    if textual and disposition != "attachment":
        text = _part_text(part, reading) if want_text and reading.room > 0 else ""
        if text:
            texts.append(text)
        return
    attachments.append(Attachment(_filename(part), kind, _part_bytes(part),
                                  inline=disposition != "attachment"))


def _check_structure(msg: Message, sender_header: bool) -> None:
    if not msg.keys():
        raise MalformedMail("not an email message: no header fields")
    defects = {type(d).__name__ for d in msg.defects}
    if "MissingHeaderBodySeparatorDefect" in defects:
        raise MalformedMail("broken header section: a line that is not a header field")
    if defects & set(_BROKEN_MULTIPART):
        raise MalformedMail("broken MIME structure: multipart without its boundary")
    if not sender_header:
        raise MalformedMail("no From header")


def header_section(raw: bytes) -> Message | None:
    """The header fields alone (the body is not read); None if they cannot be parsed."""
    raw = strip_envelope_line(raw)
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i != -1]
    try:
        return BytesParser(policy=email.policy.default).parsebytes(
            raw[:min([*ends, HEADER_PEEK])], headersonly=True)
    except Exception:
        return None


def peek(raw: bytes) -> Envelope:
    """Message-ID, sender and subject from the header section only; never raises."""
    msg = header_section(raw)
    if msg is None:
        return Envelope(None, "", "")
    return Envelope(headers.message_id(msg), headers.address(msg, "From")[1],
                    header_text(msg, "Subject"))


def parse_message(raw: bytes, *, strict: bool = True) -> ParsedMail:
    """Parse one RFC 5322 message. strict: MalformedMail when it has no usable structure;
    not strict (a message staff released from quarantine): whatever can be read within the
    caps of limits.py (a message beyond them is MalformedMail when strict, trimmed if not)."""
    raw = strip_envelope_line(raw)
    beyond = limits.scan(raw).reason
    if beyond and strict:
        raise MalformedMail(beyond)
    if beyond:
        raw = limits.trim(raw)
    try:
        return _parse(raw, strict)
    except MalformedMail:
        raise
    except Exception as exc:  # a parser corner we did not foresee: keep the message anyway
        if strict:
            raise MalformedMail(f"unreadable message ({type(exc).__name__})") from exc
        text = clean_text(decode_bytes(raw)).strip()
        return ParsedMail(None, [], "", "", "", None, text, language=detect_language(text))


def _parse(raw: bytes, strict: bool) -> ParsedMail:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    sender_name, sender = headers.address(msg, "From")
    auto_reply = headers.auto_reply_reason(msg, sender)
    if strict and not auto_reply:
        _check_structure(msg, bool(headers.raw_values(msg, "From")))
    texts: list[str] = []
    attachments: list[Attachment] = []
    reading = _Reading()
    if msg.keys() or not strict:
        _collect(msg, texts, attachments, want_text=True, reading=reading)
    subject = header_text(msg, "Subject")
    text = "\n\n".join(texts)
    if any(REPLACEMENT in value for value in (subject, sender_name, text)):
        reading.note(REPLACED)  # NUL, a lone surrogate or undecodable bytes
    return ParsedMail(
        message_id=headers.message_id(msg), references=headers.thread_ids(msg), notes=reading.notes,
        sender=sender.lower() if "@" in sender else sender, sender_name=sender_name,
        subject=subject, date=headers.date(msg), text=text, attachments=attachments,
        auto_reply=auto_reply, language=detect_language(subject + "\n" + text))
