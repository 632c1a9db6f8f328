"""Turning the bytes of a mail part or header into text, whatever its charset claims.

Mail from Kazakhstan arrives in UTF-8, Windows-1251, KOI8-R, KZ-1048 and sometimes with a
charset label that is wrong or unknown. Decoding never fails: a declared charset is used
when it fits, otherwise UTF-8, otherwise the single-byte Cyrillic code page whose reading
looks like words, otherwise Latin-1.
"""

import codecs
import re

# Single-byte code pages that hold Cyrillic: when one of them is declared and another one
# reads much better, the label was wrong (common with KOI8-R / Windows-1251 mix-ups).
CYRILLIC_SINGLE_BYTE = ("cp1251", "koi8_r", "koi8_u", "kz1048", "iso8859_5", "cp866", "mac_cyrillic")
LATIN_OR_ASCII = ("ascii", "latin_1", "iso8859_1", "cp1252", "iso8859_15")
_GUESSES = ("cp1251", "koi8_r")
_WORD = re.compile(r"[^\W\d_]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BAD = re.compile("[\x00\ud800-\udfff]")  # NUL (PostgreSQL refuses it) and lone surrogates
REPLACEMENT = "\ufffd"
_ALIASES = {"unknown-8bit": None, "x-unknown": None, "unknown": None, "default": None,
            "windows-1251": "cp1251", "win-1251": "cp1251", "x-cp1251": "cp1251",
            "cp-1251": "cp1251", "koi8r": "koi8_r", "utf8": "utf_8", "x-mac-cyrillic": "mac_cyrillic"}


def codec_name(charset: str | None) -> str | None:
    """Python's canonical codec name for a MIME charset label, or None if unknown."""
    if not charset:
        return None
    label = charset.strip().strip('"').lower()
    if label in _ALIASES:
        label = _ALIASES[label]
        if label is None:
            return None
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _score(text: str) -> int:
    """How much a decoding looks like Cyrillic words: a word all in Cyrillic letters with a
    plausible case pattern counts for it; mixed scripts or mixed case count against it."""
    score = 0
    for word in _WORD.findall(text):
        cyrillic = sum(1 for ch in word if _is_cyrillic(ch))
        if not cyrillic:
            continue
        if cyrillic != len(word):
            score -= 1
        elif word.islower() or word.isupper() or word.istitle():
            score += 1
        else:
            score -= 1
    return score


def _guess_single_byte(data: bytes, candidates=_GUESSES) -> str:
    best, best_score = None, 0
    for name in candidates:
        text = data.decode(name, errors="replace")
        score = _score(text)
        if best is None or score > best_score:
            best, best_score = text, score
    if best is None or best_score <= 0:
        return data.decode("latin_1")
    return best


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf_8")
    except UnicodeDecodeError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text of `data`; never raises, never returns lone surrogates."""
    if not data:
        return ""
    declared = codec_name(charset)
    if declared and declared not in ("ascii", "utf_8"):
        try:
            text = data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            text = None
        if text is not None:
            if declared in LATIN_OR_ASCII and not data.isascii():
                # "Latin-1" on bytes that are valid UTF-8 is almost always a wrong label.
                return _utf8(data) or text
            if declared in CYRILLIC_SINGLE_BYTE:
                others = tuple(dict.fromkeys((declared, *_GUESSES)))
                return _pick_cyrillic(data, text, others)
            return text
    text = _utf8(data)
    if text is not None:
        return text
    return _guess_single_byte(data)


def _pick_cyrillic(data: bytes, declared_text: str, candidates: tuple[str, ...]) -> str:
    """Keep the declared reading unless another code page reads clearly better."""
    declared_score = _score(declared_text)
    best, best_score = declared_text, declared_score
    for name in candidates[1:]:
        text = data.decode(name, errors="replace")
        score = _score(text)
        if score > best_score:
            best, best_score = text, score
    return best if best_score > max(declared_score, 0) * 2 else declared_text


def fix_surrogates(text: str) -> str:
    """A str holding raw 8-bit bytes as surrogate escapes (headers sent without RFC 2047)
    becomes real text, decoded like a body without a charset."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("utf_8", errors="surrogateescape"))


def clean_text(text: str, *, single_line: bool = False) -> str:
    """NUL and lone surrogates replaced by U+FFFD (PostgreSQL refuses NUL; staff see that
    something was there), no other control characters; optionally one line."""
    text = fix_surrogates(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", _BAD.sub(REPLACEMENT, text))
    if single_line:
        text = " ".join(text.split())
    return text
