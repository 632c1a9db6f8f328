"""SMS text: the language of a message, GSM 7-bit or UCS-2, parts, and reading what Kannel posts."""

import re

# GSM 03.38: the basic set, and the extension set (each of those costs two septets).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")
KAZAKH_LETTERS = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
CYRILLIC = re.compile("[\u0400-\u04ff]")
MAX_PARTS = 2  # a reply is one or two SMS


def language_of(text: str, default: str = "kk") -> str:
    """kk when a letter only Kazakh uses appears, ru for other Cyrillic, else `default`."""
    if KAZAKH_LETTERS.search(text):
        return "kk"
    if CYRILLIC.search(text):
        return "ru"
    return default


def is_gsm(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENDED for c in text)


def units(text: str) -> int:
    """Septets in GSM 7-bit, UTF-16 code units in UCS-2."""
    if is_gsm(text):
        return sum(2 if c in GSM_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-be")) // 2


def limits(text: str) -> tuple[int, int]:
    """(one part, each part of a concatenated message): 160/153 or 70/67."""
    return (160, 153) if is_gsm(text) else (70, 67)


def parts(text: str) -> int:
    """How many SMS the text takes."""
    single, each = limits(text)
    length = units(text)
    if length <= single:
        return 1
    return -(-length // each)


def fit(text: str, max_parts: int = MAX_PARTS) -> str:
    """The text cut (with "…") to fit in `max_parts` SMS."""
    if parts(text) <= max_parts:
        return text
    cut = text
    while cut and parts(cut + "…") > max_parts:
        cut = cut[:-1]
    return cut.rstrip() + "…"


def decode_body(body: bytes, charset: str | None, coding: int) -> str:
    """What Kannel posted, as text. UCS-2 arrives as UTF-16BE unless smsbox was told to
    convert; an unknown charset is read as UTF-8, with anything unreadable replaced (the
    raw message is never refused: it was acknowledged to the sender's operator)."""
    name = (charset or "").strip().strip('"').lower()
    if not name:
        name = "utf-16-be" if coding == 2 else "utf-8"
    try:
        text = body.decode(name, errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    return text
