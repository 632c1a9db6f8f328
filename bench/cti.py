"""What the hotline's telephone hook and the console's polling cost a worker.

    make bench-cti                           # 300 calls, 600 polls
    make bench-cti BENCH_ARGS="--calls 1000 --polls 2000"

Through Flask's test client on a temporary SQLite database: each call is three events as a
PBX sends them (ringing, answered, ended: POST /api/cti/v1/events with the shared secret),
one operator finishing each call record between calls is left out (it is the console's
existing form). Then the signed-in console polls GET /hotline/console/state, first with no
ETag (200 with a body) and then with the last one (304). Prints the median and p90 of the
CPU time (time.process_time) and of the wall time per request; asserts nothing.
"""

import argparse
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path
                             if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import pyotp  # noqa: E402

from casework import create_app  # noqa: E402
from casework.accounts.factors import activate_totp  # noqa: E402
from casework.accounts.models import Role  # noqa: E402
from casework.accounts.services import create_user  # noqa: E402
from casework.extensions import db  # noqa: E402
from casework.hotline import services  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "a long enough timing passphrase"  # noqa: S105 - a throw-away account
SECRET = secrets.token_hex(24)


def timed(results: dict, name: str, call):
    cpu0, wall0 = time.process_time(), time.perf_counter()
    response = call()
    results.setdefault(name, []).append(((time.process_time() - cpu0) * 1000,
                                         (time.perf_counter() - wall0) * 1000))
    return response


def report(results: dict) -> None:
    def p90(values):
        return sorted(values)[max(0, int(len(values) * 0.9) - 1)]

    for name, pairs in results.items():
        cpu, wall = [p[0] for p in pairs], [p[1] for p in pairs]
        print(f"{name:<22} n={len(pairs):<5} CPU ms median {statistics.median(cpu):5.2f} "
              f"p90 {p90(cpu):5.2f}   wall ms median {statistics.median(wall):5.2f} "
              f"p90 {p90(wall):5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--polls", type=int, default=600)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="casework-bench-cti-")
    app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": secrets.token_hex(16),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                      "SERVER_NAME": None, "RATELIMIT_ENABLED": False,
                      "CASEWORK_CTI_SECRET": SECRET})
    otp = pyotp.random_base32()
    with app.app_context():
        db.create_all()
        operator = create_user(actor=None, email="op@example.kz", full_name="Bench operator",
                               role=Role.OPERATOR, password=PASSWORD, all_regions=True)
        activate_totp(operator, otp)
        operator.phone_extension = "201"
        db.session.commit()
        operator_id = operator.id
    pbx, results = app.test_client(), {}
    headers = {"X-CTI-Secret": SECRET}
    for n in range(args.calls):
        call_id = f"bench.{n}"
        for event, extra in (("ringing", {"from": f"+7701{n % 10_000_000:07d}",
                                          "extension": "201"}),
                             ("answered", {"extension": "201"}), ("ended", {})):
            answer = timed(results, f"event {event}", lambda e=event, x=extra, c=call_id: pbx.post(
                "/api/cti/v1/events", json={"event": e, "call_id": c, **x},
                headers=headers))
            assert answer.status_code == 200, answer.get_data(as_text=True)
        with app.app_context():  # the operator logs it: the next call is the console's
            from casework.accounts.models import User

            user = db.session.get(User, operator_id)
            services.finish_call(services.open_call(user), user, purpose="other", note="")
            db.session.commit()
    pbx.post("/api/cti/v1/events", headers=headers, json={
        "event": "ringing", "call_id": "bench.last", "from": "+77015550123", "extension": "201"})
    console = app.test_client()
    token = CSRF.search(console.get("/login").get_data(as_text=True)).group(1)
    console.post("/login", data={"email": "op@example.kz", "password": PASSWORD,
                                 "csrf_token": token})
    token = CSRF.search(console.get("/login/code").get_data(as_text=True)).group(1)
    console.post("/login/code", data={"code": pyotp.TOTP(otp).now(), "csrf_token": token})
    first = console.get("/hotline/console/state")
    assert first.status_code == 200, first.status_code
    etag = first.headers["ETag"]
    for _ in range(args.polls):
        timed(results, "poll, changed (200)", lambda: console.get("/hotline/console/state"))
        answer = timed(results, "poll, unchanged (304)", lambda: console.get(
            "/hotline/console/state", headers={"If-None-Match": etag}))
        assert answer.status_code == 304
    print(f"{args.calls} calls (3 events each), {args.polls} polls of each kind; SQLite")
    report(results)


if __name__ == "__main__":
    main()
