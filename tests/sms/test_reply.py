"""Staff answer an SMS complainant from the case: the number never shown, the part limit,
STOP respected, CSRF and the case's permission; the gateway's at-most-once rule."""

import socket
import threading

import pytest
from sqlalchemy import select

from casework.core.audit import AuditEntry
from casework.extensions import db
from casework.notifications import delivery
from casework.notifications.models import OutboxMessage, OutboxStatus, Transport
from casework.sms import services
from casework.sms.models import Direction, SmsMessage
from tests.plugin.data import csrf_from
from tests.sms.kannel import BASE_PORT

SILENT_PORT = BASE_PORT + 20  # in the helper's port range, beside Kannel's

PHONE = "+77051234567"


@pytest.fixture
def sms_case(election):
    message = services.receive(PHONE, "Учаскеде бақылаушыны кіргізбеді")
    services.process(message)
    db.session.commit()
    return message


def _reference(message):
    from casework.cases.models import Case

    return db.session.get(Case, message.case_id).reference


def test_a_member_answers_by_sms_without_seeing_the_number(client, login, committee, sms_case):
    reference = _reference(sms_case)
    login(client, committee["secretary"])
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "SMS received" in page and "Answer by SMS" in page
    assert PHONE not in page and PHONE[1:] not in page
    form = client.get(f"/sms/cases/{reference}/reply")
    assert form.status_code == 200 and PHONE not in form.get_data(as_text=True)
    assert 'data-sms-counter="sms-counter"' in form.get_data(as_text=True)
    token = csrf_from(client, f"/sms/cases/{reference}/reply")
    too_long = client.post(f"/sms/cases/{reference}/reply",
                           data={"body": "ә" * 135, "csrf_token": token})
    assert too_long.status_code == 422 and "longer than two SMS" in too_long.get_data(as_text=True)
    assert "ә" * 135 in too_long.get_data(as_text=True)  # the text is given back
    sent = client.post(f"/sms/cases/{reference}/reply",
                       data={"body": "Сәлеметсіз бе, учаске нөмірін жазыңыз.", "csrf_token": token})
    assert sent.status_code == 302
    out = db.session.scalars(select(SmsMessage).where(SmsMessage.direction == Direction.OUT,
                                                      SmsMessage.sent_by_id.is_not(None))).all()
    assert len(out) == 1 and out[0].number == PHONE
    outbox = db.session.get(OutboxMessage, out[0].outbox_id)
    assert outbox.transport is Transport.SMS and outbox.recipient == PHONE
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sms.sent"))
    assert entry is not None and PHONE not in str(entry.details)


def test_without_csrf_or_permission_nothing_is_sent(client, login, committee, outsider,
                                                     sms_case, make_user):
    reference = _reference(sms_case)
    login(client, committee["secretary"])
    assert client.post(f"/sms/cases/{reference}/reply", data={"body": "hi"}).status_code in (
        400, 422)
    client.get("/logout")
    auditor = make_user("auditor")
    other = client.application.test_client()
    login(other, auditor)
    assert other.get(f"/sms/cases/{reference}/reply").status_code in (403, 404)
    assert db.session.scalar(select(SmsMessage).where(SmsMessage.sent_by_id.is_not(None))) is None


def test_stop_refuses_the_staff_answer(committee, sms_case):
    stop = services.receive(PHONE, "STOP")
    services.process(stop)
    db.session.commit()
    from casework.cases.models import Case
    from casework.core.refusal import Refusal

    with pytest.raises(Refusal):
        services.reply_to_case(db.session.get(Case, sms_case.case_id), committee["chair"], "hi")


class _Silent:
    """A gateway that takes the request and never answers (to test the timeout)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", SILENT_PORT))
        self.sock.listen(5)
        self.requests = 0
        self.held: list[socket.socket] = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.recv(4096)
            self.requests += 1
            self.held.append(conn)

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        self.sock.close()


def test_no_answer_from_the_gateway_is_not_sent_again(sms_settings, sms_case):
    silent = _Silent()
    try:
        sms_settings(CASEWORK_SMS_SENDSMS_URL=f"http://127.0.0.1:{SILENT_PORT}/cgi-bin/sendsms",
                     CASEWORK_SMS_TIMEOUT=1, CASEWORK_OUTBOX_BACKOFF_SECONDS=0)
        assert delivery.deliver_due() == {"sent": 0, "retry": 0, "failed": 1}
        assert delivery.deliver_due() == {"sent": 0, "retry": 0, "failed": 0}
        assert silent.requests == 1
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.transport == Transport.SMS))
        assert row.status is OutboxStatus.FAILED and "may have been sent" in row.last_error
    finally:
        silent.close()


def test_retention_erases_the_number_and_the_outbox_text(sms_case):
    from datetime import timedelta

    from casework.cases.models import Case
    from casework.core.db import utcnow
    from casework.retention.erasure import erase_case
    from casework.retention.policy import Due

    case = db.session.get(Case, sms_case.case_id)
    now = utcnow()
    past = now - timedelta(days=1)
    counts = erase_case(case, Due(final_at=past, personal_at=past, evidence_at=None), now)
    db.session.commit()
    assert counts["sms"] == 2  # the message and its reply
    rows = db.session.scalars(select(SmsMessage).where(SmsMessage.case_id == case.id)).all()
    assert {r.number for r in rows} == {""} and rows[0].body  # the facts stay
    outbox = db.session.scalar(select(OutboxMessage).where(OutboxMessage.case_id == case.id))
    assert outbox.recipient == "" and outbox.body_text == ""


def test_the_dashboard_counts_flooded_cases(client, login, committee, sms_settings):
    sms_settings(CASEWORK_SMS_LIMIT_HOUR=2, CASEWORK_SMS_LIMIT_DAY=10)
    for n in range(4):
        services.process(services.receive(PHONE, f"Хабар {n}"))
        db.session.commit()
    assert [m.over_limit for m in db.session.scalars(select(SmsMessage).where(
        SmsMessage.direction == Direction.IN).order_by(SmsMessage.id))] == [False, False, True, True]
    login(client, committee["chair"])
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert "1 case received SMS over the per-number limit" in page


def test_the_answer_page_and_the_timeline_in_kazakh_and_russian(client, login, committee,
                                                                 sms_case):
    reference = _reference(sms_case)
    login(client, committee["secretary"])
    for language, title, received in (("kk", "SMS арқылы жауап беру", "SMS алынды"),
                                      ("ru", "Ответить по SMS", "Получено SMS")):
        client.set_cookie("casework_lang", language)
        page = client.get(f"/sms/cases/{reference}/reply").get_data(as_text=True)
        assert title in page and "Answer by SMS" not in page and "Send the SMS" not in page
        case_page = client.get(f"/cases/{reference}").get_data(as_text=True)
        assert received in case_page and "SMS received" not in case_page
