"""The queue's search takes one of several paths by how many cases match (SQLite asks its FTS5
index first: a miss reads no case, a few matches are read by id, many through a subquery or
by walking the page's ordering index; PostgreSQL keeps its own): each gives the same rows,
order, pages, region scope, folded groups and pending documents as the plain `IN (matches)`.
Pending (not yet indexed) cases are matched from their texts read in one batch."""

import random

import pytest
from sqlalchemy import event

from casework.cases import search, search_pending
from casework.cases.models import Case, CaseSearchDocument, CaseSearchPending
from casework.cases.queries import queue_page
from casework.cases.queue_conditions import QueueFilters
from casework.cases.search import document_texts, documents_texts
from casework.extensions import db
from tests.cases.test_mass_queue import campaign, every_page, filed, other_text  # noqa: F401

# (SQLITE_BY_ID, SQLITE_COMMON): every match by id; a subquery (walked for the secretary);
# always walked.
PATHS = {"by id": (10_000, 20_000), "subquery": (1, 20_000), "walk": (1, 1)}
QUERIES = ["наблюдателей", "Караганде гречкой", "урна", "бюллетень видео", "zzyzx", "пакет"]


def plain_condition(query, *, contacts=False, walk=False):
    """What the queue asked before the paths: every match as a subquery."""
    matching = search.matching_case_ids(query, contacts=contacts)
    return None if matching is None else search.Matching(Case.id.in_(matching), None, {})


def listing(user, election, q, sort, fold=True, limit=3):
    return [(r.id, r.group_size) for r in every_page(
        user, election, QueueFilters(q=q, sort=sort, fold_groups=fold), limit=limit)]


@pytest.fixture
def viewers(make_user):
    return {"secretary": make_user("secretary"),
            "balkhash": make_user("reviewer", email="bal@test.kz", regions=["KZ-KAR-BAL"]),
            "almaty": make_user("reviewer", email="ala@test.kz", regions=["KZ-ALA"])}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("sort", ["newest", "oldest", "due", "updated"])
def test_every_path_gives_the_plain_rows(election, viewers, campaign, monkeypatch,  # noqa: F811
                                         path, sort):
    copies, _singles = campaign
    search.reindex_all()
    db.session.commit()
    expected = {}
    with monkeypatch.context() as plain:
        plain.setattr(search, "matching_condition", plain_condition)
        for who, user in viewers.items():
            for q in QUERIES:
                for fold in (True, False):
                    expected[who, q, fold] = listing(user, election, q, sort, fold)
    assert len(expected["secretary", "урна", False]) > 2  # the texts have matches
    assert any(size > 1 for _id, size in expected["secretary", "Караганде гречкой", True])
    monkeypatch.setattr(search, "SQLITE_BY_ID", PATHS[path][0])
    monkeypatch.setattr(search, "SQLITE_COMMON", PATHS[path][1])
    for (who, q, fold), rows in expected.items():
        assert listing(viewers[who], election, q, sort, fold) == rows, (who, q, fold)


def test_a_miss_reads_no_case(election, viewers, campaign):  # noqa: F811
    search.reindex_all()
    db.session.commit()
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = queue_page(viewers["secretary"], election,
                          QueueFilters(q="zzyzx", fold_groups=True))
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert page.rows == [] and page.next_cursor is None
    if db.engine.dialect.name == "sqlite":
        assert not [s for s in statements if "FROM cases" in s], statements


def _leave_pending(cases: list[Case]) -> None:
    """As intake leaves them: no document, a pending mark."""
    ids = [c.id for c in cases]
    db.session.execute(CaseSearchDocument.__table__.delete().where(
        CaseSearchDocument.case_id.in_(ids)))
    for case in cases:
        search_pending.mark_pending(case)
    db.session.commit()


@pytest.mark.parametrize("path", PATHS)
def test_pending_cases_are_found_on_every_path(election, viewers, monkeypatch, path):
    rng = random.Random(5)
    indexed = [filed(election, other_text(rng) + " бюллетень") for _ in range(6)]
    waiting = [filed(election, other_text(rng) + f" бюллетень ожидание{i}",
                     region="KZ-ALA" if i % 2 else "KZ-KAR-BAL",
                     email=f"p{i}@test.kz") for i in range(5)]
    search.reindex_all()
    _leave_pending(waiting)
    monkeypatch.setattr(search, "SQLITE_BY_ID", PATHS[path][0])
    monkeypatch.setattr(search, "SQLITE_COMMON", PATHS[path][1])
    every = {c.id for c in indexed + waiting}
    assert {r for r, _ in listing(viewers["secretary"], election, "бюллетень", "newest")} == every
    almaty = {r for r, _ in listing(viewers["almaty"], election, "бюллетень", "newest")}
    assert almaty == {c.id for c in indexed + waiting if c.region.code == "KZ-ALA"}
    # Only pending cases match this one: found by their texts alone.
    only = "ожидание0"
    before = listing(viewers["secretary"], election, only, "newest")
    assert waiting[0].id in {r for r, _ in before}
    search_pending.index_all_pending()
    assert db.session.query(CaseSearchPending).count() == 0
    assert listing(viewers["secretary"], election, only, "newest") == before


def test_pending_texts_in_one_batch_are_the_documents(election):
    rng = random.Random(7)
    cases = [filed(election, other_text(rng), email=f"b{i}@test.kz" if i % 2 else None)
             for i in range(4)]
    pairs = [(c.id, c.reference) for c in cases] + [(10_000_000, "NONE-1")]
    batch = documents_texts(pairs)
    for case_id, reference in pairs:
        _narratives, body, people = document_texts(case_id, reference)
        assert batch[case_id] == (body, people)
    assert all(people == "" for _body, people in documents_texts(pairs, contacts=False).values())
    assert documents_texts([]) == {}
