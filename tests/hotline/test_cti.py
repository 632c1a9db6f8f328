"""The CTI hook by HTTP, as a telephone system calls it: events ringing, answered and ended
with the shared secret (or the body's HMAC), JSON or form-encoded; retries change nothing;
hostile bodies get a 400 problem+json; the console's poll follows the call."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from casework.accounts import services as accounts
from casework.accounts.session_models import StaffSession
from casework.core.db import utcnow
from casework.extensions import db
from casework.hotline import services
from casework.hotline.models import Call
from tests import factories
from tests.plugin.data import csrf_from

SECRET = "s3cret-for-the-pbx-0123456789"
URL = "/api/cti/v1/events"
NUMBER = "+77015550123"


@pytest.fixture
def pbx(app, monkeypatch, operator):
    monkeypatch.setitem(app.config, "CASEWORK_CTI_SECRET", SECRET)
    operator.phone_extension = "201"
    db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the refusals' details, in English
    return client


def send(client, secret=SECRET, **fields):
    return client.post(URL, json=fields, headers={"X-CTI-Secret": secret})


def calls() -> list[Call]:
    db.session.expire_all()
    return list(db.session.scalars(select(Call).order_by(Call.id)))


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_a_call_rings_is_answered_and_ends_once_each(pbx, operator):
    ring = {"event": "ringing", "call_id": "1700000000.42", "from": "8 701 555 01 23",
            "to": "1414", "extension": "201"}
    answer = send(pbx, **ring)
    assert answer.status_code == 200 and answer.get_json()["result"] == "recorded"
    assert "Set-Cookie" not in answer.headers
    (call,) = calls()
    assert (call.operator_id, call.caller_number, call.pbx_call_id) == (
        operator.id, NUMBER, "1700000000.42")
    assert call.ringing and call.ended_at is None
    assert send(pbx, **ring).get_json()["result"] == "duplicate"  # the PBX retried
    assert len(calls()) == 1
    answered = {"event": "answered", "call_id": "1700000000.42", "extension": "201"}
    assert send(pbx, **answered).get_json()["result"] == "recorded"
    assert send(pbx, **answered).get_json()["result"] == "duplicate"
    ended = {"event": "ended", "call_id": "1700000000.42", "cause": "NORMAL_CLEARING"}
    assert send(pbx, **ended).get_json()["result"] == "recorded"
    assert send(pbx, **ended).get_json()["result"] == "duplicate"
    (call,) = calls()
    assert call.answered_at is not None and call.hung_up_at is not None
    assert call.hangup_cause == "normal_clearing"
    # The operator still logs what it was about: the record stays open on the console.
    assert call.ended_at is None and services.open_call(operator).id == call.id


def test_form_encoded_with_the_body_hmac(pbx):
    body = "event=ringing&call_id=abc-1&from=anonymous&extension=201"
    good = hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    wrong = pbx.post(URL, data=body, headers={**headers, "X-CTI-Signature": "sha256=" + "0" * 64})
    assert problem(wrong, 401)["detail"] == "The secret or the signature is wrong."
    answer = pbx.post(URL, data=body, headers={**headers, "X-CTI-Signature": f"sha256={good}"})
    assert answer.status_code == 200
    (call,) = calls()
    assert call.caller_number is None and call.pbx_call_id == "abc-1"  # withheld


def test_who_may_send_events(pbx, app, monkeypatch):
    ring = {"event": "ringing", "call_id": "x1", "from": NUMBER, "extension": "201"}
    assert "X-CTI-Secret" in problem(pbx.post(URL, json=ring), 401)["detail"]
    problem(send(pbx, secret="wrong", **ring), 401)
    monkeypatch.setitem(app.config, "CASEWORK_CTI_ALLOWED_IPS", "10.0.0.0/8, 192.0.2.7")
    problem(send(pbx, **ring), 403)  # the test client is 127.0.0.1
    monkeypatch.setitem(app.config, "CASEWORK_CTI_ALLOWED_IPS", "10.0.0.0/8,127.0.0.1")
    assert send(pbx, **ring).status_code == 200
    monkeypatch.setitem(app.config, "CASEWORK_CTI_SECRET", None)
    assert "CASEWORK_CTI_SECRET" in problem(send(pbx, secret="", **ring), 403)["detail"]
    assert len(calls()) == 1


def test_unknown_extensions_and_calls(pbx, make_user):
    reviewer = make_user("reviewer")
    reviewer.phone_extension = "300"  # not set through the service: a reviewer takes no calls
    db.session.commit()
    for extension in ("999", "300"):
        body = problem(send(pbx, event="ringing", call_id="u1", extension=extension),
                       404)
        assert body["errors"][0]["field"] == "extension"
    problem(send(pbx, event="ended", call_id="never-rang"), 404)
    problem(send(pbx, event="answered", call_id="never-rang"), 404)
    assert calls() == []
    # An answer whose ringing was lost opens the record.
    assert send(pbx, event="answered", call_id="late", extension="201").status_code == 200
    (call,) = calls()
    assert call.answered_at is not None and not call.ringing


@pytest.mark.parametrize(("body", "field"), [
    ({"event": "hangup", "call_id": "a", "extension": "201"}, "event"),
    ({"event": "ringing", "call_id": "", "extension": "201"}, "call_id"),
    ({"event": "ringing", "call_id": "a b", "extension": "201"}, "call_id"),
    ({"event": "ringing", "call_id": "a"}, "extension"),
    ({"event": "ringing", "call_id": "a", "extension": "201<script>"}, "extension"),
    ({"event": "ringing", "call_id": "a", "extension": "201", "from": "<img src=x>"}, "from"),
    ({"event": "ringing", "call_id": 7, "extension": "201"}, "call_id"),
    ({"event": "ringing", "call_id": "a", "extension": "201", "cause": "x" * 41}, "cause"),
])
def test_hostile_fields_are_named(pbx, body, field):
    document = problem(send(pbx, **body), 400)
    assert field in [e["field"] for e in document["errors"]]
    assert calls() == []


def test_hostile_bodies(pbx, app):
    headers = {"X-CTI-Secret": SECRET}
    problem(pbx.post(URL, data="[1, 2]", headers={**headers, "Content-Type": "application/json"}),
            400)
    problem(pbx.post(URL, data="{not json", headers={**headers,
                                                     "Content-Type": "application/json"}), 400)
    problem(pbx.post(URL, data="<xml/>", headers={**headers, "Content-Type": "text/xml"}), 415)
    big = json.dumps({"event": "ringing", "call_id": "a", "extension": "201",
                      "pad": "x" * app.config["CASEWORK_CTI_MAX_BODY"]})
    problem(pbx.post(URL, data=big, headers={**headers, "Content-Type": "application/json"}), 413)
    control = pbx.post(URL, json={"event": "ringing", "call_id": "a\x00", "extension": "201"},
                       headers=headers)
    assert control.status_code in (400, 422) and control.mimetype == "application/problem+json"
    assert calls() == []


def test_a_ring_group_keeps_the_record_of_who_answered(pbx, make_user, operator):
    second = make_user("operator", email="second@test.kz")
    second.phone_extension = "202"
    db.session.commit()
    for extension in ("201", "202"):
        send(pbx, event="ringing", call_id="grp", **{"from": NUMBER}, extension=extension)
    assert len(calls()) == 2
    send(pbx, event="answered", call_id="grp", extension="202")
    (call,) = calls()
    assert call.operator_id == second.id and services.open_call(operator) is None
    # A missed call (nobody answered) stays open for the operator to log.
    send(pbx, event="ringing", call_id="missed", **{"from": NUMBER}, extension="201")
    send(pbx, event="ended", call_id="missed", cause="no_answer")
    missed = services.open_call(operator)
    assert missed.pbx_call_id == "missed" and missed.answered_at is None
    assert missed.hung_up_at is not None and missed.talk_seconds == 0


def test_the_console_pops_up_with_the_callers_history(pbx, client, login, operator, make_case):
    case = make_case()
    factories.complaint(case, anonymous=False, name="Caller", phone=NUMBER)
    earlier = services.start_call(operator, number=NUMBER, language="kk",
                                  now=utcnow() - timedelta(days=2))
    services.finish_call(earlier, operator, purpose="voting_question", note="")
    db.session.commit()
    login(client, operator)
    state = client.get("/hotline/console/state", headers={"Accept": "application/json"})
    assert state.status_code == 200 and state.get_json() == {"call": None}
    etag = state.headers["ETag"]
    assert client.get("/hotline/console/state",
                      headers={"If-None-Match": etag}).status_code == 304
    send(pbx, event="ringing", call_id="pop-1", **{"from": NUMBER}, extension="201")
    state = client.get("/hotline/console/state", headers={"If-None-Match": etag})
    assert state.status_code == 200 and state.headers["ETag"] != etag
    call = state.get_json()["call"]
    assert call["state"] == "ringing" and call["url"] == "/hotline/"
    html = client.get("/hotline/").get_data(as_text=True)
    assert 'id="call-state" role="status" data-state="ringing"' in html
    assert "+7 701 555 0123" in html and case.reference in html
    assert f'data-call="{earlier.id}"' in html and "Question about voting" in html
    send(pbx, event="answered", call_id="pop-1", extension="201")
    assert client.get("/hotline/console/state").get_json()["call"]["state"] == "talking"
    send(pbx, event="ended", call_id="pop-1")
    assert client.get("/hotline/console/state").get_json()["call"]["state"] == "ended"


def test_a_withheld_number_opens_a_record_without_a_look_up(pbx, client, login, operator):
    send(pbx, event="ringing", call_id="w1", **{"from": "Anonymous"}, extension="201")
    login(client, operator)
    html = client.get("/hotline/").get_data(as_text=True)
    assert "Number withheld" in html and 'id="no-history"' in html
    assert 'id="caller-cases"' not in html


def test_an_administrator_sets_extensions(client, login, make_user, operator):
    admin = make_user("admin", email="admin@test.kz")
    reviewer = make_user("reviewer", email="rev@test.kz")
    accounts.set_extension(operator, actor=admin, extension=" 201 ")
    assert operator.phone_extension == "201"
    with pytest.raises(accounts.Refusal):
        accounts.set_extension(reviewer, actor=admin, extension="202")
    second = make_user("operator", email="op2@test.kz")
    with pytest.raises(accounts.Refusal) as taken:
        accounts.set_extension(second, actor=admin, extension="201")
    assert taken.value.code == "conflict"
    db.session.commit()
    login(client, admin)
    page = client.get(f"/admin/users/{operator.id}").get_data(as_text=True)
    assert 'name="extension"' in page and 'value="201"' in page
    assert 'name="extension"' not in client.get(f"/admin/users/{reviewer.id}").get_data(
        as_text=True)
    token = csrf_from(client, f"/admin/users/{operator.id}")
    answer = client.post(f"/admin/users/{operator.id}/extension",
                         data={"csrf_token": token, "extension": ""})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(operator), operator.id).phone_extension is None


def test_the_poll_does_not_keep_an_idle_session_alive(client, login, operator):
    login(client, operator)
    ten_minutes_ago = utcnow() - timedelta(minutes=10)

    def last_seen():
        db.session.expire_all()
        return db.session.scalar(select(StaffSession.last_seen_at).where(
            StaffSession.user_id == operator.id))

    db.session.execute(update(StaffSession).where(StaffSession.user_id == operator.id)
                       .values(last_seen_at=ten_minutes_ago))
    db.session.commit()
    assert client.get("/hotline/console/state").status_code == 200
    assert last_seen() == ten_minutes_ago  # polling is not the operator's activity
    assert client.get("/hotline/").status_code == 200
    assert last_seen() > ten_minutes_ago


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_pop_up_speaks_the_operators_language(pbx, app, login, operator, language):
    send(pbx, event="ringing", call_id=f"lang-{language}", **{"from": NUMBER}, extension="201")
    browser = app.test_client()
    browser.set_cookie("casework_lang", language)
    login(browser, operator)
    html = browser.get("/hotline/").get_data(as_text=True)
    for english in ("Ringing", "On the line", "Call ended", "The caller's history",
                    "No case for this number.", "No earlier call from this number.",
                    "Another call is ringing"):
        assert english not in html, (language, english)
