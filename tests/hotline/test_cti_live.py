"""The CTI hook through a real gunicorn (production settings), as a PBX calls it: a call
rings, is answered (the same event sent twice, as a PBX retries) and ends; the operator's
console polls it over its own session; the logs carry neither the number nor the secret."""

import hashlib
import hmac

import requests
from sqlalchemy import select

from casework.extensions import db
from casework.hotline.models import Call
from tests.plugin.server import CTI_SECRET

NUMBER = "+77015550123"


def test_a_pbx_reports_a_call_to_gunicorn(live_gunicorn, operator):
    operator.phone_extension = "201"
    db.session.commit()
    url = live_gunicorn.url + "/api/cti/v1/events"
    pbx = requests.Session()
    ring = pbx.post(url, json={"event": "ringing", "call_id": "live.1", "from": "87015550123",
                               "extension": "201"}, headers={"X-CTI-Secret": CTI_SECRET},
                    timeout=30)
    assert ring.status_code == 200 and ring.json()["result"] == "recorded"
    assert "Set-Cookie" not in ring.headers
    console = live_gunicorn.session(operator)
    state = console.get(live_gunicorn.url + "/hotline/console/state", timeout=30)
    assert state.json()["call"]["state"] == "ringing"
    etag = state.headers["ETag"]
    body = "event=answered&call_id=live.1&extension=201"
    signature = hmac.new(CTI_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    for expected in ("recorded", "duplicate"):
        answer = pbx.post(url, data=body, timeout=30, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CTI-Signature": f"sha256={signature}"})
        assert answer.json()["result"] == expected
    state = console.get(live_gunicorn.url + "/hotline/console/state",
                        headers={"If-None-Match": etag}, timeout=30)
    assert state.status_code == 200 and state.json()["call"]["state"] == "talking"
    unchanged = console.get(live_gunicorn.url + "/hotline/console/state",
                            headers={"If-None-Match": state.headers["ETag"]}, timeout=30)
    assert unchanged.status_code == 304 and not unchanged.content
    wrong = pbx.post(url, json={"event": "ended", "call_id": "live.1"},
                     headers={"X-CTI-Secret": "guess"}, timeout=30)
    assert wrong.status_code == 401 and wrong.headers["Content-Type"].startswith(
        "application/problem+json")
    ended = pbx.post(url, json={"event": "ended", "call_id": "live.1", "cause": "normal"},
                     headers={"X-CTI-Secret": CTI_SECRET}, timeout=30)
    assert ended.json()["result"] == "recorded"
    db.session.expire_all()
    call = db.session.scalar(select(Call).where(Call.pbx_call_id == "live.1"))
    assert call.caller_number == NUMBER and call.answered_at and call.hung_up_at
    logs = live_gunicorn.logs()
    assert "/api/cti/v1/events" in logs
    assert "5550123" not in logs and CTI_SECRET not in logs
