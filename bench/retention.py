"""The cost of retention: `flask retention report` and a full `retention run` over N final
cases, each with a named complaint, a call, an outbox message and two stored evidence files
(policy: erase the files too), on PostgreSQL.

    .venv/bin/python bench/retention.py               # 2,000 cases
    .venv/bin/python bench/retention.py --cases 10000

A fresh database `casework_bench_retention_<random>` (dropped afterwards) and a temporary
evidence folder; prints figures, asserts nothing.
"""

import argparse
import hashlib
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
from casework.cases.models import CaseState  # noqa: E402
from casework.core.db import utcnow  # noqa: E402
from casework.elections.models import EvidenceRetention  # noqa: E402
from casework.evidence.models import EvidenceItem, ScanStatus  # noqa: E402
from casework.evidence.storage import get_storage  # noqa: E402
from casework.extensions import db  # noqa: E402
from casework.hotline.models import Call, CallPurpose  # noqa: E402
from casework.intake.models import Channel, Complaint  # noqa: E402
from casework.notifications.models import OutboxMessage, OutboxStatus  # noqa: E402
from casework.retention import jobs  # noqa: E402
from casework.retention.report import full_report  # noqa: E402
from tests import factories  # noqa: E402

PG = "host=127.0.0.1 port=5432 user=postgres"


def seed(cases: int, folder: str) -> None:
    election = factories.election_with_regions()
    election.retention_evidence = EvidenceRetention.ERASE
    operator = factories.user("operator", election=election, email="op@bench.kz")
    long_ago = utcnow() - timedelta(days=800)
    storage = get_storage()
    for n in range(cases):
        case = factories.case(election, CaseState.CLOSED, changed_at=long_ago)
        db.session.add(Complaint(
            case_id=case.id, channel=Channel.WEB, submission_key=secrets.token_hex(16),
            tracking_hash=secrets.token_hex(32), anonymous=False, name=f"Name {n}",
            phone=f"+7701{n:07d}", email=f"c{n}@bench.kz", witnesses="A witness",
            language="kk", category=case.category, narrative="Facts " * 10, links=[]))
        db.session.add(Call(operator_id=operator.id, caller_number=f"+7701{n:07d}",
                            started_at=long_ago, purpose=CallPurpose.COMPLAINT,
                            note="call back", case_id=case.id))
        db.session.add(OutboxMessage(
            dedupe_key=f"b{n}", template="cases/message", recipient=f"c{n}@bench.kz",
            language="kk", subject="s", body_text="body", message_id=f"<b{n}@bench>",
            status=OutboxStatus.SENT, case_id=case.id))
        for k in range(2):
            data = f"evidence {n} {k}".encode() * 100
            sha256 = hashlib.sha256(data).hexdigest()
            path = Path(folder) / "upload"
            path.write_bytes(data)
            storage.put_file(sha256, str(path))
            db.session.add(EvidenceItem(case_id=case.id, sha256=sha256, size=len(data),
                                        content_type="image/png", label=f"p{k}.png",
                                        source="web", scan_status=ScanStatus.CLEAN))
        if n % 500 == 499:
            db.session.commit()
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    name = f"casework_bench_retention_{secrets.token_hex(4)}"
    folder = tempfile.mkdtemp(prefix="casework-bench-retention-")
    with psycopg.connect(f"{PG} dbname=postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
                          "SQLALCHEMY_DATABASE_URI":
                              f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
                          "SERVER_NAME": None, "CASEWORK_EVIDENCE_STORAGE": "local",
                          "CASEWORK_EVIDENCE_DIR": folder + "/evidence",
                          "CASEWORK_AUDIT_KEY": secrets.token_hex(16),
                          "CASEWORK_LOG_LEVEL": "WARNING"})
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            seed(args.cases, folder)
            print(f"seeded {args.cases} final cases in {time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            report = full_report()
            took = time.perf_counter() - start
            due = sum(c["cases"] for r in report for c in r.days.values())
            print(f"retention report: {took:.2f} s ({due} case-parts due)")
            start = time.perf_counter()
            result = jobs.run()
            took = time.perf_counter() - start
            print(f"retention run: {result.cases} cases in {took:.1f} s "
                  f"({1000 * took / max(result.cases, 1):.1f} ms per case, one commit each; "
                  f"{result.counts['stored_objects']} files removed)")
            start = time.perf_counter()
            again = jobs.run()
            print(f"second run (nothing due): {again.cases} cases in "
                  f"{time.perf_counter() - start:.2f} s")
            db.session.remove()
            db.engine.dispose()
    finally:
        with psycopg.connect(f"{PG} dbname=postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
