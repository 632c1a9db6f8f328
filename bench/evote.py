"""`make bench-evote`: a generated e-voting log imported and checked.

    .venv/bin/python bench/evote.py                    # 300,000 votes, SQLite file
    .venv/bin/python bench/evote.py --postgres         # the same on a fresh PostgreSQL db
    .venv/bin/python bench/evote.py --votes 1000000

The log has planted clusters (40 IINs on one phone, 80 on one IP, a burst of 40 votes in
five minutes, 3 votes after the close); prints the time to write the CSV, to import it
(keyed hashes, batched inserts), to run every check, the peak memory, and what was opened.
Asserts nothing.
"""

import argparse
import os
import random
import resource
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path
                             if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from casework import create_app  # noqa: E402
from casework.elections.importers import run_import  # noqa: E402
from casework.extensions import db  # noqa: E402
from casework.results.findings import evote_log  # noqa: E402
from casework.results.findings.services import run_checks  # noqa: E402
from tests import factories  # noqa: E402

PG = "host=127.0.0.1 port=5432 user=postgres"


def write_log(path: Path, votes: int, candidates: int, election) -> None:
    rng = random.Random(2020)  # noqa: S311 - generated data, not security
    start = election.voting_starts_at + timedelta(hours=6)  # local time, the file's zone
    span = int((election.voting_ends_at - election.voting_starts_at).total_seconds()) - 7200
    with path.open("w", encoding="utf-8") as out:
        out.write("iin,phone,ip,time,candidate_code\n")
        for n in range(votes):
            moment = start + timedelta(seconds=rng.randrange(span))
            out.write(f"{800000000000 + n},+7701{n % 10_000_000:07d},"
                      f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256},"
                      f"{moment.isoformat()},C-{1 + rng.randrange(candidates):02d}\n")
        for n in range(40):  # one SIM card, forty voters
            out.write(f"{700000000000 + n},+77019990000,172.16.0.{n},"
                      f"{(start + timedelta(minutes=50 * n)).isoformat()},C-01\n")
        for n in range(80):  # one address, eighty voters, spread over the days
            out.write(f"{710000000000 + n},+7702{n:07d},203.0.113.7,"
                      f"{(start + timedelta(minutes=61 * n)).isoformat()},C-02\n")
        for n in range(40):  # a burst: forty votes in five minutes
            out.write(f"{720000000000 + n},+7705{n:07d},198.51.100.3,"
                      f"{(start + timedelta(seconds=7 * n)).isoformat()},C-03\n")
        late = election.voting_ends_at + timedelta(hours=7)
        for n in range(3):
            out.write(f"{730000000000 + n},+7707{n:07d},192.0.2.{n},{late.isoformat()},C-04\n")


def run(args, url: str, folder: str) -> None:
    app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
                      "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None,
                      "CASEWORK_EVIDENCE_STORAGE": "local",
                      "CASEWORK_EVIDENCE_DIR": folder + "/evidence",
                      "CASEWORK_AUDIT_KEY": secrets.token_hex(16), "CASEWORK_LOG_LEVEL": "WARNING"})
    with app.app_context():
        db.create_all()
        election = factories.election_with_regions()
        run_import("candidates", ("code,region_code,name_kk,name_ru,name_en\n" + "".join(
            f"C-{n:02d},KZ-KAR,К{n},К{n},C{n}\n" for n in range(1, args.candidates + 1))).encode(),
            election=election)
        db.session.commit()
        log = Path(folder) / "evote.csv"
        started = time.perf_counter()
        write_log(log, args.votes, args.candidates, election)
        print(f"log written: {args.votes + 163:,} votes, {log.stat().st_size / 2**20:.1f} MiB "
              f"in {time.perf_counter() - started:.1f} s")
        started, cpu = time.perf_counter(), time.process_time()
        with log.open("rb") as stream:
            written = evote_log.import_log(stream, election)
        db.session.commit()
        imported = time.perf_counter() - started
        print(f"import: {written:,} votes in {imported:.1f} s, {time.process_time() - cpu:.1f} s "
              f"CPU ({written / imported:,.0f} votes/s; IIN, phone, IP as keyed hashes)")
        started, cpu = time.perf_counter(), time.process_time()
        opened = run_checks(election)
        db.session.commit()
        print(f"checks: {time.perf_counter() - started:.1f} s, {time.process_time() - cpu:.1f} s "
              f"CPU, {len(opened)} case(s) opened:")
        for finding in opened:
            print(f"  {finding.kind.value}: {finding.numbers}")
        started = time.perf_counter()
        again = run_checks(election)
        print(f"checks again: {time.perf_counter() - started:.1f} s, {len(again)} opened")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"load average now: {os.getloadavg()[0]:.1f}")
        print(f"peak RSS of the process: {peak:.0f} MiB; total import + checks: "
              f"{imported + time.perf_counter() - started:.1f} s")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=300_000)
    parser.add_argument("--candidates", type=int, default=12)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="casework-bench-evote-")
    if not args.postgres:
        run(args, f"sqlite:///{folder}/bench.db", folder)
        return
    name = f"casework_bench_evote_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG} dbname=postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        run(args, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", folder)
    finally:
        with psycopg.connect(f"{PG} dbname=postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
