"""Real services a test starts and stops itself: its own Redis (`own_redis`), and the app
served by a real gunicorn (`gunicorn_server`), for the fault tests (tests/faults)."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.plugin.data import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class OwnRedis:
    """A redis-server on a free loopback port, with no persistence; stop() and start() it
    again on the same port (its counters are gone after a restart, as after a crash)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from redis import Redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed (apt-get install redis-server)")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


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
def gunicorn_server(app, tmp_path):
    """gunicorn_server(**settings): the app served by gunicorn on the test's database, with
    CASEWORK_<name>=value settings (e.g. REDIS_URL=...); stopped after the test."""
    started: list[Gunicorn] = []

    def start(workers: int = 1, threads: int = 4, **settings: str) -> Gunicorn:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("CASEWORK_")}
        env.update({"CASEWORK_ENV": "testing",
                    "CASEWORK_SECRET_KEY": app.config["SECRET_KEY"],
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
