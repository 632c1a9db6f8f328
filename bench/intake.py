"""Load test of POST /api/v1/complaints through gunicorn, then a check that nothing was lost.

    make bench-intake BENCH_ARGS="--backends sqlite,postgresql --levels 1,4,16,32 --requests 200"

Per backend: fresh database, `db upgrade` + `demo seed`, gunicorn, N keep-alive client threads
posting complaints with a unique ~200 KB PNG; then every 201 is checked in the database and the
evidence folder. Exits 1 on any loss."""

import argparse
import hashlib
import http.client
import itertools
import json
import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections import Counter
from pathlib import Path

import psycopg
from stored_files import plain_sha256

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PG = "host=127.0.0.1 port=5432 user=postgres"
HZ = os.sysconf("SC_CLK_TCK")
LIMIT = "1000000 per minute"


def chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def png_base(target: int = 200 * 1024) -> bytes:
    """Signature, IHDR and IDAT of a noisy RGB picture of about `target` bytes (no IEND)."""
    width = 256
    height = target // (width * 3 + 1)
    raw = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1))


def photo(base: bytes, n: int) -> bytes:
    """The same picture made unique (so each upload is a new file) by a tEXt chunk."""
    return base + chunk(b"tEXt", b"Comment\x00bench %d %s" % (n, secrets.token_hex(8).encode())) \
        + chunk(b"IEND", b"")


def multipart(complaint: dict, image: bytes, boundary: str) -> bytes:
    b = boundary.encode()
    return b"".join([
        b"--", b, b'\r\nContent-Disposition: form-data; name="complaint"\r\n'
        b"Content-Type: application/json\r\n\r\n", json.dumps(complaint).encode(), b"\r\n",
        b"--", b, b'\r\nContent-Disposition: form-data; name="evidence"; filename="photo.png"\r\n'
        b"Content-Type: image/png\r\n\r\n", image, b"\r\n--", b, b"--\r\n"])


def stat(pid) -> list[str]:
    """/proc/<pid>/stat fields after the command name: [0] state, [1] ppid, [11] utime, [12] stime."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def children(pid: int) -> list[int]:
    return [int(e) for e in filter(str.isdigit, os.listdir("/proc")) if stat(e)[1:2] == [str(pid)]]


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    return {pid: int(f[11]) + int(f[12]) for pid in pids if (f := stat(pid))}


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))] * 1000 if values else float("nan")


def client(port: int, base: bytes, numbers, end: int, results: list) -> None:
    """One thread, one keep-alive connection; appends (status or exception, s, doc, sha, size)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while (n := next(numbers)) < end:  # itertools.count and list.append are atomic
        image = photo(base, n)
        sha = hashlib.sha256(image).hexdigest()
        boundary = uuid.uuid4().hex
        body = multipart({"category": "vote_buying", "region": "KZ-KAR-BAL", "anonymous": True,
                          "language": "ru", "narrative": f"Benchmark complaint #{n}: a man "
                          f"offered voters 5000 tenge near polling station BAL-007."},
                         image, boundary)
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
                   "Idempotency-Key": f"bench-{uuid.uuid4().hex}", "Accept": "application/json"}
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/complaints", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
            doc = json.loads(data) if status == 201 else None
        except Exception as exc:  # noqa: BLE001 - counted and reported
            status, doc = type(exc).__name__, None
            conn.close()  # the next request() reconnects
        results.append((status, time.perf_counter() - t0, doc, sha, len(image)))
    conn.close()


