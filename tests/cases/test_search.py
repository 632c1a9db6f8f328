"""Full-text search over narratives, messages and notes, and similar open cases (duplicates).
Runs on SQLite (FTS5) and on PostgreSQL (tsvector + pg_trgm)."""

import pytest
from sqlalchemy import select

from casework.cases.models import (
    Case,
    CaseMessage,
    CaseNote,
    CaseSearchDocument,
    CaseState,
    Category,
    MessageAuthor,
)
from casework.cases.queries import queue_page
from casework.cases.queue_conditions import QueueFilters
from casework.cases.search import (
    index_case,
    matching_case_ids,
    reindex_all,
    terms,
    trigram_similarity,
)
from casework.cases.similar import similar_cases
from casework.core.folding import fold
from casework.elections.models import PollingStation
from casework.extensions import db
from tests.cases.test_queue import make
from tests.factories import candidate

S = CaseState

KK = "Балқаш қаласындағы №5 мектепте сайлаушыларға ақша таратылды, куәлар бар."
RU = "На участке в Темиртау наблюдателя не пустили к урне для голосования."
EN = "A bus brought voters from the factory to the polling station twice."


@pytest.fixture
def secretary(make_user):
    return make_user("secretary")


def found(user, election, q) -> set[str]:
    return {row.case.reference for row in queue_page(user, election, QueueFilters(q=q),
                                                     limit=200).rows}


def test_search_finds_words_of_narratives_in_kazakh_russian_and_english(election, secretary):
    kk, ru, en = make(election, narrative=KK), make(election, narrative=RU), \
        make(election, narrative=EN)
    db.session.commit()
    assert found(secretary, election, "ақша") == {kk.reference}
    assert found(secretary, election, "АҚША таратылды") == {kk.reference}  # case, all words
    assert found(secretary, election, "сайлау") == {kk.reference}  # a word's beginning
    assert found(secretary, election, "Балқаш") == {kk.reference}
    assert found(secretary, election, "наблюдателя") == {ru.reference}
    assert found(secretary, election, "Наблюдател урне") == {ru.reference}
    assert found(secretary, election, "голосования") == {ru.reference}
    assert found(secretary, election, "factory BUS") == {en.reference}
    assert found(secretary, election, "ақша наблюдателя") == set()  # every word must match
    assert found(secretary, election, "тенге") == set()
    # Nothing to search for: no filter at all.
    assert found(secretary, election, "  ?! ") == {kk.reference, ru.reference, en.reference}


def test_search_finds_public_messages_and_internal_notes(election, secretary):
    case = make(election, narrative=EN)
    other = make(election, narrative=EN)
    db.session.add(CaseMessage(case_id=case.id, author=MessageAuthor.COMPLAINANT,
                               body="Фотосуреттерді жібердім", channel="web"))
    db.session.add(CaseNote(case_id=other.id, author_id=secretary.id,
                            body="Свидетель Ахметов подтвердил"))
    db.session.flush()
    assert found(secretary, election, "фотосурет") == set()  # not indexed yet
    index_case(case.id)
    index_case(other)
    db.session.commit()
    assert found(secretary, election, "фотосурет") == {case.reference}
    assert found(secretary, election, "Ахметов") == {other.reference}
    assert found(secretary, election, "factory") == {case.reference, other.reference}
    document = db.session.get(CaseSearchDocument, case.id)
    assert document.narratives == EN and "фотосуреттерди" in document.body  # folded


def test_search_never_shows_another_regions_case(election, secretary, make_user):
    almaty = make_user("reviewer", email="ala@test.kz", regions=["KZ-ALA"])
    ala = make(election, region_code="KZ-ALA", narrative=KK)
    make(election, region_code="KZ-KAR-BAL", narrative=KK)
    make(election, region_code=None, narrative=KK)
    db.session.commit()
    assert found(almaty, election, "ақша") == {ala.reference}
    assert len(found(secretary, election, "ақша")) == 3


@pytest.mark.parametrize("query", ['"', "'", 'ақша" OR "a', "NEAR(a b)", "a*", "-x", "x:y",
                                   "ақша & | ! ( ) <-> :*", "\\", "%_", "NOT", "a" * 500])
