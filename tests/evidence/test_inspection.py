"""Files looked at before they become evidence: picture bombs refused from their headers,
polyglots and active PDFs / office documents kept but marked, fake office packages and zip
bombs refused. Every file is crafted here, byte by byte or by Pillow / pdfium."""

import io
import zlib

import pytest
from flask import current_app

from casework.evidence import pictures
from casework.evidence.models import ActiveContent
from casework.evidence.services import store_upload
from casework.evidence.storage import get_storage
from casework.evidence.validation import EvidenceRejected
from tests.evidence import crafted
from tests.plugin.data import JPEG, PDF, png_bytes

MB = 2**20


def store(data: bytes, name: str):
    return store_upload(io.BytesIO(data), name, max_file_size=30 * MB)


def refused(data: bytes, name: str) -> EvidenceRejected:
    with pytest.raises(EvidenceRejected) as caught:
        store(data, name)
    return caught.value


# -- pictures: declared size, from the headers alone ---------------------------------------------

@pytest.mark.parametrize("data, name", [
    (crafted.png_declaring(100_000, 100_000), "bomb.png"),
    (crafted.gif_declaring(40_000, 40_000), "bomb.gif"),
    (crafted.gif_declaring(2, 2, frame=(20_000, 20_000)), "frame.gif"),
    (crafted.jpeg_declaring(60_000, 60_000), "bomb.jpg"),
    (crafted.webp_declaring(16_000, 16_000), "bomb.webp"),
    (crafted.heic_declaring(20_000, 20_000), "bomb.heic"),
])
def test_pictures_declaring_too_many_pixels_are_refused_unread(data, name, evidence_dir):
    assert len(data) < 1024
    rejected = refused(data, name)
    assert rejected.code == "too_many_pixels" and rejected.filename == name
    assert name in str(rejected) and "50 million" in str(rejected)
    assert not evidence_dir.exists() or not any(evidence_dir.rglob("*"))  # nothing kept


def test_the_pixel_limit_is_a_setting(evidence_dir):
    current_app.config["CASEWORK_EVIDENCE_MAX_PIXELS"] = 64 * 48
    try:
        assert store(crafted.picture("PNG", (64, 48)), "ok.png").active == []
        assert refused(crafted.picture("PNG", (65, 48)), "big.png").code == "too_many_pixels"
    finally:
        current_app.config["CASEWORK_EVIDENCE_MAX_PIXELS"] = 50_000_000


@pytest.mark.parametrize("fmt, mime, ext", [
    ("PNG", "image/png", ".png"), ("JPEG", "image/jpeg", ".jpg"), ("GIF", "image/gif", ".gif"),
    ("WEBP", "image/webp", ".webp")])
def test_real_pictures_are_read_to_their_end(fmt, mime, ext):
    data = crafted.picture(fmt, (300, 200))
    found = pictures.declared(data, mime)
    assert (found.width, found.height, found.end) == (300, 200, len(data))
    assert pictures.declared(data + b"<html>", mime).end == len(data)


def test_a_progressive_jpeg_is_read_to_its_end():
    data = crafted.picture("JPEG", (640, 480), progressive=True, quality=90)
    assert pictures.declared(data, "image/jpeg").end == len(data)


# -- polyglots: kept, marked -------------------------------------------------------------------

@pytest.mark.parametrize("data, name", [
    (crafted.picture("JPEG") + b"<html><body><script>alert(1)</script>", "trailer.jpg"),
    (crafted.picture("PNG") + b"\n<?php system($_GET['c']); ?>", "trailer.png"),
    (crafted.picture("GIF") + b"<SVG onload=alert(1)>", "trailer.gif"),
    (b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;<script>alert(1)</script>" + b"\x00" * 64,
     "polyglot.gif"),
    (JPEG[:-2] + b"<iframe src=x>" + JPEG[-2:], "inside.jpg"),
])
def test_html_in_or_after_a_picture_is_active_content(data, name, evidence_dir):
    stored = store(data, name)
    assert stored.active == [ActiveContent.HTML_IN_PICTURE]
    assert get_storage().exists(stored.sha256)  # kept as received


def test_honest_pictures_and_harmless_trailers_are_not_marked(evidence_dir):
    assert store(crafted.photo_with_gps((400, 300)), "photo.jpg").active == []
    assert store(png_bytes(), "dot.png").active == []
    # Phones append data after the end marker (a second picture, maker notes).
    assert store(crafted.picture("JPEG") + crafted.picture("JPEG"), "mpo.jpg").active == []


# -- PDFs ---------------------------------------------------------------------------------------

JS_ACTION = b"<</Type/Action/S/JavaScript/JS(app.alert\\(1\\))>>"


