"""CPU milliseconds per queue search request, in-process (Flask test client), and where they go.

    .venv/bin/python bench/search_cost.py --instance instance/bench-compare/run/casework
        [--requests 50] [--profile "hit secretary"] [--split]

On a seeded instance (make bench-compare's 100,000 cases: one word in 1 % of the complaints,
another in none), signed in as the secretary (all regions) and the KZ-KAR reviewer: a search
with hits and one without, after warm-up. Prints CPU ms per request (time.process_time: the
median and the minimum, the least disturbed by other load), how many cases wait for their
search documents (each search reads their texts), and with --split the share of the request
spent in the search and page queries (queries.queue_page) and in rendering the filter form
(queue_head); --profile prints a cProfile of one of them. GET requests only; asserts nothing.
"""

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from staff_pages import login  # noqa: E402

SEARCHES = [("hit", "/cases?q=фальсификация"), ("miss", "/cases?q=zzyzx")]


class Split:
    """CPU time inside a few functions of the request, summed per run."""

    def __init__(self, targets):
        self.spent = dict.fromkeys([name for _module, name in targets], 0.0)
        for module, name in targets:
            setattr(module, name, self._timed(name, getattr(module, name)))

    def _timed(self, name, function):
        def timed(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[name] += time.process_time() - started
        return timed

    def reset(self):
        self.spent = dict.fromkeys(self.spent, 0.0)


def measure(client, path: str, n: int) -> tuple[float, float]:
    cpu = []
    for _ in range(n):
        started = time.process_time()
        response = client.get(path)
        cpu.append(time.process_time() - started)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(cpu) * 1000, min(cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instance", default=str(ROOT / "instance" / "bench-compare" / "run"
                                                   / "casework"))
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--profile", help='cProfile one search, e.g. "miss reviewer"')
    parser.add_argument("--split", action="store_true",
                        help="CPU in queue_page and in the filter form's rendering")
    args = parser.parse_args()
    instance = os.path.abspath(args.instance)
    os.environ.update(
        CASEWORK_ENV="production", CASEWORK_SECRET_KEY=secrets.token_hex(16),
        CASEWORK_DATABASE_URL=f"sqlite:///{instance}/casework.db",
        CASEWORK_INSTANCE_PATH=instance, CASEWORK_EVIDENCE_DIR=os.path.join(instance, "evidence"),
        CASEWORK_LOG_LEVEL="WARNING", CASEWORK_SECURE_COOKIES="0")

    from sqlalchemy import func, select

    from casework import create_app
    from casework.cases import queue_views
    from casework.cases.models import CaseSearchPending
    from casework.extensions import db

    app = create_app()
    with app.app_context():
        pending = db.session.scalar(select(func.count()).select_from(CaseSearchPending))
    split = Split([(queue_views, "queue_page"), (queue_views, "render_head")]) \
        if args.split else None
    clients = {}
    for who, email in (("secretary", "secretary@example.kz"),
                       ("reviewer", "reviewer@example.kz")):
        clients[who] = app.test_client()
        login(app, clients[who], email)
    print(f"{instance}: {pending} case(s) waiting for their search documents; "
          f"{args.requests} requests each (CPU ms: process_time median and minimum); "
          f"load {os.getloadavg()[0]:.2f}")
    print(f"{'search':18} {'CPU ms':>8} {'min':>7}"
          + (f" {'queue_page':>11} {'head':>6}" if split else ""))
    for label, path in SEARCHES:
        for who, client in clients.items():
            measure(client, path, args.warmup)
            if split:
                split.reset()
            median, least = measure(client, path, args.requests)
            shares = (f" {split.spent['queue_page'] * 1000 / args.requests:11.2f}"
                      f" {split.spent['render_head'] * 1000 / args.requests:6.2f}"
                      if split else "")
            print(f"{label + ' ' + who:18} {median:8.2f} {least:7.2f}{shares}", flush=True)
            if args.profile == f"{label} {who}":
                profile = cProfile.Profile(time.process_time)
                profile.runcall(measure, client, path, args.requests)
                pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
                pstats.Stats(profile).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
