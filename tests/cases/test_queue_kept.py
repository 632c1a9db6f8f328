"""What the queue page keeps per process (issue 16) never shows a stale or another's value:
the rows read as plain values equal the mapped ones, the kept header carries each user's own
name, token, inbox count and return address, and the kept filter form and counts follow
every change. Runs on SQLite and on PostgreSQL."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest

from casework.cases.models import CaseState, Category
from casework.cases.queries import orm_rows, queue_page
from casework.cases.queue_conditions import QueueFilters
from casework.cases.queue_lines import lines
from casework.core.db import utcnow
from casework.extensions import db
from casework.notifications.inbox import notify
from casework.notifications.inbox_models import NotificationKind
from tests import factories
from tests.cases.test_queue import make

S = CaseState
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def secretary(make_user):
    return make_user("secretary", name="Bolat Secretary")


def _seen(row, locale: str) -> tuple:
    """What a row shows, from a mapped row or a plain one."""
    case = getattr(row, "case", row)
    region = case.region
    return (case.id, case.reference, case.state, case.category, case.has_evidence,
            case.created_at, region.name(locale) if region else None,
            tuple(c.name(locale) for c in case.accused),
            row.assignee.full_name if getattr(row, "assignee", None) else
            getattr(row, "assignee_name", None), row.due_at, row.overdue, row.paused)


@pytest.mark.parametrize("sort", ["newest", "oldest", "updated", "due"])
def test_plain_rows_are_the_mapped_rows(election, secretary, sort):
    first = factories.candidate(election, "C01", "Asan Usenov", name_kk="Асан Үсенов")
    second = factories.candidate(election, "C02", "Bota Beisen", name_kk="Бота Бейсен")
    now = utcnow()
    for n in range(7):
        make(election, state=[S.RECEIVED, S.SCREENING, S.INVESTIGATION][n % 3],
             region_code=None if n == 3 else "KZ-KAR-BAL", category=Category.VOTE_BUYING,
             created=now - timedelta(hours=80 - n), accused=[second, first][: n % 3],
             assignee=secretary if n % 2 else None, evidence=bool(n % 2),
             due=None if n % 3 == 0 else now + timedelta(hours=n - 3), paused=n == 4)
    db.session.commit()
    for locale in ("kk", "en"):
        filters, cursor, pages = QueueFilters(sort=sort), None, 0
        while True:
            mapped = queue_page(secretary, election, filters, after=cursor, limit=3, now=now,
                                load=orm_rows)
            plain = queue_page(secretary, election, filters, after=cursor, limit=3, now=now,
                               load=lines)
            assert [_seen(r, locale) for r in plain.rows] == \
                [_seen(r, locale) for r in mapped.rows]
            assert plain.next_cursor == mapped.next_cursor
            cursor, pages = plain.next_cursor, pages + 1
            if cursor is None:
                break
        assert pages == 3


def test_the_kept_header_is_each_users_own(app, client, login, election, secretary, make_user):
    reviewer = make_user("reviewer", email="dana@test.kz", name="Dana Reviewer")
    make(election)
    db.session.commit()
    other = app.test_client()
    for who, browser in ((secretary, client), (reviewer, other)):
        browser.set_cookie("casework_lang", "en")
        login(browser, who)
    mine = client.get("/cases?state=received").get_data(as_text=True)
    theirs = other.get("/cases?state=received").get_data(as_text=True)
    assert 'class="who">Bolat Secretary<' in mine and 'class="who">Dana' not in mine
    assert 'class="who">Dana Reviewer<' in theirs and 'class="who">Bolat' not in theirs
    # Each page's forms carry its own session's token, and the language switch comes back
    # to the address of the page, query included.
    assert set(TOKEN.findall(mine)).isdisjoint(TOKEN.findall(theirs))
    assert len(set(TOKEN.findall(mine))) == 1
    assert 'name="next" value="/cases?state=received"' in mine
    assert 'name="next" value="/cases"' in client.get("/cases").get_data(as_text=True)
    assert "inbox-count" not in client.get("/cases").get_data(as_text=True)
    notify(secretary, NotificationKind.ASSIGNED, actor=reviewer)
    db.session.commit()
    assert 'class="badge inbox-count"' in client.get("/cases").get_data(as_text=True)


def test_the_kept_filters_and_counts_follow_changes(client, login, election, secretary):
    make(election, state=S.SCREENING)
    db.session.commit()
    client.set_cookie("casework_lang", "en")
    login(client, secretary)

    def screening_count() -> str:
        html = client.get("/cases?region=KZ-KAR").get_data(as_text=True)
        return re.search(r'data-state="screening"[^>]*>[^<]*<span class="queue-count">(\d+)',
                         html).group(1)

    assert screening_count() == "1"
    make(election, state=S.SCREENING)
    db.session.commit()
    assert screening_count() == "2"
    # Typed words are shown in the box of their own page only, never kept for the next.
    searched = client.get("/cases?q=ballotstuffing").get_data(as_text=True)
    assert 'value="ballotstuffing"' in searched
    assert "ballotstuffing" not in client.get("/cases").get_data(as_text=True)
    # A chosen filter is marked on its page only.
    chosen = client.get("/cases?state=screening").get_data(as_text=True)
    assert '<option selected value="screening">' in chosen
    assert '<option selected value="screening">' not in client.get("/cases").get_data(
        as_text=True)



HEAD = re.compile(r'<form method="get" class="card queue-filters".*?</nav>', re.S)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_kept_head_of_a_search_is_the_head_rendered_for_its_words(
        client, login, election, secretary, monkeypatch, language):
    """The filter form kept with a mark for the words shows each search's own words, in the
    box and in every link, byte for byte as the form rendered for those words."""
    from casework.cases import queue_head
    make(election, state=S.SCREENING)
    db.session.commit()
    client.set_cookie("casework_lang", language)
    login(client, secretary)
    searches = ["ballot", 'a "quoted" <b>&amp; \'x\'', "8 (701) 000-12-34", "фальсификация+урна",
                "a%20b #frag ?x=1&y=2", "  spaced  words ", queue_head.WORDS_MARK, "Ā ǅ 𝔘"]
    for extra in ("", "&state=screening", "&region=KZ-KAR&groups=each"):
        for words in searches:
            address = "/cases?q=" + quote(words) + extra
            kept = HEAD.search(client.get(address).get_data(as_text=True)).group(0)
            with monkeypatch.context() as patched:
                patched.setattr(queue_head, "_keepable", lambda form, args: False)
                fresh = HEAD.search(client.get(address).get_data(as_text=True)).group(0)
            assert kept == fresh, (words, extra)
            assert queue_head.WORDS_MARK not in kept or words == queue_head.WORDS_MARK


def test_kept_counts_expire_and_follow_the_users_own_action(client, login, election,
                                                            secretary):
    """The counts per state are kept per process for a short time (cases/queue_counts.py):
    another process's change shows after it, the user's own changing request at once (in any
    process: it is noted in their session), a commit here that changes cases at once."""
    from casework.cases.queue_counts import CACHE
    from casework.core.cache import app_cache

    make(election, state=S.SCREENING)
    db.session.commit()
    client.set_cookie("casework_lang", "en")
    login(client, secretary)

    def screening_count() -> str:
        html = client.get("/cases").get_data(as_text=True)
        return re.search(r'data-state="screening"[^>]*>[^<]*<span class="queue-count">(\d+)',
                         html).group(1)

    def older_reading() -> None:  # as another process's change would leave this one's copy
        for _expires, counts in app_cache(CACHE)._entries.values():
            counts[S.SCREENING] = 7

    assert screening_count() == "1"
    now = [1000.0]
    app_cache(CACHE).clock = lambda: now[0]
    app_cache(CACHE).clear()
    assert screening_count() == "1"
    older_reading()
    assert screening_count() == "7"  # kept while fresh
    now[0] += 2.5
    assert screening_count() == "1"  # expired: read again
    older_reading()
    client.post("/language", data={"lang": "en", "next": "/cases"})  # the user's own request
    assert screening_count() == "1"
    older_reading()
    make(election, state=S.SCREENING)
    db.session.commit()  # a commit in this process that changes cases
    assert screening_count() == "2"


def test_pages_not_kept_leave_nothing_behind(app, election, secretary):
    """Each search and cursor page has a subquery of its own: the statements joined to them
    are held in a bounded cache (a weak map kept every one: ~100 KB a search request)."""
    from casework.cases.queue_lines import KEPT_JOINED
    from casework.core.cache import app_cache
    for n in range(3):
        make(election, narrative=f"Нарушение {n}")
    db.session.commit()
    for n in range(KEPT_JOINED + 20):  # searches with a filter the counters don't answer
        queue_page(secretary, election, QueueFilters(q=f"нарушение{n}", has_evidence=False),
                   load=lines)
        queue_page(secretary, election, QueueFilters(q="нарушение", has_evidence=False),
                   load=lines)
    assert len(app_cache("cases.queue_joined")) == KEPT_JOINED  # used, and bounded


@pytest.mark.parametrize("by_id", [300, 1])  # matches read by id; the index walked (SQLite)
@pytest.mark.parametrize("load", [lines, orm_rows])
def test_a_kept_search_statement_takes_each_searchs_own_words(app, election, secretary,
                                                              monkeypatch, by_id, load):
    """A first page of words keeps its statement for the next search of the same form,
    which passes its own words: each search's rows, groups and counts are those a fresh
    statement finds, whatever was searched before, with a case still waiting for its
    document among them."""
    from casework.cases import search, search_pending
    from casework.cases.models import CaseSearchDocument
    from casework.core.cache import app_cache
    monkeypatch.setattr(search, "SQLITE_BY_ID", by_id)
    carousel = [make(election, narrative=f"Карусель {n}", created=utcnow() - timedelta(hours=n))
                for n in range(3)]
    bribes = [make(election, narrative=f"Взятка {n}", created=utcnow() - timedelta(hours=9 + n))
              for n in range(3)]
    for case in bribes[1:]:
        case.text_group_id = bribes[1].id
    waiting = make(election, narrative="Подкуп снова", state=S.SCREENING)
    db.session.execute(db.delete(CaseSearchDocument).where(CaseSearchDocument.case_id == waiting.id))
    search_pending.mark_pending(waiting)
    db.session.commit()
    kept = app_cache("cases.queue_pages")

    def seen(**filters) -> list[tuple]:
        page = queue_page(secretary, election, QueueFilters(fold_groups=True, **filters),
                          load=load)
        return [(row.id, row.group_size) for row in page.rows]

    searches = [{"q": "карусель"}, {"q": "взятка"}, {"q": "карусель"}, {"q": "zzyzx"},
                {"q": "подкуп"}, {"q": "снова"}, {"q": "карусель 1"}, {"q": "взятка 2"},
                {"q": "взятка", "state": S.RECEIVED}, {"q": "подкуп", "state": S.SCREENING},
                {"q": "карусель", "state": S.RECEIVED}, {"q": "взятка"}]
    for filters in searches:
        warm = seen(**filters)
        kept.clear()
        assert warm == seen(**filters), filters
    assert seen(q="карусель") == [(c.id, 0) for c in carousel]
    assert seen(q="взятка") == [(bribes[0].id, 0), (bribes[1].id, 2)]
    assert seen(q="подкуп") == [(waiting.id, 0)]  # found by its text until its document
    before = len(kept)
    seen(q="карусель")
    seen(q="взятка")
    assert len(kept) == before  # the same forms: no statement built again


def test_a_kept_search_statement_is_never_another_readers(election, secretary, make_user,
                                                           monkeypatch):
    """Who may search the complainants' names gets a statement of their own (on PostgreSQL
    it reads the contacts too): a member without that right, of the same scope, never
    finds a case by a complainant's name through a statement kept for another."""
    from casework.cases import queue_conditions
    from casework.cases.search import index_case
    from casework.intake.models import Channel
    member = make_user("reviewer", email="member@test.kz")
    case = factories.case(election, S.SCREENING, "KZ-KAR-BAL")
    factories.complaint(case, Channel.WEB, anonymous=False, name="Aruzhan Witnessova",
                        phone="+77015550123")
    db.session.flush()
    index_case(case)
    db.session.commit()

    class ContactReaders:  # the secretary may search contacts here (the house's default: nobody)
        @staticmethod
        def can_open(user):
            return user.id == secretary.id
    monkeypatch.setattr(queue_conditions, "COMPLAINANT_SEARCH", ContactReaders)

    def found(user) -> list[int]:
        return [row.id for row in queue_page(user, election, QueueFilters(q="Witnessova"),
                                             load=lines).rows]
    for _ in range(2):  # either may come first
        assert found(member) == []
        assert found(secretary) == [case.id]
