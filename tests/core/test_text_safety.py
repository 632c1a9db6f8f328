"""Text nobody types (core/text.py) is refused wherever text enters, naming the field, in the
visitor's language: forms (inline, 422), query strings and path parts, JSON bodies (the public
and staff APIs, 422 problem+json), raw API form parts, CSV imports."""

import ast
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.accounts import tokens
from casework.cases.models import CaseNote
from casework.core import jsontext, text
from casework.elections.csvio import ImportFailed, read_rows
from casework.extensions import db
from casework.intake.models import Complaint
from tests.intake.helpers import form_data
from tests.plugin.data import count, csrf_from

ROOT = Path(__file__).resolve().parents[2]
UNSAFE = ["\x00", "\x01", "\x0b", "\x1f", "\ud800", "\udfff", "\ufdd0", "\ufdef", "\ufffe",
          "\uffff", "\U0001fffe", "\U0010ffff"]
SAFE = ["\t", "\n", "\r", " ", "ё", "Қазақ", "\u2028", "\U0001f600", "\ufdcf", "\ufffd"]


@pytest.mark.parametrize("char", UNSAFE)
def test_unsafe_characters(char):
    assert not text.is_safe(f"a{char}b")


@pytest.mark.parametrize("char", SAFE)
def test_safe_characters(char):
    assert text.is_safe(f"a{char}b")


def test_json_walk_names_the_field():
    assert jsontext.unsafe_field({"a": 1, "contact": {"name": "x\ud800"}}) == "contact.name"
    assert jsontext.unsafe_field({"links": ["ok", "b\x00"]}) == "links[1]"
    assert jsontext.unsafe_field({"k\x01": "v"}) == "k\N{REPLACEMENT CHARACTER}"
    assert jsontext.unsafe_field({"a": ["ok", {"b": True}]}) is None


def test_every_form_derives_from_the_checked_base():
    """Every FlaskForm of the application is a casework.core.forms.Form, so each field checks
    its text."""
    offenders = []
    for path in (ROOT / "casework").rglob("*.py"):
        if path.name == "forms.py" and path.parent.name == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                    getattr(base, "id", None) == "FlaskForm" for base in node.bases):
                offenders.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert offenders == []


def test_the_complaint_form_puts_the_message_on_the_field(client, demo):
    client.set_cookie("casework_lang", "ru")
    data = form_data(client, narrative="Копия из Word\x0bс мягким переносом " * 3,
                     confirm_no_evidence="y")
    response = client.post("/complaints/new", data=data)
    assert response.status_code == 422
    assert "недопустимый символ" in response.get_data(as_text=True)
    assert count(Complaint) == 0


def test_a_nul_in_any_form_is_a_400_naming_the_field(client, english):
    response = client.post("/login", data={"email": "a\x00@b.kz", "csrf_token": csrf_from(client)})
    assert response.status_code == 400
    assert "“email”" in response.get_data(as_text=True)


def test_a_control_character_in_a_query_is_a_400_naming_it(client, election, english):
    response = client.get("/decisions", query_string={"q": "a\x01"})
    assert response.status_code == 400
    assert "“q”" in response.get_data(as_text=True)
    assert client.get("/decisions.json", query_string={"q": "\x07"}).status_code == 400


def test_a_control_character_in_a_path_is_404(client, demo):
    assert client.get("/api/v1/track/AB%00CD").status_code == 404


def complaint(**overrides) -> str:
    body = {"category": "vote_buying", "region": "KZ-KAR-BAL", "anonymous": True,
            "narrative": "Раздавали деньги у входа на участок, видели многие избиратели.",
            **overrides}
    return json.dumps(body)  # ASCII escapes: "\ud800" travels as the six characters


@pytest.mark.parametrize(("overrides", "field"), [
    ({"narrative": "\ud800"}, "complaint.narrative"),
    ({"contact": {"name": "A\udc00"}}, "complaint.contact.name"),
    ({"links": ["https://x.kz/\x00"]}, "complaint.links[0]"),
    ({"witnesses": "\ufffe"}, "complaint.witnesses"),
])
def test_the_public_api_refuses_unsafe_complaint_text_naming_it(client, demo, overrides, field):
    response = client.post("/api/v1/complaints", data={"complaint": complaint(**overrides)},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert [e["field"] for e in response.get_json()["errors"]] == [field]
    assert count(Complaint) == 0


def test_a_tracking_reply_with_a_lone_surrogate_is_422(client, demo):
    code = client.post("/api/v1/complaints", data={"complaint": complaint()},
                       content_type="multipart/form-data").get_json()["tracking_code"]
    response = client.post(f"/api/v1/track/{code}/messages", data='{"body": "hi \\ud800"}',
                           content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "body"
    response = client.post(f"/api/v1/track/{code}/messages", data={"body": "hi \x02"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "body"


def test_the_web_tracking_reply_refuses_it_on_the_field(client, demo, english):
    code = client.post("/api/v1/complaints", data={"complaint": complaint()},
                       content_type="multipart/form-data").get_json()["tracking_code"]
    client.post("/track", data={"code": code, "csrf_token": csrf_from(client, "/track")})
    token = csrf_from(client, "/track/case")
    response = client.post("/track/case/reply", data={"body": "thanks\x1b[31m",
                                                      "csrf_token": token},
                           follow_redirects=True)
    assert response.status_code < 500
    assert "not allowed" in response.get_data(as_text=True)


def test_the_staff_api_refuses_a_lone_surrogate_in_json(client, make_case, committee):
    case = make_case()
    _token, plain = tokens.create_token(committee["r1"], "tests")
    db.session.commit()
    response = client.post(f"/api/v1/cases/{case.reference}/transitions",
                           data='{"action": "screen", "reason": "\\udc80"}',
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "reason"


def test_a_staff_note_with_a_control_character_is_refused(client, make_case, committee, login):
    case = make_case()
    login(client, committee["r1"])
    token = csrf_from(client, f"/cases/{case.reference}")
    response = client.post(f"/cases/{case.reference}/notes",
                           data={"body": "a note \x08", "csrf_token": token})
    assert response.status_code == 422
    assert db.session.scalar(select(CaseNote)) is None


def test_csv_import_names_the_line_and_column():
    data = b"station_code,candidate_code,votes\nBAL-001,C\x0101,5\n"
    with pytest.raises(ImportFailed) as failed:
        read_rows(data, ["station_code", "candidate_code", "votes"], [])
    assert "line 2" in str(failed.value.errors[0]) and "candidate_code" in str(failed.value.errors[0])
