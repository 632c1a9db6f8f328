"""Values and small helpers tests share: sample texts and files built from format facts, the
CSRF token as a browser gets it, a free local port, a row count."""

import io
import re
import socket
import struct
import zipfile
import zlib

from sqlalchemy import func, select

from casework.extensions import db

# A complaint's text about the demo election (its Balkhash station BAL-007).
NARRATIVE = ("At polling station BAL-007 in Balkhash a man offered voters 5000 tenge to vote "
             "for a candidate; I saw it at 10:30 near the entrance.")
# The same about the test election T2020 (its Balkhash station BAL-001).
NARRATIVE_T2020 = ("At polling station BAL-001 in Balkhash a man offered voters 5000 tenge to "
                   "vote for a candidate; I saw it at 10:30 near the entrance.")


# -- tiny real files --------------------------------------------------------------------------

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real, tiny RGB PNG image (red)."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(raw)) + _png_chunk(b"IEND", b""))


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


def files(*items: tuple[str, bytes]) -> list:
    """(name, content) pairs as the test client uploads them."""
    return [(io.BytesIO(content), name) for name, content in items]


# -- the web ------------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(client, path="/login") -> str:
    """A CSRF token as a browser would get it: from a form on a page."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token in {path}"
    return match.group(1)


def free_port() -> int:
    """A port nothing listens on (for servers that need a concrete one, not 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the database -------------------------------------------------------------------------------

def count(model, *where) -> int:
    """Rows of a model (that match `where`), as the test's session sees them."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# -- step-up ------------------------------------------------------------------------------------

def fresh_proof(client, age_seconds: int = 0) -> None:
    """The client's session holds a proof of both factors given `age_seconds` ago (as the
    confirmation page records it: stepup.PROOF_KEY)."""
    import time

    from casework.accounts.stepup import PROOF_KEY

    with client.session_transaction() as session:
        session[PROOF_KEY] = int(time.time()) - age_seconds
