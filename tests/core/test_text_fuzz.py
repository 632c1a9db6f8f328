"""Arbitrary Unicode, lone surrogates and controls included, sent to every text field of the
public endpoints and of the main staff forms: never a 500 (hypothesis, derandomized so the
run is the same on CI). Form bodies are encoded by hand (surrogates as the invalid bytes an
attacker would send); JSON bodies carry them as \\u escapes."""

import json
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.accounts import tokens
from casework.core.ratelimit import limiter
from casework.extensions import db
from tests.intake.helpers import form_data
from tests.plugin.data import csrf_from

FUZZ = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
# Every code point, surrogates included (codec=None), and a few of the worst on their own.
TEXT = st.one_of(st.text(st.characters(codec=None, categories=None), max_size=40),
                 st.sampled_from(["\x00", "\ud800", "a\udfffb", "\ufffe", "\x1b[0m", "%00"]))
URLENCODED = "application/x-www-form-urlencoded"


def encode_form(fields: dict[str, str]) -> bytes:
    return "&".join(f"{quote(k.encode('utf-8', 'surrogatepass'))}="
                    f"{quote_from_bytes(v.encode('utf-8', 'surrogatepass'))}"
                    for k, v in fields.items()).encode()


@pytest.fixture
def no_limits(monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)


def post_form(client, path, fields):
    response = client.post(path, data=encode_form(fields), content_type=URLENCODED)
    assert response.status_code < 500, (path, fields)
    db.session.rollback()
    return response


COMPLAINT_FIELDS = ["narrative", "name", "phone", "email", "accused_other", "witnesses",
                    "links", "website", "region", "category", "station", "complainant_role",
                    "occurred_on", "occurred_time", "identity", "submission_key"]


@pytest.mark.usefixtures("no_limits")
def test_the_public_complaint_form(client, demo):
    base = form_data(client, confirm_no_evidence="y")

    @FUZZ
    @given(field=st.sampled_from(COMPLAINT_FIELDS), value=TEXT)
    def check(field, value):
        post_form(client, "/complaints/new", {**base, field: value})

    check()


@pytest.mark.usefixtures("no_limits")
def test_sign_in_tracking_and_the_language_switch(client, demo):
    token = csrf_from(client)

    @FUZZ
    @given(field=st.sampled_from(["email", "password", "next", "code", "lang", "key"]),
           value=TEXT)
    def check(field, value):
        post_form(client, "/login", {"csrf_token": token, "email": "a@b.kz", field: value})
        post_form(client, "/track", {"csrf_token": token, field: value})
        post_form(client, "/language", {"lang": value, "next": value})
        response = client.get("/decisions", query_string=encode_form({field: value}).decode())
        assert response.status_code < 500

    check()


def json_complaint(field: str, value: str) -> str:
    body = {"category": "vote_buying", "region": "KZ-KAR-BAL", "anonymous": True,
            "narrative": "Раздавали деньги у входа на участок, видели многие избиратели.",
            "contact": {"name": "A"}, "links": []}
    if field.startswith("contact."):
        body["contact"][field.split(".")[1]] = value
    elif field == "links":
        body["links"] = [value]
    elif field == "key":
        body[value] = "x"
    else:
        body[field] = value
    return json.dumps(body)


@pytest.mark.usefixtures("no_limits")
def test_the_public_api(client, demo):
    code = client.post("/api/v1/complaints", data={"complaint": json_complaint("x", "")},
                       content_type="multipart/form-data").get_json()["tracking_code"]
    fields = ["narrative", "category", "region", "station", "occurred_at", "accused_other",
              "witnesses", "language", "links", "key", "contact.name", "contact.phone",
              "contact.email", "contact.role"]

    @FUZZ
    @given(field=st.sampled_from(fields), value=TEXT)
    def check(field, value):
        response = client.post("/api/v1/complaints",
                               data={"complaint": json_complaint(field, value)},
                               content_type="multipart/form-data")
        assert response.status_code < 500, (field, value)
        response = client.post(f"/api/v1/track/{code}/messages",
                               data=json.dumps({"body": value}), content_type="application/json")
        assert response.status_code < 500, value
        post_form(client, f"/api/v1/track/{code}/messages", {"body": value})
        path = quote(value.encode("utf-8", "surrogatepass"), safe="")
        assert client.get(f"/api/v1/track/{path}").status_code < 500, value

    check()


@pytest.mark.usefixtures("no_limits")
def test_the_main_staff_forms_and_the_staff_api(client, make_case, committee, login):
    case = make_case()
    login(client, committee["secretary"])
    token = csrf_from(client, f"/cases/{case.reference}")
    _token, plain = tokens.create_token(committee["secretary"], "tests")
    db.session.commit()

    @FUZZ
    @given(value=TEXT)
    def check(value):
        for path, field in [(f"/cases/{case.reference}/notes", "body"),
                            (f"/cases/{case.reference}/messages", "body"),
                            ("/hotline/calls", "number"), ("/cases/conflicts", "reason")]:
            post_form(client, path, {"csrf_token": token, field: value})
        response = client.get("/queue", query_string=encode_form({"q": value}).decode())
        assert response.status_code < 500, value
        response = client.post(f"/api/v1/cases/{case.reference}/transitions",
                               data=json.dumps({"action": "screen", "reason": value,
                                                value: value}),
                               content_type="application/json",
                               headers={"Authorization": f"Bearer {plain}"})
        assert response.status_code < 500, value
        db.session.rollback()

    check()