@pytest.mark.parametrize("data, reasons", [
    (crafted.pdf(b"<</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>>", b"<</Type/Pages/Count 0>>",
                 JS_ACTION), {"pdf_javascript", "pdf_auto_action"}),
    (crafted.pdf(b"<</Type/Catalog/Op#65nAction<</S/J#61va#53cript/J#53(x)>>>>"),
     {"pdf_javascript", "pdf_auto_action"}),
    (crafted.pdf(b"<</Type/Catalog/AA<</O 2 0 R>>>>", b"<</S/Launch/F(cmd.exe)>>"),
     {"pdf_auto_action", "pdf_launch"}),
    (crafted.pdf(b"<</Type/Catalog/Names<</EmbeddedFiles 2 0 R>>>>", b"<</Type/EmbeddedFile>>"),
     {"pdf_embedded_file"}),
    (crafted.pdf(b"<</Type/Annot/Subtype/RichMedia>>"), {"pdf_rich_media"}),
])
def test_active_pdfs_are_kept_and_marked(data, reasons, evidence_dir):
    stored = store(data, "act.pdf")
    assert {reason.value for reason in stored.active} == reasons
    assert get_storage().exists(stored.sha256)


def test_names_hidden_in_a_compressed_object_stream_are_found(evidence_dir):
    hidden = zlib.compress(b"3 0 " + JS_ACTION)
    data = crafted.pdf(b"<</Type/Catalog/Pages 2 0 R>>",
                       b"<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length %d>>stream\n%s\n"
                       b"endstream" % (len(hidden), hidden))
    assert b"JavaScript" not in data
    assert ActiveContent.PDF_JAVASCRIPT in store(data, "hidden.pdf").active


def test_an_inflate_bomb_in_a_pdf_costs_at_most_the_budget(evidence_dir):
    bomb = zlib.compress(b"\x00" * (200 * MB), 9)
    data = crafted.pdf(b"<</Length %d/Filter/FlateDecode>>stream\n%s\nendstream" % (len(bomb), bomb))
    assert store(data, "bomb.pdf").active == []


def test_plain_pdfs_and_destinations_are_not_marked(evidence_dir):
    assert store(PDF, "plain.pdf").active == []
    assert store(crafted.real_pdf(), "real.pdf").active == []
    opens_at_page = crafted.pdf(b"<</Type/Catalog/OpenAction [3 0 R /Fit]>>")
    assert store(opens_at_page, "fit.pdf").active == []


# -- office packages and archives ---------------------------------------------------------------

def test_a_zip_of_html_named_docx_is_refused(evidence_dir):
    html = b"<html><script>alert(1)</script></html>"
    rejected = refused(crafted.zipped({"word/index.html": html}), "report.docx")
    assert rejected.code == "not_a_package" and "report.docx" in str(rejected)
    assert refused(crafted.zipped({"index.html": html}), "report.docx").code == "type_mismatch"
    no_manifest = {k: v for k, v in crafted.ODT_PARTS.items() if not k.startswith("META")}
    assert refused(crafted.zipped(no_manifest, first="mimetype"), "a.odt").code == "not_a_package"


def test_real_packages_are_accepted_and_macros_marked(evidence_dir):
    assert store(crafted.zipped(crafted.DOCX_PARTS), "report.docx").active == []
    assert store(crafted.zipped(crafted.ODT_PARTS, first="mimetype"), "a.odt").active == []
    with_macros = crafted.DOCX_PARTS | {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 60}
    assert store(crafted.zipped(with_macros), "macro.docx").active == [ActiveContent.OFFICE_MACROS]
    basic = crafted.ODT_PARTS | {"Basic/Standard/Module1.xml": b"<script:module/>"}
    assert store(crafted.zipped(basic, first="mimetype"), "b.odt").active == [
        ActiveContent.OFFICE_MACROS]
    ole = crafted.DOCX_PARTS | {"word/embeddings/oleObject1.bin": b"\x00" * 16}
    assert store(crafted.zipped(ole), "ole.docx").active == [ActiveContent.OFFICE_CONTROLS]


def test_zip_bombs_are_refused_without_unpacking(evidence_dir):
    zeros = crafted.zipped(crafted.DOCX_PARTS | {"word/media/zeros.bin": b"\x00" * (60 * MB)})
    assert len(zeros) < MB
    rejected = refused(zeros, "bomb.docx")
    assert rejected.code == "zip_bomb" and "bomb.docx" in str(rejected)
    many = crafted.zipped({f"f{n}.txt": b"" for n in range(10_001)}, method=0)
    assert refused(many, "many.zip").code == "zip_bomb"
    assert refused(b"PK\x03\x04" + b"\x00" * 200, "broken.zip").code == "damaged"


def test_legacy_office_macros_are_marked(evidence_dir):
    ole = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "WordDocument".encode("utf-16-le")
           + b"\x00\x00" + "_VBA_PROJECT".encode("utf-16-le") + b"\x00" * 100)
    assert store(ole, "old.doc").active == [ActiveContent.OFFICE_MACROS]


def test_padding_streams_cannot_use_up_the_budget_before_the_object_streams(evidence_dir):
    bomb = zlib.compress(b"\x00" * (80 * MB), 9)
    hidden = zlib.compress(b"3 0 " + JS_ACTION)
    data = crafted.pdf(b"<</Length %d/Filter/FlateDecode>>stream\n%s\nendstream" % (len(bomb), bomb),
                       b"<</Type/Obj#53tm/N 1/First 4/Filter/FlateDecode>>stream\n%s\nendstream"
                       % hidden)
    assert ActiveContent.PDF_JAVASCRIPT in store(data, "padded.pdf").active
