"""Complaints under load while the parts they depend on fail, one at a time; then a reconciliation.

    make bench-faults BENCH_ARGS="--faults redis,postgres,smtp,worker,web,disk --seconds 10"

One PostgreSQL database of its own, its own redis-server, an SMTP server (aiosmtpd) in this
process, the evidence folder on a small tmpfs (when run as root; else the disk fault is skipped),
and two app nodes (gunicorn and a mail worker in RQ mode each) sharing them. Client threads post
complaints with a unique photo and an email address the whole time. Each fault is injected for
--seconds, between quiet spells; per fault it prints how many requests started during the fault
were refused and how, whether every refusal was an honest 503 with Retry-After, and how long
after the fault ended the first complaint was accepted again. At the end: receipts = rows =
files, acknowledgments = complainants with email, duplicate mails, messages still waiting, and
`audit verify`. Exits 1 if anything was lost."""

import argparse
import http.client
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg
from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the script's own folder: bench/intake.py
from intake import BIN, PG, ROOT, children, multipart, photo, png_base, query, verify, write_instance_keys  # noqa: E402

LIMIT = "1000000 per minute"
FAULTS = ("redis", "postgres", "smtp", "worker", "web", "disk")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd handler: every accepted message as (recipient, Message-ID)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message_id = ""
        for line in envelope.content.split(b"\r\n"):
            if not line:
                break
            if line.lower().startswith(b"message-id:"):
                message_id = line.split(b":", 1)[1].strip().decode()
        for rcpt in envelope.rcpt_tos:
            self.received.append((rcpt, message_id))
        return "250 OK"