def run_level(port, base, start, conc, total, master):
    results, numbers = [], itertools.count(start)
    workers = children(master)
    before, c0 = cpu_ticks(workers), time.process_time()
    threads = [threading.Thread(target=client, args=(port, base, numbers, start + total, results))
               for _ in range(conc)]
    t0 = time.perf_counter()
    [t.start() for t in threads]
    [t.join() for t in threads]
    wall = time.perf_counter() - t0
    after, client_cpu = cpu_ticks(workers), time.process_time() - c0
    server_ms = sum(after[p] - before[p] for p in after if p in before) * 1000 / HZ
    restarted = sorted(set(workers) - set(children(master)))
    latencies = sorted(r[1] for r in results)
    ok = sum(1 for r in results if r[0] == 201)
    errors = Counter(str(r[0]) for r in results if r[0] != 201)
    print(f"{conc:<5} {total:<5} {ok:<5} {total - ok:<5} {total / wall:<7.1f} {pct(latencies, .5):<7.0f}"
          f"{pct(latencies, .95):<7.0f}{pct(latencies, .99):<7.0f}{server_ms / total:<11.1f}"
          f"{client_cpu * 1000 / total:.1f}", flush=True)
    if errors:
        print("      errors: " + ", ".join(f"{k} x{v}" for k, v in errors.most_common()))
    if restarted:
        print(f"      worker(s) {restarted} exited during this level (CPU not counted)")
    return results


def query(backend: str, target: str, sql: str) -> list[tuple]:
    if backend == "sqlite":
        conn = sqlite3.connect(target)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    with psycopg.connect(f"{PG} dbname={target}") as conn:
        return conn.execute(sql).fetchall()


def verify(backend, target, evidence_dir, acked, baseline_cases, sample) -> list[str]:
    """Every 201 must be in cases, complaints and evidence_items, and its file on disk."""
    problems = []
    refs = Counter(doc["reference"] for doc, _, _ in acked)
    problems += [f"reference {r} returned {n} times" for r, n in refs.items() if n > 1]
    cases = dict(query(backend, target, "SELECT reference, id FROM cases"))
    complaints = Counter(r[0] for r in query(backend, target, "SELECT case_id FROM complaints"))
    items: dict[int, set] = {}
    for case_id, sha, size in query(backend, target, "SELECT case_id, sha256, size FROM evidence_items"):
        items.setdefault(case_id, set()).add((sha, size))
    files = []
    for doc, sha, size in acked:
        ref = doc["reference"]
        answered = [(e["sha256"], e["size"]) for e in doc.get("evidence", [])]
        if answered != [(sha, size)]:
            problems.append(f"{ref}: server answered evidence {answered}, sent {(sha, size)}")
        if ref not in cases:
            problems.append(f"{ref}: no row in cases")
            continue
        if complaints[cases[ref]] != 1:
            problems.append(f"{ref}: {complaints[cases[ref]]} rows in complaints")
        if (sha, size) not in items.get(cases[ref], set()):
            problems.append(f"{ref}: no evidence_items row with sha256 {sha[:12]}… size {size}")
        path = Path(evidence_dir, sha[:2], sha[2:4], sha)
        if not path.is_file():
            problems.append(f"{ref}: evidence file {path} missing")
        else:
            files.append((path, sha, size))
    for path, sha, _size in random.sample(files, min(sample, len(files))):
        if plain_sha256(path, evidence_dir.parent / "data_keys") != sha:
            problems.append(f"{path}: content does not match sha256/size")
    extra = len(cases) - baseline_cases - len(refs)
    print(f"integrity: {len(acked)} complaints, {len(cases) - baseline_cases} new cases, "
          f"{len(files)} files verified ({min(sample, len(files))} re-hashed), "
          f"{len(problems)} missing" + (f"; {extra} case(s) in the database without a 201"
                                       if extra else ""))
    return problems


def write_instance_keys(folder: Path) -> None:
    """Production wants the audit keys in the instance folder, as `make secret` writes them."""
    sys.path.insert(0, str(ROOT))
    from casework.config import write_audit_signing_key, write_secret_key
    from casework.core.crypto import write_keys_file

    write_secret_key(str(folder / "audit_key"))
    write_audit_signing_key(str(folder / "audit_signing_key"))
    write_keys_file(folder / "data_keys")


def tail(log: Path, lines: int = 40) -> None:
    text = log.read_text(errors="replace").splitlines() if log.exists() else []
    print(f"--- last {min(lines, len(text))} lines of gunicorn log ({len(text)} lines) ---")
    print("\n".join(text[-lines:]))


