"""Email intake fixtures: a size limit for one test, and storage that cannot write (the demo
election and the real SMTP server come from the shared plugin)."""

import pytest
from flask import current_app


@pytest.fixture
def mail_limit(app):
    """Set CASEWORK_MAIL_MAX_SIZE for one test."""
    saved = app.config.get("CASEWORK_MAIL_MAX_SIZE")

    def set_limit(size: int) -> None:
        app.config["CASEWORK_MAIL_MAX_SIZE"] = size

    yield set_limit
    if saved is None:
        app.config.pop("CASEWORK_MAIL_MAX_SIZE", None)
    else:
        app.config["CASEWORK_MAIL_MAX_SIZE"] = saved


@pytest.fixture
def broken_storage(app, demo, tmp_path):
    """Evidence storage that cannot write: its folder would be inside a regular file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    saved = app.config.get("CASEWORK_EVIDENCE_DIR")

    def break_it() -> None:
        current_app.config["CASEWORK_EVIDENCE_DIR"] = str(blocker / "evidence")
        current_app.extensions.pop("casework_storage", None)

    def repair() -> None:
        current_app.config["CASEWORK_EVIDENCE_DIR"] = saved if saved else str(tmp_path / "evidence")
        current_app.extensions.pop("casework_storage", None)

    yield break_it, repair
    repair()
