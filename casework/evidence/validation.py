"""What evidence we accept: decided by the file's content (magic bytes), confirmed by its name.

The extension is never trusted on its own: a file is accepted only when its first bytes
match a known type AND its extension is one of that type's extensions. Anything we cannot
identify (executables, scripts, HTML, SVG, plain text) is refused, never "guessed".
"""

import os
import re
import struct
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

HEAD_SIZE = 8192  # how much of the file sniff() looks at
LABEL_MAX = 200


@dataclass(frozen=True)
class DetectedType:
    mime: str
    kind: str  # image / video / audio / document / archive / email
    extensions: tuple[str, ...]
    description: Any = field(default="", compare=False, repr=False)  # lazy: "a PDF document"


class EvidenceRejected(ValueError):
    """A file we refuse; `reason` names the file and is shown to the sender as is."""

    def __init__(self, code: str, filename: str, reason) -> None:
        super().__init__(code, filename)
        self.code = code
        self.filename = filename
        self.reason = reason

    def __str__(self) -> str:
        return str(self.reason)


def _t(mime: str, kind: str, description, *extensions: str) -> DetectedType:
    return DetectedType(mime, kind, extensions, description)


JPEG = _t("image/jpeg", "image", _l("a JPEG picture"), ".jpg", ".jpeg", ".jfif", ".jpe")
PNG = _t("image/png", "image", _l("a PNG picture"), ".png")
GIF = _t("image/gif", "image", _l("a GIF picture"), ".gif")
WEBP = _t("image/webp", "image", _l("a WebP picture"), ".webp")
HEIC = _t("image/heic", "image", _l("a HEIC picture"), ".heic", ".heif")
HEIF = _t("image/heif", "image", _l("a HEIF picture"), ".heif", ".heic")
AVIF = _t("image/avif", "image", _l("an AVIF picture"), ".avif")
MP4 = _t("video/mp4", "video", _l("an MP4 video"), ".mp4", ".m4v", ".mov")
MOV = _t("video/quicktime", "video", _l("a QuickTime video"), ".mov", ".qt", ".mp4")
GPP = _t("video/3gpp", "video", _l("a 3GP video"), ".3gp", ".3g2")
WEBM = _t("video/webm", "video", _l("a WebM video"), ".webm", ".weba")
MKV = _t("video/x-matroska", "video", _l("an MKV video"), ".mkv", ".mka")
AVI = _t("video/x-msvideo", "video", _l("an AVI video"), ".avi")
OGV = _t("video/ogg", "video", _l("an Ogg video"), ".ogv", ".ogg")
MP3 = _t("audio/mpeg", "audio", _l("an MP3 recording"), ".mp3")
WAV = _t("audio/wav", "audio", _l("a WAV recording"), ".wav")
OGG = _t("audio/ogg", "audio", _l("an Ogg recording"), ".ogg", ".oga", ".opus")
M4A = _t("audio/mp4", "audio", _l("an M4A recording"), ".m4a")
AMR = _t("audio/amr", "audio", _l("an AMR recording"), ".amr")
PDF = _t("application/pdf", "document", _l("a PDF document"), ".pdf")
_OXML = "application/vnd.openxmlformats-officedocument."
DOCX = _t(_OXML + "wordprocessingml.document", "document", _l("a Word document"), ".docx")
XLSX = _t(_OXML + "spreadsheetml.sheet", "document", _l("an Excel spreadsheet"), ".xlsx")
PPTX = _t(_OXML + "presentationml.presentation", "document", _l("a PowerPoint presentation"), ".pptx")
_ODF_PREFIX = b"application/vnd.oasis.opendocument."
ODT = _t(_ODF_PREFIX.decode() + "text", "document", _l("an OpenDocument text"), ".odt")
ODS = _t(_ODF_PREFIX.decode() + "spreadsheet", "document", _l("an OpenDocument spreadsheet"), ".ods")
ODP = _t(_ODF_PREFIX.decode() + "presentation", "document",
         _l("an OpenDocument presentation"), ".odp")
