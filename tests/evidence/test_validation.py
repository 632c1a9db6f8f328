"""What we accept is decided by content; the name must agree; the name is only a label."""

import pytest

from casework.evidence import validation as v
from casework.evidence.validation import EvidenceRejected, check_file, safe_label, sniff
from tests.plugin.data import JPEG, PDF, docx_bytes, odt_bytes, png_bytes, zip_bytes

MB = 1024 * 1024


def ftyp(brand: bytes, compatible: bytes = b"isom") -> bytes:
    return b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x02\x00" + compatible + b"\x00" * 32


SIGNATURES = [
    (JPEG, v.JPEG), (png_bytes(), v.PNG), (b"GIF89a\x01\x00\x01\x00", v.GIF),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", v.WEBP), (ftyp(b"heic", b"mif1"), v.HEIC),
    (ftyp(b"mif1", b"heic"), v.HEIF), (ftyp(b"mif1", b"avif"), v.AVIF),
    (ftyp(b"isom"), v.MP4), (ftyp(b"mp42"), v.MP4), (ftyp(b"qt  "), v.MOV),
    (ftyp(b"3gp5"), v.GPP), (ftyp(b"M4A "), v.M4A),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", v.WEBM),
    (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", v.MKV),
    (b"RIFF\x24\x00\x00\x00AVI LIST", v.AVI), (b"ID3\x04\x00\x00\x00\x00\x00\x00", v.MP3),
    (b"\xff\xfb\x90\x64\x00", v.MP3), (b"\xff\xf3\x44\xc4", v.MP3),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", v.WAV), (b"OggS\x00\x02" + b"\x00" * 22 + b"OpusHead", v.OGG),
    (b"#!AMR\n\x3c", v.AMR), (PDF, v.PDF), (docx_bytes(), v.DOCX),
    (zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}), v.XLSX),
    (zip_bytes({"ppt/presentation.xml": b"<p/>"}), v.PPTX), (odt_bytes(), v.ODT),
    (zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"},
               stored_first="mimetype"), v.ODS),
    (zip_bytes({"notes.txt": b"hello", "photos/a.jpg": JPEG}), v.ZIP),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "WordDocument".encode("utf-16-le")
     + b"\x00\x00", v.DOC),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, v.OLE),
    (b"{\\rtf1\\ansi hello}", v.RTF), (b"7z\xbc\xaf\x27\x1c\x00\x04", v.SEVEN_Z),
    (b"Rar!\x1a\x07\x01\x00", v.RAR), (b"Rar!\x1a\x07\x00", v.RAR),
]


@pytest.mark.parametrize(("head", "expected"), SIGNATURES, ids=lambda x: getattr(x, "mime", ""))
def test_sniff_recognises_each_format(head, expected):
    assert sniff(head) == expected


NEVER_ACCEPTED = {
    "windows.exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"This program cannot",
    "linux.bin": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40,
    "script.sh": b"#!/bin/sh\nrm -rf /\n",
    "page.html": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "image.svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>',
    "app.js": b"fetch('/api').then(r => r.json())",
    "notes.txt": b"just some text",
}


@pytest.mark.parametrize("name", sorted(NEVER_ACCEPTED))
def test_executables_and_markup_are_unknown_types(name):
    for filename in (name, "photo.jpg"):  # an innocent name changes nothing
        with pytest.raises(EvidenceRejected) as info:
            check_file(filename, NEVER_ACCEPTED[name], len(NEVER_ACCEPTED[name]), max_file_size=MB)
        assert info.value.code == "unknown_type"
        assert filename in str(info.value)
        assert "pictures, videos, audio recordings" in str(info.value)


def test_accepted_files_return_their_type():
    assert check_file("Photo.JPG", JPEG, len(JPEG), max_file_size=MB) is v.JPEG
    assert check_file("report.pdf", PDF, len(PDF), max_file_size=MB) is v.PDF
    docx = docx_bytes()
    assert check_file("statement.docx", docx, len(docx), max_file_size=MB).kind == "document"
    archive = zip_bytes({"a.txt": b"x"})
    assert check_file("all.zip", archive, len(archive), max_file_size=MB).kind == "archive"


