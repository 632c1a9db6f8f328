"""Casework side by side with a bare-Flask baseline (bench/baseline_app.py), one load driver.

    make bench-compare                              # 10 s per scenario and app (two halves), 8 min
    make bench-compare BENCH_ARGS="--quick"         # halves of 2 s
    make bench-compare BENCH_ARGS="--threads 8"     # gthread workers, as `make run` serves

Seeds once (cached in instance/bench-compare/: Casework's SQLite instance with 100,000 cases
and the baseline's database; made again with --reseed or when a migration was added), copies
both to a scratch folder per run, runs `flask db upgrade` on Casework's copy, and starts each
under gunicorn (2 sync workers, 127.0.0.1 only), stopped by PID at the end, Ctrl-C included.
wrk drives every scenario for a fixed time after a short warm-up, in two halves per server in
the order Casework, baseline, baseline, Casework (a drift of the machine's speed falls on both
alike); printed per scenario and server, the halves together: requests/s, latency p50/p95/p99
(the halves' mean weighted by requests), the server's CPU per request (its workers' utime +
stime from /proc, divided by the requests answered) and the 1-minute load average; per
scenario the ratio Casework / baseline of throughput and of CPU. The complaints with a
200 KB photo are checked afterwards: each 201 has its row and its file with the SHA-256 that
was sent. Last, each Casework worker's RSS. Asserts nothing; exits 1 if a complaint was lost.
"""

import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import sqlite3
import sys
import urllib.parse
import zlib
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

import compare_driver as drive  # noqa: E402
import compare_seed as seed  # noqa: E402
from compare_report import print_report  # noqa: E402
from stored_files import plain_sha256  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CACHE = ROOT / "instance" / "bench-compare"
UNLIMITED = "1000000 per minute"
# (name, what, Casework's path, the baseline's path or None, signed in)
SCENARIOS = [
    ("form", "public complaint form, GET", "/complaints/new", "/complaints/new", False),
    ("queue", "staff queue, 50 newest", "/cases", "/cases", True),
    ("search", "queue search, 1 % hits", f"/cases?q={seed.KEYWORD}", f"/cases?q={seed.KEYWORD}",
     True),
    ("miss", "queue search, no hit", f"/cases?q={seed.MISS}", f"/cases?q={seed.MISS}", True),
    ("home", "public home", "/", None, False),
    ("track", "public tracking form", "/track", None, False),
    ("statistics", "public statistics", "/statistics", None, False),
    ("register", "public register", "/decisions", None, False),
    ("dashboard", "staff dashboard", "/staff/dashboard", None, True),
    ("case", "case page", "/cases/{case}", None, True),
]


def png_base(target: int = 200 * 1024) -> bytes:
    """A noisy RGB PNG of about `target` bytes without its IEND (compare.lua ends it)."""
    width = 256
    raw = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(target // (width * 3 + 1)))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))

    header = width.to_bytes(4, "big") + (len(raw) // (width * 3 + 1)).to_bytes(4, "big") \
        + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1))


def picture(base: bytes, token: str) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))
    return base + chunk(b"tEXt", b"Comment\x00bench " + token.encode()) + chunk(b"IEND", b"")


def prepare(args) -> tuple[Path, Path]:
    """The seeded data (made once) copied to a scratch folder; returns the two copies."""
    pristine, baseline = CACHE / "casework", CACHE / "baseline.db"
    marker = pristine / "seeded.json"
    facts = json.loads(marker.read_text()) if marker.exists() else {}
    # A new migration may change what the seed derives (search documents, counters): seed again.
    revisions = sorted(p.name for p in (ROOT / "migrations" / "versions").glob("*.py"))
    if args.reseed or facts.get("cases") != args.cases or facts.get("revisions") != revisions:
        print(f"seeding Casework with {args.cases:,} cases (once; cached in {CACHE})", flush=True)
        shutil.rmtree(pristine, ignore_errors=True)
        facts = seed.seed_casework(pristine, args.cases)
        seed.write_marker(pristine, dict(facts, revisions=revisions))
        baseline.unlink(missing_ok=True)
    if not baseline.exists():
        seed.seed_baseline(baseline, pristine / "casework.db", args.cases)
    run = CACHE / "run"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(pristine, run / "casework", symlinks=True)
    shutil.copyfile(baseline, run / "baseline.db")
    seed.flask(run / "casework", "db", "upgrade")  # the code's schema, whatever was merged since
    return run / "casework", run


def gunicorn(args, port: int, app: str) -> list[str]:
    kind = ["--threads", str(args.threads)] if args.threads else ["--worker-class", "sync"]
    return [str(BIN / "gunicorn"), "--bind", f"{drive.HOST}:{port}", "--workers",
            str(args.workers), *kind, "--timeout", "120", "--no-control-socket", app]