DOC = _t("application/msword", "document", _l("a Word document"), ".doc", ".dot")
XLS = _t("application/vnd.ms-excel", "document", _l("an Excel spreadsheet"), ".xls")
PPT = _t("application/vnd.ms-powerpoint", "document", _l("a PowerPoint presentation"), ".ppt")
OLE = _t("application/x-ole-storage", "document", _l("an Office document"),
         ".doc", ".xls", ".ppt")
RTF = _t("application/rtf", "document", _l("an RTF document"), ".rtf")
ZIP = _t("application/zip", "archive", _l("a ZIP archive"), ".zip")
SEVEN_Z = _t("application/x-7z-compressed", "archive", _l("a 7z archive"), ".7z")
RAR = _t("application/vnd.rar", "archive", _l("a RAR archive"), ".rar")
EML = _t("message/rfc822", "email", _l("an email message"), ".eml")

ALL_TYPES = (JPEG, PNG, GIF, WEBP, HEIC, HEIF, AVIF, MP4, MOV, GPP, WEBM, MKV, AVI, OGG, OGV,
             MP3, WAV, M4A, AMR, PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, DOC, XLS, PPT, OLE, RTF,
             ZIP, SEVEN_Z, RAR, EML)

# ISO base media (ftyp box at offset 4): the major brand says what is inside.
_FTYP_BRANDS = {
    b"heic": HEIC, b"heix": HEIC, b"heim": HEIC, b"heis": HEIC, b"hevc": HEIC, b"hevx": HEIC,
    b"mif1": HEIF, b"msf1": HEIF, b"avif": AVIF, b"avis": AVIF,
    b"qt  ": MOV, b"M4A ": M4A,
    b"isom": MP4, b"iso2": MP4, b"iso4": MP4, b"iso5": MP4, b"iso6": MP4, b"mp41": MP4,
    b"mp42": MP4, b"avc1": MP4, b"M4V ": MP4, b"M4VH": MP4, b"M4VP": MP4, b"MSNV": MP4,
    b"dash": MP4, b"f4v ": MP4,
}

_ODF = {b"text": ODT, b"spreadsheet": ODS, b"presentation": ODP}
_OOXML = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
_OLE_STREAMS = (("WordDocument", DOC), ("Workbook", XLS), ("Book", XLS),
                ("PowerPoint Document", PPT))
_EMAIL_FIRST_LINE = re.compile(
    rb"(Received|From|MIME-Version|Return-Path|Delivered-To|Message-ID|Date|Subject|To"
    rb"|DKIM-Signature|ARC-Seal|Authentication-Results|X-[A-Za-z0-9-]+):[ \t]", re.IGNORECASE)


def _zip_entries(head: bytes):
    """(name, stored data) of the local file headers visible in head; nothing is unpacked."""
    pos = head.find(b"PK\x03\x04")
    while pos != -1 and pos + 30 <= len(head):
        method, csize = struct.unpack_from("<H8xI", head, pos + 8)
        name_len, extra_len = struct.unpack_from("<HH", head, pos + 26)
        start = pos + 30 + name_len + extra_len
        name = head[pos + 30:pos + 30 + name_len].decode("cp437", "replace")
        yield name, (head[start:start + csize] if method == 0 else b"")
        pos = head.find(b"PK\x03\x04", pos + 4)


def _sniff_zip(head: bytes) -> DetectedType:
    for name, data in _zip_entries(head):
        if name == "mimetype" and data.startswith(_ODF_PREFIX):  # ODF: always the first entry
            return _ODF.get(data[len(_ODF_PREFIX):], ZIP)
        for prefix, detected in _OOXML:
            if name.startswith(prefix):
                return detected
    return ZIP


def _sniff_ole(head: bytes) -> DetectedType:
    for stream, detected in _OLE_STREAMS:
        if stream.encode("utf-16-le") + b"\x00\x00" in head:
            return detected
    return OLE


def _looks_like_email(head: bytes) -> bool:
    return b"\x00" not in head and _EMAIL_FIRST_LINE.match(head.lstrip(b"\r\n")) is not None


