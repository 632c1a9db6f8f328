"""Search that finds: Kazakh and Russian letters folded on both sides, a case by its reference
(straight to it), by a phone number however written, by the complainant's name (the index
can; no one's queue does) and by the accused candidate's name in any language. SQLite (FTS5) and
PostgreSQL (tsvector), through index_case and reindex_all alike."""

import pytest
from sqlalchemy import select

from casework.accounts.roles import COMPLAINANT_SEARCH
from casework.cases.models import Case, CaseSearchDocument
from casework.cases.queries import queue_page
from casework.cases.queue_conditions import QueueFilters
from casework.cases.search import (
    index_case,
    matching_case_ids,
    phone_digits,
    reindex_all,
    terms,
)
from casework.core.folding import FOLD_FROM, FOLD_TO, fold
from casework.extensions import db
from tests import factories
from tests.cases.test_queue import make

PHONE = "+77012345678"
NOTATIONS = ["+7 701 234 56 78", "8 (701) 234-56-78", "87012345678", "+77012345678",
             "7012345678", "8-701-234-56-78"]


@pytest.fixture
def secretary(make_user):
    return make_user("secretary")


def found(user, election, q) -> set[str]:
    return {row.case.reference for row in queue_page(user, election, QueueFilters(q=q),
                                                     limit=200).rows}


@pytest.fixture(params=["index_case", "reindex_all"])
def indexed(request):
    """Run a test's documents through index_case (as made) or rebuilt by reindex_all."""
    def done():
        if request.param == "reindex_all":
            db.session.execute(CaseSearchDocument.__table__.delete())
            db.session.flush()
            assert reindex_all() >= 1
        db.session.commit()
    return done


def test_fold_is_one_table_of_single_letters():
    assert len(FOLD_FROM) == len(FOLD_TO) == len(set(FOLD_FROM))
    assert fold("ҚАРАҒАНДЫ Қарағанды") == "караганды караганды"
    assert fold("Әке Өнер Ұлы Үй Ңң Іс Һ Ёж") == "аке онер улы уй нн ис х еж"
    assert fold("Vote BUYING") == "vote buying"
    assert terms("Ақша  АКША ақша") == ["акша"]


@pytest.mark.parametrize("notation", NOTATIONS)
def test_a_phone_in_any_notation_is_its_digits(notation):
    assert phone_digits(notation) == "77012345678"


@pytest.mark.parametrize("query", ["ақша", "2024", "12 34", "+7 abc", "1234567", ""])
def test_other_queries_are_not_phones(query):
    assert phone_digits(query) is None


def test_kazakh_letters_are_folded_on_both_sides(election, secretary, indexed):
    written_kk = make(election, narrative="Қарағанды қаласында ақша берді.")
    written_plain = make(election, narrative="В Караганды раздавали акша и ёлочные игрушки.")
    indexed()
    both = {written_kk.reference, written_plain.reference}
    for query in ("Караганды", "Қарағанды", "КАРАГАНДЫ", "қарағ", "акша", "ақша", "АҚША"):
        assert found(secretary, election, query) == both, query
    assert found(secretary, election, "елочные") == {written_plain.reference}
    assert found(secretary, election, "Қаласында ақша") == {written_kk.reference}


def test_the_accused_candidates_name_in_every_language(election, secretary, indexed):
    accused = factories.candidate(election, "C-7", name="Aidar Nurlanov",
                                  name_kk="Айдар Нұрланов", name_ru="Айдар Нурланов")
    case = make(election, accused=[accused], narrative="Нарушение на участке")
    make(election, narrative="Нарушение на участке")
    indexed()
    for query in ("Нұрланов", "нурланов", "Nurlanov", "айдар нурл", "NURLANOV aidar"):
        assert found(secretary, election, query) == {case.reference}, query


def test_a_reference_is_found_in_any_case(election, secretary, indexed):
    case = make(election)
    make(election)
    indexed()
    assert found(secretary, election, case.reference.lower()) == {case.reference}


def named(election, *, name="Гүлнар Сәрсенова", phone=PHONE, region_code="KZ-KAR-BAL"):
    case = make(election, region_code=region_code, narrative="Сайлау учаскесінде қысым")
    factories.complaint(case, anonymous=False, name=name, phone=phone,
                        narrative="Тағы бір шағым")
    index_case(case)
    return case


