"""A closer look at a file whose type is already known, before it becomes evidence.

Refused (EvidenceRejected naming the file): pictures declaring more pixels than allowed,
office files that are not real packages, archives that would unpack to far more than they
weigh (zip bombs). Nothing is decoded or extracted to find out: headers, the ZIP central
directory and bounded reads only.

Kept but marked (ActiveContent): pictures with HTML or script glued to them, PDFs with
JavaScript or automatic actions, office documents with macros. They stay evidence (chain of
custody) and are served only after an explicit confirmation.
"""

import mmap
import re
import zipfile
import zlib

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from casework.evidence import pictures
from casework.evidence.models import ActiveContent
from casework.evidence.validation import DetectedType, EvidenceRejected

# What turns bytes into a page or a program when a browser or an editor meets them.
_MARKUP = re.compile(rb"<(?:script|html|svg|\?php|iframe|body|object|embed|!doctype|meta\b)"
                     rb"|javascript:", re.IGNORECASE)
FIRST_KB = 1024

# PDF names (with #xx escapes decoded) that make a document act when opened. Only candidates
# are matched: those names spelled out, or any name with an escape in it.
_DELIM = rb"\s()<>\[\]{}/%"
_PDF_NAME = re.compile(
    rb"/((?:JavaScript|JS|OpenAction|AA|Launch|EmbeddedFiles?|RichMedia)(?=[%s]|$)"
    rb"|[^%s]*#[0-9A-Fa-f]{2}[^%s]*)" % (_DELIM, _DELIM, _DELIM))
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_ACTIVE = {
    b"JavaScript": ActiveContent.PDF_JAVASCRIPT, b"JS": ActiveContent.PDF_JAVASCRIPT,
    b"OpenAction": ActiveContent.PDF_AUTO_ACTION, b"AA": ActiveContent.PDF_AUTO_ACTION,
    b"Launch": ActiveContent.PDF_LAUNCH,
    b"EmbeddedFile": ActiveContent.PDF_EMBEDDED_FILE,
    b"EmbeddedFiles": ActiveContent.PDF_EMBEDDED_FILE,
    b"RichMedia": ActiveContent.PDF_RICH_MEDIA,
}
_PDF_STREAM = re.compile(rb"stream\r?\n")
PDF_INFLATE_BUDGET = 64 * 2**20  # compressed object streams read per file, at most

# ZIP limits: declared sizes from the central directory, never by unpacking.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_UNPACKED = 1024 * 2**20
ZIP_MAX_RATIO = 100  # unpacked / packed, beyond which a large archive is a bomb
ZIP_RATIO_FLOOR = 50 * 2**20  # small archives may be as compressible as they like
_OOXML_PARTS = ("[Content_Types].xml", "_rels/.rels")
_MACROS = re.compile(r"(^|/)vbaProject\.bin$|(^|/)vbaData\.xml$|^(Basic|Scripts)/", re.I)
_CONTROLS = re.compile(r"(^|/)activeX/|(^|/)embeddings/oleObject[^/]*\.bin$", re.I)
_ZIP_BASED = ("application/zip", "application/vnd.openxmlformats-officedocument.",
              "application/vnd.oasis.opendocument.")
_OLE_BASED = ("application/msword", "application/x-ole-storage", "application/vnd.ms-")
_OLE_MACROS = ("_VBA_PROJECT".encode("utf-16-le"), "Macros".encode("utf-16-le") + b"\x00\x00")


def inspect(path: str, label: str, detected: DetectedType, *,
            max_pixels: int) -> list[ActiveContent]:
    """The active content found in the stored file at `path` (empty: none); raises
    EvidenceRejected when the file must not be kept at all."""
    if detected.mime.startswith(_ZIP_BASED):
        return _zip(path, label, detected)
    with open(path, "rb") as handle, \
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if detected.kind == "image":
            return _picture(data, label, detected, max_pixels)
        if detected.mime == "application/pdf":
            return _pdf(data)
        if detected.mime.startswith(_OLE_BASED):
            return [ActiveContent.OFFICE_MACROS] if any(
                data.find(name) != -1 for name in _OLE_MACROS) else []
    return []


