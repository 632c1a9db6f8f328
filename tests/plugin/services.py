"""Real services a test starts and stops itself: a redis-server of its own on a free port
(`own_redis`), so "Redis went away" is a real outage that no other test shares; the mail
worker in a process of its own (`worker_process`); the app in a real gunicorn with settings
of the test's choosing (`gunicorn_app`), for the fault tests (tests/faults)."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from redis import Redis

from tests.plugin.app import DATA_KEYS_FILE
from tests.plugin.data import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class OwnRedis:
    """A redis-server on a fixed port: stop() is an outage (its data is gone, as after a
    restart without persistence), start() brings it back on the same address."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> None:
        if self.process is not None:
            return
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.folder), "--daemonize", "no"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    if client.ping():
                        return
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def client(self) -> Redis:
        return Redis.from_url(self.url)


@pytest.fixture
def own_redis(tmp_path_factory):
    """A running redis-server of this test's own; stopped at the end whatever happened."""
    if not Path(REDIS_SERVER).exists():
        pytest.skip("needs redis-server (Debian package redis-server)")
    server = OwnRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


class WorkerProcess:
    """`flask --app casework worker` in a process of its own, on the test's database and
    SMTP server (and Redis if given), its output kept in a file for the test to read."""

    def __init__(self, folder: Path, database_url: str, smtp_port: int,
                 redis_url: str | None = None, **settings: object) -> None:
        import os
        import sys

        self.log = folder / f"worker-{free_port()}.log"
        env = {**os.environ, "CASEWORK_ENV": "testing", "CASEWORK_SECRET_KEY": "tests-only",
               "CASEWORK_DATABASE_URL": database_url, "CASEWORK_MAIL_SERVER": "127.0.0.1",
               "CASEWORK_MAIL_PORT": str(smtp_port), "CASEWORK_REDIS_URL": redis_url or "",
               # The run's data keys: the outbox's recipients and bodies are sealed.
               "CASEWORK_DATA_KEYS": str(DATA_KEYS_FILE), "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
        env.update({f"CASEWORK_{key.upper()}": str(value) for key, value in settings.items()})
        root = Path(__file__).resolve().parents[2]
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "casework", "worker", "--interval", "0.5"],
                cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM: the worker finishes what it sends and exits; its exit code."""
        if self.alive():
            self.process.terminate()
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            # Still running: SIGABRT makes faulthandler (PYTHONFAULTHANDLER) write every
            # thread's stack to the log, so the failure says where it hung.
            self.process.send_signal(signal.SIGABRT)
            self.process.wait(10)
            raise AssertionError(f"the worker did not stop within {timeout:.0f} s after "
                                 f"SIGTERM; its output and stacks:\n{self.output}") from None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)


@pytest.fixture
def worker_process(tmp_path, database_url):
    """worker_process(smtp_port, redis_url=None, **settings): a started WorkerProcess;
    every one started is killed at the end of the test."""
    started: list[WorkerProcess] = []

    def start(smtp_port: int, redis_url: str | None = None, **settings) -> WorkerProcess:
        worker = WorkerProcess(tmp_path, database_url, smtp_port, redis_url, **settings)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.alive():
            worker.kill()


class Gunicorn:
    """The application in a real gunicorn on a free port; `log` is what it wrote."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 1, threads: int = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(workers), "--threads", str(threads),
                   "--no-control-socket", "--timeout", "30", "wsgi:app"]
        with open(log, "wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env,  # noqa: S603
                                            stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("gunicorn did not start:\n" + self.log_text()[-3000:])
            time.sleep(0.2)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


@pytest.fixture
def gunicorn_app(app, tmp_path):
    """gunicorn_app(**settings): the app served by gunicorn on the test's database, with
    CASEWORK_<name>=value settings (e.g. REDIS_URL=...); stopped after the test."""
    started: list[Gunicorn] = []

    def start(workers: int = 1, threads: int = 4, **settings: str) -> Gunicorn:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("CASEWORK_")}
        env.update({"CASEWORK_ENV": "testing",
                    "CASEWORK_SECRET_KEY": app.config["SECRET_KEY"],
                    "CASEWORK_AUDIT_KEY": app.config["CASEWORK_AUDIT_KEY"],
                    "CASEWORK_DATA_KEYS": app.config["CASEWORK_DATA_KEYS"],
                    "CASEWORK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                    "CASEWORK_INSTANCE_PATH": str(tmp_path / "instance"),
                    "CASEWORK_EVIDENCE_DIR": str(tmp_path / "evidence"),
                    "CASEWORK_ARGON2_MEMORY_KIB": "1024", "CASEWORK_ARGON2_TIME_COST": "1",
                    "CASEWORK_MAIL_SUPPRESS_SEND": "1", "CASEWORK_LOG_LEVEL": "INFO"})
        env.update({f"CASEWORK_{key}": str(value) for key, value in settings.items()})
        server = Gunicorn(env, tmp_path / f"gunicorn-{len(started)}.log", workers, threads)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
