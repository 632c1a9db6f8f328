"""A real SMTP server (aiosmtpd) on a free local port, and Flask-Mail pointed at it."""

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from casework.extensions import mail
from tests.plugin.data import free_port


class Recorder:
    """Keeps every accepted envelope; refuses recipients whose address starts with "refused"."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


class SmtpServer:
    """Start and stop at will, always on the same port, so "SMTP is down" is just stop()."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> None:
        if self.controller is None:  # a stopped Controller cannot start again: a new one
            self.controller = Controller(self.recorder, hostname=self.host, port=self.port)
            self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def envelopes(self):
        return self.recorder.envelopes

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(e.original_content, policy=policy.default)
                for e in self.envelopes]


@pytest.fixture
def smtp_server(app):
    """A running SMTP server; Flask-Mail sends to it for the duration of the test.

    Flask-Mail copies its settings into app.extensions["mail"] at init_app time, so
    a fresh state is built from the test settings and the original one put back after.
    """
    server = SmtpServer()
    settings = {"MAIL_SERVER": server.host, "MAIL_PORT": server.port,
                "MAIL_SUPPRESS_SEND": False, "MAIL_USE_TLS": False, "MAIL_USE_SSL": False,
                "MAIL_USERNAME": None, "MAIL_PASSWORD": None}
    saved_config = {key: app.config.get(key) for key in settings}
    saved_state = app.extensions["mail"]
    app.config.update(settings)
    app.extensions["mail"] = mail.init_mail(app.config, app.debug, app.testing)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        app.config.update(saved_config)
        app.extensions["mail"] = saved_state
