"""The public API through HTTP: every documented path, problem+json errors, the document."""

import hashlib
import io
import json

import jsonschema
import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from casework.cases.models import Case
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake.models import Complaint
from tests.plugin.data import NARRATIVE, PDF, png_bytes


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def check(spec, name: str, instance) -> None:
    schema = {**spec["components"]["schemas"][name], "components": spec["components"]}
    resolver_root = {"components": spec["components"], **schema}
    jsonschema.validate(instance, resolver_root)


def complaint_json(**overrides) -> str:
    body = {"category": "vote_buying", "region": "KZ-KAR-BAL", "narrative": NARRATIVE,
            "anonymous": True, "language": "ru", "accused_candidates": []}
    body.update(overrides)
    return json.dumps(body, ensure_ascii=False)


def post_complaint(client, body=None, evidence=(), headers=None):
    data = {"complaint": body or complaint_json()}
    if evidence:
        data["evidence"] = [(io.BytesIO(content), name) for name, content in evidence]
    return client.post("/api/v1/complaints", data=data, content_type="multipart/form-data",
                       headers=headers or {})


def test_document_is_valid_openapi_31(spec):
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    assert set(spec["paths"]) >= {"/elections/current", "/complaints", "/track/{code}",
                                  "/track/{code}/messages", "/openapi.json"}


def test_current_election(client, demo, spec):
    response = client.get("/api/v1/elections/current")
    assert response.status_code == 200
    body = response.get_json()
    check(spec, "Election", body)
    assert body["code"] == "DEMO2020" and len(body["regions"]) == 39
    assert any(s["kind"] == "electronic" for s in body["stations"])
    assert {"kk", "ru", "en"} == set(body["candidates"][0]["name"])


def test_no_election_is_a_problem(client):
    response = client.get("/api/v1/elections/current")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_file_a_complaint_with_evidence_without_csrf(client, demo, spec):
    photo = png_bytes(8, 8)
    response = post_complaint(client, evidence=[("photo.png", photo), ("act.pdf", PDF)])
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    check(spec, "Receipt", body)
    assert body["status"] == "received" and body["reference"].startswith("DEMO2020-KAR-")
    assert body["evidence"][0] == {"filename": "photo.png", "size": len(photo),
                                   "sha256": hashlib.sha256(photo).hexdigest(),
                                   "content_type": "image/png"}
    assert db.session.scalar(select(Complaint.channel)).value == "api"