def bench(backend: str, args) -> bool:
    tmp = Path(tempfile.mkdtemp(prefix=f"casework-bench-{backend}-"))
    dbname = None
    if backend == "postgresql":
        try:
            dbname = f"casework_bench_{secrets.token_hex(4)}"
            with psycopg.connect(f"{PG} dbname=test", autocommit=True, connect_timeout=5) as c:
                c.execute(f"CREATE DATABASE {dbname}")
        except Exception as exc:  # noqa: BLE001
            print(f"backend=postgresql skipped: cannot connect or create a database ({exc})")
            shutil.rmtree(tmp, ignore_errors=True)
            return True
        url, target = f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}", dbname
    else:
        target = str(tmp / "casework.db")
        url = f"sqlite:///{target}"
    write_instance_keys(tmp)
    env = dict(os.environ, CASEWORK_ENV="production", CASEWORK_SECRET_KEY=secrets.token_hex(32),
               CASEWORK_DATABASE_URL=url, CASEWORK_EVIDENCE_DIR=str(tmp / "evidence"),
               CASEWORK_INSTANCE_PATH=str(tmp), CASEWORK_LIMIT_SUBMIT=LIMIT,
               CASEWORK_LIMIT_TRACK=LIMIT, CASEWORK_LIMIT_TRACK_GLOBAL=LIMIT,
               CASEWORK_ARGON2_MEMORY_KIB="1024", CASEWORK_LOG_LEVEL="WARNING")
    log, server, ok = tmp / "gunicorn.log", None, False
    try:
        for command in (["db", "upgrade"], ["demo", "seed"]):
            done = subprocess.run([BIN / "flask", "--app", "casework", *command],  # noqa: S603
                                  cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode:
                print(f"backend={backend}: flask {' '.join(command)} failed:\n{done.stderr[-3000:]}")
                return False
        baseline = query(backend, target, "SELECT count(*) FROM cases")[0][0]
        port = args.port
        if not port:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
        command = [BIN / "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                   "--threads", str(args.threads), "--no-control-socket", "wsgi:app"]
        with open(log, "wb") as out:
            server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,  # noqa: S603
                                      stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                print(f"backend={backend}: gunicorn did not answer /healthz within 30 s")
                tail(log)
                return False
            time.sleep(0.2)
        base = png_base()
        print(f"\nbackend={backend}  workers={args.workers} threads={args.threads}  "
              f"photo={round(len(base) / 1024)} KB")
        print("conc  reqs  ok    err   req/s   p50ms  p95ms  p99ms  cpu ms/req client ms/req")
        results, start = [], 0
        for conc in args.levels:
            results += run_level(port, base, start, conc, args.requests, server.pid)
            start += args.requests
        acked = [(doc, sha, size) for status, _, doc, sha, size in results if status == 201]
        problems = verify(backend, target, tmp / "evidence", acked, baseline, args.sample)
        print("".join(f"  {line}\n" for line in problems[:20]), end="")
        ok, server_log = not problems, log.read_text(errors="replace")
        if len(acked) < len(results) or problems or "Traceback" in server_log:
            print(f"server log: {server_log.count('Traceback')} traceback(s)")
            tail(log)
        if args.keep_log:
            shutil.copy(log, args.keep_log.replace("{backend}", backend))
        return ok
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if dbname:
            with psycopg.connect(f"{PG} dbname=test", autocommit=True) as c:
                c.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--levels", default="1,4,16,32")
    parser.add_argument("--requests", type=int, default=200, help="requests per level")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)  # as `make run`
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: any free)")
    parser.add_argument("--sample", type=int, default=50, help="evidence files to re-hash")
    parser.add_argument("--keep-log", help="copy gunicorn's log here ({backend} is replaced)")
    args = parser.parse_args()
    args.levels = [int(x) for x in args.levels.split(",")]
    results = [bench(b.strip(), args) for b in args.backends.split(",") if b.strip()]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
