"""The staff JSON API through HTTP: bearer tokens only, the pages' roles and region scope,
the queue's filters and keyset pages, workflow moves, problem+json errors."""

from datetime import timedelta

import jsonschema
import pytest
from openapi_spec_validator import validate
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from casework.accounts import tokens
from casework.cases.models import Case, CaseState, CaseTransition
from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.core.problems import refused
from casework.core.refusal import Refusal
from casework.extensions import db
from tests.factories import member

pytestmark = pytest.mark.usefixtures("english")  # answers in English

STAFF_PATHS = {"/cases": "get", "/cases/{reference}": "get",
               "/cases/{reference}/transitions": "post", "/statistics": "get"}


def token_for(user) -> str:
    _token, plain = tokens.create_token(user, "tests")
    db.session.commit()
    return plain


def bearer(plain: str) -> dict:
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def check(spec, name: str, instance) -> None:
    jsonschema.validate(instance, {"$ref": f"#/components/schemas/{name}",
                                   "components": spec["components"]})


def move(client, case, plain, action, expected=None, **fields):
    body = {"action": action, "expected_state": (expected or case.state).value, **fields}
    return client.post(f"/api/v1/cases/{case.reference}/transitions", json=body,
                       headers=bearer(plain))


def state_of(case) -> CaseState:
    return db.session.scalar(select(Case.state).where(Case.id == case.id))


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    if field is not None:
        assert field in {e["field"] for e in body.get("errors", [])}, body
    return body


def concrete(path: str, case) -> str:
    return "/api/v1" + path.replace("{reference}", case.reference)


# -- authentication ---------------------------------------------------------------------

def test_document_has_the_staff_paths_with_bearer_security(spec):
    scheme = spec["components"]["securitySchemes"]["bearerToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    validate(spec)
    for path, method in STAFF_PATHS.items():
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"bearerToken": []}]
        assert {"401", "403"} <= set(operation["responses"])


def test_every_staff_path_answers_401_without_a_valid_token(client, spec, make_case,
                                                            committee):
    case = make_case(CaseState.RECEIVED)
    revoked, plain = tokens.create_token(committee["secretary"], "old")
    tokens.revoke_token(revoked, committee["secretary"])
    db.session.commit()
    documented = {path for path, item in spec["paths"].items()
                  if any("security" in op for op in item.values())}
    assert documented == set(STAFF_PATHS)
    for path, method in STAFF_PATHS.items():
        for headers in ({}, bearer("cw_not-a-real-token"), bearer(plain),
                        {"Authorization": f"Basic {plain}"}):
            response = client.open(concrete(path, case), method=method.upper(),
                                   headers=headers, json={"action": "start_screening",
                                                          "expected_state": "received"})
            assert_problem(response, 401)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert "Set-Cookie" not in response.headers
    assert state_of(case) is CaseState.RECEIVED