def test_search_takes_any_text_safely(election, secretary, query):
    make(election, narrative=KK)
    db.session.commit()
    queue_page(secretary, election, QueueFilters(q=query))  # no error whatever the text
    assert len(terms(query)) <= 12


def test_reindex_all_rebuilds_every_document(election, secretary):
    case = make(election, narrative=RU)
    db.session.add(CaseMessage(case_id=case.id, author=MessageAuthor.COMMITTEE,
                               body="Пришлите видео", channel="web"))
    db.session.add(CaseNote(case_id=case.id, author_id=secretary.id, body="Проверить камеру"))
    db.session.execute(CaseSearchDocument.__table__.delete())
    db.session.commit()
    assert found(secretary, election, "урне") == set()
    assert reindex_all() == 1
    assert reindex_all(election.id) == 1
    db.session.commit()
    document = db.session.get(CaseSearchDocument, case.id)
    assert document.narratives == RU
    assert document.body == fold(f"{case.reference}\n{RU}\nПришлите видео\nПроверить камеру")
    assert found(secretary, election, "урне видео камеру") == {case.reference}
    assert db.session.scalar(select(Case.id).where(Case.id.in_(matching_case_ids("урне"))))
    # As a migration runs it: on a connection, outside the session.
    db.session.execute(CaseSearchDocument.__table__.delete())
    db.session.commit()
    with db.engine.begin() as connection:
        assert reindex_all(connection=connection) == 1
    assert found(secretary, election, "камеру") == {case.reference}


# -- similar cases --------------------------------------------------------------------------------

def test_similar_cases_rank_a_near_duplicate_first(election, secretary):
    original = make(election, state=S.SCREENING, accused=["C-1"], narrative=KK)
    near = make(election, state=S.INVESTIGATION, narrative=KK.replace("куәлар бар", "видео бар"))
    same_candidate = make(election, region_code="KZ-ALA", accused=["C-1"], narrative=RU)
    same_region = make(election, narrative=EN)
    other_category = make(election, category=Category.DEFAMATION, narrative=RU)
    elsewhere = make(election, region_code="KZ-ALA", narrative=KK)  # no shared fact
    no_region = make(election, region_code=None,
                     narrative="Балқашта сайлаушыларға ақша таратылды деп естідім.")
    closed = make(election, state=S.CLOSED, narrative=KK)
    merged = make(election, state=S.MERGED, narrative=KK)
    inadmissible = make(election, state=S.INADMISSIBLE, accused=["C-1"], narrative=KK)
    decided = make(election, state=S.DECIDED, narrative=KK)
    db.session.commit()
    result = similar_cases(original, user=secretary)
    got = [s.case.reference for s in result]
    assert got[0] == near.reference
    assert set(got) == {near.reference, no_region.reference, same_candidate.reference,
                        same_region.reference}
    assert not {closed.reference, merged.reference, inadmissible.reference, decided.reference,
                other_category.reference, elsewhere.reference, original.reference} & set(got)
    by_ref = {s.case.reference: s for s in result}
    assert by_ref[near.reference].reasons == ("region_category", "text")
    assert by_ref[near.reference].score > 0.7
    assert by_ref[no_region.reference].reasons == ("no_region", "text")
    assert by_ref[same_candidate.reference].reasons == ("candidate",)
    assert by_ref[same_region.reference].score < 0.3
    assert [str(label) for label in by_ref[near.reference].labels] == [
        "Same region and category", "Similar text"]
    assert result == sorted(result, key=lambda s: -s.score)
    assert len(similar_cases(original, user=secretary, limit=2)) == 2


def test_similar_cases_keep_to_the_scope_and_use_paper_stations(election, secretary, make_user):
    karaganda = make_user("reviewer", email="kar@test.kz", regions=["KZ-KAR"])
    station = db.session.scalar(select(PollingStation).where(PollingStation.code == "BAL-001"))
    evote = db.session.scalar(select(PollingStation).where(PollingStation.code == "E-VOTE"))
    original = make(election, narrative=KK)
    original.station_id = station.id
    at_station = make(election, region_code="KZ-ALA", category=Category.DEFAMATION, narrative=RU)
    at_station.station_id = station.id
    unknown_region = make(election, region_code=None, narrative=KK)
    db.session.flush()
    db.session.expire(original)
    db.session.commit()
    as_secretary = {s.case.reference: s.reasons for s in similar_cases(original, user=secretary)}
    assert as_secretary == {at_station.reference: ("station",),
                            unknown_region.reference: ("no_region", "text")}
    # The KZ-KAR reviewer sees neither: one is in Almaty, the other has no region yet.
    assert similar_cases(original, user=karaganda) == []
    # Electronic voting is one "station" for the whole country: not a shared fact.
    original.station_id = at_station.station_id = evote.id
    db.session.commit()
    assert at_station.reference not in {s.case.reference
                                        for s in similar_cases(original, user=secretary)}