def test_idempotency_key_replays_the_same_receipt(client, demo):
    headers = {"Idempotency-Key": "retry-me-123456"}
    first = post_complaint(client, headers=headers)
    second = post_complaint(client, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["tracking_code"] == second.get_json()["tracking_code"]
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1


@pytest.mark.parametrize("body, fields", [
    (complaint_json(category=None, narrative=""), {"category", "narrative"}),
    (json.dumps({"region": "KZ-KAR"}), {"category", "narrative", "anonymous"}),
    (complaint_json(category="cheating"), {"category"}),
    (complaint_json(region="KZ-MARS"), {"region"}),
    (complaint_json(anonymous=False), {"name", "contact"}),
    (complaint_json(links=["ftp://x"]), {"links"}),
    ("{not json", {"complaint"}),
])
def test_bad_complaints_are_problems_naming_fields(client, demo, spec, body, fields):
    response = post_complaint(client, body=body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    check(spec, "Problem", problem)
    assert fields <= {e["field"] for e in problem["errors"]}
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_refused_file_is_named_and_nothing_is_stored(client, demo):
    response = post_complaint(client, evidence=[("ok.png", png_bytes()), ("x.svg", b"<svg/>")])
    assert response.status_code == 422
    assert "x.svg" in json.dumps(response.get_json(), ensure_ascii=False)
    assert db.session.scalar(select(func.count()).select_from(EvidenceItem)) == 0


def test_oversized_request_is_413_problem(app, client, demo):
    key = "CASEWORK_UPLOAD_MAX_CONTENT_LENGTH"
    old, app.config[key] = app.config[key], 50_000
    try:
        response = post_complaint(client, evidence=[("big.pdf", PDF + b"0" * 100_000)])
    finally:
        app.config[key] = old
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


def test_track_and_reply(client, demo, spec):
    code = post_complaint(client).get_json()["tracking_code"]
    response = client.get(f"/api/v1/track/{code}")
    assert response.status_code == 200
    check(spec, "Tracking", response.get_json())
    reply = client.post(f"/api/v1/track/{code}/messages", json={"body": "More details."})
    assert reply.status_code == 201
    assert reply.get_json()["messages"][-1] == {**reply.get_json()["messages"][-1],
                                                "from": "complainant", "body": "More details."}
    with_file = client.post(f"/api/v1/track/{code}/messages", content_type="multipart/form-data",
                            data={"body": "", "evidence": [(io.BytesIO(png_bytes()), "p.png")]})
    assert with_file.status_code == 201
    empty = client.post(f"/api/v1/track/{code}/messages", json={"body": "  "})
    assert empty.status_code == 422 and empty.mimetype == "application/problem+json"


def test_unknown_code_is_404_and_guessing_is_limited(app, client, demo):
    assert client.get("/api/v1/track/AAAA-BBBB").status_code == 404
    assert client.post("/api/v1/track/AAAA-BBBB/messages", json={"body": "x"}).status_code == 404
    old, app.config["CASEWORK_LIMIT_TRACK"] = app.config["CASEWORK_LIMIT_TRACK"], "2 per minute"
    try:
        statuses = [client.get("/api/v1/track/AAAA").status_code for _ in range(3)]
    finally:
        app.config["CASEWORK_LIMIT_TRACK"] = old
    assert statuses[-1] == 429


def test_submissions_are_rate_limited(app, client, demo):
    old, app.config["CASEWORK_LIMIT_SUBMIT"] = app.config["CASEWORK_LIMIT_SUBMIT"], "2 per minute"
    try:
        statuses = [post_complaint(client).status_code for _ in range(3)]
    finally:
        app.config["CASEWORK_LIMIT_SUBMIT"] = old
    assert statuses == [201, 201, 429]


def test_refused_sends_do_not_use_up_the_submit_limit(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_LIMIT_SUBMIT", "2 per minute")
    monkeypatch.setitem(app.config, "CASEWORK_LIMIT_SUBMIT_REFUSED", "4 per minute")
    wrong = json.dumps({"category": "other", "region": "KZ-KAR", "anonymous": True})
    refused = [post_complaint(client, body=wrong).status_code for _ in range(3)]
    accepted = [post_complaint(client).status_code for _ in range(3)]
    assert refused == [422] * 3 and accepted == [201, 201, 429]


def test_refused_sends_have_their_own_allowance(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_LIMIT_SUBMIT_REFUSED", "2 per minute")
    wrong = json.dumps({"category": "other", "region": "KZ-KAR", "anonymous": True})
    assert [post_complaint(client, body=wrong).status_code for _ in range(3)] == [422, 422, 429]


@pytest.mark.parametrize("field, value", [
    ("station", [None]), ("station", 5), ("witnesses", {"a": 1}), ("language", ["kk"]),
    ("accused_other", 3), ("occurred_at", 20200525)])
def test_a_field_of_the_wrong_type_is_a_422_naming_it(client, demo, field, value):
    complaint = {"category": "other", "region": "KZ-KAR", "anonymous": True,
                 "narrative": "A man offered money to voters near the school entrance.",
                 field: value}
    response = client.post("/api/v1/complaints", data={"complaint": json.dumps(complaint)})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in {error["field"] for error in response.get_json()["errors"]}


def test_a_contact_field_of_the_wrong_type_is_a_422(client, demo):
    complaint = {"category": "other", "region": "KZ-KAR", "anonymous": False,
                 "narrative": "A man offered money to voters near the school entrance.",
                 "contact": {"name": ["x"], "phone": "+77011234567"}}
    response = client.post("/api/v1/complaints", data={"complaint": json.dumps(complaint)})
    assert response.status_code == 422
    assert "contact.name" in {error["field"] for error in response.get_json()["errors"]}


def test_an_occurred_at_too_far_back_to_convert_is_a_422(client, demo):
    complaint = {"category": "other", "region": "KZ-KAR", "anonymous": True,
                 "narrative": "A man offered money to voters near the school entrance.",
                 "occurred_at": "0001-01-01T00:00:00+00:01"}  # found by schemathesis
    response = client.post("/api/v1/complaints", data={"complaint": json.dumps(complaint)})
    assert response.status_code == 422
    assert "occurred_at" in {error["field"] for error in response.get_json()["errors"]}
