"""Email intake fixtures: the demo election, a real SMTP server, and helpers to ingest
and inspect."""

import pytest
from flask import current_app
from sqlalchemy import func, select

from casework.extensions import db
from tests.intake.conftest import demo, fresh_limits  # noqa: F401 - shared intake fixtures
from tests.notifications.conftest import smtp_server  # noqa: F401 - the real SMTP server


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


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def stored_bytes(sha256: str) -> bytes:
    from casework.evidence.storage import get_storage

    with get_storage().open(sha256) as stream:
        return stream.read()


@pytest.fixture
def broken_storage(app, demo, tmp_path):  # noqa: F811 - after demo set the folder
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
