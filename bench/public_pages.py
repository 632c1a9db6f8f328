"""CPU per request of the public pages a crowd opens, in-process (Flask test client).

    .venv/bin/python bench/public_pages.py --instance instance/bench [--n 300]
    .venv/bin/python bench/public_pages.py --db-url postgresql+psycopg://... --instance DIR
    .venv/bin/python bench/public_pages.py --instance instance/bench --profile form_ru

On a seeded instance (the bench-peer seed: the demo primary and 100,000 cases), the app is
built as gunicorn builds it (create_app(), production settings; the send limits lifted so
that the refused sends are measured, not the limiter's 429) and every request runs in its
own app context. Scenarios, each a new visitor (no cookie) unless said:
  form_kk / form_ru / form_en   GET /complaints/new in that language
  form_again                    the same, by a visitor who has the form's cookie already
  form_refused                  a POST missing the narrative, region, station and two
                                candidates chosen (422, everything typed shown again);
                                one visitor, so its session holds the CSRF token
  register                      GET /decisions
  home, track                   GET / and GET /track
  statistics                    GET /statistics (cached already; for comparison)
Prints process CPU ms per request (time.process_time; with --rounds, the least of that many
rounds, the figure a busy shared machine disturbs least), requests/s of this one process
(wall), and the SQL statements and Python calls per request (these two do not depend on the
machine's load), after --warmup requests. Asserts nothing about times.
"""

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path
                             if Path(p or ".").resolve() != Path(__file__).resolve().parent]

UNLIMITED = "1000000 per minute"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY_RE = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')


def build_app(args):
    instance = str(Path(args.instance).resolve())
    os.environ.update(
        CASEWORK_ENV="production", CASEWORK_SECRET_KEY="bench-only-not-secret",  # noqa: S106
        CASEWORK_DATABASE_URL=args.db_url or "sqlite:///" + os.path.join(instance, "casework.db"),
        CASEWORK_INSTANCE_PATH=instance, CASEWORK_EVIDENCE_DIR=os.path.join(instance, "evidence"),
        CASEWORK_LOG_LEVEL="WARNING", CASEWORK_LIMIT_SUBMIT=UNLIMITED,
        CASEWORK_LIMIT_SUBMIT_REFUSED=UNLIMITED)
    from casework import create_app

    return create_app()


def scenarios(app):
    def get(path, lang, expect=200):
        client = app.test_client(use_cookies=False)
        headers = {"Accept-Language": lang}

        def run():
            response = client.get(path, headers=headers)
            assert response.status_code == expect, (path, response.status_code)
        return run

    returning = app.test_client()

    def again():
        response = returning.get("/complaints/new", headers={"Accept-Language": "ru"})
        assert response.status_code == 200, response.status_code

    visitor = app.test_client()
    html = visitor.get("/complaints/new", headers={"Accept-Language": "ru"}).get_data(True)
    stations = re.findall(r'<option data-region="[^"]*" data-top="[^"]*" value="([^"]+)"', html)
    accused = re.findall(r'<option data-region="[^"]*" data-search="[^"]*" value="([^"]+)"', html)
    refused = {"csrf_token": CSRF_RE.search(html).group(1),
               "submission_key": KEY_RE.search(html).group(1), "identity": "anonymous",
               "complainant_role": "voter", "category": "vote_buying", "region": "KZ-AKM",
               "station": stations[0] if stations else "", "accused": accused[:2],
               "narrative": "", "confirm_no_evidence": "y", "website": ""}

    assert stations and len(accused) >= 2, "the form shows no stations or candidates"

    def post():
        response = visitor.post("/complaints/new", data=refused,
                                headers={"Accept-Language": "ru"})
        assert response.status_code == 422, response.status_code

    return {"form_kk": get("/complaints/new", "kk"), "form_ru": get("/complaints/new", "ru"),
            "form_en": get("/complaints/new", "en"), "form_again": again, "form_refused": post,
            "register": get("/decisions", "ru"), "home": get("/", "kk"),
            "track": get("/track", "ru"), "statistics": get("/statistics", "ru")}


def measure(action, n: int) -> tuple[float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        action()
    return (time.process_time() - c0) / n * 1000, n / (time.perf_counter() - w0)


def per_request(app, action, n: int = 20) -> tuple[float, float]:
    """(SQL statements, Python function calls) per request."""
    from sqlalchemy import event

    from casework.extensions import db

    statements = []
    with app.app_context():
        engine = db.engine
    record = lambda *args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        for _ in range(n):
            action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    profile = cProfile.Profile()
    profile.runcall(measure, action, n)
    return len(statements) / n, pstats.Stats(profile).total_calls / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instance", required=True,
                        help="the seeded instance folder (casework.db and the audit keys)")
    parser.add_argument("--db-url", help="SQLAlchemy URL (default: SQLite in --instance)")
    parser.add_argument("--n", type=int, default=300, help="requests per scenario")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=1,
                        help="rounds of --n requests; the least CPU of them is printed")
    parser.add_argument("--only", help="comma-separated scenarios")
    parser.add_argument("--profile", help="a scenario to profile (CPU) after the figures")
    args = parser.parse_args()
    app = build_app(args)
    actions = scenarios(app)
    names = args.only.split(",") if args.only else list(actions)
    print(f"{'scenario':<14} {'CPU ms/req':>10} {'req/s':>8} {'SQL/req':>8} {'calls/req':>10}"
          f"   ({args.n} requests x {args.rounds}, "
          f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, load {os.getloadavg()[0]:.2f})")
    for name in names:
        measure(actions[name], args.warmup)
        cpu, rate = min(measure(actions[name], args.n) for _ in range(args.rounds))
        sql, calls = per_request(app, actions[name])
        print(f"{name:<14} {cpu:>10.2f} {rate:>8.0f} {sql:>8.1f} {calls:>10.0f}", flush=True)
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        profile.runcall(measure, actions[args.profile], args.n)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