def test_a_session_cookie_without_a_token_gets_401_and_changes_nothing(client, login,
                                                                       make_case, committee):
    case = make_case(CaseState.RECEIVED)
    assert login(client, committee["secretary"]).status_code == 302
    assert client.get(f"/cases/{case.reference}").status_code == 200  # the session works
    response = client.post(f"/api/v1/cases/{case.reference}/transitions",
                           json={"action": "start_screening", "expected_state": "received"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_problem(client.get("/api/v1/cases"), 401)
    # with the cookie, even a valid token is refused: the API takes the token alone
    plain = token_for(committee["secretary"])
    refused = move(client, case, plain, "start_screening")
    assert "cookie" in assert_problem(refused, 401)["detail"]
    assert state_of(case) is CaseState.RECEIVED
    assert db.session.scalar(select(CaseTransition.id)) is None


def test_api_responses_set_no_cookie(app, client, make_case, committee):
    case = make_case(CaseState.RECEIVED)
    plain = token_for(committee["secretary"])
    responses = [
        client.get("/api/v1/cases", headers=bearer(plain)),
        client.get(f"/api/v1/cases/{case.reference}", headers=bearer(plain)),
        move(client, case, plain, "start_screening"),
        client.get("/api/v1/cases?state=bogus", headers=bearer(plain)),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 422]
    for response in responses:
        assert "Set-Cookie" not in response.headers
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None


def test_a_token_of_a_disabled_user_stops_working(client, make_case, committee):
    make_case(CaseState.RECEIVED)
    user = committee["r1"]
    plain = token_for(user)
    assert client.get("/api/v1/cases", headers=bearer(plain)).status_code == 200
    user.disabled_at = utcnow()
    db.session.commit()
    assert_problem(client.get("/api/v1/cases", headers=bearer(plain)), 401)


def test_an_expired_token_stops_working(client, make_case, committee):
    make_case(CaseState.RECEIVED)
    token, plain = tokens.create_token(committee["r1"], "short")
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert_problem(client.get("/api/v1/cases", headers=bearer(plain)), 401)


# -- roles and region scope ---------------------------------------------------------------

def test_a_kar_reviewer_sees_only_kar_cases(client, election, make_case, committee):
    balkhash = make_case(CaseState.RECEIVED)  # KZ-KAR-BAL: below KZ-KAR
    almaty = make_case(CaseState.RECEIVED, region_code="KZ-ALA")
    plain = token_for(committee["r3"])  # a reviewer of KZ-KAR
    response = client.get("/api/v1/cases", headers=bearer(plain))
    assert response.status_code == 200
    assert [i["reference"] for i in response.get_json()["items"]] == [balkhash.reference]
    assert_problem(client.get(f"/api/v1/cases/{almaty.reference}", headers=bearer(plain)), 404)
    assert_problem(move(client, almaty, plain, "start_screening"), 404)
    assert state_of(almaty) is CaseState.RECEIVED
    # asking for the other region by filter is refused, not answered
    assert_problem(client.get("/api/v1/cases?region=KZ-ALA", headers=bearer(plain)), 422,
                   "region")
    # and the same token does reach its own region's case
    assert client.get(f"/api/v1/cases/{balkhash.reference}",
                      headers=bearer(plain)).status_code == 200
    assert move(client, balkhash, plain, "start_screening").status_code == 200


def test_an_auditor_reads_but_may_not_move_cases(client, election, make_case):
    case = make_case(CaseState.RECEIVED)
    plain = token_for(member(election, "auditor", "Ainur Auditor"))
    assert client.get("/api/v1/cases", headers=bearer(plain)).status_code == 200
    detail = client.get(f"/api/v1/cases/{case.reference}", headers=bearer(plain))
    assert detail.status_code == 200 and detail.get_json()["actions"] == []
    assert_problem(move(client, case, plain, "start_screening"), 403)
    assert state_of(case) is CaseState.RECEIVED


@pytest.mark.parametrize("role", ["admin", "operator"])
def test_roles_outside_the_queue_get_403(client, election, make_case, role):
    case = make_case(CaseState.RECEIVED)
    plain = token_for(member(election, role, f"Someone {role.title()}"))
    assert_problem(client.get("/api/v1/cases", headers=bearer(plain)), 403)
    assert_problem(client.get(f"/api/v1/cases/{case.reference}", headers=bearer(plain)), 403)
    assert_problem(move(client, case, plain, "start_screening"), 403)
    assert_problem(client.get("/api/v1/statistics", headers=bearer(plain)), 403)


# -- moving a case ------------------------------------------------------------------------

def test_a_transition_changes_the_state_and_is_audited_and_on_the_timeline(client, spec,
                                                                          make_case, committee):
    case = make_case(CaseState.RECEIVED)
    secretary = committee["secretary"]
    plain = token_for(secretary)
    response = move(client, case, plain, "start_screening")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    check(spec, "TransitionResult", body)
    assert body["state"] == "screening" and body["transition"]["from_state"] == "received"
    assert state_of(case) is CaseState.SCREENING
    record = db.session.get(CaseTransition, body["transition"]["id"])
    assert (record.case_id, record.action, record.actor_id) == (case.id, "start_screening",
                                                                secretary.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.start_screening"))
    assert entry.actor_id == secretary.id and entry.object_id == case.reference
    assert entry.details["transition_id"] == record.id

    detail = client.get(f"/api/v1/cases/{case.reference}", headers=bearer(plain)).get_json()
    check(spec, "Case", detail)
    moves = [e for e in detail["timeline"] if e["kind"] == "transition"]
    assert [(m["details"]["action"], m["details"]["to_state"], m["actor"]) for m in moves] == [
        ("start_screening", "screening", secretary.full_name)]
    assert "admit" in {a["action"] for a in detail["actions"]}


def test_admit_and_reject_carry_the_screening_checklist(client, spec, make_case, committee):
    from casework.api.openapi import CHECKLIST_NAMES as DOCUMENTED
    from casework.cases.models import ScreeningChecklist
    from casework.cases.workflow import CHECKLIST_NAMES

    assert list(CHECKLIST_NAMES) == DOCUMENTED
    plain = token_for(committee["secretary"])
    passing = dict.fromkeys(CHECKLIST_NAMES, True)
    admitted = make_case(CaseState.SCREENING)
    assert_problem(move(client, admitted, plain, "admit"), 422)  # no checklist yet
    response = move(client, admitted, plain, "admit", checklist=passing,
                    checklist_notes="Place, time and a photo.")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert state_of(admitted) is CaseState.INVESTIGATION
    stored = db.session.scalar(select(ScreeningChecklist).where(
        ScreeningChecklist.case_id == admitted.id))
    assert stored.notes == "Place, time and a photo." and stored.within_remit is True

    rejected = make_case(CaseState.SCREENING)
    response = move(client, rejected, plain, "reject", reason_code="no_evidence_or_source",
                    public_reason="No evidence and no source to check.",
                    checklist={**passing, "evidence_or_source": False})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert state_of(rejected) is CaseState.INADMISSIBLE
    for bad in ({"not_an_item": True}, {"within_remit": "yes"}, ["within_remit"]):
        other = make_case(CaseState.SCREENING)
        assert_problem(move(client, other, plain, "admit", checklist=bad), 422, "checklist")
        assert state_of(other) is CaseState.SCREENING
    # The checklist belongs to screening: on another action it is not a field.
    investigated = make_case(CaseState.INVESTIGATION)
    assert_problem(move(client, investigated, plain, "ready_findings", checklist=passing), 422,
                   "checklist")


def test_request_info_carries_its_question(client, make_case, committee):
    case = make_case(CaseState.INVESTIGATION)
    plain = token_for(committee["r1"])
    assert_problem(move(client, case, plain, "request_info"), 422, "question")
    response = move(client, case, plain, "request_info", question="Which station exactly?")
    assert response.status_code == 200
    assert state_of(case) is CaseState.INFO_REQUESTED
    record = db.session.scalar(select(CaseTransition).where(CaseTransition.case_id == case.id))
    assert record.text == "Which station exactly?"


def test_a_stale_expected_state_is_409_and_changes_nothing(client, make_case, committee):
    case = make_case(CaseState.SCREENING)
    plain = token_for(committee["secretary"])
    assert_problem(move(client, case, plain, "start_screening", expected=CaseState.RECEIVED), 409)
    assert_problem(move(client, case, plain, "close"), 409)  # not from screening
    assert state_of(case) is CaseState.SCREENING
    assert db.session.scalar(select(CaseTransition.id)) is None


def test_refusals_name_the_field(client, make_case, committee):
    case = make_case(CaseState.SCREENING)
    plain = token_for(committee["chair"])
    # the checklist is filled in on the case page: admit without it is refused
    assert_problem(move(client, case, plain, "admit"), 422, "checklist")
    assert_problem(move(client, case, plain, "reject", reason_code="duplicate"), 422,
                   "public_reason")
    assert_problem(move(client, case, plain, "merge", into="NOPE-1"), 422, "into")
    assert_problem(move(client, case, plain, "decide"), 422, "action")
    assert_problem(move(client, case, plain, "fly"), 422, "action")
    assert_problem(move(client, case, plain, "start_screening", question="?"), 422, "question")
    assert_problem(move(client, case, plain, "reject", reason_code=3), 422, "reason_code")
    assert_problem(move(client, case, plain, "reject", public_reason="a\x00b"), 422,
                   "public_reason")
    url = f"/api/v1/cases/{case.reference}/transitions"
    assert_problem(client.post(url, json=["admit"], headers=bearer(plain)), 422, "body")
    assert_problem(client.post(url, data="not json", headers=bearer(plain)), 422, "body")
    assert_problem(client.post(url, json={"action": "admit", "expected_state": "limbo"},
                               headers=bearer(plain)), 422, "expected_state")
    assert state_of(case) is CaseState.SCREENING


def test_a_merge_through_the_api(client, make_case, committee):
    case, target = make_case(CaseState.SCREENING), make_case(CaseState.INVESTIGATION)
    plain = token_for(committee["secretary"])
    response = move(client, case, plain, "merge", into=target.reference.lower())
    assert response.status_code == 200, response.get_data(as_text=True)
    assert state_of(case) is CaseState.MERGED
    assert db.session.scalar(select(Case.merged_into_id).where(Case.id == case.id)) == target.id


def test_a_move_the_role_may_not_take_is_the_workflows_own_403(client, make_case, committee):
    case, target = make_case(CaseState.SCREENING), make_case(CaseState.INVESTIGATION)
    plain = token_for(committee["r1"])  # a reviewer: merging is for the leads
    body = assert_problem(move(client, case, plain, "merge", into=target.reference), 403)
    assert body["title"] != "Not allowed"  # the workflow's refusal, not the API's role check
    assert state_of(case) is CaseState.SCREENING


# -- problems are raised, never returned --------------------------------------------------

@pytest.mark.parametrize("code, status", [
    ("forbidden", 403), ("self_approval", 403), ("not_found", 404), ("not_allowed", 409),
    ("conflict", 409), ("too_large", 413), ("missing", 422), ("invalid", 422),
    ("a code nobody knows", 422)])
def test_a_refusal_is_raised_with_the_status_of_its_code(app, code, status):
    with app.test_request_context("/api/v1/cases"), pytest.raises(HTTPException) as raised:
        refused(Refusal(code, "No.", field="into"))
    response = raised.value.response
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert response.get_json() == {"type": "about:blank", "title": "No.", "status": status,
                                   "errors": [{"field": "into", "message": "No."}]}


def test_an_unknown_case_is_404_before_the_role_is_refused(client, election, make_case):
    case = make_case(CaseState.RECEIVED)
    plain = token_for(member(election, "admin", "Someone Admin"))
    assert_problem(client.get("/api/v1/cases/NOPE-00001", headers=bearer(plain)), 404)
    assert_problem(move(client, Case(reference="NOPE-00001", state=CaseState.RECEIVED), plain,
                        "start_screening"), 404)
    assert_problem(client.get(f"/api/v1/cases/{case.reference}", headers=bearer(plain)), 403)


# -- the list -----------------------------------------------------------------------------

@pytest.mark.parametrize("sort", ["newest", "oldest", "due", "updated"])
def test_cursor_paging_returns_every_case_once(client, spec, make_case, committee, sort):
    states = [CaseState.RECEIVED, CaseState.SCREENING, CaseState.INVESTIGATION,
              CaseState.CLOSED]
    cases = [make_case(states[n % len(states)]) for n in range(7)]
    for n, case in enumerate(cases):  # distinct times, and some equal ones
        case.created_at = utcnow() - timedelta(hours=n // 2)
    db.session.commit()
    plain = token_for(committee["secretary"])
    seen, after, pages = [], None, 0
    while True:
        query = {"limit": 3, "sort": sort, **({"after": after} if after else {})}
        response = client.get("/api/v1/cases", query_string=query, headers=bearer(plain))
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        check(spec, "CasePage", body)
        assert len(body["items"]) <= 3
        seen += [item["reference"] for item in body["items"]]
        pages += 1
        after = body["next"]
        if after is None:
            break
    assert sorted(seen) == sorted(c.reference for c in cases) and len(seen) == len(set(seen))
    assert pages == 3


def test_filters_narrow_the_list(client, make_case, committee):
    received = make_case(CaseState.RECEIVED)
    make_case(CaseState.INVESTIGATION)
    almaty = make_case(CaseState.INVESTIGATION, region_code="KZ-ALA")
    plain = token_for(committee["secretary"])

    def references(**query):
        response = client.get("/api/v1/cases", query_string=query, headers=bearer(plain))
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["reference"] for item in response.get_json()["items"]]

    assert references(state="received") == [received.reference]
    assert references(region="KZ-ALA") == [almaty.reference]
    assert len(references()) == 3
    assert references(candidate="C01", state="received") == [received.reference]
    everything = sorted(references())
    assert sorted(references(has_evidence="true") + references(has_evidence="false")) \
        == everything
    assert sorted(references(assignee="none")) == everything and references(assignee="me") == []


@pytest.mark.parametrize("query, field", [
    ({"state": "bogus"}, "state"), ({"category": "x"}, "category"), ({"channel": "fax"}, "channel"),
    ({"sort": "random"}, "sort"), ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"),
    ({"limit": "ten"}, "limit"), ({"overdue": "maybe"}, "overdue"),
    ({"has_evidence": "1"}, "has_evidence"), ({"assignee": "-1"}, "assignee"),
    ({"assignee": "99999999999"}, "assignee"), ({"region": "KZ-XXX"}, "region"),
    ({"candidate": "Z99"}, "candidate"), ({"after": "garbage"}, "after"),
    ({"q": "x" * 201}, "q"), ({"q": "a\x00b"}, "q"),
])
def test_a_bad_parameter_is_422_naming_it(client, make_case, committee, query, field):
    make_case(CaseState.RECEIVED)
    plain = token_for(committee["secretary"])
    response = client.get("/api/v1/cases", query_string=query, headers=bearer(plain))
    assert_problem(response, 422, field)


def test_a_cursor_of_another_sort_is_refused(client, make_case, committee):
    for _n in range(3):
        make_case(CaseState.RECEIVED)
    plain = token_for(committee["secretary"])
    first = client.get("/api/v1/cases?limit=1&sort=newest", headers=bearer(plain)).get_json()
    assert first["next"]
    response = client.get("/api/v1/cases", query_string={"limit": 1, "sort": "oldest",
                                                         "after": first["next"]},
                          headers=bearer(plain))
    assert_problem(response, 422, "after")


def test_the_case_document(client, spec, make_case, committee):
    case = make_case(CaseState.RECEIVED)
    plain = token_for(committee["secretary"])
    body = client.get(f"/api/v1/cases/{case.reference.lower()}", headers=bearer(plain)).get_json()
    check(spec, "Case", body)
    assert body["reference"] == case.reference and body["region"] == "KZ-KAR-BAL"
    assert body["accused"][0]["code"] == "C01"
    assert body["accused"][0]["names"]["en"] == "Asan Usenov"
    assert [a["action"] for a in body["actions"]] == ["start_screening"]
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds.count("complaint") == 1 and kinds.count("evidence") == 2
    assert_problem(client.get("/api/v1/cases/NOPE-00001", headers=bearer(plain)), 404)
    assert_problem(client.get("/api/v1/cases/" + "X" * 41, headers=bearer(plain)), 404)


# -- statistics ---------------------------------------------------------------------------

def test_statistics_for_the_tokens_regions(client, make_case, committee):
    make_case(CaseState.RECEIVED)
    make_case(CaseState.RECEIVED, region_code="KZ-ALA")
    kar = client.get("/api/v1/statistics", headers=bearer(token_for(committee["r3"])))
    assert kar.status_code == 200, kar.get_data(as_text=True)
    assert kar.get_json()["all_regions"] is False and kar.get_json()["cases"]["total"] == 1
    everywhere = client.get("/api/v1/statistics",
                            headers=bearer(token_for(committee["secretary"]))).get_json()
    assert everywhere["all_regions"] is True and everywhere["cases"]["total"] == 2
