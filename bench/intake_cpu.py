"""CPU per submission of POST /api/v1/complaints with a ~200 KB photo, in-process.

    python bench/intake_cpu.py [--requests 300] [--profile 15] [--database-url URL]

A fresh instance (`db upgrade` + `demo seed`, SQLite unless --database-url), production
config, the Flask test client (no HTTP server, so the figure is the application's own cost):
prints process CPU ms per submission, SQL statements and fsyncs per submission, then checks
that every accepted complaint has its row and its file with the same SHA-256. --profile N
prints the N functions with the most cumulative time of a second run."""

import argparse
import cProfile
import hashlib
import io
import os
import pstats
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from intake import LIMIT, multipart, photo, png_base, write_instance_keys  # noqa: E402
from stored_files import plain_sha256  # noqa: E402


def environment(tmp: Path, url: str | None) -> dict:
    write_instance_keys(tmp)
    return {"CASEWORK_ENV": "production", "CASEWORK_SECRET_KEY": secrets.token_hex(32),
            "CASEWORK_DATABASE_URL": url or f"sqlite:///{tmp / 'casework.db'}",
            "CASEWORK_EVIDENCE_DIR": str(tmp / "evidence"), "CASEWORK_INSTANCE_PATH": str(tmp),
            "CASEWORK_LIMIT_SUBMIT": LIMIT, "CASEWORK_ARGON2_MEMORY_KIB": "1024",
            "CASEWORK_LOG_LEVEL": "WARNING"}


def prepare(env: dict) -> None:
    for command in (["db", "upgrade"], ["demo", "seed"]):
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "casework", *command],  # noqa: S603
                              cwd=HERE.parent, env=dict(os.environ, **env), capture_output=True,
                              text=True)
        if done.returncode:
            sys.exit(f"flask {' '.join(command)} failed:\n{done.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--profile", type=int, default=0, help="functions to list (0: none)")
    parser.add_argument("--profile-out", help="also write the profile here (pstats)")
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="casework-intake-cpu-"))
    try:
        env = environment(tmp, args.database_url)
        prepare(env)
        os.environ.update(env)
        run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp: Path) -> None:
    from sqlalchemy import event, text

    from casework import create_app
    from casework.extensions import db

    app = create_app()
    client = app.test_client()
    base, sent, statements, fsyncs = png_base(), [], [0], [0]
    real_fsync = os.fsync

    def counting_fsync(fd):
        fsyncs[0] += 1
        return real_fsync(fd)

    def body(n: int) -> tuple:
        image = photo(base, n)
        boundary = uuid.uuid4().hex
        return hashlib.sha256(image).hexdigest(), len(image), boundary, multipart(
            {"category": "vote_buying", "region": "KZ-KAR-BAL", "anonymous": True,
             "language": "ru", "narrative": f"Benchmark complaint #{n}: a man offered voters "
             "5000 tenge near polling station BAL-007."}, image, boundary)

    total = args.warmup + args.requests + (min(args.requests, 200) if args.profile else 0)
    bodies = [body(n) for n in range(total)]  # made before the clock starts: the client's part

    def post(n: int) -> None:
        sha, size, boundary, data = bodies[n]
        answer = client.post("/api/v1/complaints", data=data, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Idempotency-Key": f"bench-{uuid.uuid4().hex}", "Accept": "application/json"})
        if answer.status_code != 201:
            sys.exit(f"submission {n}: {answer.status_code} {answer.get_data(as_text=True)[:500]}")
        sent.append((answer.get_json()["reference"], sha, size))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *a: statements.__setitem__(0, statements[0] + 1))
    number = iter(range(10**9))
    for _ in range(args.warmup):
        post(next(number))
    statements[0], os.fsync = 0, counting_fsync
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        post(next(number))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    os.fsync = real_fsync
    n = args.requests
    print(f"intake, API, {round(len(base) / 1024)} KB photo, {n} submissions, "
          f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: "
          f"{cpu * 1000 / n:.2f} ms CPU, {wall * 1000 / n:.2f} ms wall per submission, "
          f"{statements[0] / n:.1f} SQL statements, {fsyncs[0] / n:.1f} fsyncs")
    if args.profile:
        profile = cProfile.Profile(time.process_time)  # CPU, not waits
        profile.enable()
        for _ in range(min(n, 200)):
            post(next(number))
        profile.disable()
        if args.profile_out:
            profile.dump_stats(args.profile_out)
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
        print(out.getvalue())
    with app.app_context():
        rows = {ref: (sha, size) for ref, sha, size in db.session.execute(text(
            "SELECT c.reference, e.sha256, e.size FROM cases c "
            "JOIN evidence_items e ON e.case_id = c.id"))}
    missing = 0
    for reference, sha, size in sent:
        path = tmp / "evidence" / sha[:2] / sha[2:4] / sha
        if rows.get(reference) != (sha, size) or plain_sha256(path, tmp / "data_keys") != sha:
            missing += 1
    print(f"integrity: {len(sent)} accepted, {missing} without their row or file")
    if missing:
        sys.exit(1)


if __name__ == "__main__":
    main()
