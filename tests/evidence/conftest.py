"""Evidence fixtures: a case to attach to, tiny real files, storage in a temporary folder."""

import io
import struct
import zipfile
import zlib

import pytest
from flask import current_app
from sqlalchemy import select

from casework.cases.models import Case, Category
from casework.elections.models import Region
from casework.extensions import db

STORAGE_KEYS = ("CASEWORK_EVIDENCE_STORAGE", "CASEWORK_EVIDENCE_DIR", "CASEWORK_S3_BUCKET",
                "CASEWORK_S3_ENDPOINT_URL", "CASEWORK_S3_REGION", "CASEWORK_S3_ACCESS_KEY_ID",
                "CASEWORK_S3_SECRET_ACCESS_KEY")


@pytest.fixture(autouse=True)
def evidence_dir(tmp_path):
    """Every evidence test stores into its own folder, never the instance folder."""
    config = current_app.config
    saved = {key: config[key] for key in STORAGE_KEYS if key in config}
    cached = current_app.extensions.pop("casework_storage", None)
    config["CASEWORK_EVIDENCE_STORAGE"] = "local"
    config["CASEWORK_EVIDENCE_DIR"] = str(tmp_path / "evidence")
    yield tmp_path / "evidence"
    for key in STORAGE_KEYS:
        config.pop(key, None)
    config.update(saved)
    current_app.extensions.pop("casework_storage", None)
    if cached is not None:
        current_app.extensions["casework_storage"] = cached


@pytest.fixture
def make_case(election):
    def make(reference="T2020-KAR-00001", region_code="KZ-KAR"):
        region = db.session.scalar(select(Region).where(
            Region.election_id == election.id, Region.code == region_code))
        case = Case(election_id=election.id, reference=reference, region_id=region.id,
                    category=Category.OTHER)
        db.session.add(case)
        db.session.commit()
        return case

    return make


@pytest.fixture
def case(make_case):
    return make_case()


# Tiny real files, built from format facts.

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bytes() -> bytes:
    """A valid 1x1 grey PNG."""
    return (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
            + _png_chunk(b"IEND", b""))


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def zip_bytes(entries: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(zipfile.ZipInfo(stored_first), entries[stored_first],
                             compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            if name != stored_first:
                archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document/>',
    })


def odt_bytes() -> bytes:
    return zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text",
                      "content.xml": b"<office:document-content/>"}, stored_first="mimetype")
