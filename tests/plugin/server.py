"""A real gunicorn serving the application (wsgi:app) on a free loopback port, on the test
run's database, and what the bodies tests need of it: the worker's pid and its memory."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.plugin.data import free_port

ROOT = Path(__file__).resolve().parents[2]


def rss_kib(pid: int) -> int:
    """The resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def wait_until_up(process: subprocess.Popen, port: int, timeout: float = 60) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                if worker_pids(process.pid):
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


@pytest.fixture(scope="module")
def gunicorn_server(app, database_url, tmp_path_factory):
    """(base URL, master pid): one sync worker, the test app's secret key and database."""
    port = free_port()
    folder = tmp_path_factory.mktemp("gunicorn")
    env = {**os.environ, "CASEWORK_ENV": "testing", "CASEWORK_DATABASE_URL": database_url,
           "CASEWORK_SECRET_KEY": app.config["SECRET_KEY"],
           "CASEWORK_INSTANCE_PATH": str(folder), "PYTHONPATH": str(ROOT)}
    with open(folder / "gunicorn.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        try:
            wait_until_up(process, port)
            yield f"http://127.0.0.1:{port}", process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)