class Smtp:
    def __init__(self) -> None:
        self.port, self.mailbox, self.controller = free_port(), Mailbox(), None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class Redis:
    def __init__(self, folder: Path) -> None:
        self.port, self.folder, self.process = free_port(), folder, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class Load:
    """Client threads posting complaints until stopped; every result kept with its start time."""

    def __init__(self, ports: list[int], clients: int) -> None:
        self.clients, self.base = clients, png_base(60 * 1024)
        self.numbers, self.results, self.stop = itertools.count(), [], threading.Event()
        # Clients spread over the app nodes, as a load balancer would.
        self.threads = [threading.Thread(target=self._client, args=(ports[i % len(ports)],),
                                         daemon=True) for i in range(clients)]

    def _client(self, port: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not self.stop.is_set():
            n = next(self.numbers)
            image = photo(self.base, n)
            boundary = uuid.uuid4().hex
            body = multipart({"category": "vote_buying", "region": "KZ-KAR-BAL", "anonymous": False,
                              "language": "ru", "contact": {"name": f"Заявитель {n}",
                                                            "email": f"c{n}@bench.test"},
                              "narrative": f"Fault bench complaint #{n}: voters were offered "
                              "money near polling station BAL-007."}, image, boundary)
            headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
                       "Idempotency-Key": f"faults-{uuid.uuid4().hex}", "Accept": "application/json"}
            started = time.monotonic()
            retry_after = None
            try:
                conn.request("POST", "/api/v1/complaints", body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status, retry_after = response.status, response.getheader("Retry-After")
                doc = json.loads(data) if status == 201 else None
            except Exception as exc:  # noqa: BLE001 - counted and reported
                status, doc = type(exc).__name__, None
                conn.close()
                time.sleep(0.05)
            self.results.append({"n": n, "start": started, "status": status, "doc": doc,
                                 "retry_after": retry_after, "sha": _sha(image), "size": len(image)})
        conn.close()

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def report(name: str, results: list[dict], t0: float, t1: float) -> None:
    during = [r for r in results if t0 <= r["start"] < t1]
    refused = [r for r in during if r["status"] != 201]
    statuses = Counter(str(r["status"]) for r in refused)
    # A worker killed mid-request can only drop its connection: counted, not called dishonest.
    honest = all((r["status"] == 503 and r["retry_after"]) or (name == "web" and r["doc"] is None
                                                               and not isinstance(r["status"], int))
                 for r in refused)
    after = sorted((r for r in results if r["start"] >= t1 and r["status"] == 201),
                   key=lambda r: r["start"])
    recover = f"{after[0]['start'] - t1:.2f} s" if after else "never"
    share = f"{len(refused)}/{len(during)} ({100 * len(refused) / max(1, len(during)):.0f} %)"
    print(f"{name:<9} refused {share:<16} recovered after {recover:<8} "
          f"{'honest' if honest else 'NOT honest'}: "
          + (", ".join(f"{k} x{v}" for k, v in statuses.most_common()) or "-"), flush=True)


def main() -> int:  # noqa: PLR0915 - one scenario, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each fault lasts")
    parser.add_argument("--quiet", type=float, default=5.0, help="seconds of calm between faults")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    parser.add_argument("--nodes", type=int, default=2,
                        help="app nodes (gunicorn + mail worker each) sharing the database, "
                        "Redis and the evidence storage")
    parser.add_argument("--drain", type=float, default=180.0, help="seconds to wait for the mail")
    args = parser.parse_args()
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="casework-faults-"))
    evidence = tmp / "evidence"
    evidence.mkdir()
    tmpfs = False
    if "disk" in faults:
        if os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600m", "tmpfs",  # noqa: S603,S607
                                                 str(evidence)]).returncode == 0:
            tmpfs = True
        else:
            print("disk fault skipped: mounting a tmpfs needs root")
            faults.remove("disk")
    dbname = f"casework_faults_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG} dbname=test", autocommit=True, connect_timeout=5) as c:
        c.execute(f"CREATE DATABASE {dbname}")
    redis, smtp = Redis(tmp), Smtp()
    redis.start()
    smtp.start()
    ports = [free_port() for _ in range(args.nodes)]
    write_instance_keys(tmp)
    env = dict(os.environ, CASEWORK_ENV="production", CASEWORK_SECRET_KEY=secrets.token_hex(32),
               CASEWORK_DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}",
               CASEWORK_EVIDENCE_DIR=str(evidence), CASEWORK_INSTANCE_PATH=str(tmp),
               CASEWORK_REDIS_URL=redis.url, CASEWORK_LIMIT_SUBMIT=LIMIT, CASEWORK_LIMIT_TRACK=LIMIT,
               CASEWORK_LIMIT_TRACK_GLOBAL=LIMIT, CASEWORK_ARGON2_MEMORY_KIB="1024",
               CASEWORK_LOG_LEVEL="WARNING", CASEWORK_MAIL_SERVER="127.0.0.1",
               CASEWORK_MAIL_PORT=str(smtp.port), CASEWORK_OUTBOX_BACKOFF_SECONDS="1",
               CASEWORK_OUTBOX_CLAIM_SECONDS="10", CASEWORK_SMTP_TIMEOUT="5",
               CASEWORK_EVIDENCE_MIN_FREE_MB="64")
    env.pop("CASEWORK_MAIL_SUPPRESS_SEND", None)
    processes: dict[str, subprocess.Popen] = {}
    names = [f"{kind}{node}" for node in range(args.nodes) for kind in ("gunicorn", "worker")]
    logs = {name: open(tmp / f"{name}.log", "ab") for name in names}  # noqa: SIM115

    def start(name: str) -> None:
        node = int(name[-1])
        command = [BIN / "flask", "--app", "casework", "worker", "--interval", "0.5"]
        if name.startswith("gunicorn"):
            command = [BIN / "gunicorn", "--bind", f"127.0.0.1:{ports[node]}", "--workers",
                       str(args.workers), "--threads", "4", "--no-control-socket",
                       "--graceful-timeout", "5", "wsgi:app"]
        processes[name] = subprocess.Popen(command, cwd=ROOT, env=env,  # noqa: S603
                                           stdout=logs[name], stderr=subprocess.STDOUT,
                                           start_new_session=True)

    lost = False
    try:
        for command in (["db", "upgrade"], ["demo", "seed"]):
            done = subprocess.run([BIN / "flask", "--app", "casework", *command], cwd=ROOT,  # noqa: S603
                                  env=env, capture_output=True, text=True)
            if done.returncode:
                print(f"flask {' '.join(command)} failed:\n{done.stderr[-3000:]}")
                return 1
        baseline = query("postgresql", dbname, "SELECT count(*) FROM cases")[0][0]
        for name in names:
            start(name)
        for port in ports:
            _wait_ready(port)
        print(f"faults={','.join(faults)} seconds={args.seconds} clients={args.clients} "
              f"nodes={args.nodes} x {args.workers} gunicorn workers + 1 mail worker "
              f"evidence={'tmpfs' if tmpfs else 'disk'}")
        with Load(ports, args.clients) as load:
            time.sleep(args.quiet)
            for fault in faults:
                t0 = time.monotonic()
                _inject(fault, args.seconds, redis=redis, smtp=smtp, dbname=dbname,
                        processes=processes, start=start, evidence=evidence)
                t1 = time.monotonic()
                time.sleep(args.quiet)
                report(fault, load.results, t0, t1)
        results = load.results
        statuses = Counter(str(r["status"]) for r in results)
        print(f"requests {len(results)}: " + ", ".join(f"{k} x{v}" for k, v in statuses.most_common()))
        acked = [(r["doc"], r["sha"], r["size"]) for r in results if r["status"] == 201]
        problems = verify("postgresql", dbname, evidence, acked, baseline, 100)
        for line in problems[:20]:
            print(f"  {line}")
        lost = bool(problems)
        lost |= _reconcile_mail(dbname, smtp, acked, args.drain)
        done = subprocess.run([BIN / "flask", "--app", "casework", "audit", "verify"], cwd=ROOT,  # noqa: S603
                              env=env, capture_output=True, text=True)
        print(f"audit verify: exit {done.returncode}: {done.stdout.strip().splitlines()[-1:]}")
        lost |= done.returncode != 0
        tracebacks = sum((tmp / f"{name}.log").read_text(errors="replace").count("Traceback")
                         for name in names if name.startswith("gunicorn"))
        print(f"gunicorn logs: {tracebacks} traceback(s)")
    finally:
        for process in processes.values():
            _stop(process)
        redis.stop()
        smtp.stop()
        for log in logs.values():
            log.close()
        with psycopg.connect(f"{PG} dbname=test", autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        if tmpfs:
            subprocess.run(["umount", str(evidence)])  # noqa: S603,S607
        shutil.rmtree(tmp, ignore_errors=True)
    print("RESULT: " + ("something was lost" if lost else "nothing lost"))
    return 1 if lost else 0


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _inject(fault: str, seconds: float, *, redis, smtp, dbname, processes, start, evidence) -> None:
    """Break one part for `seconds`, then mend it."""
    end = time.monotonic() + seconds
    if fault == "redis":
        redis.stop()
        time.sleep(seconds)
        redis.start()
    elif fault == "smtp":
        smtp.stop()
        time.sleep(seconds)
        smtp.start()
    elif fault == "postgres":
        with psycopg.connect(f"{PG} dbname=test", autocommit=True) as c:
            c.execute(f"ALTER DATABASE {dbname} ALLOW_CONNECTIONS false")
            while time.monotonic() < end:
                c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,))
                time.sleep(0.5)
            c.execute(f"ALTER DATABASE {dbname} ALLOW_CONNECTIONS true")
    elif fault == "worker":
        # SIGKILL every mail worker and its work horses mid-delivery; new ones after the fault.
        workers = [name for name in processes if name.startswith("worker")]
        for name in workers:
            os.killpg(processes[name].pid, signal.SIGKILL)
            processes[name].wait()
        time.sleep(seconds)
        for name in workers:
            start(name)
    elif fault == "web":
        # One gunicorn worker of the first node killed mid-request; its arbiter starts another.
        master = processes["gunicorn0"].pid
        while time.monotonic() < end:
            for pid in children(master)[:1]:
                os.kill(pid, signal.SIGKILL)
            time.sleep(seconds / 2)
    elif fault == "disk":
        ballast = evidence / "ballast"
        free = shutil.disk_usage(evidence).free
        with open(ballast, "wb") as out:  # leave 4 MB: under the 64 MB the app keeps free
            out.truncate(0)
            block = b"\0" * 2**20
            for _ in range(max(0, free // 2**20 - 4)):
                try:
                    out.write(block)
                except OSError:
                    break
        time.sleep(max(0.0, end - time.monotonic()))
        ballast.unlink()


def _reconcile_mail(dbname: str, smtp: Smtp, acked: list, drain: float) -> bool:
    """Wait for the outbox to drain; then every complainant with email got exactly one mail."""
    t0 = time.monotonic()
    backlog = query("postgresql", dbname, "SELECT count(*) FROM outbox_messages "
                    "WHERE status IN ('pending', 'sending')")[0][0]
    waiting = None
    while time.monotonic() - t0 < drain:
        waiting = query("postgresql", dbname, "SELECT count(*) FROM outbox_messages "
                        "WHERE status IN ('pending', 'sending')")[0][0]
        if not waiting:
            break
        time.sleep(0.5)
    drained = time.monotonic() - t0
    emails = dict(query("postgresql", dbname,
                        "SELECT c.email, k.reference FROM complaints c "
                        "JOIN cases k ON k.id = c.case_id WHERE c.email LIKE '%@bench.test'"))
    # Complainants only: the chair's audit checkpoint mails go through the same outbox.
    received = [(rcpt, mid) for rcpt, mid in smtp.mailbox.received if rcpt.endswith("@bench.test")]
    per_recipient = Counter(rcpt for rcpt, _ in received)
    ids = Counter(mid for _, mid in received)
    missing = [e for e in emails if per_recipient[e] == 0]
    duplicates = sum(n - 1 for n in per_recipient.values() if n > 1)
    same_id = sum(n - 1 for n in ids.values() if n > 1)
    failed = query("postgresql", dbname, "SELECT count(*) FROM outbox_messages WHERE status = 'failed'")[0][0]
    print(f"mail: {len(received)} delivered for {len(emails)} complainants with email "
          f"({len(acked)} acknowledged by 201); {len(missing)} missing, {duplicates} duplicate(s) "
          f"({same_id} with the same Message-ID), {waiting or 0} still waiting, {failed} failed; "
          f"{backlog} were waiting after the last fault, drained in {drained:.1f} s")
    return bool(missing) or bool(waiting) or bool(failed)


if __name__ == "__main__":
    sys.exit(main())