def found_by_contacts(q) -> set[str]:
    """The index's contact search itself (no desk opens it today: CONTACT_READERS is empty)."""
    return set(db.session.scalars(select(Case.reference).where(
        Case.id.in_(matching_case_ids(q, contacts=True)))))


def test_the_index_finds_phones_and_names(election, indexed):
    case = named(election)
    named(election, name="Иван Петров", phone="+77770001122")
    make(election, narrative="Сайлау учаскесінде қысым")
    indexed()
    for notation in NOTATIONS:
        assert found_by_contacts(notation) == {case.reference}, notation
    for query in ("Сәрсенова", "сарсенова", "Гүлнар сарсенова", "ГУЛНАР"):
        assert found_by_contacts(query) == {case.reference}, query
    # The names are stored as keyed hashes of whole words: a beginning finds nothing.
    assert found_by_contacts("Гүлнар сарсен") == set()
    # A name together with a word of the texts: every word, wherever it is.
    assert found_by_contacts("сарсенова шагым") == {case.reference}


@pytest.mark.parametrize("role", ["reviewer", "secretary", "chair", "auditor"])
def test_nobody_finds_cases_by_the_complainants(election, make_user, indexed, role):
    """The identity is the custodian's (cases/identity.py): a result list would tell who
    complained where, so the queue never searches names and phones."""
    case = named(election)
    user = make_user(role, email=f"{role}-search@test.kz")
    indexed()
    assert not COMPLAINANT_SEARCH.can_open(user) and case.can_view(user)
    assert found(user, election, "Сәрсенова") == set()
    assert found(user, election, "8 701 234 56 78") == set()
    assert found(user, election, "сарсенова шагым") == set()
    assert found(user, election, "шағым") == {case.reference}  # the texts stay searchable


def test_phone_and_name_stay_within_the_region_scope(election, make_user):
    named(election, region_code="KZ-KAR-BAL")
    almaty = make_user("reviewer", email="ala@test.kz", regions=["KZ-ALA"])
    db.session.commit()
    assert found(almaty, election, "87012345678") == set()
    assert found(almaty, election, "Сәрсенова") == set()


def test_anonymous_complaints_hold_no_contacts(election, secretary):
    case = make(election)
    factories.complaint(case, anonymous=True)
    index_case(case)
    db.session.commit()
    assert db.session.get(CaseSearchDocument, case.id).contacts == ""


# -- the reference typed in the queue's search (or the header's box) ---------------------------

def test_a_reference_typed_goes_straight_to_the_case(election, secretary, client, login):
    case = make(election)
    db.session.commit()
    login(client, secretary)
    for typed in (case.reference, case.reference.lower(), f"  {case.reference.lower()} "):
        response = client.get("/cases", query_string={"q": typed})
        assert response.status_code == 302, typed
        assert response.location.endswith(f"/cases/{case.reference}")


def test_a_reference_out_of_scope_is_a_plain_miss(election, make_user, client, login):
    case = make(election, region_code="KZ-KAR-BAL")
    almaty = make_user("reviewer", email="ala@test.kz", regions=["KZ-ALA"])
    db.session.commit()
    login(client, almaty)
    response = client.get("/cases", query_string={"q": case.reference})
    unknown = client.get("/cases", query_string={"q": "T2020-KAR-99999"})
    assert response.status_code == unknown.status_code == 200
    assert f'/cases/{case.reference}"' not in response.get_data(as_text=True)
    assert "data-case=" not in response.get_data(as_text=True)


def test_the_header_has_a_go_to_case_box_for_queue_readers(election, secretary, make_user,
                                                           client, login):
    login(client, secretary)
    html = client.get("/staff").get_data(as_text=True)
    assert 'class="find-case"' in html and 'for="find-case"' in html and 'name="q"' in html
    operator = make_user("operator", email="op@test.kz")
    db.session.commit()
    other = client.application.test_client()
    login(other, operator)
    assert 'class="find-case"' not in other.get("/staff").get_data(as_text=True)
