"""Assignment and conflicts of interest: only eligible members (active, the case's region, no
conflict with an accused candidate), their loads in one GROUP BY, reassigning, and a
declared conflict keeping a member off the cases about the candidate."""

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from casework.cases.assignment import assign, declare_conflict, eligible_assignees, reviewer_loads
from casework.cases.conflicts import has_conflict
from casework.cases.models import Case, CaseState, Category, ConflictDeclaration
from casework.cases.services import open_case
from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.extensions import db
from casework.notifications.models import OutboxMessage
from tests import factories
from tests.plugin.data import csrf_from
from tests.plugin.queries import counted_queries

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def candidates(election):
    made = {code: factories.candidate(election, code, name)
            for code, name in (("C01", "Asan Usenov"), ("C02", "Bota Bekova"))}
    db.session.commit()
    return made


@pytest.fixture
def make_case(election, candidates):
    """A case in screening (unless told otherwise) accusing candidates by code."""
    def make(region_code="KZ-KAR-BAL", accused=("C01",), state=CaseState.SCREENING) -> Case:
        case = factories.case(election, state, region_code,
                              accused=[candidates[c] for c in accused])
        db.session.commit()
        return case

    return make


@pytest.fixture
def staff(election):
    def user(role, email, regions=None):
        return factories.user(role, election=election, email=email, regions=regions)

    return {
        "secretary": user("secretary", "secretary@test.kz"),
        "chair": user("chair", "chair@test.kz"),
        "kar": user("reviewer", "kar@test.kz", ["KZ-KAR"]),
        "bal": user("reviewer", "bal@test.kz", ["KZ-KAR-BAL"]),
        "ala": user("reviewer", "ala@test.kz", ["KZ-ALA"]),
        "ala_secretary": user("secretary", "ala-secretary@test.kz", ["KZ-ALA"]),
        "auditor": user("auditor", "auditor@test.kz"),
        "operator": user("operator", "operator@test.kz"),
    }


def assignee_of(case) -> int | None:
    db.session.expire_all()
    return db.session.scalar(select(Case.assignee_id).where(Case.id == case.id))


def refused(code, *args, field=None) -> Refusal:
    with pytest.raises(Refusal) as caught:
        assign(*args)
    assert caught.value.code == code, str(caught.value)
    if field:
        assert caught.value.field == field
    db.session.rollback()
    return caught.value


def test_assign_to_an_eligible_reviewer_audited_and_the_member_told(staff, make_case):
    case = make_case()
    assign(case, staff["kar"], staff["secretary"])
    db.session.commit()
    assert assignee_of(case) == staff["kar"].id
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.assigned"))
    assert entry.actor_id == staff["secretary"].id and entry.object_id == case.reference
    assert entry.details == {"from": None, "to": staff["kar"].id}
    [mail] = db.session.scalars(select(OutboxMessage))  # the member, by default by email too
    assert mail.recipient == staff["kar"].email and mail.template == "staff/notification"
    assert case.reference in mail.subject


def test_only_eligible_members_can_be_given_a_case(staff, make_case):
    case = make_case()
    assert "outside this member's regions" in str(
        refused("invalid", case, staff["ala"], staff["secretary"], field="assignee"))
    refused("invalid", case, staff["operator"], staff["secretary"], field="assignee")
    refused("invalid", case, staff["auditor"], staff["secretary"], field="assignee")
    staff["bal"].disabled_at = utcnow()
    db.session.commit()
    refused("invalid", case, staff["bal"], staff["secretary"], field="assignee")
    assign(case, staff["chair"], staff["secretary"])  # secretaries and chairs are members too
    assert assignee_of(case) == staff["chair"].id


def test_only_a_secretary_or_chair_of_the_region_assigns(staff, make_case):
    case = make_case()
    for actor in ("kar", "auditor", "operator", "ala_secretary"):
        refused("forbidden", case, staff["kar"], staff[actor])
    assert assignee_of(case) is None
    for state in (CaseState.CLOSED, CaseState.MERGED):
        refused("not_allowed", make_case(state=state), staff["kar"], staff["chair"])


