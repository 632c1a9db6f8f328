"""The endpoint Kannel posts to, without Kannel: the secret, the source address, the body
cap, the charsets, the gateway id, and a message stored even when filing it fails."""

import base64
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.intake.models import Complaint
from casework.sms import services
from casework.sms.models import Direction, SmsMessage, SmsState

SECRET = "endpoint-secret"
PHONE = "+77021234567"


@pytest.fixture(autouse=True)
def _sms(sms_settings):
    sms_settings(CASEWORK_SMS_SECRET=SECRET, CASEWORK_SMS_ALLOWED_IPS="")


def _post(client, body: bytes, *, secret=SECRET, charset="UTF-8", coding="0", sender=PHONE,
          gateway_id="k-1", **environ):
    auth = base64.b64encode(f"kannel:{secret}".encode()).decode()
    return client.post(f"/sms/kannel?id={gateway_id}", data=body,
                       headers={"Authorization": f"Basic {auth}",
                                "Content-Type": f'text/plain; charset="{charset}"',
                                "X-Kannel-From": sender, "X-Kannel-To": "1414",
                                "X-Kannel-Coding": coding},
                       environ_base=environ)


def _inbound():
    return select(func.count(SmsMessage.id)).where(SmsMessage.direction == Direction.IN)


def test_a_ucs2_message_opens_a_complaint_and_answers_empty(client, election):
    response = _post(client, "Учаскеде кезек, бюллетень жоқ".encode("utf-16-be"),
                     charset="UTF-16BE", coding="2")
    assert response.status_code == 200 and response.data == b""
    row = db.session.scalar(select(SmsMessage).order_by(SmsMessage.id).limit(1))
    assert row.body == "Учаскеде кезек, бюллетень жоқ" and row.coding == 2
    assert row.state is SmsState.COMPLAINT and row.number == PHONE and row.language == "kk"
    assert db.session.get(Complaint, row.complaint_id).narrative == row.body


def test_the_same_gateway_id_is_stored_once(client, election):
    assert _post(client, b"hello there").status_code == 200
    assert _post(client, b"hello there").status_code == 200
    assert db.session.scalar(_inbound()) == 1


def test_refused_without_the_secret_or_from_another_address(client, election, sms_settings):
    assert _post(client, b"x", secret="wrong").status_code == 403
    assert client.post("/sms/kannel", data=b"x").status_code == 403
    sms_settings(CASEWORK_SMS_ALLOWED_IPS="10.0.0.9")
    assert _post(client, b"x").status_code == 403
    assert _post(client, b"x", REMOTE_ADDR="10.0.0.9").status_code == 200
    sms_settings(CASEWORK_SMS_SECRET=None)
    assert _post(client, b"x").status_code == 404  # the channel is off
    assert db.session.scalar(_inbound()) == 1


def test_body_cap_and_missing_sender(client, election):
    assert _post(client, b"a" * 20000).status_code == 413
    assert _post(client, b"x", sender="").status_code == 400
    assert db.session.scalar(_inbound()) == 0


def test_control_characters_are_replaced_not_refused(client, election):
    assert _post(client, b"bad\x00text\x07here").status_code == 200
    first = select(SmsMessage.body).order_by(SmsMessage.id).limit(1)
    assert db.session.scalar(first) == "bad\ufffdtext\ufffdhere"


def test_stored_first_and_filed_by_the_worker_when_filing_fails(client, election, monkeypatch):
    # No real part can make the filing fail after the store: the one mock here.
    def broken(message):
        raise RuntimeError("filing failed")

    monkeypatch.setattr(services, "process", broken)
    assert _post(client, "Сообщение о нарушении".encode()).status_code == 200
    monkeypatch.undo()
    row = db.session.scalar(select(SmsMessage).order_by(SmsMessage.id).limit(1))
    assert row.state is SmsState.RECEIVED
    assert services.process_received(older_than=timedelta(0)) == 1
    db.session.refresh(row)
    assert row.state is SmsState.COMPLAINT and row.language == "ru"


def test_no_election_keeps_the_message_unrouted(client):
    assert _post(client, b"hello").status_code == 200
    assert db.session.scalar(select(SmsMessage.state)) is SmsState.UNROUTED
