"""Three languages: choice, Accept-Language, election default; complete catalogs."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from casework.accounts.models import User
from casework.extensions import db
from tests.plugin.data import csrf_from

CATALOGS = Path(__file__).resolve().parents[2] / "casework" / "translations"
TITLE = {"kk": "Партиялық бақылау комитеті", "ru": "Партийный контрольный комитет",
         "en": "Party Control Committee"}


def test_default_is_the_election_language(client, election):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="kk">' in html and TITLE["kk"] in html
    election.default_locale = "ru"
    db.session.commit()
    html = client.get("/", headers={"Accept-Language": "de, fr"}).get_data(as_text=True)
    assert '<html lang="ru">' in html and TITLE["ru"] in html


def test_accept_language_is_used(client, election):
    html = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}).get_data(
        as_text=True)
    assert '<html lang="ru">' in html and TITLE["ru"] in html


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_switcher_choice_is_remembered_over_accept_language(client, lang):
    response = client.post("/language", data={"lang": lang, "next": "/login"},
                           headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    cookie = response.headers["Set-Cookie"]
    assert f"casework_lang={lang}" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    html = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html and TITLE[lang] in html


def test_unknown_language_is_refused_and_nothing_changes(client):
    response = client.post("/language", data={"lang": "fr"})
    assert response.status_code == 400
    assert "fr" in response.get_data(as_text=True)
    assert "casework_lang" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site"},
                                     {"Origin": "https://evil.example"}])
def test_cross_site_switch_is_refused(client, headers):
    response = client.post("/language", data={"lang": "ru"}, headers=headers)
    assert response.status_code == 400
    assert "casework_lang" not in response.headers.get("Set-Cookie", "")


def test_visitor_switch_needs_no_session(client):
    """Public pages put nothing in the session, so anyone's cache may share them."""
    response = client.get("/")
    assert 'name="csrf_token"' not in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    switched = client.post("/language", data={"lang": "ru"},
                           headers={"Origin": "http://localhost"})
    assert switched.status_code == 302 and "casework_lang=ru" in switched.headers["Set-Cookie"]


def test_staff_switch_without_csrf_is_refused(client, make_user, login):
    login(client, make_user("reviewer"))
    response = client.post("/language", data={"lang": "ru"},
                           headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 400


def test_language_switch_does_not_redirect_off_site(client):
    response = client.post("/language", data={"lang": "ru", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_staff_choice_is_saved_on_the_account(client, make_user, login):
    user = make_user("reviewer")
    login(client, user)
    token = csrf_from(client, "/staff")
    client.post("/language", data={"lang": "ru", "csrf_token": token})
    db.session.expire_all()
    assert db.session.scalar(select(User.preferred_locale).where(User.id == user.id)) == "ru"
    other_browser = client.application.test_client()
    login(other_browser, user)
    html = other_browser.get("/staff", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ru">' in html


@pytest.mark.parametrize("path", ["/", "/login", "/no-such-page"])
def test_switcher_is_on_every_page(client, path):
    html = client.get(path).get_data(as_text=True)
    for code in ("kk", "ru", "en"):
        assert f'data-lang="{code}"' in html


def _forms(value) -> list[str]:
    """A message's id or string as a list: plural entries have several forms."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_catalog_is_complete_with_matching_placeholders(lang):
    with (CATALOGS / lang / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalog = read_po(po_file)
    with (CATALOGS / "messages.pot").open("rb") as pot_file:
        template = read_po(pot_file)
    missing = [m.id for m in template if m.id and (
        m.id not in catalog or not all(_forms(catalog[m.id].string)))]
    assert not missing, f"untranslated in {lang}: {missing[:5]}"
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in catalog:
        if not message.id:
            continue
        assert "fuzzy" not in message.flags, message.id
        ids, strings = _forms(message.id), _forms(message.string)
        for string in strings:
            assert any(sorted(placeholder.findall(i)) == sorted(placeholder.findall(string))
                       for i in ids), message.id
    same = [m.id for m in catalog if m.id and isinstance(m.id, str) and len(m.id) > 12
            and m.string == m.id]
    assert not same, f"{lang} copies English: {same[:3]}"


def test_compiled_catalogs_are_used(client):
    html = client.get("/login", headers={"Accept-Language": "kk"}).get_data(as_text=True)
    assert "Кіру" in html  # the kk translation of "Log in", not the English source


def test_templates_translate_in_the_language_of_the_moment(app):
    """core.i18n.page_translations keeps the request's catalog: a template rendered inside
    force_locale (mail in the recipient's language) still gets that language's, and the
    page's own again afterwards; other requests get theirs."""
    from flask import render_template_string
    from flask_babel import force_locale

    template = "{{ _('Party Control Committee') }}"
    for lang, other in (("ru", "kk"), ("kk", "en"), ("en", "ru")):
        # A fresh app context as each real request has (flask_babel keeps the language on g).
        with app.app_context(), app.test_request_context(
                "/", headers={"Cookie": f"casework_lang={lang}"}):
            assert render_template_string(template) == TITLE[lang]
            with force_locale(other):
                assert render_template_string(template) == TITLE[other]
            assert render_template_string(template) == TITLE[lang]
