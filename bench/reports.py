"""The staff dashboard and the public statistics page on a large data set (PostgreSQL).

    make bench-reports                                   # 1,000,000 cases, about 4 minutes
    make bench-reports BENCH_ARGS="--cases 100000 --runs 50"

A fresh database seeded like bench/staff_queue.py (N cases over 10 days with complaints,
deadlines, accused candidates, messages, search documents), plus what the reports read:
the state moves of each case (screening started, admitted, rejected with a reason, decided
with an outcome) at plausible times, and hotline calls. Then:

- the rollup refresh the worker runs every CASEWORK_REPORTS_REFRESH_SECONDS (timed);
- GET /staff/dashboard as the secretary (all regions) and as the Karaganda reviewer;
- GET /statistics and /statistics.json, cold (the page cache emptied before each request:
  every request renders from the database) and warm (as a spike of visitors sees it).

Each through Flask's test client (routing, login, queries, template). Prints p50/p95/max of
the whole request and of the database time inside it, and the number of queries.
"""

import argparse
import importlib.util
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path
                             if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import psycopg  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from casework import create_app  # noqa: E402
from casework.extensions import db  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_queue", ROOT / "bench" / "staff_queue.py")
bench_queue = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_queue)

PG = bench_queue.PG
REASONS = ["outside_remit", "outside_filing_window", "no_specific_facts",
           "no_evidence_or_source", "duplicate", "withdrawn"]


def seed_report_data(connection, election_id: int, calls: int) -> None:
    """The timeline rows the medians and outcomes come from, and the hotline calls."""
    operator = connection.execute(text(
        "SELECT id FROM users WHERE role = 'operator' ORDER BY id LIMIT 1")).scalar()
    steps = [
        ("screening moves", """
            INSERT INTO case_transitions (case_id, action, from_state, to_state, at, details)
            SELECT id, 'start_screening', 'received', 'screening',
                   least(state_changed_at, created_at + random() * interval '30 hours'), '{}'
            FROM cases WHERE state <> 'received'"""),
        ("admissions", """
            INSERT INTO case_transitions (case_id, action, from_state, to_state, at, details)
            SELECT id, 'admit', 'screening', 'investigation',
                   least(state_changed_at, created_at + interval '30 hours'
                                           + random() * interval '20 hours'), '{}'
            FROM cases WHERE state IN ('investigation', 'info_requested', 'findings_ready',
                                       'decided', 'closed', 'appealed')"""),
        ("rejections", f"""
            INSERT INTO case_transitions (case_id, action, from_state, to_state, at,
                                          reason_code, details)
            SELECT id, 'reject', 'screening', 'inadmissible', state_changed_at,
                   (ARRAY{REASONS})[1 + id % {len(REASONS)}], '{{}}'
            FROM cases WHERE state = 'inadmissible'"""),  # noqa: S608
        ("decisions", """
            INSERT INTO case_transitions (case_id, action, from_state, to_state, at, outcome,
                                          details)
            SELECT id, 'decide', 'findings_ready', 'decided', state_changed_at,
                   (ARRAY['confirmed', 'partly_confirmed', 'not_confirmed'])[1 + id % 3], '{}'
            FROM cases WHERE state IN ('decided', 'closed', 'appealed')"""),
        ("case outcomes", """
            UPDATE cases SET outcome = (ARRAY['confirmed', 'partly_confirmed',
                                              'not_confirmed'])[1 + id % 3]
            WHERE state IN ('decided', 'closed', 'appealed')"""),
        ("calls", f"""
            INSERT INTO hotline_calls (operator_id, caller_number, started_at, ended_at, language,
                               purpose, note)
            SELECT {operator}, '+7701' || lpad((i % 10000000)::text, 7, '0'), t,
                   t + interval '3 minutes', 'kk',
                   (ARRAY['complaint', 'follow_up', 'voting_question', 'evoting_problem',
                          'other'])[1 + i % 5], ''
            FROM (SELECT i, now() AT TIME ZONE 'utc' - interval '10 days'
                            + (i::float / {calls}) * interval '10 days' AS t
                  FROM generate_series(1, {calls}) AS i) AS g"""),  # noqa: S608
    ]
    for name, sql in steps:
        started = time.perf_counter()
        rows = connection.execute(text(sql)).rowcount
        print(f"  {name:<16} {rows:>9,} rows  {time.perf_counter() - started:6.1f} s", flush=True)


