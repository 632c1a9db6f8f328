"""The public home is rendered once per election stamp and language for the visitors who all
see the same page; a signed-in member, a flash or a query string get their own."""

from sqlalchemy import update

from casework.elections.models import Election
from casework.extensions import db

LANGS = ("kk", "ru", "en")


def home(client, lang: str, path: str = "/") -> str:
    response = client.get(path, headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_election_edit_shows_at_once_in_every_language(app, election):
    pages = {lang: home(app.test_client(), lang) for lang in LANGS}
    assert all(f'<html lang="{lang}">' in pages[lang] for lang in LANGS)
    db.session.execute(update(Election).where(Election.id == election.id)
                       .values(name_en="Renamed primary", name_ru="Новое имя",
                               name_kk="Жаңа атау"))
    db.session.commit()
    assert "Renamed primary" in home(app.test_client(), "en")
    assert "Новое имя" in home(app.test_client(), "ru")
    assert "Жаңа атау" in home(app.test_client(), "kk")


def test_a_member_and_a_query_string_get_their_own_page(app, client, election, make_user, login):
    member = app.test_client()
    login(member, make_user("reviewer"))
    assert 'class="logout"' in home(member, "en")
    assert "leaflet-9" in home(client, "en", "/?from=leaflet-9")
    for lang in LANGS:
        page = home(app.test_client(), lang)
        assert 'class="logout"' not in page and "leaflet-9" not in page
    assert 'class="logout"' in home(member, "ru")


def test_the_home_sets_no_cookie(client, election):
    home(client, "ru")
    response = client.get("/", headers={"Accept-Language": "ru"})
    assert "Set-Cookie" not in response.headers
