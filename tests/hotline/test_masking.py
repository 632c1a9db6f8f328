"""Callers' numbers on the call log and senders on the inbound-mail pages, per role: masked
("identity protected") as on the case page, except for whoever took the call or released the
mail within CASEWORK_IDENTITY_ENTRY_MINUTES, and for a member with a live approval for the
case (cases/identity.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.cases import identity
from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.extensions import db
from casework.hotline.models import Call, CallPurpose
from casework.mailin.models import InboundMail, InboundStatus
from tests import factories

OWN, OLD, SENDER = "+77015550123", "+77019990011", "writer@example.kz"
OWN_SHOWN, OLD_SHOWN = "+7 701 555 0123", "+7 701 999 0011"


@pytest.fixture
def people(election, committee):
    return {**committee, "operator": factories.member(election, "operator", "Olga Operator"),
            "auditor": factories.member(election, "auditor", "Aset Auditor")}


@pytest.fixture
def records(people, make_case):
    case = make_case()
    now = utcnow()
    operator, secretary = people["operator"], people["secretary"]
    db.session.add_all([
        Call(operator_id=operator.id, caller_number=OWN, started_at=now - timedelta(minutes=5),
             ended_at=now - timedelta(minutes=4), purpose=CallPurpose.FOLLOW_UP, note="",
             case_id=case.id, language="kk"),
        Call(operator_id=operator.id, caller_number=OLD, started_at=now - timedelta(hours=3),
             ended_at=now - timedelta(hours=3), purpose=CallPurpose.OTHER, note="",
             language="kk"),
        InboundMail(message_key="<m1@example.kz>", raw_sha256="0" * 64, size=10, sender=SENDER,
                    subject="Vote buying", source="pipe", status=InboundStatus.RELEASED,
                    case_id=case.id, received_at=now - timedelta(hours=1),
                    handled_by_id=secretary.id, handled_at=now - timedelta(minutes=2)),
    ])
    db.session.commit()
    return case


@pytest.fixture
def page_for(app, login):
    def get(user, path):
        browser = app.test_client()
        browser.set_cookie("casework_lang", "en")
        assert login(browser, user).status_code == 302
        response = browser.get(path)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return get


def viewed() -> list[dict]:
    db.session.expire_all()
    return [e.details for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "identity.viewed").order_by(AuditEntry.id))]


def test_the_call_log_masks_numbers_per_role(records, people, page_for, app):
    log = "/hotline/log?date="
    html = page_for(people["operator"], log)
    assert OWN_SHOWN in html and OLD_SHOWN not in html  # the old call is past the window
    assert html.count("identity protected") == 1
    assert viewed()[-1]["where"] == "call_log"
    for name in ("auditor", "secretary", "chair"):
        html = page_for(people[name], log)
        assert OWN_SHOWN not in html and OLD_SHOWN not in html, name
        assert html.count("identity protected") == 2, name
    # The secretary asks for the identity on the case; the chair approves: the secretary
    # sees that case's caller, still not the other.
    request = identity.request_identity(records, people["secretary"], "A witness to call.")
    identity.approve(request, people["chair"], proven=True)
    db.session.commit()
    html = page_for(people["secretary"], log)
    assert OWN_SHOWN in html and OLD_SHOWN not in html
    app.config["CASEWORK_IDENTITY_ENTRY_MINUTES"], before = 1, app.config[
        "CASEWORK_IDENTITY_ENTRY_MINUTES"]
    try:
        html = page_for(people["operator"], log)  # five minutes after the call: gone
        assert OWN_SHOWN not in html
    finally:
        app.config["CASEWORK_IDENTITY_ENTRY_MINUTES"] = before


def test_the_mail_pages_mask_the_sender_per_role(records, people, page_for, app, login):
    mail = db.session.scalar(select(InboundMail))
    for path in ("/staff/mail", f"/staff/mail/{mail.id}"):
        assert SENDER in page_for(people["secretary"], path)  # released it two minutes ago
        for name in ("chair", "auditor"):
            html = page_for(people[name], path)
            assert SENDER not in html and "identity protected" in html, (name, path)
    assert {d["where"] for d in viewed()} == {"inbound_mail"}
    # The raw message names the sender too: the same two rules (the stored copy is missing
    # here, so whoever may download it is told of the failed check: 409, not 403).
    downloads = {}
    for name in ("secretary", "chair"):
        browser = app.test_client()
        login(browser, people[name])
        downloads[name] = browser.get(f"/staff/mail/{mail.id}/raw").status_code
    assert downloads == {"secretary": 409, "chair": 403}
    request = identity.request_identity(records, people["chair"], "To write to the sender.")
    with pytest.raises(identity.Refusal):  # the chair cannot approve their own request
        identity.approve(request, people["chair"], proven=True)
    db.session.rollback()
    before = app.config["CASEWORK_IDENTITY_ENTRY_MINUTES"]
    app.config["CASEWORK_IDENTITY_ENTRY_MINUTES"] = 1
    try:
        assert SENDER not in page_for(people["secretary"], f"/staff/mail/{mail.id}")
    finally:
        app.config["CASEWORK_IDENTITY_ENTRY_MINUTES"] = before
