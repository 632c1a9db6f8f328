"""Through a real gunicorn: the access log never holds a tracking code, and the tracking JSON
and the staff API's case documents are never cached."""

import json

import requests

from casework.accounts import tokens
from casework.extensions import db
from casework.intake import tracking
from tests.plugin.data import NARRATIVE


def test_tracking_codes_stay_out_of_the_access_log(live_gunicorn, election):


    db.session.commit()
    url = live_gunicorn.url
    filed = requests.post(url + "/api/v1/complaints", timeout=30, files={"complaint": (
        None, json.dumps({"category": "vote_buying", "region": "KZ-KAR-BAL",
                          "narrative": NARRATIVE, "anonymous": True, "language": "ru",
                          "accused_candidates": []}), "application/json")})
    assert filed.status_code == 201, filed.text
    code = tracking.normalize(filed.json()["tracking_code"])
    grouped = tracking.grouped(code)
    tracked = requests.get(f"{url}/api/v1/track/{grouped}", timeout=30)
    assert tracked.status_code == 200
    assert tracked.headers["Cache-Control"] == "no-store"
    assert requests.get(f"{url}/api/v1/track/{code.lower()}", timeout=30).status_code == 200
    page = requests.get(f"{url}/track?code={code}", timeout=30)
    assert page.headers["Cache-Control"] == "no-store"
    logs = live_gunicorn.logs()
    assert "/api/v1/track/[redacted]" in logs
    for shown in (code, grouped, code.lower()):
        assert shown not in logs


def test_staff_api_case_documents_are_not_cached(live_gunicorn, make_case, committee):


    case = make_case()
    _token, plain = tokens.create_token(committee["secretary"], "tests")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    for path in ("/api/v1/cases", f"/api/v1/cases/{case.reference}"):
        response = requests.get(live_gunicorn.url + path, headers=headers, timeout=30)
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["Cache-Control"] == "no-store", path
