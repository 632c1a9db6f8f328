"""The SMS channel through a real Kannel: fakesmsc sends as a phone would, Kannel posts to
the app, the worker's delivery sends the replies back through sendsms, fakesmsc reads them."""

import re
import time

from sqlalchemy import func, select

from casework.core.db import utcnow
from casework.extensions import db
from casework.intake.models import Channel, Complaint
from casework.notifications import delivery
from casework.notifications.models import OutboxMessage, OutboxStatus, Transport
from casework.sms.models import Direction, SmsMessage, SmsOptOut, SmsState
from tests.plugin.data import csrf_from

PHONE = "+77011234567"
CODE = re.compile(r"\b(?:[0-9A-Z]{4}-){4}[0-9A-Z]{4}\b")


def _inbound(count: int, timeout: float = 10) -> list[SmsMessage]:
    """Wait until `count` incoming messages are filed; them, oldest first."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        rows = db.session.scalars(select(SmsMessage).where(SmsMessage.direction == Direction.IN)
                                  .order_by(SmsMessage.id)).all()
        if len(rows) >= count and all(r.state is not SmsState.RECEIVED for r in rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(rows)} of {count} messages filed")
        time.sleep(0.2)


def _deliver() -> dict:
    counts = delivery.deliver_due()
    db.session.rollback()
    return counts


def test_a_kazakh_complaint_in_three_parts_is_one_complaint_with_a_working_code(
        gateway, election, client):
    parts = ["Сәлем! Бүгін 12-учаскеде бақылаушыны кіргізбеді.",
             "Төраға дауыс беру қорабын жауып қойды, сағат 10-да.",
             "Куәлар бар, суреттер кейін жіберемін."]
    gateway.send(PHONE, parts[0])
    _inbound(1)
    gateway.send(PHONE, parts[1])
    gateway.send(PHONE, parts[2])
    rows = _inbound(3)
    assert [r.state for r in rows] == [SmsState.COMPLAINT, SmsState.FOLLOW_UP, SmsState.FOLLOW_UP]
    assert {r.complaint_id for r in rows} == {rows[0].complaint_id}
    assert all(r.language == "kk" and r.number == PHONE for r in rows)
    complaint = db.session.get(Complaint, rows[0].complaint_id)
    assert complaint.channel is Channel.SMS and complaint.language == "kk"
    assert complaint.narrative.split("\n") == parts
    assert complaint.phone is None and complaint.anonymous  # the number stays in sms_messages
    assert db.session.scalar(select(func.count(Complaint.id))) == 1

    assert _deliver()["sent"] == 3
    got = gateway.replies()
    assert got, gateway.last_output
    assert [(sender, to) for sender, to, _ in got] == [("1414", PHONE)] * 3
    ack = got[0][2]
    assert complaint.case.reference in ack and "Шағым" in ack
    code = CODE.search(ack).group(0)
    assert all(complaint.case.reference in text for _, _, text in got[1:])
    # The code works on the public tracking page.
    response = client.post("/track", data={"code": code, "csrf_token": csrf_from(client, "/track")})
    assert response.status_code == 302 and response.location.endswith("/track/case")
    assert complaint.case.reference in client.get("/track/case").get_data(as_text=True)
    # Sent once: delivered rows are sent, nothing is due again, the code is masked out.
    sent = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.transport == Transport.SMS)).all()
    assert {m.status for m in sent} == {OutboxStatus.SENT}
    assert all(code not in m.body_text for m in sent)
    assert _deliver() == {"sent": 0, "retry": 0, "failed": 0}
    # Nor does the thread on the case keep it (only the complaint's hash of it).
    thread = db.session.scalars(select(SmsMessage.body).where(
        SmsMessage.direction == Direction.OUT)).all()
    assert len(thread) == 3 and all(code not in body for body in thread)


def test_status_in_russian_and_stop_then_start(gateway, election):
    gateway.send(PHONE, "На участке раздают деньги у входа")
    first = _inbound(1)[0]
    assert first.language == "ru" and first.state is SmsState.COMPLAINT
    _deliver()
    ack = gateway.replies()[0][2]
    assert "Жалоба" in ack
    code = CODE.search(ack).group(0)
    gateway.send(PHONE, f"статус {code}")
    query = _inbound(2)[1]
    assert query.state is SmsState.STATUS and code not in query.body
    _deliver()
    status = gateway.replies()
    reference = db.session.get(Complaint, first.complaint_id).case.reference
    assert len(status) == 1 and reference in status[0][2] and "Получено" in status[0][2]

    gateway.send(PHONE, "СТОП")
    assert _inbound(3)[2].state is SmsState.STOP
    assert db.session.scalar(select(func.count(SmsOptOut.id))) == 1
    gateway.send(PHONE, f"STATUS {code}")
    assert _inbound(4)[3].state is SmsState.STATUS
    assert _deliver()["sent"] == 0 and gateway.replies(wait=1) == []  # stopped: no answer
    gateway.send(PHONE, "START")
    _inbound(5)
    _deliver()
    assert len(gateway.replies()) == 1  # "replies are on again"


def test_a_flood_is_filed_and_flagged_not_answered(gateway, election, sms_settings):
    sms_settings(CASEWORK_SMS_LIMIT_HOUR=3, CASEWORK_SMS_LIMIT_DAY=10)
    for n in range(5):
        gateway.send(PHONE, f"Сообщение номер {n}", settle=0.6)
    rows = _inbound(5)
    assert [r.over_limit for r in rows] == [False, False, False, True, True]
    assert {r.complaint_id for r in rows} == {rows[0].complaint_id}  # nothing dropped
    _deliver()
    assert len(gateway.replies()) == 3
    assert db.session.scalar(select(func.count(SmsMessage.id)).where(
        SmsMessage.over_limit.is_(True), SmsMessage.case_id == rows[0].case_id)) == 2


def test_replies_wait_while_kannel_is_down_and_go_out_once(gateway, election):
    gateway.send(PHONE, "Бюллетеньдер жетпейді, кезек үлкен")
    _inbound(1)
    gateway.stop()
    counts = _deliver()
    assert counts == {"sent": 0, "retry": 1, "failed": 0}
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.transport == Transport.SMS))
    assert row.status is OutboxStatus.PENDING and "unreachable" in row.last_error
    assert _deliver()["retry"] == 1  # still down: retried again, never lost
    gateway.start()
    assert _deliver()["sent"] == 1
    assert _deliver()["sent"] == 0
    got = gateway.replies()
    assert len(got) == 1 and got[0][1] == PHONE
    db.session.refresh(row)
    assert row.status is OutboxStatus.SENT and row.attempts == 2 and row.sent_at <= utcnow()


def test_a_long_message_in_concatenated_parts_arrives_joined(gateway, election):
    text = ("Учаскеде таңертеңнен бері бақылаушыларды кіргізбей отыр, төраға қорапты жауып "
            "қойды, куәлар бар.")
    # fakesmsc marks UDH parts 8-bit (it has no UCS-2 for them): UTF-8 bytes, cut mid-letter;
    # the UCS-2 (UTF-16BE) body is tested at the endpoint (test_endpoint.py).
    data = text.encode()
    gateway.send_parts(PHONE, [data[:101], data[101:]])
    rows = _inbound(1)
    assert len(rows) == 1 and rows[0].body == text and rows[0].state is SmsState.COMPLAINT
