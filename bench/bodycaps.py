"""What an oversized anonymous POST costs a real gunicorn worker (issue 14).

    python bench/bodycaps.py                       # 32 MiB urlencoded to /login, 3 runs
    python bench/bodycaps.py --mib 8 --uncapped    # the same with caps as before (101 MiB)

Starts gunicorn (one sync worker) on a temporary SQLite database, warms the worker with one
small POST, then sends each body whole (a thread writes while the answer is read) and prints
the status, the seconds until the answer came, and the worker's resident memory before and
after (VmRSS from /proc). --uncapped sets the old limits through the environment, to compare;
it reads the whole body, so keep --mib small on a shared machine. Asserts nothing.
"""

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path
                             if Path(p or ".").resolve() != Path(__file__).resolve().parent]

MIB = 2**20


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def post(port: int, length: int) -> tuple[str, float]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=300)
    head = (f"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            f"application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n"
            "Connection: close\r\n\r\n").encode()
    started = time.monotonic()
    sock.sendall(head)

    def body():
        chunk, left = b"a=1&" * (16 * 1024), length
        try:
            while left > 0:
                sock.sendall(chunk[:left])
                left -= len(chunk)
        except OSError:
            pass  # answered and closed: the rest is never read

    sender = threading.Thread(target=body, daemon=True)
    sender.start()
    answer = b""
    while b"\r\n" not in answer:
        data = sock.recv(4096)
        if not data:
            break
        answer += data
    elapsed = time.monotonic() - started
    sock.close()
    sender.join(timeout=300)
    return answer.split(b"\r\n", 1)[0].decode(errors="replace"), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--uncapped", action="store_true", help="the limits before issue 14")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="casework-bench-bodycaps-")
    env = {**os.environ, "CASEWORK_ENV": "testing", "CASEWORK_SECRET_KEY": secrets.token_hex(16),
           "CASEWORK_DATABASE_URL": f"sqlite:///{folder}/bench.db",
           "CASEWORK_INSTANCE_PATH": folder, "PYTHONPATH": str(ROOT)}
    if args.uncapped:
        env.update(CASEWORK_MAX_CONTENT_LENGTH=str(101 * MIB),
                   CASEWORK_MAX_FORM_MEMORY_SIZE=str(101 * MIB),
                   CASEWORK_MAX_FORM_PARTS=str(10**9))
    subprocess.run([sys.executable, "-c", "from casework import create_app\n"
                    "from casework.extensions import db\napp = create_app()\n"
                    "with app.app_context(): db.create_all()"], env=env, check=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b",  # noqa: S603
                               f"127.0.0.1:{port}", "--timeout", "300", "--log-level", "error",
                               "wsgi:app"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        for _ in range(300):
            time.sleep(0.2)
            try:
                if children.read_text().split() and post(port, 8)[0]:
                    break
            except OSError:
                continue
        worker = int(children.read_text().split()[0])
        print(f"limits: {'before issue 14 (101 MiB)' if args.uncapped else 'per endpoint'}; "
              f"body {args.mib} MiB urlencoded to /login; one sync gunicorn worker")
        for run in range(1, args.runs + 1):
            before = rss_mib(worker)
            status, seconds = post(port, args.mib * MIB)
            after = rss_mib(worker)
            print(f"run {run}: {status:<32} {seconds:8.3f} s   worker RSS {before:7.1f} -> "
                  f"{after:7.1f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
