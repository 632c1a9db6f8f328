"""CPU milliseconds per request of the staff pages, in-process (Flask test client).

    .venv/bin/python bench/staff_pages.py --instance instance/bench [--requests 100]
        [--database-url URL] [--only queue] [--profile "case page"] [--case REFERENCE]

The app is built as gunicorn builds it (create_app(), production settings from the
environment) on a seeded instance (100,000 cases: /work/shared/bench-peer/casework_seed.py
or any database with the demo accounts). Signed in as the secretary (all regions) and as the
KZ-KAR reviewer, it times, after warm-up requests: the queue's first page, a filtered page,
a search with hits (a word in 1 % of the complaints), a search without hits, a case page (a
KZ-KAR case with 1-3 complaints and evidence files) and the dashboard. Prints CPU ms per
request (time.process_time: the median, and the minimum, the least disturbed by other load);
--profile prints the top of a cProfile of one page. GET requests only; a page the reviewer's
region scope hides (404) shows nan.
"""

import argparse
import cProfile
import os
import pstats
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORDS = {"secretary@example.kz": "secretary-demo-2020",
             "reviewer@example.kz": "reviewer-demo-2020"}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RARE_WORD = "фальсификация"  # the seed's word in 1 % of the complaints


def login(app, client, email: str) -> None:
    """The password, then (if asked) the code the demo account's authenticator shows now."""
    import pyotp
    from sqlalchemy import select

    from casework.accounts.models import User
    from casework.extensions import db

    def token(path: str) -> str:
        html = client.get(path).get_data(as_text=True)
        return CSRF.findall(html)[-1]  # the page's own form, after the language switch

    for _attempt in range(3):  # a code used a moment ago (the last run) is refused: wait
        first = client.post("/login", data={"email": email, "password": PASSWORDS[email],
                                            "csrf_token": token("/login"), "next": ""})
        if "/login/code" not in (first.location or ""):
            break
        with app.app_context():
            secret = db.session.scalar(select(User.totp_secret).where(User.email == email))
        first = client.post("/login/code", data={"code": pyotp.TOTP(secret).now(),
                                                 "csrf_token": token("/login/code")})
        if first.status_code != 401:
            break
        time.sleep(31 - time.time() % 30)
    assert first.status_code in (302, 303), (email, first.status_code, first.location,
                                             first.get_data(as_text=True)[:3000])


def sample_case() -> str:
    """A typical case page: a KZ-KAR case (the reviewer sees it) with 1-3 complaints and
    evidence files, one being worked on (actions, checklist, assignment) if there is one."""
    from sqlalchemy import text

    from casework.extensions import db
    reference = db.session.scalar(text(
        "SELECT c.reference FROM cases c JOIN regions r ON r.id = c.region_id "
        "WHERE r.code LIKE 'KZ-KAR%' "
        "AND (SELECT count(*) FROM complaints p WHERE p.case_id = c.id) BETWEEN 1 AND 3 "
        "ORDER BY (SELECT count(*) FROM evidence_items e WHERE e.case_id = c.id) DESC, "
        "c.state IN ('screening', 'investigation') DESC, c.id DESC LIMIT 1"))
    db.session.rollback()
    return reference


def measure(client, path: str, n: int) -> tuple[float, float]:
    cpu = []
    for _ in range(n):
        c0 = time.process_time()
        response = client.get(path)
        cpu.append(time.process_time() - c0)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(cpu) * 1000, min(cpu) * 1000


def hidden_by_scope(client, path: str) -> bool:
    """True when the reviewer's region scope hides the page (a case elsewhere answers 404);
    the secretary sees every region, so a 404 there stays an error (a mistyped --case)."""
    return client.get(path).status_code == 404


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instance", default=str(ROOT / "instance" / "bench"),
                        help="folder with casework.db and the keys (default instance/bench)")
    parser.add_argument("--database-url", help="default: SQLite casework.db in --instance")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--only", help="pages whose label contains this")
    parser.add_argument("--profile", help="cProfile the page with this label (CPU time)")
    parser.add_argument("--case", help="the case page's reference (default: a typical KZ-KAR "
                        "case; make bench-compare opens the newest)")
    parser.add_argument("--calls", action="store_true",
                        help="also count Python function calls per request (secretary)")
    args = parser.parse_args()
    instance = os.path.abspath(args.instance)
    os.environ.update(
        CASEWORK_ENV="production", CASEWORK_SECRET_KEY=secrets.token_hex(16),
        CASEWORK_DATABASE_URL=args.database_url or f"sqlite:///{instance}/casework.db",
        CASEWORK_INSTANCE_PATH=instance, CASEWORK_EVIDENCE_DIR=os.path.join(instance, "evidence"),
        CASEWORK_LOG_LEVEL="WARNING", CASEWORK_SECURE_COOKIES="0")  # the client speaks HTTP

    from casework import create_app
    app = create_app()
    with app.app_context():
        reference = args.case or sample_case()
    clients = {}
    for who, email in (("secretary", "secretary@example.kz"),
                       ("reviewer", "reviewer@example.kz")):
        clients[who] = app.test_client()  # requests outside an app context: a fresh g each
        login(app, clients[who], email)
    pages = [("queue first page", "/cases"),
             ("queue filtered", "/cases?state=investigation&region=KZ-KAR&category=vote_buying"),
             ("search hit", f"/cases?q={RARE_WORD}"),
             ("search miss", "/cases?q=zzyzx"),
             ("case page", f"/cases/{reference}"),
             ("dashboard", "/staff/dashboard")]
    if args.only:
        pages = [p for p in pages if args.only in p[0]]
    print(f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, case page {reference}, "
          f"{args.requests} requests per page (CPU ms: process_time median and minimum)")
    print(f"{'page':20} {'secretary CPU':>13} {'min':>7} {'reviewer CPU':>13} {'min':>7}"
          + (f" {'calls/req':>10}" if args.calls else ""))
    for label, path in pages:
        figures = []
        for who in ("secretary", "reviewer"):
            if who == "reviewer" and hidden_by_scope(clients[who], path):
                figures += [float("nan")] * 2
                continue
            measure(clients[who], path, args.warmup)
            figures += measure(clients[who], path, args.requests)
        calls = ""
        if args.calls:  # Python function calls per request: a measure other load leaves alone
            profile = cProfile.Profile()
            profile.runcall(measure, clients["secretary"], path, 20)
            calls = f" {pstats.Stats(profile).total_calls / 20:10.0f}"
        print(f"{label:20} {figures[0]:13.2f} {figures[1]:7.2f} {figures[2]:13.2f} "
              f"{figures[3]:7.2f}{calls}", flush=True)
        if args.profile == label:
            profile = cProfile.Profile(time.process_time)
            profile.runcall(measure, clients["secretary"], path, args.requests)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
            if os.environ.get("STAFF_PAGES_PROFILE_FILE"):
                profile.dump_stats(os.environ["STAFF_PAGES_PROFILE_FILE"])


if __name__ == "__main__":
    main()
