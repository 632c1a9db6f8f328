"""Catalogs with the acknowledgment's strings for one test (the real SMTP server and the
demo come from the shared plugin: tests/plugin/mail.py, demo.py)."""

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_babel import get_babel

from casework.extensions import babel

# Stand-ins for the translators' work, so the test sees the mechanism choose a catalog.
TEST_TRANSLATIONS = {
    "kk": {"Your complaint is registered as case %(reference)s":
           "Шағымыңыз %(reference)s ісі ретінде тіркелді",
           "Your tracking code:": "Бақылау кодыңыз:"},
    "ru": {"Your complaint is registered as case %(reference)s":
           "Ваша жалоба зарегистрирована как дело %(reference)s",
           "Your tracking code:": "Ваш код отслеживания:"},
}


@pytest.fixture
def email_catalogs(app, tmp_path: Path):
    """Adds compiled kk/ru catalogs with the acknowledgment's strings for one test."""
    for language, messages in TEST_TRANSLATIONS.items():
        catalog = Catalog(locale=language, domain="messages")
        for msgid, msgstr in messages.items():
            catalog.add(msgid, msgstr)
        target = tmp_path / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        with open(target / "messages.mo", "wb") as handle:
            write_mo(handle, catalog)
    directories = get_babel(app).translation_directories
    directories.append(str(tmp_path))
    babel.domain_instance.cache.clear()
    try:
        yield TEST_TRANSLATIONS
    finally:
        directories.remove(str(tmp_path))
        babel.domain_instance.cache.clear()
