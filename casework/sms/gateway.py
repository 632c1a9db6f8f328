"""Sending through Kannel's sendsms interface (the outbox's "sms" transport).

Kannel has no idempotency key, so a message is sent at most once by this rule: a failure
before the request reached Kannel (connection refused: Kannel down) is retried by the
outbox with its backoff; an HTTP answer refusing it is retried (5xx, or 401/403: our
configuration) or given up (other 4xx); a request that reached Kannel without an answer
(a timeout, a dropped connection) may have been sent: it is marked failed with that reason
and not sent again by itself — an administrator may send it again from the outbox page."""

import http.client
from urllib.parse import urlencode, urlsplit

from flask import current_app

from casework.notifications import transports
from casework.notifications.models import Transport
from casework.notifications.transports import SendFailed
from casework.sms import text as smstext


def _query(recipient: str, body: str) -> str:
    config = current_app.config
    params = {"username": config["CASEWORK_SMS_USERNAME"] or "",
              "password": config["CASEWORK_SMS_PASSWORD"] or "",
              "to": recipient, "text": body, "charset": "UTF-8"}
    if config["CASEWORK_SMS_FROM"]:
        params["from"] = config["CASEWORK_SMS_FROM"]
    # Kazakh and Russian need UCS-2; plain GSM text goes as 7-bit (160 characters a part).
    params["coding"] = "0" if smstext.is_gsm(body) else "2"
    return urlencode(params)


def send(recipient: str, body: str, language: str) -> None:
    """Hand one SMS to Kannel; returns when Kannel accepted it (2xx: "Accepted for delivery"
    or "Queued for later delivery")."""
    url = current_app.config["CASEWORK_SMS_SENDSMS_URL"]
    if not url:
        raise SendFailed("CASEWORK_SMS_SENDSMS_URL is not set")
    parts = urlsplit(url)
    timeout = float(current_app.config["CASEWORK_SMS_TIMEOUT"])
    connection_class = (http.client.HTTPSConnection if parts.scheme == "https"
                        else http.client.HTTPConnection)
    connection = connection_class(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        try:
            connection.connect()
        except OSError as exc:  # nothing reached Kannel: safe to try again
            raise SendFailed(f"gateway unreachable: {type(exc).__name__}") from None
        path = (parts.path or "/cgi-bin/sendsms") + "?" + _query(recipient, body)
        try:
            connection.request("GET", path)
            answer = connection.getresponse()
            reply = answer.read(300).decode("utf-8", "replace").strip()
        except (OSError, http.client.HTTPException) as exc:
            raise SendFailed(f"no answer from the gateway ({type(exc).__name__}): it may "
                             "have been sent", maybe_sent=True) from None
    finally:
        connection.close()
    if 200 <= answer.status < 300:
        return
    reason = f"gateway answered {answer.status}: {reply[:100]}"
    if answer.status in (401, 403) or answer.status >= 500:
        raise SendFailed(reason)  # our configuration, or Kannel's trouble: retried
    raise SendFailed(reason, permanent=True)


def connect() -> None:
    transports.register(Transport.SMS.value, send)