def verify(name: str, base: bytes, folder: Path, tags: list[str], answers, evidence: Path,
           rows: dict[str, set], keys: Path | None = None) -> list[str]:
    """Every 201: its file as sent (SHA-256 of the picture), a row, the file on disk whose
    plaintext (decrypted with `keys` when it is sealed) has that SHA-256."""
    sent = set()
    for tag in tags:
        for log in folder.glob(f"{tag}-*.log"):
            sent |= {hashlib.sha256(picture(base, line.split()[1])).hexdigest()
                     for line in log.read_text().splitlines() if line.startswith("sent ")}
    problems = []
    for reference, sha, size in answers:
        if sha not in sent:
            problems.append(f"{reference}: answered a SHA-256 that was never sent")
        if (sha, size) not in rows.get(reference, set()):
            problems.append(f"{reference}: no row with its file")
        path = evidence / sha[:2] / sha[2:4] / sha
        if plain_sha256(path, keys) != sha:
            problems.append(f"{reference}: file missing or different")
    print(f"{name}: {len(answers)} accepted complaints checked (row, file, SHA-256): "
          f"{len(problems)} problem(s)" + "".join(f"\n  {p}" for p in problems[:10]))
    return problems


def answers_in(folder: Path, tags: list[str]) -> list[tuple[str, str, int]]:
    found = []
    for tag in tags:
        for log in folder.glob(f"{tag}-*.log"):
            for line in log.read_text().splitlines():
                if line.startswith("201 "):
                    doc = json.loads(line[4:])
                    found += [(doc["reference"], e["sha256"], e["size"]) for e in doc["evidence"]]
    return found


def rows_of(database: Path, sql: str) -> dict[str, set]:
    connection = sqlite3.connect(database)
    try:
        rows: dict[str, set] = {}
        for reference, pair in connection.execute(sql):
            rows.setdefault(reference, set()).add(tuple(json.loads(pair)))
        return rows
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s runs, 1 s warm-ups")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=8, help="clients of the GET runs")
    parser.add_argument("--intake-levels", default="1,4,16")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="gthread threads (0: sync)")
    parser.add_argument("--port", type=int, default=18140, help="Casework; the baseline +1")
    parser.add_argument("--only", help="comma-separated scenarios (and 'intake')")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.warmup = 3, 1
    if not shutil.which("wrk"):
        print("wrk not found: apt-get install wrk")
        return 2
    folder, run = prepare(args)
    servers: list[drive.Server] = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    try:
        # Intake under the production rate limits, each complaint from an address of its own
        # behind one trusted proxy (compare.lua): one "unlimited" counter took every request
        # of the last minute into each check (0.66 ms at 7,000), which no real key holds.
        env = dict(seed.casework_env(folder), CASEWORK_TRUSTED_PROXIES="1",
                   CASEWORK_LIMIT_TRACK=UNLIMITED, CASEWORK_LIMIT_TRACK_GLOBAL=UNLIMITED,
                   CASEWORK_PUBLIC_URL=f"http://{drive.HOST}:{args.port}",
                   CASEWORK_PUBLIC_EMAIL="complaints@example.kz")
        casework = drive.Server("casework", gunicorn(args, args.port, "wsgi:app"), ROOT, env,
                                run / "casework.log", args.port)
        servers.append(casework)
        casework.wait_ready(args.workers)
        form_bytes = len(drive.get(args.port, "/complaints/new")[2])
        baseline_env = dict(os.environ, BASELINE_DB=str(run / "baseline.db"),
                            BASELINE_EVIDENCE=str(run / "baseline-evidence"),
                            BASELINE_FORM_BYTES=str(form_bytes))
        baseline = drive.Server("baseline", gunicorn(args, args.port + 1, "baseline_app:from_env()"),
                                ROOT / "bench", baseline_env, run / "baseline.log", args.port + 1)
        servers.append(baseline)
        baseline.wait_ready(args.workers)
        from casework.demo.seed import DEMO_TOTP_SECRETS
        cookie = drive.staff_cookie(args.port, "secretary@example.kz", "secretary-demo-2020",
                                    DEMO_TOTP_SECRETS["secretary@example.kz"])
        newest = sqlite3.connect(folder / "casework.db").execute(
            "SELECT reference FROM cases ORDER BY id DESC LIMIT 1").fetchone()[0]
        only = set(args.only.split(",")) if args.only else None
        results: list[dict] = []
        print(f"load average at the start: {drive.loadavg()}; {args.duration:g} s per scenario and app "
              f"(halves: Casework, baseline, baseline, Casework), "
              f"{args.connections} clients; gunicorn {' '.join(gunicorn(args, 0, '')[3:-1])}",
              flush=True)
        for name, what, path, base_path, signed_in in SCENARIOS:
            if only and name not in only:
                continue
            path = urllib.parse.quote(path.replace("{case}", newest), safe="/?=&")
            base_path = base_path and urllib.parse.quote(base_path, safe="/?=&")
            targets = {"casework": path, "baseline": base_path}
            served: dict[str, tuple] = {}  # app: its server, the URL, its wrk arguments, page size
            for app, server in (("casework", casework), ("baseline", baseline)):
                if targets[app] is None:
                    continue
                status, _, body = drive.get(server.port, targets[app], _cookie(app, signed_in, cookie))
                if status != 200:
                    raise RuntimeError(f"{app} {targets[app]} answered {status}")
                served[app] = (server, f"http://{drive.HOST}:{server.port}{targets[app]}",
                               ["get", "200", _cookie(app, signed_in, cookie) or "-"], len(body))
                drive.wrk(served[app][1], args.warmup, args.connections, served[app][2])

            def one(app: str, seconds: float, served=served) -> dict:
                server, url, script_args, _ = served[app]
                return drive.measure(server, url, seconds, args.connections, script_args)

            if "baseline" not in served:
                pair = {"casework": one("casework", args.duration)}
            else:
                mine, theirs = drive.abba(lambda app, _half, seconds: one(
                    ("casework", "baseline")[app], seconds), args.duration)
                pair = {"casework": mine, "baseline": theirs}
            for app, result in pair.items():
                results.append(dict(result, scenario=name, what=what, app=app,
                                    page=served[app][3]))
                print_report(results[-1:], header=len(results) == 1)
        ok = True
        if not only or "intake" in only:
            ok = intake(args, run, folder, casework, baseline, results)
        rss = {s.name: [drive.rss_mb(p) for p in s.workers] for s in servers}
        print_report(results, summary=True, rss=rss, load=drive.loadavg())
        return 0 if ok else 1
    except KeyboardInterrupt:
        print("interrupted")
        return 130
    finally:
        for server in servers:
            server.stop()


