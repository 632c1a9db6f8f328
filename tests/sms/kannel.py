"""A real Kannel (Debian `kannel`: bearerbox and smsbox) with its fake SMSC, and the
application served in a thread for Kannel's sms-service to post to. Ports 5600-5699.

`fakesmsc` (Debian `kannel-extras`) plays the operator: `send()` starts one for a message
(the fake SMSC takes one client at a time; a reply sent while none is connected waits in
bearerbox), `replies()` connects one that only listens and returns what Kannel sent."""

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from werkzeug.serving import make_server

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
SECRET = "kannel-test-secret"
BASE_PORT = int(os.environ.get("CASEWORK_TEST_SMS_PORT", "5640"))
GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>")


def installed() -> bool:
    return all(shutil.which(tool) or os.path.exists(f"/usr/sbin/{tool}")
               for tool in ("bearerbox", "smsbox")) and os.path.exists(FAKESMSC)


def require_kannel() -> None:
    if installed():
        return
    message = "Kannel is not installed (Debian packages kannel and kannel-extras)"
    if os.environ.get("CASEWORK_REQUIRE_KANNEL") == "1":
        pytest.fail(message + " and CASEWORK_REQUIRE_KANNEL=1")
    pytest.skip(message + "; set CASEWORK_REQUIRE_KANNEL=1 to make this a failure")


def _wait_port(port: int, up: bool = True, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.1)
    raise RuntimeError(f"port {port} not {'up' if up else 'down'}")


class AppServer:
    """The Flask app on a port of our range, in a thread of the test process."""

    def __init__(self, app, port: int) -> None:
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


class Kannel:
    def __init__(self, folder: Path, base: int = BASE_PORT) -> None:
        self.folder = folder
        self.admin, self.box, self.smsc, self.sendsms, self.app_port = range(base, base + 5)
        self.conf = folder / "kannel.conf"
        self.conf.write_text(f"""
group = core
admin-port = {self.admin}
admin-password = test
smsbox-port = {self.box}
box-allow-ip = 127.0.0.1
log-file = "{folder}/bearerbox.log"
log-level = 1

group = smsc
smsc = fake
smsc-id = FAKE
port = {self.smsc}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {self.sendsms}
log-file = "{folder}/smsbox.log"
log-level = 1

group = sendsms-user
username = casework
password = sendsms-pw
max-messages = 2
concatenation = true

group = sms-service
keyword = default
catch-all = yes
max-messages = 0
omit-empty = true
send-sender = true
post-url = "http://kannel:{SECRET}@127.0.0.1:{self.app_port}/sms/kannel?id=%I"
""")
        self.bearerbox: subprocess.Popen | None = None
        self.smsbox: subprocess.Popen | None = None

    @property
    def settings(self) -> dict:
        return {"CASEWORK_SMS_SECRET": SECRET,
                "CASEWORK_SMS_SENDSMS_URL": f"http://127.0.0.1:{self.sendsms}/cgi-bin/sendsms",
                "CASEWORK_SMS_USERNAME": "casework", "CASEWORK_SMS_PASSWORD": "sendsms-pw",
                "CASEWORK_SMS_FROM": "1414", "CASEWORK_SMS_TIMEOUT": 5}

    def _run(self, tool: str) -> subprocess.Popen:
        with open(self.folder / f"{tool}.out", "ab") as out:
            return subprocess.Popen([tool, str(self.conf)], stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=self.folder)

    def start(self) -> None:
        self.bearerbox = self._run("bearerbox")
        _wait_port(self.box)
        self.smsbox = self._run("smsbox")
        _wait_port(self.sendsms)

    def stop(self) -> None:
        for process in (self.smsbox, self.bearerbox):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        self.smsbox = self.bearerbox = None
        _wait_port(self.sendsms, up=False)
        _wait_port(self.smsc, up=False)

    def _fakesmsc(self, *messages: str) -> subprocess.Popen:
        return subprocess.Popen([FAKESMSC, "-H", "127.0.0.1", "-r", str(self.smsc), "-i", "0.05",
                                 "-m", str(len(messages)), *messages],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.PIPE, text=True)  # no EOF: it listens

    def send(self, sender: str, text: str, receiver: str = "1414", settle: float = 1.0) -> str:
        """One mobile-originated message through the fake SMSC; what fakesmsc printed."""
        process = self._fakesmsc(f"{sender} {receiver} text {text}")
        time.sleep(settle)
        process.terminate()
        return process.communicate(timeout=10)[0]

    def send_parts(self, sender: str, parts: list[bytes], ref: int = 7,
                   receiver: str = "1414") -> None:
        """A concatenated message (UDH 05 00 03 ref total seq), one part after the other, as
        a phone sends a long SMS; bearerbox joins them before smsbox posts the whole."""
        for seq, data in enumerate(parts, 1):
            udh = urllib.parse.quote(bytes([5, 0, 3, ref, len(parts), seq]))
            process = self._fakesmsc(f"{sender} {receiver} udh {udh} {urllib.parse.quote(data)}")
            time.sleep(0.7)
            process.terminate()
            process.communicate(timeout=10)

    def replies(self, wait: float = 2.0) -> list[tuple[str, str, str]]:
        """What Kannel delivered to the operator while we listened: (from, to, text)."""
        process = self._fakesmsc()
        time.sleep(wait)
        process.terminate()
        self.last_output = process.communicate(timeout=10)[0]
        return parse(self.last_output)


def _bytes(encoded: str) -> bytes:
    """Kannel's URL encoding: "+" is a space byte."""
    return urllib.parse.unquote_to_bytes(encoded.replace("+", "%20"))


def _decode(raw: bytes, ucs2: bool) -> str:
    return raw.decode("utf-16-be" if ucs2 else "utf-8", "replace")


def parse(output: str) -> list[tuple[str, str, str]]:
    """The messages fakesmsc printed; the parts of a concatenated one (UDH 05 00 03 ref
    total seq) joined in order."""
    found: list[tuple[str, str, str]] = []
    pending: dict[tuple[str, int], dict[int, str]] = {}
    for sender, receiver, kind, data in GOT.findall(output):
        if kind != "udh":
            found.append((sender, receiver, _decode(_bytes(data), kind == "ucs-2")))
            continue
        udh_text, _, body = data.partition(" ")  # "<udh> data <text>"
        udh = _bytes(udh_text)
        raw = _bytes(body.removeprefix("data "))
        # UCS-2 text: every high byte of a Cyrillic or Latin character is 0x00 or 0x04.
        ucs2 = len(raw) % 2 == 0 and all(b in (0, 4) for b in raw[::2])
        ref, total, seq = udh[3], udh[4], udh[5]
        parts = pending.setdefault((receiver, ref), {})
        parts[seq] = _decode(raw, ucs2)
        if len(parts) == total:
            found.append((sender, receiver, "".join(parts[i] for i in sorted(parts))))
            del pending[(receiver, ref)]
    return found
