"""The outbox page in a real browser, in Kazakh and Russian, on a phone and a desktop: an
administrator finds the failed message, sends it again, and never sees a text or an address."""

import re

import pytest
from sqlalchemy import update

from casework.core.db import utcnow
from casework.extensions import db
from casework.notifications.models import OutboxMessage, OutboxStatus
from casework.notifications.services import enqueue_email
from tests import factories
from tests.plugin.browser import sign_in

pytestmark = pytest.mark.browser

CODE = "K7QM-3XRT-9PLD-W2HB"
# Words of the page that must not stay English in kk or ru.
ENGLISH = ("Outgoing mail", "Retry now", "Failed", "Waiting", "Attempts", "Last error",
           "Next attempt", "Recipient", "Complaint acknowledgment", "None: retry it")
WORDS = {"kk": {"failed": "Жіберілмеді", "pending": "Кезекте", "retry": "Қазір қайта жіберу"},
         "ru": {"failed": "Не отправлено", "pending": "В очереди", "retry": "Отправить сейчас"}}



def queued(key: str, status: OutboxStatus, **values) -> int:
    context = {"reference": "T2020-KAR-00042", "tracking_code": CODE,
               "track_url": "https://casework.example/track", "committee": "Committee"}
    row = enqueue_email(template="intake/acknowledgment", recipient=f"{key}@example.org",
                        language="kk", context=context, dedupe_key=key, case_id=None)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                       .values(status=status, **values))
    db.session.commit()
    return row.id


def test_an_administrator_finds_a_failed_message_and_sends_it_again(tab, live_server, make_user):
    page = tab
    failed = queued("aigul", OutboxStatus.FAILED, attempts=12,
                    last_error="SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable")
    queued("bolat", OutboxStatus.SENT, sent_at=utcnow())
    admin = make_user("admin", regions=None)
    sign_in(page, live_server, admin.email, factories.PASSWORD)

    page.goto(live_server + "/staff/outbox")
    words = WORDS[page.lang]
    text = page.inner_text("main")
    assert not [w for w in ENGLISH if re.search(rf"\b{w}\b", text)], text[:600]
    assert CODE not in page.content() and "aigul@example.org" not in page.content()
    assert "a***@example.org" in text and "550 5.1.1" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    # The button above the table leads to the failed messages only.
    page.click("#failed-count")
    page.wait_for_url(re.compile(r"status=failed"))
    rows = page.locator("#outbox tbody tr[data-message]")
    assert rows.count() == 1 and rows.first.get_attribute("data-message") == str(failed)
    assert rows.first.locator(".status").inner_text() == words["failed"]

    rows.first.get_by_role("button", name=words["retry"]).click()
    page.wait_for_selector(".flash")
    assert page.locator("#outbox tbody tr[data-message]").count() == 0  # no longer failed
    page.click('#outbox-filters a[data-status="pending"]')
    row = page.locator(f'#outbox tr[data-message="{failed}"]')
    assert row.locator(".status").inner_text() == words["pending"]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, failed).status is OutboxStatus.PENDING