def _cookie(app: str, signed_in: bool, cookie: str) -> str:
    return cookie if signed_in and app == "casework" else ""


def network() -> str:
    """A random 10.<n>.0.0/16 for one wrk run's addresses: runs within the hour of the
    submit limit rarely share an address (and then for a hit or two)."""
    return str(secrets.randbelow(256))


def intake(args, run: Path, folder: Path, casework, baseline, results: list) -> bool:
    base = png_base()
    (run / "picture.png").write_bytes(base)
    logs = run / "intake"
    logs.mkdir(exist_ok=True)
    tags: dict[str, list[str]] = {"casework": [], "baseline": []}
    servers = {"casework": casework, "baseline": baseline}
    for level in [int(x) for x in args.intake_levels.split(",")]:
        for app, server in servers.items():
            url = f"http://{drive.HOST}:{server.port}/api/v1/complaints"
            warm = f"{app}w{level}"
            drive.wrk(url, args.warmup, level,
                      ["intake", warm, str(run / "picture.png"), str(logs), network()])
            tags[app].append(warm)

        def one(index: int, half: int, seconds: float, level=level) -> dict:
            app = ("casework", "baseline")[index]
            server, tag = servers[app], f"{app}c{level}h{half}"
            tags[app].append(tag)
            return drive.measure(server, f"http://{drive.HOST}:{server.port}/api/v1/complaints",
                                 seconds, level,
                                 ["intake", tag, str(run / "picture.png"), str(logs),
                                  network()])

        for app, result in zip(servers, drive.abba(one, args.duration), strict=True):
            results.append(dict(result, scenario=f"intake{level}", app=app, page=0,
                                what=f"complaint + 200 KB photo, API, {level} client(s)"))
            print_report(results[-1:], header=False)
    problems = verify("casework", base, logs, tags["casework"],
                      answers_in(logs, tags["casework"]), folder / "evidence", rows_of(
                          folder / "casework.db",
                          "SELECT c.reference, json_array(e.sha256, e.size) FROM cases c "
                          "JOIN complaints p ON p.case_id = c.id "
                          "JOIN evidence_items e ON e.case_id = c.id"), folder / "data_keys")
    problems += verify("baseline", base, logs, tags["baseline"],
                       answers_in(logs, tags["baseline"]), run / "baseline-evidence", rows_of(
                           run / "baseline.db",
                           "SELECT reference, json_array(json_extract(evidence, '$[0].sha256'), "
                           "json_extract(evidence, '$[0].size')) FROM complaints"))
    return not problems


if __name__ == "__main__":
    sys.exit(main())
