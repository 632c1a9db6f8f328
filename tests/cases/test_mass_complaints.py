"""Mass complaints: thirty pasted narratives with small edits form one group, a different
text stays alone; the case page names the group; merging the group is audited per case."""

import random

import pytest
from sqlalchemy import func, select

from casework.cases.mass_complaints import group_new_cases, signature, similarity
from casework.cases.models import Case, CaseState
from casework.core.audit import AuditEntry
from casework.extensions import db
from tests import factories

CAMPAIGN = ("На избирательном участке номер 12 в Караганде наблюдателей не пустили в зал, "
            "а члены комиссии раздавали избирателям продуктовые наборы в обмен на голос за "
            "кандидата Ахметова. Я видел это своими глазами утром двадцать шестого мая, "
            "люди стояли в очереди у входа и получали пакеты с гречкой и маслом.")
OTHER = ("Кандидат Серикова использовала служебный автомобиль акимата для поездок по аулам "
         "района и проводила встречи с избирателями в рабочее время в здании школы.")


def edited(text: str, rng: random.Random) -> str:
    """A pasted copy with small edits: a word dropped, one changed, a greeting added."""
    words = text.split()
    del words[rng.randrange(len(words))]
    words[rng.randrange(len(words))] = rng.choice(["сегодня", "вчера", "точно", "лично"])
    return rng.choice(["Здравствуйте! ", "Прошу разобраться. ", ""]) + " ".join(words)


def filed(election, text: str, state=CaseState.SCREENING, region="KZ-KAR-BAL") -> Case:
    case = factories.case(election, state, region)
    factories.complaint(case, narrative=text)
    db.session.commit()
    return case


def test_thirty_pasted_texts_form_one_group_and_another_text_stays_alone(election):
    rng = random.Random(7)
    campaign = [filed(election, edited(CAMPAIGN, rng)) for _ in range(30)]
    alone = filed(election, OTHER)
    assert group_new_cases() == 31
    db.session.expire_all()
    groups = {db.session.get(Case, c.id).text_group_id for c in campaign}
    assert groups == {campaign[0].id}
    assert db.session.get(Case, alone.id).text_group_id is None
    # A late copy joins the group in the next round; nothing is grouped twice.
    late = filed(election, edited(CAMPAIGN, rng))
    assert group_new_cases() == 1 and group_new_cases() == 0
    db.session.expire_all()
    assert db.session.get(Case, late.id).text_group_id == campaign[0].id


def test_the_estimate_follows_the_text():
    rng = random.Random(1)
    one, two = signature(CAMPAIGN), signature(edited(CAMPAIGN, rng))
    assert len(one) == 64 and signature(CAMPAIGN) == one  # the same text, the same signature
    assert similarity(one, two) >= 0.6
    assert similarity(one, signature(OTHER)) < 0.2
    assert signature("") == [] and similarity([], one) == 0


@pytest.fixture
def secretary(make_user):
    return make_user("secretary")


def test_the_case_page_names_the_group_and_the_secretary_merges_it(election, app, login,
                                                                   secretary, english):
    rng = random.Random(3)
    cases = [filed(election, edited(CAMPAIGN, rng)) for _ in range(4)]
    cases.append(filed(election, edited(CAMPAIGN, rng), state=CaseState.INVESTIGATION))
    group_new_cases()
    client = app.test_client()
    client.set_cookie("casework_lang", "en")
    assert login(client, secretary).status_code == 302
    page = client.get(f"/cases/{cases[0].reference}").get_data(as_text=True)
    assert "The same or nearly the same text is in 4 other cases." in page
    group = client.get(f"/cases/{cases[0].reference}/group")
    assert group.status_code == 200
    html = group.get_data(as_text=True)
    assert all(c.reference in html for c in cases)
    assert cases[0].region.name_en in html and cases[0].region.name_kk not in html
    from tests.plugin.data import csrf_from

    token = csrf_from(client, f"/cases/{cases[0].reference}/group")
    missing = client.post(f"/cases/{cases[0].reference}/group",
                          data={"group-csrf_token": token})
    assert missing.status_code == 422 and "Choose one of the group" in missing.get_data(
        as_text=True)
    done = client.post(f"/cases/{cases[0].reference}/group",
                       data={"group-csrf_token": token, "group-target": cases[0].reference})
    assert done.status_code == 302
    db.session.expire_all()
    states = [db.session.get(Case, c.id).state for c in cases]
    # The ones in screening merged; the one under investigation stays as it is.
    assert states == [CaseState.SCREENING, CaseState.MERGED, CaseState.MERGED,
                      CaseState.MERGED, CaseState.INVESTIGATION]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "case.merged_in")) == 3


def test_a_reviewer_sees_the_group_but_cannot_merge(election, app, login, make_user):
    rng = random.Random(5)
    cases = [filed(election, edited(CAMPAIGN, rng)) for _ in range(2)]
    group_new_cases()
    reviewer = make_user("reviewer")
    client = app.test_client()
    client.set_cookie("casework_lang", "en")
    assert login(client, reviewer).status_code == 302
    html = client.get(f"/cases/{cases[0].reference}/group").get_data(as_text=True)
    assert cases[1].reference in html and "Merge the others" not in html
    alone = filed(election, OTHER)
    group_new_cases()
    assert client.get(f"/cases/{alone.reference}/group").status_code == 404
