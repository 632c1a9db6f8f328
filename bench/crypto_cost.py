"""What sealing personal data costs: CPU per intake and per case page, with and without it.

    python bench/crypto_cost.py [--requests 200] [--rounds 3] [--database-url URL]

A fresh instance (`db upgrade` + `demo seed`, SQLite unless --database-url), production
config, in-process (the Flask test client, no HTTP server). The same requests run with the
real keyring and with a no-op one (values stored and read as they are, the "hash" the value
itself), in alternating rounds so both see the same machine: a named complaint through
POST /api/v1/complaints (name, phone, email, witnesses: four seals, two hashes, an
acknowledgment whose address and body are sealed too), and the case page of a named case
for its region's chair (every complaint, call and mail of the case opened on load). Prints
process CPU ms per request of each, the difference, and the raw cost of one seal and open."""

import argparse
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from intake_cpu import environment, prepare  # noqa: E402


def complaint(n: int) -> dict:
    return {"category": "vote_buying", "region": "KZ-KAR-BAL", "anonymous": False,
            "narrative": "Сайлау учаскесінде сайлаушыларға ақша таратылды, куәлар бар. " * 3,
            "language": "kk", "accused_candidates": [], "witnesses": f"Куә Серік {n}, 8 701 000 {n:04d}",
            "contact": {"name": f"Айгүл Сейітова {n}", "phone": f"+7 701 555 {n % 10000:04d}",
                        "email": f"aigul{n}@example.kz", "role": "voter",
                        "consent_to_contact": True}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per mode and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="casework-crypto-cost-"))
    try:
        env = environment(tmp, args.database_url)
        prepare(env)
        os.environ.update(env)
        run(args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args) -> None:
    from flask_login import login_user
    from sqlalchemy import select

    from casework import create_app
    from casework.accounts.models import User
    from casework.cases.models import Case
    from casework.core import crypto
    from casework.extensions import db
    from casework.intake.models import Complaint

    class NoKeys(crypto.Keyring):
        """Values as they are: what the same requests cost without sealing."""

        def seal(self, plaintext: str, context: str) -> str:
            return plaintext

        def open_value(self, stored: str, context: str) -> str:
            return stored

        def lookup_hash(self, normalized: str) -> str:
            return normalized[:64]

        def lookup_hashes(self, normalized: str) -> list[str]:
            return [normalized[:64]]

    app = create_app()
    real = app.extensions["casework_keys"]
    modes = {"sealed": real, "no-op": NoKeys(real.keys)}
    client = app.test_client()
    counter = iter(range(1, 10**9))

    def intake() -> None:
        n = next(counter)
        response = client.post("/api/v1/complaints", data={
            "complaint": json.dumps(complaint(n), ensure_ascii=False)},
            headers={"Idempotency-Key": secrets.token_hex(16)})
        assert response.status_code == 201, response.get_data(as_text=True)[:500]

    page: dict = {}

    def find_case() -> None:
        """A case of the bench's own named complaints, and its region's chair."""
        with app.app_context():
            named = db.session.scalar(select(Complaint).where(Complaint.anonymous.is_(False))
                                      .order_by(Complaint.id.desc()).limit(1))
            case = db.session.get(Case, named.case_id)
            chair = next(u for u in db.session.scalars(select(User).order_by(User.id))
                         if u.role.value == "chair" and case.can_view(u))
            page.update(reference=case.reference, chair_id=chair.id)

    def case_page() -> None:
        with app.test_request_context(f"/cases/{page['reference']}"):
            login_user(db.session.get(User, page["chair_id"]))
            response = app.full_dispatch_request()
            assert response.status_code == 200, response.status_code
            db.session.remove()

    results: dict[tuple[str, str], list[float]] = {}
    for name, action in (("intake", intake), ("case page", case_page)):
        if name == "case page":
            find_case()
        for _ in range(10):  # warm-up: caches, templates, compiled statements
            action()
        for _round in range(args.rounds):
            for mode, ring in modes.items():
                app.extensions["casework_keys"] = ring
                crypto.install(ring)
                start = time.process_time()
                for _ in range(args.requests):
                    action()
                ms = (time.process_time() - start) * 1000 / args.requests
                results.setdefault((name, mode), []).append(ms)
    app.extensions["casework_keys"] = real
    crypto.install(real)

    print(f"\nCPU ms per request (median of {args.rounds} rounds of {args.requests}):")
    for name in ("intake", "case page"):
        sealed = statistics.median(results[(name, "sealed")])
        plain = statistics.median(results[(name, "no-op")])
        print(f"  {name:10s} sealed {sealed:7.2f}   no-op {plain:7.2f}   "
              f"cost {sealed - plain:+6.2f} ms ({(sealed - plain) / plain * 100:+.1f} %)")

    # What the keyring does per request: counted, so the cost can be read apart from noise.
    calls = {"seal": 0, "open_value": 0, "lookup_hash": 0, "lookup_hashes": 0}

    class Counting(type(real)):  # type: ignore[misc]
        def __getattribute__(self, name):
            if name in calls:
                calls[name] += 1
            return super().__getattribute__(name)

    counting = Counting(real.keys)
    app.extensions["casework_keys"] = counting
    crypto.install(counting)
    per_request = {}
    for name, action in (("intake", intake), ("case page", case_page)):
        calls.update(dict.fromkeys(calls, 0))
        for _ in range(20):
            action()
        per_request[name] = {k: v / 20 for k, v in calls.items()}
    app.extensions["casework_keys"] = real
    crypto.install(real)

    value, context, loops = "Айгүл Сейітова +77015550123", "complaints.name", 20000
    start = time.perf_counter()
    sealed_values = [real.seal(value, context) for _ in range(loops)]
    seal_us = (time.perf_counter() - start) * 1e6 / loops
    start = time.perf_counter()
    for stored in sealed_values:
        real.open_value(stored, context)
    open_us = (time.perf_counter() - start) * 1e6 / loops
    start = time.perf_counter()
    for _ in range(loops):
        real.lookup_hash("phone:+77015550123")
    hash_us = (time.perf_counter() - start) * 1e6 / loops
    print(f"\none value: seal {seal_us:.1f} µs, open {open_us:.1f} µs, look-up hash {hash_us:.1f} µs")
    for name, counted in per_request.items():
        estimate = (counted["seal"] * seal_us + counted["open_value"] * open_us
                    + (counted["lookup_hash"] + counted["lookup_hashes"]) * hash_us) / 1000
        print(f"{name}: per request {counted['seal']:.1f} seals, {counted['open_value']:.1f} "
              f"opens, {counted['lookup_hash'] + counted['lookup_hashes']:.1f} hashes "
              f"= about {estimate:.2f} ms of CPU")


if __name__ == "__main__":
    main()
