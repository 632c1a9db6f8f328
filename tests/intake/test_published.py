"""Staff record a complaint published on social media or in the press."""

import re

from sqlalchemy import select

from casework.core.audit import AuditEntry
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake.models import Channel, Complaint
from tests.plugin.data import csrf_from, files, png_bytes


def published_form(client, **overrides) -> dict:
    html = client.get("/staff/complaints/published").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)
    data = {"csrf_token": csrf_from(client, "/staff/complaints/published"),
            "submission_key": key, "platform": "Facebook",
            "link": "https://facebook.com/some.candidate/posts/123", "author": "Айгүл Серікова",
            "published_on": "2020-05-26", "published_time": "21:15",
            "category": "vote_buying", "region": "KZ-KAR", "accused": ["C-007"],
            "narrative": "The candidate writes that voters in Temirtau were offered money."}
    data.update(overrides)
    return data


def test_operator_records_a_post_with_a_screenshot(client, demo, make_user, login):
    operator = make_user("operator", email="op@test.kz")
    login(client, operator)
    data = published_form(client)
    data["evidence"] = files(("screenshot.png", png_bytes()))
    response = client.post("/staff/complaints/published", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get("/staff/complaints/recorded").get_data(as_text=True)
    complaint = db.session.scalar(select(Complaint))
    assert complaint.channel is Channel.SOCIAL_MEDIA
    assert complaint.case.reference in page and 'id="tracking-code"' in page
    assert complaint.source_platform == "Facebook" and complaint.source_author == "Айгүл Серікова"
    assert complaint.links == ["https://facebook.com/some.candidate/posts/123"]
    assert complaint.published_at.hour == 15  # 21:15 in Almaty is 15:15 UTC
    assert complaint.recorded_by_id == operator.id and complaint.anonymous
    assert [c.code for c in complaint.case.accused] == ["C-007"]
    assert db.session.scalar(select(EvidenceItem.label)) == "screenshot.png"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "complaint.received"))
    assert entry.actor_id == operator.id and entry.details["channel"] == "social_media"


def test_bad_link_is_refused_and_nothing_is_stored(client, demo, make_user, login):
    login(client, make_user("secretary"))
    response = client.post("/staff/complaints/published",
                           data=published_form(client, link="javascript:alert(1)"),
                           headers={"Accept-Language": "en"})
    assert response.status_code == 422 and "https://" in response.get_data(as_text=True)
    assert db.session.scalar(select(Complaint)) is None


def test_auditors_and_anonymous_cannot_record(client, demo, make_user, login):
    assert client.get("/staff/complaints/published").status_code == 302
    login(client, make_user("auditor"))
    assert client.get("/staff/complaints/published").status_code == 403
