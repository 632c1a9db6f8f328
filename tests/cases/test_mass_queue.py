"""Mass complaints in the queue and on the group page: thirty pasted narratives show as one
row with their count (the viewer's regions only, under the filters, paged exactly), and a
screener marks the group's others as duplicates of a chosen case, each decided and audited
on its own; members out of screening are named as left; other regions and non-members are
refused."""

import random
import re

import pytest
from sqlalchemy import select

from casework.cases.mass_complaints import group_new_cases
from casework.cases.models import Case, CaseState, CaseTransition, InadmissibleReason
from casework.cases.queries import queue_page
from casework.cases.queue_conditions import QueueFilters
from casework.core.audit import AuditEntry
from casework.extensions import db
from casework.notifications.models import OutboxMessage
from tests import factories
from tests.cases.test_mass_complaints import CAMPAIGN, edited
from tests.plugin.data import csrf_from

WORDS = ["урна", "бюллетень", "автобус", "деньги", "школа", "давление", "наблюдатель",
         "подписи", "карусель", "вброс", "листовки", "видео", "фото", "свидетель", "комиссия",
         "участок", "голосование", "акимат", "машина", "ночь", "пакет", "список", "печать",
         "протокол", "утро", "вечер", "очередь", "телефон", "квартира"]


def filed(election, text: str, region="KZ-KAR-BAL", state=CaseState.SCREENING,
          email: str | None = None) -> Case:
    case = factories.case(election, state, region)
    factories.complaint(case, narrative=text, anonymous=email is None, email=email,
                        name="Айгүл Сәрсенова" if email else None)
    db.session.commit()
    return case


def other_text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(25))


@pytest.fixture
def campaign(election):
    """30 pasted copies (20 in Balkhash, 10 in Almaty) between 8 unrelated complaints."""
    rng = random.Random(11)
    copies, singles = [], []
    for i in range(30):
        if i % 4 == 0:
            singles.append(filed(election, other_text(rng)))
        copies.append(filed(election, edited(CAMPAIGN, rng),
                            region="KZ-ALA" if i % 3 == 2 else "KZ-KAR-BAL"))
    assert group_new_cases() == 38
    db.session.expire_all()
    assert {db.session.get(Case, c.id).text_group_id for c in copies} == {copies[0].id}
    assert all(db.session.get(Case, c.id).text_group_id is None for c in singles)
    return copies, singles


def every_page(user, election, filters: QueueFilters, limit: int) -> list:
    rows, cursor = [], None
    while True:
        page = queue_page(user, election, filters, after=cursor, limit=limit)
        rows += page.rows
        cursor = page.next_cursor
        if cursor is None:
            return rows


@pytest.mark.parametrize("sort", ["newest", "oldest", "due", "updated"])
def test_a_group_is_one_row_with_its_count_in_the_viewers_regions(election, make_user,
                                                                  campaign, sort):
    copies, singles = campaign
    secretary = make_user("secretary")
    almaty = make_user("reviewer", email="ala@test.kz", regions=["KZ-ALA"])
    folded = QueueFilters(sort=sort, fold_groups=True)
    rows = every_page(secretary, election, folded, limit=3)
    assert sorted(r.case.id for r in rows) == sorted([copies[0].id] + [c.id for c in singles])
    assert {r.case.id: r.group_size for r in rows}[copies[0].id] == 30
    assert len(every_page(secretary, election, QueueFilters(sort=sort), limit=7)) == 38
    # A reviewer of Almaty: the group is its Almaty members, the oldest of them shown.
    ala = [c for c in copies if c.region.code == "KZ-ALA"]
    rows = every_page(almaty, election, folded, limit=4)
    assert [(r.case.id, r.group_size) for r in rows] == [(ala[0].id, 10)]


def test_the_filters_choose_the_members_and_the_representative(election, make_user,
                                                               campaign):
    copies, _singles = campaign
    copies[0].state = CaseState.INVESTIGATION
    db.session.commit()
    secretary = make_user("secretary")
    rows = queue_page(secretary, election, QueueFilters(state=CaseState.SCREENING,
                                                        fold_groups=True)).rows
    grouped = [r for r in rows if r.case.text_group_id is not None]
    assert [(r.case.id, r.group_size) for r in grouped] == [(copies[1].id, 29)]
    rows = queue_page(secretary, election, QueueFilters(state=CaseState.INVESTIGATION,
                                                        fold_groups=True)).rows
    assert [(r.case.id, r.group_size) for r in rows] == [(copies[0].id, 1)]
    # Filters that are subqueries on the case (channel, deadline) hold for the members too.
    rows = queue_page(secretary, election, QueueFilters(channel="web", overdue=False,
                                                        fold_groups=True)).rows
    grouped = [r for r in rows if r.case.text_group_id is not None]
    assert [(r.case.id, r.group_size) for r in grouped] == [(copies[0].id, 30)]
    assert queue_page(secretary, election, QueueFilters(channel="letter",
                                                        fold_groups=True)).rows == []