def test_similar_cases_name_each_reason_once(election, secretary):
    original = make(election, region_code="KZ-ALA", accused=["C-1", "C-2"], narrative=RU)
    both = make(election, region_code="KZ-KAR", category=Category.DEFAMATION,
                accused=["C-2", "C-1"], narrative=EN)
    db.session.commit()
    assert [(s.case.reference, s.reasons) for s in similar_cases(original, user=secretary)] \
        == [(both.reference, ("candidate",))]


def test_a_case_without_region_is_compared_within_its_category(election, secretary):
    email = make(election, region_code=None, narrative=KK)
    twin = make(election, region_code="KZ-KAR-BAL", narrative=KK)
    make(election, region_code="KZ-KAR-BAL", category=Category.DEFAMATION, narrative=KK)
    candidate(election, "C-9")
    db.session.commit()
    result = similar_cases(email, user=secretary)
    assert [(s.case.reference, s.reasons) for s in result] == [
        (twin.reference, ("no_region", "text"))]


def test_trigram_similarity_is_pg_trgm_s():
    assert trigram_similarity("abc", "abc") == 1.0
    assert trigram_similarity("", "abc") == 0.0
    # pg_trgm: similarity('word', 'two words') = 0.363636 (4 shared of 11 trigrams)
    assert round(trigram_similarity("word", "two words"), 6) == 0.363636
    assert trigram_similarity("Ақша БЕРДІ", "ақша берді!") == 1.0


def test_similar_cases_score_as_pg_trgm_across_a_vocabulary_that_starts_again(monkeypatch):
    """On SQLite the scores come from trigram bit masks (cases/similar.py): the same numbers
    as the sets' measure, also when a full vocabulary is replaced between comparisons."""
    from casework.cases import similar

    texts = [KK, RU, EN, KK.replace("куәлар бар", "видео бар"), KK.upper() + " " + RU, "", None]
    monkeypatch.setattr(similar, "_MASKS", similar._TrigramMasks())
    monkeypatch.setattr(similar._TrigramMasks, "TRIGRAMS", 40)  # starts again every few texts
    for text in texts[:-1] + ["word", "two words"]:
        assert similar.mask_scores(text, enumerate(texts)) == {
            i: trigram_similarity(text, other or "") for i, other in enumerate(texts)}


def test_trigram_masks_built_by_threads_at_once_give_each_trigram_its_own_bit(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from casework.cases import similar

    monkeypatch.setattr(similar, "_MASKS", similar._TrigramMasks())
    words = (KK + " " + RU + " " + EN).split()
    variants = [" ".join(words[i:i + 4]) + f" сөз{i}" for i in range(len(words))]  # new trigrams
    with ThreadPoolExecutor(4) as pool:
        masks = list(pool.map(similar._MASKS.of, variants * 4))
    for value, (mask, count) in zip(variants * 4, masks, strict=True):
        assert mask.bit_count() == count == len(similar.search.trigrams(value))
    first = similar._MASKS.of(variants[0])
    for value in variants:  # every text's mask over the one vocabulary: the sets' measure
        second = similar._MASKS.of(value)
        shared = (first[0] & second[0]).bit_count()
        assert shared / (first[1] + second[1] - shared) == trigram_similarity(variants[0], value)


def test_python_and_postgresql_similarity_agree(election):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("compares with pg_trgm")
    from sqlalchemy import func

    for a, b in [(KK, KK[:40]), (RU, EN), (KK, KK.upper()), ("word", "two words")]:
        expected = db.session.scalar(select(func.similarity(a, b)))
        assert abs(trigram_similarity(a, b) - expected) < 1e-6
