"""The public page of the audit chain's signed checkpoints, in the three languages."""

import pytest

from casework.core import audit, audit_checkpoints
from casework.extensions import db

TITLES = {"kk": "Аудит журналының бақылау нүктелері",
          "ru": "Контрольные точки журнала аудита",
          "en": "Audit log checkpoints"}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_public_page_shows_the_signed_checkpoints(client, lang):
    audit.record("test.event")
    checkpoint = audit_checkpoints.make_checkpoint()
    db.session.commit()
    client.set_cookie("casework_lang", lang)
    page = client.get("/transparency/audit")  # no login
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert TITLES[lang] in body
    assert checkpoint.signature in body and audit_checkpoints.public_key_b64() in body
    assert "BEGIN PUBLIC KEY" in body


def test_the_page_without_checkpoints_and_the_link_from_home(client):
    client.set_cookie("casework_lang", "en")
    assert "No checkpoint has been signed yet." in client.get("/transparency/audit").get_data(
        as_text=True)
    assert 'href="/transparency/audit"' in client.get("/").get_data(as_text=True)
    assert client.get("/transparency/audit.json").get_json()["checkpoints"] == []