def line(label: str, result: dict) -> str:
    pct = bench_queue.pct
    return (f"  {label:<44} p50 {pct(result['wall'], .5):7.1f} ms  p95 "
            f"{pct(result['wall'], .95):7.1f} ms  max {max(result['wall']) * 1000:7.1f} ms  "
            f"db p95 {pct(result['db'], .95):7.1f} ms  queries {max(result['queries'])}")


def measure(app, args) -> None:
    from casework.demo.seed import ELECTION_CODE
    from casework.elections.models import Election
    from casework.reports import rollups
    from casework.reports.cache import page_cache

    election = db.session.scalar(select(Election).where(Election.code == ELECTION_CODE))
    refresh_times = []
    for _ in range(3):
        started = time.perf_counter()
        rollups.refresh(election)
        db.session.commit()
        refresh_times.append(time.perf_counter() - started)
    rows = db.session.scalar(text("SELECT count(*) FROM report_figures"))
    print(f"rollup refresh (what the worker runs each minute): "
          f"{min(refresh_times):.2f} s best of 3, {max(refresh_times):.2f} s worst; "
          f"{rows:,} figure rows")
    db.session.rollback()

    timer = bench_queue.Timer(db.engine)
    clients = {}
    for who, email in (("secretary", "secretary@example.kz"), ("reviewer", "reviewer@example.kz")):
        client = app.test_client()
        bench_queue.login(client, email)
        clients[who] = client
    visitor = app.test_client()
    cache = page_cache(app)

    def get(client, url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return run

    def cold(url):
        def run():
            cache.clear()
            response = visitor.get(url, headers={"Accept-Language": "ru"})
            assert response.status_code == 200, (url, response.status_code)
        return run

    scenarios = [
        ("dashboard, secretary (all regions)", get(clients["secretary"], "/staff/dashboard")),
        ("dashboard, Karaganda reviewer", get(clients["reviewer"], "/staff/dashboard")),
        ("/statistics cold (cache emptied each time)", cold("/statistics")),
        ("/statistics?by=count cold", cold("/statistics?by=count")),
        ("/statistics.json cold", cold("/statistics.json")),
        ("/statistics warm (a spike of visitors)", get(visitor, "/statistics")),
    ]
    print(f"{args.runs} requests each (after 3 warm-up requests):")
    for label, action in scenarios:
        for _ in range(3):
            action()
        print(line(label, timer.run(action, args.runs)), flush=True)
        db.session.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=40, help="timed requests per scenario")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="measure an existing (kept) database: no seeding")
    args = parser.parse_args()

    name = args.database or f"casework_bench_reports_{secrets.token_hex(4)}"
    if not args.database:
        with psycopg.connect(f"{PG} dbname=postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
                          "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None,
                          "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
                          "CASEWORK_ARGON2_TIME_COST": 1, "CASEWORK_ARGON2_MEMORY_KIB": 1024,
                          "CASEWORK_LOG_LEVEL": "WARNING"})
        app.test_client_class = bench_queue.IsolatedClient
        with app.app_context():
            if not args.database:
                queue_args = argparse.Namespace(cases=args.cases)
                bench_queue.seed_all(app, queue_args)
                from casework.elections.models import Election

                election_id = db.session.scalar(select(Election.id))
                print("seeding what the reports read:")
                with db.engine.begin() as connection:
                    seed_report_data(connection, election_id, args.calls)
                with db.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT") as connection:
                    connection.execute(text("VACUUM ANALYZE"))
            measure(app, args)
    finally:
        with psycopg.connect(f"{PG} dbname=postgres", autocommit=True) as admin:
            if args.keep or args.database:
                print(f"database kept: {name}")
            else:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
