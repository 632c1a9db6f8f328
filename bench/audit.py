"""The cost of the audit chain: appending keyed entries, `audit verify` over the whole chain
(HMAC-SHA256 per entry plus the checkpoints), and signing a checkpoint.

    .venv/bin/python bench/audit.py                    # 20,000 entries
    .venv/bin/python bench/audit.py --entries 100000

A temporary SQLite database; prints figures, asserts nothing.
"""

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path
                             if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from casework import create_app  # noqa: E402
from casework.core import audit, audit_checkpoints  # noqa: E402
from casework.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="casework-bench-audit-")
    app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": secrets.token_hex(16),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                      "SERVER_NAME": None})
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        for n in range(args.entries):
            audit.record("bench.event", object_type="case", object_id=n,
                         details={"n": n, "text": "Қазақша мәтін"})
            if n % 1000 == 999:
                db.session.commit()
        db.session.commit()
        append = time.perf_counter() - start
        start = time.perf_counter()
        audit_checkpoints.make_checkpoint()
        db.session.commit()
        sign = time.perf_counter() - start
        start = time.perf_counter()
        chain = audit_checkpoints.verify_chain()
        checkpoints = audit_checkpoints.verify_checkpoints()
        verify = time.perf_counter() - start
    print(f"entries={args.entries} append={append / args.entries * 1e6:.0f} us/entry "
          f"checkpoint={sign * 1e3:.1f} ms verify={verify:.2f} s "
          f"({args.entries / verify:,.0f} entries/s) ok={chain.ok and checkpoints.ok}")


if __name__ == "__main__":
    main()
