"""The cost of a staff sign-in: password (Argon2id at the configured cost) + TOTP code.

    make bench-login                         # 20 sign-ins, the default Argon2 settings
    make bench-login BENCH_ARGS="--runs 50"

Each run signs a fresh account in through Flask's test client, as a browser does: the
password step (POST /login) then the code step (POST /login/code, a code computed with
pyotp from the account's secret). Prints the median and the p90 of the CPU time of the two
POSTs together (time.process_time: this process's CPU, what a worker spends), and of the
wall time. A temporary SQLite database; asserts nothing.
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

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "a long enough timing passphrase"  # noqa: S105 - a throw-away account


def csrf(client, path: str) -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="casework-bench-login-")
    app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": secrets.token_hex(16),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                      "SERVER_NAME": None, "RATELIMIT_ENABLED": False})
    config = app.config
    print(f"Argon2id time cost {config['CASEWORK_ARGON2_TIME_COST']}, memory "
          f"{config['CASEWORK_ARGON2_MEMORY_KIB']} KiB; {args.runs} sign-ins")
    cpu, wall = [], []
    with app.app_context():
        db.create_all()
        secrets_of = {}
        for n in range(args.runs):
            user = create_user(actor=None, email=f"bench{n}@example.kz", full_name=f"Bench {n}",
                               role=Role.REVIEWER, password=PASSWORD, all_regions=True)
            secret = pyotp.random_base32()
            activate_totp(user, secret)
            secrets_of[user.email] = secret
        db.session.commit()
    for email, secret in secrets_of.items():
        client = app.test_client()
        token = csrf(client, "/login")
        cpu0, wall0 = time.process_time(), time.perf_counter()
        first = client.post("/login", data={"email": email, "password": PASSWORD,
                                             "csrf_token": token})
        cpu1, wall1 = time.process_time(), time.perf_counter()
        code_token = csrf(client, "/login/code")
        cpu2, wall2 = time.process_time(), time.perf_counter()
        second = client.post("/login/code", data={"code": pyotp.TOTP(secret).now(),
                                                   "csrf_token": code_token})
        cpu3, wall3 = time.process_time(), time.perf_counter()
        assert first.status_code == 303 and second.status_code == 302, (first, second)
        cpu.append((cpu1 - cpu0 + cpu3 - cpu2) * 1000)
        wall.append((wall1 - wall0 + wall3 - wall2) * 1000)

    def p90(values):
        return sorted(values)[max(0, int(len(values) * 0.9) - 1)]

    print(f"password + code, CPU ms:  median {statistics.median(cpu):.1f}  p90 {p90(cpu):.1f}")
    print(f"password + code, wall ms: median {statistics.median(wall):.1f}  p90 {p90(wall):.1f}")


if __name__ == "__main__":
    main()
