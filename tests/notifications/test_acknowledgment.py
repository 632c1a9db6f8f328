"""End to end: a named complaint through the API is acknowledged by mail, in its language,
through the worker and a real SMTP server — and SMTP being down loses nothing."""

import io
import json
import re

from sqlalchemy import select

from casework.intake import tracking
from casework.notifications.delivery import deliver_due
from casework.notifications.models import OutboxMessage, OutboxStatus
from tests.plugin.data import NARRATIVE, png_bytes


def file_named_complaint(client, language: str) -> dict:
    body = {"category": "voter_coercion", "region": "KZ-KAR", "narrative": NARRATIVE,
            "anonymous": False, "language": language,
            "contact": {"name": "Сәуле", "email": "saule@example.kz", "role": "observer",
                        "consent_to_contact": True}}
    response = client.post("/api/v1/complaints", content_type="multipart/form-data", data={
        "complaint": json.dumps(body, ensure_ascii=False),
        "evidence": [(io.BytesIO(png_bytes()), "photo.png")]})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_acknowledgment_reaches_the_complainant_once(app, client, demo, smtp_server):
    receipt = file_named_complaint(client, "ru")
    smtp_server.stop()  # SMTP is down when the worker first tries
    assert deliver_due()["retry"] == 1
    waiting = app.extensions["sqlalchemy"].session.scalar(select(OutboxMessage))
    assert waiting.status is OutboxStatus.PENDING and waiting.attempts == 1
    smtp_server.start()
    waiting.next_attempt_at = waiting.created_at  # due again now
    app.extensions["sqlalchemy"].session.commit()
    assert deliver_due()["sent"] == 1
    assert deliver_due() == {"sent": 0, "retry": 0, "failed": 0}
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == "saule@example.kz"
    text = mail.get_content()
    assert receipt["reference"] in mail["Subject"] and receipt["tracking_code"] in text
    assert tracking.is_valid(receipt["tracking_code"])
    assert re.search(r"[а-яА-Я]", mail["Subject"])  # Russian, the complainant's language
