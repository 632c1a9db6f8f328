"""Redis stopped while the application runs in a real gunicorn: intake, tracking (API and web
form) and the staff sign-in keep working, the rate limits count in memory meanwhile, and the
outage is logged once, not per request."""

import hashlib
import json
import re

import pytest
import requests
from sqlalchemy import func, select

from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake.models import Complaint
from tests.plugin.data import NARRATIVE_T2020, png_bytes


def complaint(session: requests.Session, base: str, key: str, image: bytes | None = None):
    part = json.dumps({"category": "vote_buying", "region": "KZ-KAR-BAL", "anonymous": True,
                       "narrative": NARRATIVE_T2020})
    files = {"complaint": (None, part)}
    if image:
        files["evidence"] = ("photo.png", image, "image/png")
    return session.post(base + "/api/v1/complaints", files=files,
                        headers={"Idempotency-Key": key}, timeout=20)


def track_on_the_web(session: requests.Session, base: str, code: str) -> requests.Response:
    page = session.get(base + "/track", timeout=20)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    return session.post(base + "/track", data={"code": code, "csrf_token": token},
                        allow_redirects=False, timeout=20)


@pytest.fixture
def served(election, own_redis, gunicorn_app):
    db.session.commit()  # the election, seen by gunicorn
    return gunicorn_app(REDIS_URL=own_redis.url, LIMIT_SUBMIT="50 per minute",
                           LIMIT_TRACK="50 per minute")


def test_intake_and_tracking_go_on_with_redis_stopped(served, own_redis):
    http = requests.Session()
    first = complaint(http, served.url, "before-outage")
    assert first.status_code == 201
    own_redis.stop()
    filed = []
    for n in range(8):
        image = png_bytes(2 + n, 2)
        answer = complaint(http, served.url, f"during-outage-{n}", image)
        assert answer.status_code == 201, answer.text
        assert "Retry-After" not in answer.headers  # only on 429 and 503
        filed.append((answer.json()["tracking_code"], hashlib.sha256(image).hexdigest()))
    for code, _sha in filed[:3]:
        assert http.get(f"{served.url}/api/v1/track/{code}", timeout=20).status_code == 200
        tracked = track_on_the_web(requests.Session(), served.url, code)
        assert tracked.status_code == 302 and tracked.headers["Location"].endswith("/track/case")
    assert requests.get(served.url + "/login", timeout=20).status_code == 200
    own_redis.start()
    after = complaint(http, served.url, "after-outage")
    assert after.status_code == 201
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 10
    stored = set(db.session.scalars(select(EvidenceItem.sha256)))
    assert {sha for _code, sha in filed} <= stored
    log = served.log_text()
    assert log.count("Redis unreachable") == 1  # once a minute, not per request
    assert "Traceback" not in log


def test_limits_still_apply_in_memory_while_redis_is_down(election, own_redis, gunicorn_app):
    db.session.commit()
    server = gunicorn_app(REDIS_URL=own_redis.url, LIMIT_SUBMIT="3 per minute")
    own_redis.stop()
    http = requests.Session()
    codes = [complaint(http, server.url, f"k{n}").status_code for n in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = complaint(http, server.url, "k9")
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
