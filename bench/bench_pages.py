"""CPU and wall time per request for the foundation's pages, through the WSGI app.

    .venv/bin/python bench/bench_pages.py [--requests 300] [--database-url URL]

Seeds the demo into a temporary SQLite database (or the given one), then times
the public home page, the login page, a staff home page and a full login with the
production Argon2id parameters. Prints figures; asserts nothing.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from casework import create_app  # noqa: E402
from casework.demo.seed import seed  # noqa: E402
from casework.extensions import db  # noqa: E402


def measure(client, path: str, n: int, headers=None) -> tuple[float, float, float]:
    cpu, wall = [], []
    for _ in range(n):
        c0, w0 = time.process_time(), time.perf_counter()
        response = client.get(path, headers=headers or {})
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        assert response.status_code == 200, (path, response.status_code)
    wall.sort()
    return statistics.mean(cpu) * 1000, statistics.median(wall) * 1000, wall[int(n * .95)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    app = create_app({"CASEWORK_ENV": "testing", "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.create_all()
        seed()
        db.session.commit()
    client = app.test_client()
    print(f"database: {url.split(':')[0]}, {args.requests} requests per page")
    print(f"{'page':32} {'CPU ms/req':>11} {'wall p50':>9} {'wall p95':>9}")
    for label, path in [("home (kk)", "/"), ("login form", "/login")]:
        cpu, p50, p95 = measure(client, path, args.requests)
        print(f"{label:32} {cpu:11.2f} {p50:9.2f} {p95:9.2f}")
    c0, w0 = time.process_time(), time.perf_counter()
    response = client.post("/login", data={"email": "secretary@example.kz",
                                           "password": "secretary-demo-2020"})
    assert response.status_code == 302
    print(f"{'login (Argon2id t=3, 64 MiB)':32} {(time.process_time() - c0) * 1000:11.2f} "
          f"{(time.perf_counter() - w0) * 1000:9.2f} {'':>9}")
    cpu, p50, p95 = measure(client, "/staff", args.requests)
    print(f"{'staff home (secretary, 39 rows)':32} {cpu:11.2f} {p50:9.2f} {p95:9.2f}")


if __name__ == "__main__":
    main()
