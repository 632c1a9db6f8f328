"""Transports besides SMTP for the outbox: an area registers a sender by name (the SMS
channel registers "sms" from casework/sms/gateway.py), so that its messages get the outbox's
claims, leases, retries and audit without a second queue, and notifications imports no area.

A sender gets (recipient, body, language) and returns when the gateway accepted the
message; otherwise it raises SendFailed saying whether trying again may help and whether
the message may have gone out anyway."""

from collections.abc import Callable


class SendFailed(Exception):
    """The gateway did not accept the message. `permanent`: trying again cannot help.
    `maybe_sent`: the request reached the gateway and no answer came back; it is not sent
    again by itself (see delivery.py), an administrator decides."""

    def __init__(self, reason: str, *, permanent: bool = False, maybe_sent: bool = False):
        super().__init__(reason)
        self.permanent = permanent
        self.maybe_sent = maybe_sent


Sender = Callable[[str, str, str], None]
_senders: dict[str, Sender] = {}


def register(name: str, sender: Sender) -> None:
    _senders[name] = sender


def sender(name: str) -> Sender:
    try:
        return _senders[name]
    except KeyError:
        raise SendFailed(f"no transport {name!r} registered") from None
