"""Reading header fields of inbound mail: encoded words, raw 8-bit, addresses, dates,
and the signs of an auto-reply or a bounce. Never raises on bad input."""

import re
from datetime import datetime
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from casework.core.timezones import to_utc
from casework.mailin.charsets import clean_text, decode_bytes, fix_surrogates
from casework.mailin.limits import MAX_ENCODED_WORDS, MAX_IDS

_MSGID = re.compile(r"<[^<>\s]{1,400}>")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ENCODED_WORD = re.compile(r"=\?[^?\s]{1,75}\?[bBqQ]\?[^?\s]*\?=")
IN_REPLY_TO_IDS = 10
MAX_DECODED = MAX_ENCODED_WORDS * 80  # characters: the cap of words, 75 characters each


def raw_values(msg: Message, name: str) -> list[str]:
    name = name.lower()
    try:
        return [_FOLD.sub("", str(v)) for k, v in msg.raw_items() if k.lower() == name]
    except Exception:
        return []


def decode_header_value(value: str) -> str:
    """RFC 2047 encoded words (any charset, even wrong ones) and raw 8-bit bytes as text.
    Only the first MAX_DECODED characters and MAX_ENCODED_WORDS words are read: the
    standard decoder is quadratic in the number of words."""
    value = fix_surrogates(_FOLD.sub("", value[:MAX_DECODED * 2]))[:MAX_DECODED]
    for count, word in enumerate(_ENCODED_WORD.finditer(value)):
        if count == MAX_ENCODED_WORDS:
            value = value[:word.start()]
            break
    try:
        parts = decode_header(value)
    except Exception:
        return clean_text(value, single_line=True)
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
        elif charset is None:
            out.append(chunk.decode("raw-unicode-escape", errors="replace"))
        else:
            out.append(decode_bytes(chunk, charset))
    return clean_text("".join(out), single_line=True)


def header_text(msg: Message, name: str) -> str:
    values = raw_values(msg, name)
    return decode_header_value(values[0]) if values else ""


def address(msg: Message, name: str) -> tuple[str, str]:
    """(display name, address) of the first address in a header; ("", "") if none."""
    for raw in raw_values(msg, name):
        try:
            pairs = getaddresses([fix_surrogates(raw)])
        except Exception:
            pairs = []
        for display, addr in pairs:
            addr = clean_text(addr, single_line=True).strip("<> ")
            if addr:
                return decode_header_value(display).strip('" '), addr
    return "", ""


def _ids(msg: Message, name: str) -> list[str]:
    """The message ids in a header, each once, in order (a dict: linear however many)."""
    found: dict[str, None] = {}
    for raw in raw_values(msg, name):
        found.update(dict.fromkeys(_MSGID.findall(fix_surrogates(raw))))
    return list(found)


def thread_ids(msg: Message) -> list[str]:
    """In-Reply-To's ids, then the last References: the nearest ancestors of a reply, at most
    MAX_IDS in all (a thread's References only grows at its end)."""
    replied_to = _ids(msg, "In-Reply-To")[:IN_REPLY_TO_IDS]
    seen = set(replied_to)
    references = [i for i in _ids(msg, "References") if i not in seen]
    return replied_to + references[len(replied_to) - MAX_IDS:]


def message_ids(msg: Message, *names: str) -> list[str]:
    found: dict[str, None] = {}
    for name in names:
        found.update(dict.fromkeys(_ids(msg, name)))
    return list(found)[:MAX_IDS]


def message_id(msg: Message) -> str | None:
    ids = message_ids(msg, "Message-ID")
    if ids:
        return clean_text(ids[0], single_line=True) or None
    values = raw_values(msg, "Message-ID")
    value = clean_text(values[0], single_line=True)[:400] if values else ""
    return value or None


def date(msg: Message) -> datetime | None:
    values = raw_values(msg, "Date")
    if not values:
        return None
    try:
        moment = parsedate_to_datetime(clean_text(values[0], single_line=True))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return to_utc(moment, "UTC")  # a Date without a zone is taken as UTC


def auto_reply_reason(msg: Message, sender: str) -> str | None:
    auto = header_text(msg, "Auto-Submitted").lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto[:60]}"
    precedence = header_text(msg, "Precedence").lower().strip()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if raw_values(msg, name):
            return f"{name} header"
    if msg.get_content_type() == "multipart/report":
        return "delivery or read report (multipart/report)"
    return_path = raw_values(msg, "Return-Path")
    if return_path and return_path[0].strip() in ("<>", ""):
        return "empty Return-Path (a bounce)"
    for addr in (sender, address(msg, "Return-Path")[1]):
        local = addr.rsplit("@", 1)[0].lower()
        if local in ("mailer-daemon", "postmaster"):
            return f"sent by {local}"
    if raw_values(msg, "List-Id"):
        return "mailing list (List-Id)"
    return None
