"""A real Dovecot IMAP server for the tests, configured in a temporary folder (see
../shared/RECIPES.md): TLS with a self-signed certificate made here, a static password, a
mailbox per user name, so every test gets its own."""

import datetime
import imaplib
import ipaddress
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.plugin.data import free_port

DOVECOT = "/usr/sbin/dovecot"
PASSWORD = "imap-test-secret"
PROCESSED = "Casework Processed"
CONFIG = """protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = required
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
first_valid_uid = 1
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
  }}
}}
"""


def _certificate(folder: Path) -> None:
    """A self-signed certificate for 127.0.0.1, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    os.chmod(folder / "key.pem", 0o600)


def _wait_for(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@dataclass
class Dovecot:
    folder: Path
    imap_port: int
    imaps_port: int

    @property
    def ca_file(self) -> str:
        return str(self.folder / "cert.pem")

    def login(self, user: str) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=self.ca_file)
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.imaps_port, ssl_context=context, timeout=20)
        conn.login(user, PASSWORD)
        return conn


class Account:
    """A fresh mailbox on the test server and the app configured to fetch from it."""

    def __init__(self, server: Dovecot) -> None:
        self.server = server
        self.user = "komek" + uuid.uuid4().hex[:10]

    def append(self, *raws: bytes) -> None:
        conn = self.server.login(self.user)
        for raw in raws:
            status, _ = conn.append("INBOX", None, None, raw)
            assert status == "OK"
        conn.logout()

    def flags(self, folder: str = "INBOX") -> list[set[str]]:
        """The flags of every message in a folder, in order."""
        conn = self.server.login(self.user)
        status, data = conn.select(f'"{folder}"', readonly=True)
        assert status == "OK", data
        result: list[set[str]] = []
        if int(data[0]):
            _, lines = conn.fetch("1:*", "(FLAGS)")
            for line in lines:
                found = re.search(rb"FLAGS \(([^)]*)\)", line)
                result.append(set(found.group(1).decode().split()))
        conn.logout()
        return result




def missing() -> str | None:
    """Why the test server cannot run here, or None."""
    if not os.path.exists(DOVECOT):
        return "Dovecot is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() != 0:
        return "Dovecot's test instance must be started as root"
    return None


def start() -> Dovecot:
    folder = Path(tempfile.mkdtemp(prefix="casework-dovecot-"))
    os.chmod(folder, 0o755)  # noqa: S103 - the dovecot and nobody users must traverse it
    (folder / "mail").mkdir()
    shutil.chown(folder / "mail", "nobody", "nogroup")
    _certificate(folder)
    server = Dovecot(folder, free_port(), free_port())
    (folder / "dovecot.conf").write_text(CONFIG.format(
        d=folder, password=PASSWORD, imap=server.imap_port, imaps=server.imaps_port))
    # It daemonizes; with our pipes inherited the test runner could wait on them.
    subprocess.run([DOVECOT, "-c", str(folder / "dovecot.conf")], check=True, timeout=30,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(server.imaps_port)
    except OSError:
        stop(server)
        raise
    return server


def stop(server: Dovecot) -> None:
    pid_file = server.folder / "run" / "master.pid"
    if pid_file.exists():
        pid = int(pid_file.read_text())
        os.kill(pid, 15)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
    shutil.rmtree(server.folder, ignore_errors=True)
