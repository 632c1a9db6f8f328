"""The home page's mailbox: an example address in the demo, nothing when the setting is unset
(never a made-up address such as complaints@localhost), and `make run`'s settings."""

from pathlib import Path

from casework.config import load

ROOT = Path(__file__).resolve().parents[2]


def test_the_configured_mailbox_is_shown(client, app):
    page = client.get("/").get_data(as_text=True)
    assert 'href="mailto:complaints@example.kz"' in page


def test_no_mailbox_is_shown_when_unset(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_PUBLIC_EMAIL", None)
    page = client.get("/").get_data(as_text=True)
    assert "mailto:" not in page and 'id="public-email"' not in page


def test_the_default_is_unset(monkeypatch, tmp_path):
    monkeypatch.delenv("CASEWORK_PUBLIC_EMAIL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env
    assert load(str(tmp_path))["CASEWORK_PUBLIC_EMAIL"] is None


def test_make_run_sets_the_public_url_from_its_port_and_starts_a_mail_catcher():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "run: export CASEWORK_PUBLIC_URL ?= http://$(HOST):$(PORT)" in makefile
    assert "run: export CASEWORK_PUBLIC_EMAIL ?= complaints@example.kz" in makefile
    recipe = " ".join(makefile.replace("\\\n", " ").split())
    assert ("-m aiosmtpd -n -u -l 127.0.0.1:$(MAIL_CATCHER_PORT) "
            "-c aiosmtpd.handlers.Mailbox instance/mail") in recipe
    assert "export CASEWORK_MAIL_SERVER=127.0.0.1 CASEWORK_MAIL_PORT=$(MAIL_CATCHER_PORT)" in recipe
