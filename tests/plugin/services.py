"""Real services a test starts and stops itself: a redis-server of its own on a free port
(`own_redis`), so "Redis went away" is a real outage that no other test shares."""

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from redis import Redis

from tests.plugin.data import free_port

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
               "PYTHONUNBUFFERED": "1"}
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
        return self.process.wait(timeout)

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