def test_empty_file_is_refused_by_name():
    with pytest.raises(EvidenceRejected) as info:
        check_file("video.mp4", b"", 0, max_file_size=MB)
    assert info.value.code == "empty"
    assert str(info.value) == "video.mp4: the file is empty."
    assert isinstance(info.value, ValueError) and info.value.filename == "video.mp4"


def test_too_large_states_the_limit_in_mb():
    with pytest.raises(EvidenceRejected) as info:
        check_file("big.pdf", PDF, 30 * MB, max_file_size=25 * MB)
    assert info.value.code == "too_large"
    assert "big.pdf" in str(info.value) and "25 MB" in str(info.value)


def test_polyglot_pdf_named_jpg_is_a_mismatch():
    with pytest.raises(EvidenceRejected) as info:
        check_file("photo.jpg", PDF + JPEG, len(PDF) + len(JPEG), max_file_size=MB)
    assert info.value.code == "type_mismatch"
    assert str(info.value) == ("photo.jpg is a PDF document, not a picture: "
                               "rename it or send the right file.")


def test_same_kind_wrong_extension_and_no_extension_are_mismatches():
    for name in ("photo.png", "photo", "photo.jpg.exe"):
        with pytest.raises(EvidenceRejected) as info:
            check_file(name, JPEG, len(JPEG), max_file_size=MB)
        assert info.value.code == "type_mismatch"
        assert name in str(info.value) and ".jpg" in str(info.value)


def test_office_document_named_zip_is_a_mismatch():
    docx = docx_bytes()
    with pytest.raises(EvidenceRejected) as info:
        check_file("letter.zip", docx, len(docx), max_file_size=MB)
    assert str(info.value) == ("letter.zip is a Word document, not an archive: "
                               "rename it or send the right file.")


def test_email_is_accepted_only_when_the_caller_allows_it():
    raw = (b"Received: from mx.example.kz by casework\r\nFrom: voter@example.kz\r\n"
           b"MIME-Version: 1.0\r\nSubject: violation\r\n\r\nbody")
    with pytest.raises(EvidenceRejected) as info:
        check_file("message.eml", raw, len(raw), max_file_size=MB)
    assert info.value.code == "unknown_type"
    assert check_file("message.eml", raw, len(raw), max_file_size=MB, allow_email=True) is v.EML
    html = b"<html><body>From: x</body></html>"
    assert sniff(html, allow_email=True) is None


@pytest.mark.parametrize(("raw", "label"), [
    ("../../etc/passwd.png", "passwd.png"),
    ("C:\\Users\\aigerim\\Desktop\\photo 1.jpg", "photo 1.jpg"),
    ("evil\x00name\x07.pdf", "evilname.pdf"),
    ("two\t\nlines   here.pdf", "two lines here.pdf"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override hides .exe
    ("...hidden.pdf", "hidden.pdf"),
    ("..", "file"), ("dir/", "file"), ("", "file"), (None, "file"),
    ("Сайлау бұзушылығы.mp4", "Сайлау бұзушылығы.mp4"),
])
def test_safe_label(raw, label):
    assert safe_label(raw) == label


def test_long_label_is_capped_keeping_the_extension():
    label = safe_label("x" * 500 + ".pdf")
    assert len(label) == 200 and label.endswith("x.pdf")
    assert len(safe_label("y" * 500)) == 200


def test_path_name_is_only_a_label_in_the_rejection():
    png = png_bytes()
    assert check_file("../../etc/passwd.png", png, len(png), max_file_size=MB) is v.PNG
    with pytest.raises(EvidenceRejected) as info:
        check_file("../../etc/passwd", png, len(png), max_file_size=MB)
    assert info.value.filename == "passwd" and "/" not in str(info.value)
