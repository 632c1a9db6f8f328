"""Evidence files in the test's own folder, never the instance folder; reading a stored file."""

import pytest
from flask import current_app

STORAGE_KEYS = ("CASEWORK_EVIDENCE_STORAGE", "CASEWORK_EVIDENCE_DIR", "CASEWORK_S3_BUCKET",
                "CASEWORK_S3_ENDPOINT_URL", "CASEWORK_S3_REGION", "CASEWORK_S3_ACCESS_KEY_ID",
                "CASEWORK_S3_SECRET_ACCESS_KEY")


@pytest.fixture
def evidence_dir(tmp_path):
    """Local storage in tmp_path/evidence for one test; the settings and the cached storage
    are put back after."""
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


def stored_bytes(sha256: str) -> bytes:
    """The content the evidence storage holds under a hash."""
    from casework.evidence.storage import get_storage

    with get_storage().open(sha256) as stream:
        return stream.read()