def sniff(head: bytes, *, allow_email: bool = False) -> DetectedType | None:
    """The type the first bytes prove, or None; unknown content is never guessed."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head.startswith(b"RIFF") and len(head) >= 12:
        return {b"WEBP": WEBP, b"AVI ": AVI, b"WAVE": WAV}.get(head[8:12])
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand[:3] in (b"3gp", b"3g2"):
            return GPP
        if brand in (b"mif1", b"msf1") and b"avif" in head[16:64]:  # AVIF under a HEIF brand
            return AVIF
        return _FTYP_BRANDS.get(brand)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM if b"webm" in head[:64] else MKV
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xfa"):
        return MP3
    if head.startswith(b"OggS"):
        return OGV if b"\x80theora" in head[:512] else OGG
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return AMR
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(head)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _sniff_ole(head)
    if head.startswith(b"{\\rtf"):
        return RTF
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return SEVEN_Z
    if head.startswith(b"Rar!\x1a\x07"):
        return RAR
    if allow_email and _looks_like_email(head):
        return EML
    return None  # MZ/ELF executables, #! scripts, HTML, SVG, JS, text: never accepted


def safe_label(filename: str | None) -> str:
    """The sender's file name as a label to show. Never a path: only the last component is
    kept, and control and bidi-override characters (which can disguise an extension) go."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = " ".join(unicodedata.normalize("NFC", name).split())  # tabs, newlines: one space
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    name = name.lstrip(". ").rstrip()
    if len(name) > LABEL_MAX:
        stem, ext = os.path.splitext(name)
        name = stem[:LABEL_MAX - len(ext)] + ext if 1 < len(ext) <= 16 else name[:LABEL_MAX]
    return name or "file"


_KIND = {"image": _l("a picture"), "video": _l("a video"), "audio": _l("an audio recording"),
         "document": _l("a document"), "archive": _l("an archive"), "email": _l("an email")}
_KIND_OF_EXTENSION = {ext: t.kind for t in reversed(ALL_TYPES) for ext in t.extensions}


def _mb(limit: int) -> str:
    return f"{limit / (1024 * 1024):.1f}".removesuffix(".0")


def too_large(label: str, max_file_size: int) -> EvidenceRejected:
    return EvidenceRejected("too_large", label, _l(
        "%(file)s is larger than the limit of %(mb)s MB per file.", file=label, mb=_mb(max_file_size)))


def check_file(filename: str | None, head: bytes, size: int, *, max_file_size: int,
               allow_email: bool = False) -> DetectedType:
    """The detected type of an acceptable file; EvidenceRejected naming the file otherwise."""
    label = safe_label(filename)
    if size <= 0:
        raise EvidenceRejected("empty", label, _l("%(file)s: the file is empty.", file=label))
    if size > max_file_size:
        raise too_large(label, max_file_size)
    detected = sniff(head[:HEAD_SIZE], allow_email=allow_email)
    if detected is None:
        accepted = (_l("pictures, videos, audio recordings, PDF and office documents, "
                       "ZIP, 7z or RAR archives, or emails") if allow_email else
                    _l("pictures, videos, audio recordings, PDF and office documents, "
                       "ZIP, 7z or RAR archives"))
        raise EvidenceRejected("unknown_type", label, _l(
            "%(file)s: this type of file is not accepted. We accept %(accepted)s.",
            file=label, accepted=accepted))
    ext = os.path.splitext(label)[1].lower()
    if ext in detected.extensions:
        return detected
    what = detected.description
    expected_kind = _KIND_OF_EXTENSION.get(ext)
    if expected_kind and expected_kind != detected.kind:
        reason = _l("%(file)s is %(what)s, not %(expected)s: rename it or send the right file.",
                    file=label, what=what, expected=_KIND[expected_kind])
    else:
        reason = _l("%(file)s is %(what)s, but its name does not end in %(ext)s: "
                    "rename it or send the right file.",
                    file=label, what=what, ext=" / ".join(detected.extensions))
    raise EvidenceRejected("type_mismatch", label, reason)