def _picture(data, label: str, detected: DetectedType, max_pixels: int) -> list[ActiveContent]:
    found = pictures.declared(data, detected.mime)
    if found is not None and found.pixels > max_pixels:
        raise EvidenceRejected("too_many_pixels", label, _l(
            "%(file)s declares %(width)s × %(height)s pixels, more than the limit of "
            "%(limit)s million: send a smaller picture.", file=label,
            width=format_decimal(found.width), height=format_decimal(found.height),
            limit=format_decimal(round(max_pixels / 1e6, 1))))
    trailer = data[found.end:] if found is not None and found.end is not None else b""
    if _MARKUP.search(data[:FIRST_KB]) or _MARKUP.search(trailer):
        return [ActiveContent.HTML_IN_PICTURE]
    return []


def _pdf_names(data, found: set[ActiveContent]) -> None:
    for match in _PDF_NAME.finditer(data):
        name = match.group(1)
        if b"#" in name:
            name = _PDF_HEX.sub(_unescape, name)
        reason = _PDF_ACTIVE.get(name)
        if reason is None:
            continue
        if name == b"OpenAction" and data[match.end():match.end() + 40].lstrip()[:1] == b"[":
            continue  # a destination to open at (a page and a zoom), not an action
        found.add(reason)


def _pdf(data) -> list[ActiveContent]:
    """Names in the file and in its compressed streams (object streams hide dictionaries;
    they are read first, so padding with other streams cannot use up the budget). Inflating
    is bounded, so a stream bomb costs at most the budget."""
    found: set[ActiveContent] = set()
    _pdf_names(data, found)
    streams = [m.end() for m in _PDF_STREAM.finditer(data)
               if data[m.end():m.end() + 1] in (b"\x78", b"\x58", b"\x68", b"\x08")]
    object_streams = [at for at in streams
                      if b"ObjStm" in _PDF_HEX.sub(_unescape, data[max(at - 300, 0):at])]
    first = set(object_streams)
    budget = PDF_INFLATE_BUDGET
    for start in object_streams + [at for at in streams if at not in first]:
        if budget <= 0:
            break
        end = data.find(b"endstream", start)
        try:
            plain = zlib.decompressobj().decompress(
                data[start:end if end != -1 else len(data)], budget)
        except zlib.error:
            continue
        budget -= len(plain)
        _pdf_names(plain, found)
    return sorted(found, key=list(ActiveContent).index)


def _unescape(match: re.Match) -> bytes:
    return bytes([int(match.group(1), 16)])


def _zip(path: str, label: str, detected: DetectedType) -> list[ActiveContent]:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise EvidenceRejected("damaged", label, _l(
            "%(file)s is damaged: its table of contents cannot be read.", file=label)) from None
    packed = sum(e.compress_size for e in entries)
    unpacked = sum(e.file_size for e in entries)
    if (len(entries) > ZIP_MAX_ENTRIES or unpacked > ZIP_MAX_UNPACKED
            or (unpacked > ZIP_RATIO_FLOOR and unpacked > ZIP_MAX_RATIO * max(packed, 1))):
        raise EvidenceRejected("zip_bomb", label, _l(
            "%(file)s would unpack to far more than it weighs (%(files)s files, %(mb)s MB): "
            "archives like this are refused.", file=label,
            files=format_decimal(len(entries)), mb=format_decimal(unpacked // 2**20)))
    names = [e.filename for e in entries]
    if detected.kind == "document" and not _is_package(names, detected):
        raise EvidenceRejected("not_a_package", label, _l(
            "%(file)s is named as %(what)s but is not one: the parts every such document has "
            "are missing.", file=label, what=detected.description))
    found = []
    if any(_MACROS.search(name) for name in names):
        found.append(ActiveContent.OFFICE_MACROS)
    if any(_CONTROLS.search(name) for name in names):
        found.append(ActiveContent.OFFICE_CONTROLS)
    return found


def _is_package(names: list[str], detected: DetectedType) -> bool:
    """OOXML: its content types and relationships; ODF: the stored mimetype first and a
    manifest. An archive of HTML pages renamed .docx has neither."""
    if detected.mime.startswith("application/vnd.oasis.opendocument."):
        return bool(names) and names[0] == "mimetype" and "META-INF/manifest.xml" in names
    return all(part in names for part in _OOXML_PARTS)
