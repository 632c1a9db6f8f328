"""Shared helpers for intake tests: a demo-like election, sample files, a form poster."""

import io
import zlib

import pytest

from casework.core.ratelimit import limiter
from casework.demo.seed import seed
from casework.extensions import db
from tests.conftest import csrf_from


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real, tiny PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def demo(app, tmp_path):
    app.config["CASEWORK_EVIDENCE_DIR"] = str(tmp_path / "evidence")
    app.extensions.pop("casework_storage", None)
    seed()
    db.session.commit()
    yield
    app.extensions.pop("casework_storage", None)


@pytest.fixture(autouse=True)
def fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


NARRATIVE = ("At polling station BAL-007 in Balkhash a man offered voters 5000 tenge to vote "
             "for a candidate; I saw it at 10:30 near the entrance.")


def form_data(client, **overrides) -> dict:
    token = csrf_from(client, "/complaints/new")
    html = client.get("/complaints/new").get_data(as_text=True)
    import re

    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html)
    data = {
        "csrf_token": token, "submission_key": key.group(1) if key else "k" * 20,
        "identity": "anonymous", "category": "vote_buying", "region": "KZ-KAR-BAL",
        "station": "", "narrative": NARRATIVE, "complainant_role": "voter",
    }
    data.update(overrides)
    return data


def files(*items) -> list:
    return [(io.BytesIO(content), name) for name, content in items]