def test_reassign_and_unassign(staff, make_case):
    case = make_case()
    assign(case, staff["kar"], staff["secretary"])
    assign(case, staff["bal"], staff["chair"])
    assign(case, staff["bal"], staff["chair"])  # the same member again: nothing to record
    assign(case, None, staff["chair"])
    db.session.commit()
    assert assignee_of(case) is None
    entries = list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action.in_(["case.assigned", "case.unassigned"])).order_by(AuditEntry.id)))
    assert [(e.action, e.details["from"], e.details["to"]) for e in entries] == [
        ("case.assigned", None, staff["kar"].id),
        ("case.assigned", staff["kar"].id, staff["bal"].id),
        ("case.unassigned", staff["bal"].id, None)]


def test_a_concurrent_change_of_assignee_is_a_conflict(staff, make_case):
    case = make_case()
    # Another secretary assigns meanwhile; this page still shows the old value.
    db.session.execute(update(Case).where(Case.id == case.id).values(assignee_id=staff["bal"].id)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    set_committed_value(case, "assignee_id", None)
    refused("conflict", case, staff["kar"], staff["secretary"])
    assert assignee_of(case) == staff["bal"].id


def test_loads_count_open_cases_per_member_in_one_group_by(staff, make_case, election):
    for state, who in ((CaseState.SCREENING, "kar"), (CaseState.INVESTIGATION, "kar"),
                       (CaseState.APPEALED, "kar"), (CaseState.DECIDED, "kar"),
                       (CaseState.CLOSED, "kar"), (CaseState.INFO_REQUESTED, "bal")):
        case = make_case(state=state)
        case.assignee_id = staff[who].id
    other = factories.election_with_regions("OTHER2020")
    stray = open_case(election=other, region=None, category=Category.OTHER, station=None,
                      accused=[])
    stray.assignee_id = staff["kar"].id  # another election's case is not counted
    db.session.commit()
    assert staff["secretary"].is_active and election.id  # loaded again before counting

    with counted_queries() as statements:
        loads = reviewer_loads(election, staff["secretary"])
    by_email = {user.email: n for user, n in loads}
    assert by_email == {"kar@test.kz": 3, "bal@test.kz": 1, "ala@test.kz": 0,
                        "secretary@test.kz": 0, "chair@test.kz": 0,
                        "ala-secretary@test.kz": 0}
    # The members with their regions, and the loads.
    assert sum("GROUP BY" in s for s in statements) == 1 and len(statements) == 2

    # Kept a moment by the process, until a commit here changes cases.
    with counted_queries() as statements:
        assert {u.email: n for u, n in reviewer_loads(election, staff["secretary"])} == by_email
    assert not any("GROUP BY" in s for s in statements)
    case = make_case(state=CaseState.SCREENING)
    case.assignee_id = staff["ala"].id
    db.session.commit()
    again = {u.email: n for u, n in reviewer_loads(election, staff["secretary"])}
    assert again == {**by_email, "ala@test.kz": 1}

    ala_view = {user.email for user, _n in reviewer_loads(election, staff["ala_secretary"])}
    assert ala_view == {"ala@test.kz", "ala-secretary@test.kz", "secretary@test.kz",
                        "chair@test.kz"}  # members of their regions, and all-region ones
    with pytest.raises(Refusal):
        reviewer_loads(election, staff["kar"])


def test_a_declared_conflict_keeps_the_member_off_the_cases_about_the_candidate(
        staff, make_case, candidates):
    about_c01, about_c02 = make_case(accused=("C01",)), make_case(accused=("C02",))
    both = make_case(accused=("C01", "C02"), state=CaseState.INVESTIGATION)
    for case in (about_c01, both):
        assign(case, staff["kar"], staff["secretary"])
    db.session.commit()
    assert not has_conflict(staff["kar"], about_c01)

    declaration = declare_conflict(staff["kar"], candidates["C01"], "  My cousin.  ")
    db.session.commit()
    assert declaration.reason == "My cousin."
    assert has_conflict(staff["kar"], about_c01) and has_conflict(staff["kar"], both)
    assert not has_conflict(staff["kar"], about_c02) and not has_conflict(staff["bal"], both)
    assert assignee_of(about_c01) is None and assignee_of(both) is None  # taken off them
    refused("invalid", about_c01, staff["kar"], staff["secretary"], field="assignee")
    assign(about_c02, staff["kar"], staff["secretary"])
    assert [u.email for u, _n in eligible_assignees(about_c01, staff["secretary"])
            if u.role.value == "reviewer"] == ["bal@test.kz"]
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert "conflict.declared" in actions and actions.count("case.unassigned") == 2


def test_declaring_a_conflict_rules(staff, candidates):
    declare_conflict(staff["bal"], candidates["C02"], "We work together.")
    with pytest.raises(Refusal) as caught:
        declare_conflict(staff["bal"], candidates["C02"], "Again.")
    assert caught.value.field == "candidate"
    with pytest.raises(Refusal) as caught:
        declare_conflict(staff["bal"], candidates["C01"], "   ")
    assert caught.value.code == "missing"
    for who in ("auditor", "operator"):
        with pytest.raises(Refusal) as caught:
            declare_conflict(staff[who], candidates["C01"], "A tie.")
        assert caught.value.code == "forbidden"
    assert has_conflict(None, None) is False


# -- over HTTP ---------------------------------------------------------------------------------

def logged_in(app, login, user):
    client = app.test_client()
    client.set_cookie("casework_lang", "en")
    assert login(client, user).status_code == 302
    return client


def test_the_assignment_form_lists_eligible_members_with_their_loads(app, login, staff, make_case,
                                                                    candidates):
    case = make_case()
    busy = make_case(accused=("C02",))
    busy.assignee_id = staff["bal"].id
    db.session.add(ConflictDeclaration(user_id=staff["chair"].id, candidate_id=candidates["C01"].id,
                                       reason="Friend.", declared_at=utcnow()))
    db.session.commit()
    secretary = logged_in(app, login, staff["secretary"])
    html = secretary.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Test reviewer (1 open case)" in html  # bal, with the busy case
    assert f'value="{staff["ala"].id}"' not in html  # another region
    assert f'value="{staff["chair"].id}"' not in html  # declared a conflict
    token = csrf_from(secretary, "/")
    response = secretary.post(f"/cases/{case.reference}/assign",
                              data={"assign-csrf_token": token, "assign-assignee": staff["kar"].id})
    assert response.status_code == 302 and assignee_of(case) == staff["kar"].id
    assert "Assigned to" in secretary.get(f"/cases/{case.reference}").get_data(as_text=True)
    wrong = secretary.post(f"/cases/{case.reference}/assign",
                           data={"assign-csrf_token": token, "assign-assignee": staff["ala"].id})
    assert wrong.status_code == 422 and assignee_of(case) == staff["kar"].id
    gone = secretary.post(f"/cases/{case.reference}/assign",
                          data={"assign-csrf_token": token, "assign-assignee": "999999"})
    assert gone.status_code == 422
    reviewer = logged_in(app, login, staff["kar"])
    assert reviewer.post(f"/cases/{case.reference}/assign",
                         data={"assign-csrf_token": csrf_from(reviewer, "/"),
                               "assign-assignee": ""}).status_code == 403
    assert "/assign" not in reviewer.get(f"/cases/{case.reference}").get_data(as_text=True)


def test_the_conflicts_page(app, login, staff, candidates, election, make_case):
    saved = app.config.get("CASEWORK_ELECTION")
    app.config["CASEWORK_ELECTION"] = election.code
    try:
        case = make_case()
        assign(case, staff["kar"], staff["secretary"])
        db.session.commit()
        member = logged_in(app, login, staff["kar"])
        page = member.get("/cases/conflicts")
        assert page.status_code == 200 and "Asan Usenov" in page.get_data(as_text=True)
        token = csrf_from(member, "/cases/conflicts")
        empty = member.post("/cases/conflicts", data={"csrf_token": token, "candidate": "C01",
                                                      "reason": ""})
        assert empty.status_code == 422
        unknown = member.post("/cases/conflicts", data={"csrf_token": token, "candidate": "C99",
                                                        "reason": "x"})
        assert unknown.status_code == 422
        done = member.post("/cases/conflicts", data={"csrf_token": token, "candidate": "C01",
                                                     "reason": "My cousin runs for it."})
        assert done.status_code == 302
        again = member.post("/cases/conflicts", data={"csrf_token": token, "candidate": "C01",
                                                      "reason": "Twice."})
        assert again.status_code == 422 and "already declared" in again.get_data(as_text=True)
        listed = member.get("/cases/conflicts").get_data(as_text=True)
        assert "My cousin runs for it." in listed
        assert assignee_of(case) is None
        assert db.session.scalar(select(ConflictDeclaration.user_id)) == staff["kar"].id
        for who, status in (("auditor", 403), ("operator", 403)):
            assert logged_in(app, login, staff[who]).get("/cases/conflicts").status_code == status
        assert app.test_client().get("/cases/conflicts").status_code == 302  # to the login
    finally:
        app.config["CASEWORK_ELECTION"] = saved