def test_the_queue_page_folds_and_shows_each_on_request(app, client, login, english, election,
                                                        make_user, campaign):
    copies, singles = campaign
    login(client, make_user("secretary"))
    html = client.get("/cases").get_data(as_text=True)
    shown = re.findall(r'<tr data-case="([^"]+)"', html)
    assert sorted(shown) == sorted([copies[0].reference] + [c.reference for c in singles])
    assert (f'href="/cases/{copies[0].reference}/group">30 similar complaints</a>') in html
    each = client.get("/cases?groups=each").get_data(as_text=True)
    assert len(re.findall(r'<tr data-case="', each)) == 38 and "similar complaints" not in each
    # The kept row changes with the count.
    filed(election, edited(CAMPAIGN, random.Random(99)))
    group_new_cases()
    assert "31 similar complaints" in client.get("/cases").get_data(as_text=True)


def test_the_secretary_marks_the_others_as_duplicates(app, client, login, english, election,
                                                     make_user):
    rng = random.Random(21)
    cases = [filed(election, edited(CAMPAIGN, rng), email=f"c{i}@example.kz")
             for i in range(3)]
    cases.append(filed(election, edited(CAMPAIGN, rng), state=CaseState.INVESTIGATION))
    cases.append(filed(election, edited(CAMPAIGN, rng), region="KZ-ALA"))
    group_new_cases()
    reviewer = make_user("reviewer", email="kar@test.kz", regions=["KZ-KAR"])
    login(client, reviewer)
    url = f"/cases/{cases[0].reference}/group"
    page = client.get(url).get_data(as_text=True)
    assert "Mark the others as duplicates" in page and cases[4].reference not in page
    token = csrf_from(client, url)
    target = cases[1]
    done = client.post(f"{url}/duplicates", data={
        "group-csrf_token": token, "group-target": target.reference,
        "group-note": "Жалобы одинаковые."})
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/cases/{target.reference}/group")
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"Left as they are (not in screening, or not yours to decide): {cases[3].reference}" \
        in shown
    db.session.expire_all()
    states = [db.session.get(Case, c.id).state for c in cases]
    assert states == [CaseState.INADMISSIBLE, CaseState.SCREENING, CaseState.INADMISSIBLE,
                      CaseState.INVESTIGATION, CaseState.SCREENING]
    for case in (cases[0], cases[2]):
        move = db.session.scalar(select(CaseTransition).where(CaseTransition.case_id == case.id))
        assert move.action == "reject" and move.reason_code is InadmissibleReason.DUPLICATE
        assert move.actor_id == reviewer.id
        reason = db.session.get(Case, case.id).public_reason
        assert target.reference in reason and reason.endswith("Жалобы одинаковые.")
        audit = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "case.reject", AuditEntry.object_id == case.reference)).all()
        assert len(audit) == 1 and audit[0].details["reason_code"] == "duplicate"
        mail = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.case_id == case.id)).all()
        assert len(mail) == 1 and target.reference in mail[0].body_text
    assert db.session.scalar(select(CaseTransition).where(
        CaseTransition.case_id.in_([cases[1].id, cases[3].id, cases[4].id]))) is None


def test_marking_duplicates_refuses_other_regions_and_non_members(app, client, login, english,
                                                                 election, make_user):
    rng = random.Random(33)
    cases = [filed(election, edited(CAMPAIGN, rng)) for _ in range(2)]
    almaty = filed(election, edited(CAMPAIGN, rng), region="KZ-ALA")
    alone = filed(election, other_text(rng))
    group_new_cases()
    login(client, make_user("reviewer", email="kar@test.kz", regions=["KZ-KAR"]))
    url = f"/cases/{cases[0].reference}/group"
    token = csrf_from(client, url)
    for target in (almaty.reference, alone.reference, "", "NO-SUCH-1"):
        refused = client.post(f"{url}/duplicates", data={"group-csrf_token": token,
                                                         "group-target": target})
        assert refused.status_code == 422
        assert "Choose one of the group" in refused.get_data(as_text=True)
    no_token = client.post(f"{url}/duplicates", data={"group-target": cases[1].reference})
    assert no_token.status_code in (400, 422)
    other_region = client.post(f"/cases/{almaty.reference}/group/duplicates", data={
        "group-csrf_token": token, "group-target": almaty.reference})
    assert other_region.status_code == 404
    db.session.expire_all()
    assert {db.session.get(Case, c.id).state for c in (*cases, almaty, alone)} == {
        CaseState.SCREENING}
    # An auditor sees the group but decides nothing.
    auditor_client = app.test_client()
    auditor_client.set_cookie("casework_lang", "en")
    login(auditor_client, make_user("auditor", email="aud@test.kz"))
    page = auditor_client.get(url).get_data(as_text=True)
    assert cases[1].reference in page and "Mark the others" not in page
    forbidden = auditor_client.post(f"{url}/duplicates", data={
        "group-csrf_token": csrf_from(auditor_client, url), "group-target": cases[0].reference})
    assert forbidden.status_code == 403
    db.session.expire_all()
    assert db.session.get(Case, cases[1].id).state is CaseState.SCREENING
