"""The staff queue: filters, sorts, keyset pages, counts per state, region scope, a fixed
number of queries per page, and who may open it. Runs on SQLite and on PostgreSQL."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from casework.accounts.models import Role
from casework.cases.models import Case, CaseState, CaseStateCount, Category
from casework.cases.queries import queue_page
from casework.cases.queue_conditions import NO_REGION, QueueFilters, QueueScope, scope_condition
from casework.cases.queue_counts import state_counts
from casework.cases.queue_paging import decode_cursor, encode_cursor
from casework.cases.search import index_case
from casework.cases.transitions import apply
from casework.core.db import utcnow
from casework.extensions import db
from casework.intake.models import Channel
from tests import factories
from tests.factories import region
from tests.plugin.queries import counted_queries

S = CaseState
T0 = datetime(2026, 1, 10, 8, 0)


# -- helpers -----------------------------------------------------------------------------------

def make(election, *, region_code="KZ-KAR-BAL", state=S.RECEIVED, category=Category.VOTE_BUYING,
         created=None, channel=Channel.WEB, accused=(), assignee=None, evidence=False,
         due=None, paused=False, narrative="Нарушение на участке", changed=None) -> Case:
    """A case as the queue sees it (set-up only: states and times written directly)."""
    case = factories.case(election, state, region_code, category=category, accused=accused,
                          created_at=created or T0, changed_at=changed or created or T0)
    case.assignee_id = assignee.id if assignee else None
    case.has_evidence = evidence
    factories.complaint(case, channel, narrative=narrative)
    if due is not None or state is not S.RECEIVED:
        factories.deadline(case, due_at=due, paused_at=due if paused else None)
    db.session.flush()
    index_case(case)
    return case


def refs(page) -> list[str]:
    return [row.case.reference for row in page.rows]


def all_pages(user, election, filters, limit) -> list[str]:
    seen, cursor = [], None
    for _ in range(100):
        page = queue_page(user, election, filters, after=cursor, limit=limit)
        assert len(page.rows) <= limit
        seen += refs(page)
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("the pages never end")


def listed(user, election, **filters) -> set[str]:
    return set(all_pages(user, election, QueueFilters(**filters), 50))


@pytest.fixture
def secretary(make_user):
    return make_user("secretary")


# -- filters -----------------------------------------------------------------------------------

def test_each_filter_narrows_to_exactly_the_matching_cases(election, secretary, make_user):
    reviewer = make_user("reviewer", email="member@test.kz")
    past, future = utcnow() - timedelta(hours=2), utcnow() + timedelta(days=2)
    a = make(election, state=S.INVESTIGATION, due=past, accused=["C-1"], evidence=True,
             assignee=reviewer, channel=Channel.HOTLINE)
    b = make(election, region_code="KZ-ALA", state=S.INVESTIGATION, due=future,
             category=Category.DEFAMATION, accused=["C-2"], channel=Channel.EMAIL)
    c = make(election, region_code="KZ-KAR", state=S.SCREENING, due=past, paused=True,
             assignee=secretary, evidence=True)
    d = make(election, region_code=None, created=utcnow() - timedelta(days=3),
             channel=Channel.EMAIL, category=Category.DEFAMATION)  # received, no clock row
    e = make(election, state=S.CLOSED, accused=["C-1", "C-2"])
    db.session.commit()
    every = {x.reference for x in (a, b, c, d, e)}
    r = {x: x.reference for x in (a, b, c, d, e)}
    assert listed(secretary, election) == every
    assert listed(secretary, election, state=S.INVESTIGATION) == {r[a], r[b]}
    assert listed(secretary, election, region_code="KZ-KAR") == {r[a], r[c], r[e]}  # + district
    assert listed(secretary, election, region_code="KZ-KAR-BAL") == {r[a], r[e]}
    assert listed(secretary, election, region_code=NO_REGION) == {r[d]}
    assert listed(secretary, election, region_code="KZ-NOPE") == set()
    assert listed(secretary, election, category=Category.DEFAMATION) == {r[b], r[d]}
    assert listed(secretary, election, channel=Channel.EMAIL) == {r[b], r[d]}
    assert listed(secretary, election, channel=Channel.LETTER) == set()
    assert listed(secretary, election, candidate_code="C-1") == {r[a], r[e]}
    assert listed(secretary, election, candidate_code="C-2") == {r[b], r[e]}
    assert listed(secretary, election, assignee_id="me") == {r[c]}
    assert listed(secretary, election, assignee_id=reviewer.id) == {r[a]}
    assert listed(secretary, election, assignee_id=str(reviewer.id)) == {r[a]}
    assert listed(secretary, election, assignee_id="none") == {r[b], r[d], r[e]}
    # Overdue: a running clock past due (a), or received past the screening time (d); a
    # paused clock (c) is not overdue.
    for sort in ("newest", "due"):  # "due" joins the deadlines the filter looks at too
        assert listed(secretary, election, overdue=True, sort=sort) == {r[a], r[d]}
        assert listed(secretary, election, overdue=False, sort=sort) == {r[b], r[c], r[e]}
    assert listed(secretary, election, has_evidence=True) == {r[a], r[c]}
    assert listed(secretary, election, has_evidence=False) == {r[b], r[d], r[e]}
    # Filters combine.
    assert listed(secretary, election, state=S.INVESTIGATION, region_code="KZ-KAR",
                  category=Category.VOTE_BUYING, overdue=True) == {r[a]}
    rows = {row.case.reference: row for row in queue_page(
        secretary, election, QueueFilters()).rows}
    assert rows[r[a]].overdue and rows[r[d]].overdue and not rows[r[c]].overdue
    assert rows[r[c]].paused and rows[r[e]].due_at is None
    assert rows[r[a]].assignee.id == reviewer.id and rows[r[b]].assignee is None
    assert [c.code for c in rows[r[e]].case.accused] == ["C-1", "C-2"]


# -- sorting and keyset pages ------------------------------------------------------------------

def test_sort_orders(election, secretary):
    now = utcnow()
    old = make(election, created=T0, changed=T0 + timedelta(days=5))
    mid = make(election, created=T0 + timedelta(hours=1), changed=T0 + timedelta(days=1),
               state=S.INVESTIGATION, due=now + timedelta(hours=5))
    new = make(election, created=T0 + timedelta(hours=2), changed=T0 + timedelta(days=3),
               state=S.DECIDED)
    soon = make(election, created=T0 + timedelta(hours=3), state=S.INVESTIGATION,
                due=now + timedelta(hours=1))
    db.session.commit()

    def order(sort):
        return all_pages(secretary, election, QueueFilters(sort=sort), 50)

    assert order("newest") == [soon.reference, new.reference, mid.reference, old.reference]
    assert order("oldest") == [old.reference, mid.reference, new.reference, soon.reference]
    assert order("updated") == [old.reference, new.reference, mid.reference, soon.reference]
    # Due: the received case without a clock row is due at created + 24 h (long past),
    # then the clocks by due time, then the cases with no deadline (decided).
    assert order("due") == [old.reference, soon.reference, mid.reference, new.reference]
    assert order("bogus") == order("newest")


@pytest.mark.parametrize("sort", ["newest", "oldest", "updated", "due"])
def test_keyset_pages_cover_every_case_once_even_with_equal_times(election, secretary, sort):
    now = utcnow()
    made = []
    for i in range(23):  # all at the same instant: only the id breaks ties
        state = [S.RECEIVED, S.INVESTIGATION, S.CLOSED, S.SCREENING][i % 4]
        due = now + timedelta(hours=1) if state in (S.INVESTIGATION, S.SCREENING) else None
        made.append(make(election, state=state, due=due).reference)
    db.session.commit()
    for limit in (1, 4, 5, 23, 50):
        pages = all_pages(secretary, election, QueueFilters(sort=sort), limit)
        assert len(pages) == len(set(pages)) == 23
        assert set(pages) == set(made)
    assert all_pages(secretary, election, QueueFilters(sort=sort), 7) == \
        all_pages(secretary, election, QueueFilters(sort=sort), 50)


def test_cursors_are_opaque_and_a_bad_one_starts_over(election, secretary):
    for _ in range(3):
        make(election)
    db.session.commit()
    first = queue_page(secretary, election, QueueFilters(), limit=2)
    assert first.next_cursor and re.fullmatch(r"[A-Za-z0-9_-]+", first.next_cursor)
    assert decode_cursor(first.next_cursor, "oldest") is None  # made for another sort
    for bad in ("", "!!!", "e30", encode_cursor("newest", 7, None, 1), "x" * 300):
        assert refs(queue_page(secretary, election, QueueFilters(), after=bad, limit=2)) == \
            refs(first)


# -- counts per state --------------------------------------------------------------------------

def counted(user, election, **filters) -> dict | None:
    counts = state_counts(user, election, QueueFilters(**filters))
    return None if counts is None else {s: n for s, n in counts.items() if n}


def test_counts_per_state_follow_filters_and_every_change(election, secretary, make_user):
    a = make(election, state=S.SCREENING)
    make(election, state=S.SCREENING, region_code="KZ-ALA", category=Category.DEFAMATION)
    make(election, region_code=None, channel=Channel.EMAIL)
    make(election, state=S.CLOSED, region_code="KZ-KAR")
    db.session.commit()
    assert counted(secretary, election) == {S.SCREENING: 2, S.RECEIVED: 1, S.CLOSED: 1}
    # The state filter does not change the counts (they are the links to the states).
    assert counted(secretary, election, state=S.CLOSED) == counted(secretary, election)
    assert counted(secretary, election, region_code="KZ-KAR") == {S.SCREENING: 1, S.CLOSED: 1}
    assert counted(secretary, election, region_code=NO_REGION) == {S.RECEIVED: 1}
    assert counted(secretary, election, category=Category.DEFAMATION) == {S.SCREENING: 1}
    assert counted(secretary, election, category=Category.DEFAMATION, region_code="KZ-KAR") == {}
    # Other filters: not counted (that would read every matching case).
    assert counted(secretary, election, channel=Channel.EMAIL) is None
    assert counted(secretary, election, q="участке") is None
    # A transition and a region set at screening move the counts (database triggers).
    apply(a, "reject", actor=secretary, reason_code="duplicate",
          public_reason="Already examined.")
    db.session.execute(update(Case).where(Case.region_id.is_(None))
                       .values(region_id=region(election, "KZ-ALA").id))
    db.session.commit()
    assert counted(secretary, election) == {S.SCREENING: 1, S.INADMISSIBLE: 1, S.RECEIVED: 1,
                                            S.CLOSED: 1}
    assert counted(secretary, election, region_code="KZ-ALA") == {S.SCREENING: 1,
                                                                   S.RECEIVED: 1}
    assert counted(secretary, election, region_code=NO_REGION) == {}
    # The counters always equal a count of the cases.
    stored = {(r.region_key, r.category, r.state): r.n
              for r in db.session.scalars(select(CaseStateCount)) if r.n}
    actual = {(region_id or 0, category, state): n for region_id, category, state, n in
              db.session.execute(select(Case.region_id, Case.category, Case.state, func.count())
                                 .group_by(Case.region_id, Case.category, Case.state))}
    assert stored == actual


def test_counts_only_under_the_filters_the_counters_answer(election, secretary, client,
                                                            login):
    for state in (S.RECEIVED, S.RECEIVED, S.SCREENING):
        make(election, state=state, category=Category.DEFAMATION, evidence=True)
    make(election, state=S.CLOSED)
    db.session.commit()
    assert QueueFilters(region_code="KZ-KAR", category=Category.DEFAMATION, state=S.CLOSED,
                        sort="oldest").counted()
    assert QueueFilters(q=" !? ").counted()  # no words: no search
    for other in ({"has_evidence": True}, {"has_evidence": False}, {"q": "участке"},
                  {"channel": Channel.WEB}, {"candidate_code": "C-1"}, {"assignee_id": "me"},
                  {"overdue": False}):
        assert not QueueFilters(**other).counted()
        assert state_counts(secretary, election, QueueFilters(**other)) is None
    client.set_cookie("casework_lang", "en")
    login(client, secretary)
    html = client.get("/cases?evidence=yes").get_data(as_text=True)
    assert "counted per state under the region and category filters only" in html
    assert 'class="queue-count"' not in html and 'data-state="screening"' in html
    html = client.get("/cases?category=defamation").get_data(as_text=True)
    assert 'data-state="received" aria-current="page"' not in html
    assert 'data-state="received">Received <span class="queue-count">2</span>' in html


# -- region scope ------------------------------------------------------------------------------

def test_a_reviewer_sees_only_cases_of_their_regions(election, secretary, make_user):
    almaty = make_user("reviewer", email="ala@test.kz", regions=["KZ-ALA"])
    karaganda = make_user("reviewer", email="kar@test.kz", regions=["KZ-KAR"])
    ala = make(election, region_code="KZ-ALA", narrative="Сайлаушыларға ақша таратылды")
    kar = make(election, region_code="KZ-KAR-BAL", narrative="Сайлаушыларға ақша таратылды")
    nowhere = make(election, region_code=None, narrative="Сайлаушыларға ақша таратылды")
    db.session.commit()
    assert listed(almaty, election) == {ala.reference}
    assert listed(karaganda, election) == {kar.reference}
    assert listed(secretary, election) == {ala.reference, kar.reference, nowhere.reference}
    # Asking for another region, or for the cases without one, gives nothing.
    assert listed(almaty, election, region_code="KZ-KAR") == set()
    assert listed(almaty, election, region_code="KZ-KAR-BAL") == set()
    assert listed(almaty, election, region_code=NO_REGION) == set()
    # Search and counts keep to the scope as well.
    assert listed(almaty, election, q="ақша") == {ala.reference}
    assert listed(secretary, election, q="ақша") == {ala.reference, kar.reference,
                                                     nowhere.reference}
    assert counted(almaty, election) == {S.RECEIVED: 1}
    assert counted(almaty, election, region_code="KZ-KAR") == {}
    assert counted(almaty, election, category=Category.VOTE_BUYING) == {S.RECEIVED: 1}
    assert counted(secretary, election) == {S.RECEIVED: 3}
    # The scope condition other lists and the API can reuse.
    visible = set(db.session.scalars(select(Case.reference).where(
        scope_condition(almaty, election.id))))
    assert visible == {ala.reference}
    assert scope_condition(secretary, election.id) is None
    assert [r.code for r in QueueScope.load(almaty, election).visible_regions()] == ["KZ-ALA"]


def test_the_page_keeps_to_the_scope_over_http(client, login, election, make_user):
    almaty = make_user("reviewer", email="ala@test.kz", regions=["KZ-ALA"])
    ala = make(election, region_code="KZ-ALA", narrative="Сайлаушыларға ақша таратылды")
    kar = make(election, region_code="KZ-KAR-BAL", narrative="Сайлаушыларға ақша таратылды")
    db.session.commit()
    login(client, almaty)
    # A region outside the scope is not even offered: asked for anyway, it is ignored.
    for query in ("", "?q=ақша", "?region=KZ-KAR", "?region=none", "?state=received",
                  "?sort=due", "?region=KZ-ALA&sort=oldest"):
        html = client.get("/cases" + query).get_data(as_text=True)
        assert kar.reference not in html
        assert ala.reference in html
    html = client.get("/cases").get_data(as_text=True)
    offered = re.findall(r'value="([^"]*)"', re.search(r'<select id="region".*?</select>', html,
                                                       re.S).group(0))
    assert offered == ["", "KZ-ALA"]


# -- HTTP ----------------------------------------------------------------------------------------

def count_statements(app, action) -> int:
    with counted_queries() as statements:
        action()
    return len(statements)


@pytest.mark.parametrize("query", ["", "?sort=due", "?q=участке&category=vote_buying",
                                   "?overdue=yes&evidence=no&region=KZ-KAR",
                                   "?candidate=C-1&channel=web&assignee=none"])
def test_the_page_runs_a_fixed_number_of_queries(app, client, login, election, secretary, query):
    login(client, secretary)
    for i in range(10):
        make(election, accused=["C-1", f"C-{i + 2}"], state=[S.RECEIVED, S.INVESTIGATION][i % 2],
             due=utcnow() if i % 2 else None)
    db.session.commit()

    def get():
        response = client.get("/cases" + query)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    get()  # warm-up: the first request may load what later ones find cached
    ten = count_statements(app, get)
    assert get().count('<tr data-case=') == 10
    for i in range(40):
        make(election, accused=["C-1", f"C-{i + 20}"], state=[S.RECEIVED, S.INVESTIGATION][i % 2],
             due=utcnow() if i % 2 else None)
    db.session.commit()
    get()  # new candidates: the filter's options are made again once (queue_choices)
    fifty = count_statements(app, get)
    assert get().count('<tr data-case=') == 50
    assert ten == fifty <= 14


def test_the_page_shows_the_rows_counts_and_next_link(client, login, election, secretary):
    for _ in range(52):
        make(election, state=S.INVESTIGATION, due=utcnow() - timedelta(hours=1), evidence=True)
    make(election, region_code=None)
    db.session.commit()
    client.set_cookie("casework_lang", "en")
    login(client, secretary)
    html = client.get("/cases?state=investigation").get_data(as_text=True)
    assert html.count('<tr data-case=') == 50
    assert "overdue" in html  # a word, not only a colour
    assert 'data-state="investigation"' in html and ">52</span>" in html
    assert 'aria-current="page"' in html
    next_url = re.search(r'href="([^"]+)" id="next-page"', html).group(1).replace("&amp;", "&")
    assert "after=" in next_url and "state=investigation" in next_url
    rest = client.get(next_url).get_data(as_text=True)
    assert rest.count('<tr data-case=') == 2 and 'id="next-page"' not in rest
    assert client.get("/cases?after=garbage&sort=nonsense&state=bogus&assignee=x"
                      "&region=KZ-NOWHERE").status_code == 200


@pytest.mark.parametrize("role", ["reviewer", "secretary", "chair", "auditor"])
def test_members_and_auditors_open_the_queue(client, login, make_user, role):
    client.set_cookie("casework_lang", "en")
    login(client, make_user(role))
    response = client.get("/cases")
    assert response.status_code == 200
    assert "<h1>Cases</h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_operators_and_admins_get_403(client, login, make_user, role):
    login(client, make_user(role))
    assert client.get("/cases").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, election):
    response = client.get("/cases?state=received")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_no_election_yet(client, login):
    from tests import factories

    client.set_cookie("casework_lang", "en")
    login(client, factories.user("secretary"))
    html = client.get("/cases").get_data(as_text=True)
    assert "No election has been set up yet" in html


def test_roles_match_the_design():
    from casework.accounts.roles import QUEUE

    assert set(QUEUE.readers) == {Role.REVIEWER, Role.SECRETARY, Role.CHAIR, Role.AUDITOR}


def test_kept_rows_follow_every_change_language_and_viewer(app, client, login, election,
                                                           secretary, make_user):
    """The rows are rendered once and kept (cases/queue_rows.py): a change of anything a row
    shows, the language, or the viewer's unread mark shows at once, and never to another."""
    from casework.notifications.inbox import notify
    from casework.notifications.inbox_models import NotificationKind

    case = make(election)
    reviewer = make_user("reviewer", regions=["KZ-KAR"])
    db.session.commit()

    clients = {secretary.id: client, reviewer.id: app.test_client()}
    for who in (secretary, reviewer):
        clients[who.id].set_cookie("casework_lang", "en")
        login(clients[who.id], who)

    def row(who) -> str:
        html = clients[who.id].get("/cases").get_data(as_text=True)
        return re.search(rf'<tr data-case="{case.reference}".*?</tr>', html, re.S).group(0)

    first = row(secretary)
    assert "Received" in first and "Not assigned" in first and "queue-unread" not in first
    assert row(secretary) == first  # kept
    case.state, case.assignee_id = S.SCREENING, reviewer.id
    factories.deadline(case, due_at=utcnow() - timedelta(hours=1))
    notify(secretary, NotificationKind.ASSIGNED, case=case)
    db.session.commit()
    changed = row(secretary)
    assert "Screening" in changed and reviewer.full_name in changed
    assert "overdue" in changed and "queue-unread" in changed
    assert "queue-unread" not in row(reviewer)  # the mark is the secretary's own
    reviewer.full_name = "Жаңа Есім"
    db.session.commit()
    assert "Жаңа Есім" in row(secretary)
    client.set_cookie("casework_lang", "kk")
    assert "Screening" not in row(secretary) and "Жаңа Есім" in row(secretary)


def test_postgresql_plans_queue_pages_without_parallel_workers_or_jit(app):
    """A page's index walk stops at its 51st row; split over workers it ran 3-6x slower
    (bench/staff_queue.py). CASEWORK_PG_PARALLEL_WORKERS=0 by default. Compiling a walked
    search's plan took 90 ms, six times its work."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    assert db.session.scalar(text("SHOW max_parallel_workers_per_gather")) == "0"
    assert db.session.scalar(text("SHOW jit")) == "off"
