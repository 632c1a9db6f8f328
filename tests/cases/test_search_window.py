"""PostgreSQL: a search of several common words first looks for its page among the first cases of
the page's order (casework.cases.search_window). Whether the walk fills the page or not, the
queue shows the rows, order, pages, region scope, folded groups (and their counts) and pending
cases of the plain `IN (matches)`, as it does without the walk. (A search of a form not to
keep, as the plain one's, once took another search's kept statement when cases were pending.)"""

import random

import pytest
from sqlalchemy import event, text

from casework.cases import search, search_pending, search_window
from casework.core.cache import app_cache
from casework.extensions import db
from tests.cases.test_mass_queue import campaign, filed, other_text  # noqa: F401
from tests.cases.test_search_paths import listing, plain_condition, viewers  # noqa: F401

WORDS = ["Караганде гречкой", "бюллетень видео", "урна пакет", "наблюдателей zzyzx"]


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner and statistics")


def walks_seen(statements: list[str]) -> int:
    return sum('AS walked' in s for s in statements)


@pytest.fixture
def statements():
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


# A window of 4 cases for a page of 3 + 1 (fills only where the first four all match: mostly
# falls back), 16, and 4,000 (fills, but at the end of the list).
@pytest.mark.parametrize("window", [4, 16, 4000])
@pytest.mark.parametrize("sort", ["newest", "oldest", "updated"])
def test_a_walked_page_is_the_plain_page(postgresql, election, viewers,  # noqa: F811
                                         campaign, monkeypatch, statements,  # noqa: F811
                                         window, sort):
    rng = random.Random(11)
    waiting = [filed(election, other_text(rng) + " бюллетень видео", email=f"w{i}@test.kz",
                     region="KZ-ALA" if i % 2 else "KZ-KAR-BAL") for i in range(3)]
    search.reindex_all()
    for case in waiting:  # just filed: matched by their texts until indexed
        search_pending.mark_pending(case)
    db.session.commit()
    expected = {}
    with monkeypatch.context() as plain:  # every match as a subquery
        plain.setattr(search, "matching_condition", plain_condition)
        for who, user in viewers.items():
            for q in WORDS:
                for fold in (True, False):
                    expected[who, q, fold] = listing(user, election, q, sort, fold)
    assert walks_seen(statements) == 0
    with monkeypatch.context() as unwalked:
        unwalked.setattr(search_window, "word_shares", lambda words: None)
        for (who, q, fold), rows in expected.items():
            assert listing(viewers[who], election, q, sort, fold) == rows, (who, q, fold)
    assert walks_seen(statements) == 0
    assert len(expected["secretary", "бюллетень видео", False]) > 3  # more than one page
    assert any(size > 1 for _id, size in expected["secretary", "Караганде гречкой", True])
    monkeypatch.setattr(search_window, "window", lambda query, limit: window)
    walked = {True: 0, False: 0}
    for (who, q, fold), rows in expected.items():
        statements.clear()
        assert listing(viewers[who], election, q, sort, fold) == rows, (who, q, fold)
        walked[fold] += walks_seen(statements)
    assert walked[True] > 0 and walked[False] > 0


def test_only_words_the_statistics_call_common_start_a_walk(postgresql, election,
                                                             monkeypatch):
    rng = random.Random(3)
    for i in range(40):
        filed(election, other_text(rng) + (" гречкой Караганде" if i % 2 else " урна"))
    search.reindex_all()
    db.session.commit()
    db.session.execute(text("ANALYZE case_search_documents"))
    app_cache("cases.search_lexemes").clear()
    shares = search_window.word_shares(["гречкой", "караганде"])
    assert shares is not None and all(0.3 < share < 0.7 for share in shares)  # half
    assert search_window.word_shares(["караг", "греч"]) == shares[::-1]  # prefixes: words
    assert search_window.word_shares(["гречкой", "zzyzx"]) is None  # not among them
    # Two words in half the documents each: the planner walks for them by itself.
    assert search_window.window("гречкой Караганде", 50) is None
    monkeypatch.setattr(search_window, "PLANNER_WALKS", 1.0)
    assert search_window.window("гречкой Караганде", 50) == \
        search_window.window_for(min(shares), 50)
    assert search_window.window("гречкой", 50) is None  # one word: the planner knows it
    assert search_window.window("гречкой zzyzx", 50) is None
    assert search_window.window("8 701 234 56 78", 50) is None  # a phone number


def test_the_window_is_bounded():
    assert search_window.window_for(0.027, 50) == 7556  # a candidate's name at 1,000,000
    assert search_window.window_for(0.01, 50) is None  # 20,400 cases: the index instead
    assert search_window.window_for(None, 50) is None
    assert search_window.window_for(0.0, 50) is None
