"""The complaint form's lists and body are rendered once per election stamp and language:
what an import or an edit changes shows on the next page in every language, and nothing of
one visitor reaches another."""

import re
import time
from datetime import timedelta

import pytest
from markupsafe import Markup
from sqlalchemy import select, update
from wtforms import Form as PlainForm
from wtforms import SelectChoice, SelectField, SelectMultipleField

from casework.core.cache import app_cache
from casework.core.options import PrerenderedSelect, RenderedOptions
from casework.elections import current
from casework.elections.importers import run_import
from casework.elections.models import Candidate, CandidateStatus, Election
from casework.elections.queries import current_election
from casework.extensions import db
from casework.intake.views import CSRF_MARK, KEY_MARK
from tests import factories
from tests.intake.helpers import form_data
from tests.plugin.data import CSRF_RE
from tests.plugin.queries import counted_queries

LANGS = ("kk", "ru", "en")
KEY_RE = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')


def page(client, lang: str) -> str:
    response = client.get("/complaints/new", headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def every_language(client) -> dict[str, str]:
    return {lang: page(client, lang) for lang in LANGS}


def stamp(election: Election) -> str:
    return db.session.scalar(select(Election.reference_stamp).where(Election.id == election.id))


@pytest.fixture
def form_election(election):
    factories.candidate(election, "C01", "Aidos Test", region_code="KZ-KAR")
    db.session.commit()
    return election


def test_an_imported_station_shows_at_once_in_every_language(client, form_election):
    assert all("NEW-777" not in html for html in every_language(client).values())
    before = stamp(form_election)
    run_import("stations", b"code,kind,region_code,address\n"
                           b"NEW-777,paper,KZ-KAR-BAL,School 7\n", election=form_election)
    db.session.commit()
    assert stamp(form_election) != before
    for lang, html in every_language(client).items():
        assert 'data-region="KZ-KAR-BAL" data-top="KZ-KAR" value="NEW-777">NEW-777 — School 7' \
            in html, lang


def test_imported_candidates_and_renamed_regions_show_at_once(client, form_election):
    every_language(client)
    run_import("candidates", "code,region_code,name_kk,name_ru,name_en\n"
               "C77,KZ-ALA,Жаңа Үміткер,Новый Кандидат,New Candidate\n".encode(),
               election=form_election)
    run_import("regions", "code,kind,name_kk,name_ru,name_en,parent_code\n"
               "KZ-ALA,city,Алматы қ.,г. Алматы,Almaty City,\n".encode(), election=form_election)
    db.session.commit()
    html = every_language(client)
    assert 'value="C77">Жаңа Үміткер (Алматы қ.)</option>' in html["kk"]
    assert 'value="C77">Новый Кандидат (г. Алматы)</option>' in html["ru"]
    assert 'value="C77">New Candidate (Almaty City)</option>' in html["en"]
    assert 'label="Almaty City"' in html["en"]


def test_a_results_import_and_an_election_edit_restamp(client, form_election):
    every_language(client)
    before = stamp(form_election)
    run_import("results", b"station_code,candidate_code,votes\nBAL-001,C01,12\n",
               election=form_election)
    db.session.commit()
    after_results = stamp(form_election)
    assert after_results != before
    db.session.execute(update(Election).where(Election.id == form_election.id)
                       .values(name_en="Renamed primary"))
    db.session.commit()
    assert stamp(form_election) != after_results


def test_a_disqualified_candidate_leaves_the_form(client, form_election):
    assert all('value="C01"' in html for html in every_language(client).values())
    db.session.execute(update(Candidate).where(Candidate.code == "C01")
                       .values(status=CandidateStatus.DISQUALIFIED, status_reason="Bribery"))
    db.session.commit()
    assert all('value="C01"' not in html for html in every_language(client).values())


def test_a_new_current_election_brings_its_own_lists(client, form_election):
    assert 'value="BAL-001"' in page(client, "ru")
    later = factories.election_with_regions("T2024")
    for moment in ("filing_opens_at", "filing_closes_at", "voting_starts_at", "voting_ends_at",
                   "decision_deadline_at", "results_certification_at"):
        setattr(later, moment, getattr(later, moment) + timedelta(days=4 * 365))
    db.session.flush()
    run_import("stations", b"code,kind,region_code,address\nT24-001,paper,KZ-KAR,Hall\n",
               election=later)
    db.session.commit()
    html = every_language(client)
    assert all('value="T24-001"' in h and "casework:complaint:T2024" in h for h in html.values())


def test_no_token_key_or_typed_text_passes_between_visitors(app, form_election):
    first, second = app.test_client(), app.test_client()
    typed = form_data(first, narrative="Первый посетитель видел это.", phone="+7 701 000 11 22")
    refused = first.post("/complaints/new", data={**typed, "region": ""},
                         headers={"Accept-Language": "ru"})
    assert refused.status_code == 422
    shown = refused.get_data(as_text=True)
    # The token is signed with the time (to the second): the session's value is what it carries.
    mine = typed["csrf_token"].split(".")[0]
    assert "Первый посетитель видел это." in shown and mine in shown
    for lang in LANGS:
        html = page(second, lang)
        token, key = CSRF_RE.search(html).group(1), KEY_RE.search(html).group(1)
        assert token.split(".")[0] != mine and key != typed["submission_key"]
        assert "Первый посетитель" not in html and "701 000" not in html
        assert mine not in html and typed["submission_key"] not in html
    # Each visitor's token is their own session's: the second one's token works for them only.
    again = page(first, "ru")
    assert CSRF_RE.search(again).group(1).split(".")[0] != token.split(".")[0]
    assert CSRF_MARK not in again and KEY_MARK not in again


def test_every_fresh_page_gets_a_new_submission_key(client, form_election):
    keys = {KEY_RE.search(page(client, "kk")).group(1) for _ in range(3)}
    assert len(keys) == 3


def test_a_refused_send_shows_every_choice_again(client, form_election):
    data = form_data(client, region="KZ-KAR-BAL", station="BAL-001", accused=["C01"],
                     narrative="")
    html = client.post("/complaints/new", data=data).get_data(as_text=True)
    assert 'data-parent="KZ-KAR" selected value="KZ-KAR-BAL"' in html
    assert 'selected value="BAL-001"' in html
    assert re.search(r'<option data-region="KZ-KAR" data-search="[^"]*" selected value="C01">',
                     html)
    assert html.count(" selected ") == 4  # and the complainant's role, its default


class Plain(PlainForm):
    one = SelectField(validate_choice=False)
    many = SelectMultipleField(validate_choice=False)


class Rendered(PlainForm):
    one = SelectField(validate_choice=False, widget=PrerenderedSelect())
    many = SelectMultipleField(validate_choice=False, widget=PrerenderedSelect(multiple=True))


CHOICES = [SelectChoice("", "Choose…"), SelectChoice("a", "A & co", optgroup="G1"),
           SelectChoice("b", "B", optgroup="G1", render_kw={"data-x": "1"}),
           SelectChoice("c", "<C>", optgroup="G2"), SelectChoice("d", "D")]


@pytest.mark.parametrize("one, many", [(None, None), ("", []), ("b", ["a", "d"]),
                                       ("zz", ["zz"]), ("c", ["c", "b", "a"])])
def test_prerendered_lists_render_as_wtforms_does(one, many):
    plain, rendered = Plain(data={"one": one, "many": many}), \
        Rendered(data={"one": one, "many": many})
    for form in (plain,):
        form.one.choices = form.many.choices = CHOICES
    options = RenderedOptions(CHOICES)
    rendered.one.options = rendered.many.options = options
    assert rendered.one(class_="x") == plain.one(class_="x")
    assert rendered.many(size=3) == plain.many(size=3)
    assert isinstance(rendered.one(), Markup)


def test_a_field_without_options_renders_its_choices():
    form = Rendered(data={"one": "a"})
    form.one.choices = CHOICES
    assert 'selected value="a"' in form.one()


def test_a_returning_visitor_gets_the_form_without_a_database_statement(client, form_election):
    page(client, "ru")  # the lists rendered, the election copied, the visitor's cookie made
    with counted_queries() as statements:
        html = page(client, "ru")
    assert statements == [] and 'value="C01"' in html
    token = CSRF_RE.search(html).group(1)
    assert client.post("/track", data={"code": "ABCD-EFGH-JKLM",
                                       "csrf_token": token}).status_code == 404


def test_another_process_change_shows_when_the_copy_expires(app, client, form_election):
    copies = app_cache(current.CACHE)
    now = [1000.0]
    copies.clock = lambda: now[0]
    try:
        copies.clear()
        assert "casework:complaint:T2020" in page(client, "en")
        # Another process renames the election's code: no commit of this process saw it.
        with db.engine.begin() as conn:
            conn.execute(update(Election).where(Election.id == form_election.id)
                         .values(code="T2020B"))
        assert "casework:complaint:T2020\"" in page(client, "en")  # within the copy's time
        now[0] += app.config["CASEWORK_ELECTION_CACHE_SECONDS"] + 0.1
        assert "casework:complaint:T2020B" in page(client, "en")
    finally:
        copies.clock = time.monotonic


def test_without_a_copy_every_request_reads_the_election(app, client, form_election):
    app.config["CASEWORK_ELECTION_CACHE_SECONDS"] = 0
    try:
        page(client, "en")
        with db.engine.begin() as conn:
            conn.execute(update(Election).where(Election.id == form_election.id)
                         .values(code="T2020C"))
        assert "casework:complaint:T2020C" in page(client, "en")
    finally:
        app.config["CASEWORK_ELECTION_CACHE_SECONDS"] = 2


def test_the_copy_is_the_request_own_row(app, client, form_election):
    """A view may change the election it got: the change is written, the next page shows it."""
    with app.test_request_context("/"):
        first = current_election()
        assert first is not None and first in db.session
        first.name_en = "Renamed here"
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Election, form_election.id).name_en == "Renamed here"
    with app.test_request_context("/"):
        assert current_election().name_en == "Renamed here"


def test_the_page_kept_whole_is_only_the_one_everybody_sees(app, client, form_election, make_user,
                                                             login):
    member = app.test_client()
    login(member, make_user("reviewer"))
    staff_page = member.get("/complaints/new").get_data(as_text=True)
    assert 'class="logout"' in staff_page
    with_query = client.get("/complaints/new?from=leaflet-77").get_data(as_text=True)
    assert "leaflet-77" in with_query  # the language switch brings the visitor back here
    for lang in LANGS:
        html = page(app.test_client(), lang)
        assert 'class="logout"' not in html and "leaflet-77" not in html
        assert 'name="next" value="/complaints/new"' in html
    assert 'class="logout"' in member.get("/complaints/new").get_data(as_text=True)
