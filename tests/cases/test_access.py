"""Who may do what on a case: `Case.can_*` and `Case.moves_for` as role x state tables, the
region scope, disabled accounts, and loading a case for a user (404 before 403)."""

import pytest
from sqlalchemy import event, select

from casework.accounts.models import Role
from casework.cases.access import case_in_scope, case_or_404, load_case_for
from casework.cases.conflicts import conflicted_user_ids
from casework.cases.models import Case, CaseState, Category, ConflictDeclaration
from casework.cases.services import open_case
from casework.core.db import utcnow
from casework.elections.models import Candidate, Region
from casework.extensions import db
from tests import factories

R, S = Role, CaseState

# What each role may do on a case in its regions (every state): the design's table.
CAN = {
    #              view   work   assign
    R.REVIEWER: (True, True, False),
    R.SECRETARY: (True, True, True),
    R.CHAIR: (True, True, True),
    R.AUDITOR: (True, False, False),
    R.OPERATOR: (False, False, False),
    R.ADMIN: (False, False, False),
}

# The moves (buttons) of each committee role in each state; the others take none.
MOVES = {
    S.RECEIVED: {R.REVIEWER: ["start_screening"], R.SECRETARY: ["start_screening"],
                 R.CHAIR: ["start_screening"]},
    S.SCREENING: {R.REVIEWER: ["admit", "reject", "request_cure"],
                  R.SECRETARY: ["admit", "reject", "merge", "request_cure"],
                  R.CHAIR: ["admit", "reject", "merge", "request_cure"]},
    S.INADMISSIBLE: {R.SECRETARY: ["appeal"], R.CHAIR: ["appeal"]},
    S.INVESTIGATION: {role: ["request_info", "ready_findings"]
                      for role in (R.REVIEWER, R.SECRETARY, R.CHAIR)},
    # Both answers by the table; the case page keeps the one the case waits for (cure or not).
    S.INFO_REQUESTED: {role: ["cure_received", "info_received"]
                       for role in (R.REVIEWER, R.SECRETARY, R.CHAIR)},
    S.FINDINGS_READY: {R.SECRETARY: ["decide"], R.CHAIR: ["decide"]},
    S.DECIDED: {R.SECRETARY: ["close", "appeal"], R.CHAIR: ["close", "appeal"]},
    S.CLOSED: {},
    S.APPEALED: {R.SECRETARY: ["reopen"], R.CHAIR: ["reopen", "redecide"]},
    S.MERGED: {},
}


def region(election, code: str) -> Region:
    return db.session.scalar(select(Region).where(Region.election_id == election.id,
                                                  Region.code == code))


@pytest.fixture
def users(election):
    """Per role: one user of the Karaganda region (which holds Balkhash) and one of Almaty."""
    return {(role, where): factories.user(role.value, election=election,
                                          email=f"{role.value}-{where}@test.kz",
                                          regions=[f"KZ-{where}"])
            for role in Role for where in ("KAR", "ALA")}


@pytest.fixture
def case(election):
    made = open_case(election=election, region=region(election, "KZ-KAR-BAL"),
                     category=Category.VOTE_BUYING, station=None, accused=[])
    db.session.commit()
    return made


def test_the_permissions_of_each_role_in_and_out_of_its_regions(users, case):
    for role, (view, work, assign) in CAN.items():
        inside, outside = users[(role, "KAR")], users[(role, "ALA")]
        for state in CaseState:
            case.state = state
            assert (case.can_view(inside), case.can_work(inside), case.can_assign(inside)) == (
                view, work, assign), (role, state)
            assert not (case.can_view(outside) or case.can_work(outside)
                        or case.can_assign(outside)), (role, state)
    db.session.rollback()


def test_the_moves_of_each_role_in_each_state(users, case):
    for state, by_role in MOVES.items():
        case.state = state
        for role in Role:
            inside, outside = users[(role, "KAR")], users[(role, "ALA")]
            assert [t.action for t in case.moves_for(inside)] == by_role.get(role, []), (
                role, state)
            assert case.moves_for(outside) == [], (role, state)
            assert case.can_screen(inside) is (state is S.SCREENING and role in by_role)
    db.session.rollback()


def test_the_system_takes_only_the_complainants_answer(case):
    # ... or, for a cure request, the lapse of its period (cases/cure.py).
    for state in CaseState:
        case.state = state
        assert [t.action for t in case.moves_for(None)] == (
            ["cure_received", "cure_lapsed", "info_received"] if state is S.INFO_REQUESTED
            else [])
    db.session.rollback()


def test_a_disabled_account_may_do_nothing(users, case):
    chair = users[(R.CHAIR, "KAR")]
    chair.disabled_at = utcnow()
    assert not (case.can_view(chair) or case.can_work(chair) or case.can_assign(chair))
    assert case.moves_for(chair) == []
    assert load_case_for(chair, case.reference) is None
    db.session.rollback()


def test_loading_answers_existence_before_permission(app, users, case):
    operator = users[(R.OPERATOR, "KAR")]  # in the region, but reads no case
    assert case_in_scope(operator, case.reference) == case
    assert load_case_for(operator, case.reference) is None
    assert load_case_for(users[(R.AUDITOR, "KAR")], f" {case.reference.lower()} ") == case
    for user, reference in ((users[(R.CHAIR, "ALA")], case.reference),
                            (users[(R.CHAIR, "KAR")], "T2020-KAR-99999"),
                            (users[(R.CHAIR, "KAR")], "x" * 500), (None, case.reference)):
        assert case_in_scope(user, reference) is None
        with app.test_request_context(), pytest.raises(Exception) as caught:
            case_or_404(user, reference)
        assert getattr(caught.value, "code", None) == 404


def test_the_committees_conflicts_in_one_query(election, users, case):
    accused = Candidate(election_id=election.id, code="C01", name_kk="A", name_ru="A",
                        name_en="A", region_id=region(election, "KZ-KAR").id)
    other = Candidate(election_id=election.id, code="C02", name_kk="B", name_ru="B",
                      name_en="B", region_id=region(election, "KZ-KAR").id)
    db.session.add_all([accused, other])
    db.session.flush()
    case.accused.append(accused)
    conflicted, unrelated = users[(R.REVIEWER, "KAR")], users[(R.SECRETARY, "KAR")]
    db.session.add_all([
        ConflictDeclaration(user_id=conflicted.id, candidate_id=accused.id, reason="Cousin."),
        ConflictDeclaration(user_id=unrelated.id, candidate_id=other.id, reason="Friend.")])
    db.session.commit()
    case = db.session.get(Case, case.id)

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = conflicted_user_ids(case)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert found == {conflicted.id} and len(statements) == 1
