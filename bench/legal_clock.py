"""The cost of the legal clock (elections/legal_clock.py) on a transition's deadline.

    .venv/bin/python bench/legal_clock.py            # 2000 repetitions each

With a throw-away SQLite file (removed afterwards), an election with a clock (working days
before voting and after certification) and 20 holidays; prints the CPU time of:
- add_legal_days with the clock already read (the day walk alone), for 3 and 30 days;
- clock_of (reading the clock and the holidays: two queries);
- period_due (both), which is what deadlines.on_transition adds to a move.
Process CPU time; asserts nothing.
"""

import argparse
import secrets
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path
                             if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from casework import create_app  # noqa: E402
from casework.elections.legal_clock import add_legal_days, clock_of, period_due, set_clock  # noqa: E402
from casework.elections.legal_clock_models import Holiday  # noqa: E402
from casework.elections.models import Election  # noqa: E402
from casework.extensions import db  # noqa: E402


def cpu_us(repeat: int, call) -> float:
    start = time.process_time()
    for _ in range(repeat):
        call()
    return (time.process_time() - start) / repeat * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="casework-bench-clock-")
    try:
        app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                          "SERVER_NAME": None, "CASEWORK_AUDIT_KEY": secrets.token_hex(16),
                          "CASEWORK_LOG_LEVEL": "WARNING"})
        with app.app_context():
            db.create_all()
            election = Election(
                code="B2020", name_kk="b", name_ru="b", name_en="b", timezone="Asia/Almaty",
                filing_opens_at=datetime(2020, 5, 11), filing_closes_at=datetime(2020, 6, 3),
                voting_starts_at=datetime(2020, 5, 25), voting_ends_at=datetime(2020, 5, 31),
                decision_deadline_at=datetime(2020, 6, 5),
                results_certification_at=datetime(2020, 6, 8))
            db.session.add(election)
            db.session.flush()
            set_clock(election, before_voting="working", after_certification="working")
            db.session.add_all(Holiday(election_id=election.id, day=date(2020, 4, 1)
                                       + timedelta(days=3 * n), name="") for n in range(20))
            db.session.commit()
            start = datetime(2020, 5, 14, 6)
            clock = clock_of(election)
            for days in (3, 30):
                cost = cpu_us(args.repeat, lambda d=days: add_legal_days(election, start, d, clock))
                print(f"add_legal_days, {days:>2} days, clock read: {cost:8.1f} µs")
            cost = cpu_us(args.repeat, lambda: clock_of(election))
            print(f"clock_of (2 queries):              {cost:8.1f} µs")
            print(f"period_due (what a move adds):     "
                  f"{cpu_us(args.repeat, lambda: period_due(election, 'cure_days', start)):8.1f} µs")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
