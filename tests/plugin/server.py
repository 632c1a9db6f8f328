"""A real gunicorn serving the app on the test database, and a requests session that signs
in through it (password, then the authenticator's code): what a streamed body, a header or
a log line looks like in production, which the Flask test client cannot show; and a bare
gunicorn with its worker's pid, for what a body costs in memory."""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests import factories
from tests.plugin.data import CSRF_RE, free_port
from tests.plugin.second_factor import totp_code

ROOT = Path(__file__).resolve().parents[2]
# The telephone system's shared secret on the live server (tests/hotline/test_cti_live.py).
CTI_SECRET = "live-cti-secret-0123456789abcdef"
START_SECONDS = 90


@dataclass
class LiveServer:
    url: str
    access_log: Path
    error_log: Path

    def session(self, user_or_email, password: str = factories.PASSWORD) -> requests.Session:
        """A requests session signed in as this account through both steps."""
        email = getattr(user_or_email, "email", user_or_email)
        browser = requests.Session()
        first = browser.post(self.url + "/login", allow_redirects=False, data={
            "email": email, "password": password, "csrf_token": self.csrf(browser, "/login")})
        assert first.status_code == 303 and first.headers["Location"].endswith("/login/code"), \
            first.status_code
        second = browser.post(self.url + "/login/code", allow_redirects=False, data={
            "code": totp_code(email), "csrf_token": self.csrf(browser, "/login/code")})
        assert second.status_code in (302, 303) and "/login" not in second.headers["Location"], \
            second.status_code
        return browser

    def csrf(self, browser: requests.Session, path: str) -> str:
        match = CSRF_RE.search(browser.get(self.url + path).text)
        assert match, f"no CSRF token in {path}"
        return match.group(1)

    def logs(self) -> str:
        return self.access_log.read_text() + self.error_log.read_text()


def _wait_until_up(url: str, process: subprocess.Popen, error_log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited:\n" + error_log.read_text())
        try:
            requests.get(url + "/healthz", timeout=10)
            return
        except requests.RequestException:  # not listening yet, or the worker still booting
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start:\n" + error_log.read_text())


@pytest.fixture(scope="session")
def live_gunicorn(app, database_url, tmp_path_factory):
    """gunicorn (one sync worker, production settings) on the test database, with its access
    and error logs in files. Tests commit their data before calling it."""
    folder = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    access_log, error_log = folder / "access.log", folder / "error.log"
    # The test app's audit keys: both write one chain, which must verify with one key.
    signing_key = folder / "audit_signing_key"
    signing_key.write_text(app.config["CASEWORK_AUDIT_SIGNING_KEY"])
    env = {**os.environ,
           "CASEWORK_AUDIT_KEY": app.config["CASEWORK_AUDIT_KEY"],
           "CASEWORK_DATA_KEYS": app.config["CASEWORK_DATA_KEYS"],
           "CASEWORK_AUDIT_SIGNING_KEY_FILE": str(signing_key),
           "CASEWORK_ENV": "production",
           "CASEWORK_DATABASE_URL": database_url,
           "CASEWORK_SECRET_KEY": app.config["SECRET_KEY"],
           "CASEWORK_INSTANCE_PATH": str(folder / "instance"),
           "CASEWORK_ARGON2_TIME_COST": "1",
           "CASEWORK_ARGON2_MEMORY_KIB": "1024",
           "CASEWORK_LOG_LEVEL": "INFO",
           # The tests change elections between requests from this process: read each time.
           "CASEWORK_ELECTION_CACHE_SECONDS": "0",
           "CASEWORK_CTI_SECRET": CTI_SECRET}
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(access_log), "--error-logfile", str(error_log),
         "--chdir", str(ROOT), "casework:create_app()"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, error_log)
        yield LiveServer(url, access_log, error_log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
           "CASEWORK_ELECTION_CACHE_SECONDS": "0",
           "CASEWORK_SECRET_KEY": app.config["SECRET_KEY"],
           "CASEWORK_AUDIT_KEY": app.config["CASEWORK_AUDIT_KEY"],
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
