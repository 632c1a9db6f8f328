"""A real clamd (Debian clamav-daemon) with a signature database made here: no downloads.

The database holds the EICAR test string twice: as an MD5 of the whole file (.hdb) and as a
body signature (.ndb), so EICAR appended to an accepted picture is found too. clamd listens
on a UNIX socket in a temporary folder with a small StreamMaxLength (STREAM_MAX); it starts
once per session and `clamd` (per test) points the app at it, starting it again if a test
stopped it.
"""

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
SIGNATURE = "Casework.Test.EICAR"
STREAM_MAX = 256 * 1024  # clamd's StreamMaxLength here (uploads stay under werkzeug's 500 KB spool)
CLAMD_KEYS = ("CASEWORK_CLAMD_SOCKET", "CASEWORK_CLAMD_HOST", "CASEWORK_CLAMD_PORT",
              "CASEWORK_CLAMD_TIMEOUT", "CASEWORK_CLAMD_STREAM_MAX",
              "CASEWORK_SCAN_MAX_ATTEMPTS", "CASEWORK_SCAN_BACKOFF_SECONDS")


class ClamdServer:
    """Start and stop at will, always on the same socket, so "clamd is down" is just stop()."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = str(folder / "clamd.sock")
        self.process: subprocess.Popen | None = None
        db = folder / "db"
        db.mkdir(parents=True, exist_ok=True)
        (db / "test.hdb").write_text(
            f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:{SIGNATURE}\n")  # noqa: S324
        (db / "test.ndb").write_text(f"{SIGNATURE}.Body:0:*:{EICAR.hex()}\n")
        (folder / "clamd.conf").write_text("\n".join((
            f"DatabaseDirectory {db}", f"LocalSocket {self.socket}", "Foreground yes",
            f"PidFile {folder / 'clamd.pid'}", f"LogFile {folder / 'clamd.log'}", "User root",
            f"StreamMaxLength {STREAM_MAX}", "SelfCheck 0", "")))

    def ping(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(2)
                sock.connect(self.socket)
                sock.sendall(b"zPING\0")
                return sock.recv(16) == b"PONG\0"
        except OSError:
            return False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, wait: float = 60.0) -> None:
        if self.running:
            return
        if os.path.exists(self.socket):  # left by a killed clamd
            os.unlink(self.socket)
        log = open(self.folder / "clamd.out", "ab")  # noqa: SIM115 - the process keeps it
        self.process = subprocess.Popen(["clamd", "-c", str(self.folder / "clamd.conf")],
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.ping():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        output = (self.folder / "clamd.out").read_text(errors="replace")[-2000:]
        self.stop()
        pytest.fail(f"clamd did not answer PING:\n{output}")

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None


@pytest.fixture(scope="session")
def clamd_server(tmp_path_factory):
    """One clamd for the session; skipped when it is not installed (unless required)."""
    if shutil.which("clamd") is None and not os.path.exists("/usr/sbin/clamd"):
        message = "clamd is not installed (Debian package clamav-daemon)"
        if os.environ.get("CASEWORK_REQUIRE_CLAMD") == "1":
            pytest.fail(message + " and CASEWORK_REQUIRE_CLAMD=1")
        pytest.skip(message + "; set CASEWORK_REQUIRE_CLAMD=1 to make this a failure")
    server = ClamdServer(tmp_path_factory.mktemp("clamd"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clamd(clamd_server, app):
    """The app scans with the running clamd for one test; the settings are put back after."""
    clamd_server.start()
    saved = {key: app.config.get(key) for key in CLAMD_KEYS}
    app.config.update({"CASEWORK_CLAMD_SOCKET": clamd_server.socket, "CASEWORK_CLAMD_HOST": None,
                       "CASEWORK_CLAMD_TIMEOUT": 10, "CASEWORK_CLAMD_STREAM_MAX": 25 * 2**20,
                       "CASEWORK_SCAN_MAX_ATTEMPTS": 3, "CASEWORK_SCAN_BACKOFF_SECONDS": 60})
    yield clamd_server
    app.config.update(saved)
