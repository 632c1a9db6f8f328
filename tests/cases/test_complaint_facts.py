"""Every fact a complainant gave is on the case page: the station (linked to its region's
results for those who read them), the time of the events in the election's zone, witnesses,
links (never fetched; an <a> only for http/https), the others accused, where a published
complaint appeared, and the channel's translated label, in kk and ru."""

from datetime import datetime

import pytest
from sqlalchemy import select

from casework.accounts.roles import RESULTS
from casework.core.timezones import to_local
from casework.extensions import db
from casework.intake.models import Channel, Complaint
from tests import factories

OCCURRED = datetime(2026, 3, 1, 5, 30)  # UTC
LINKS = ["https://example.org/post/1", "javascript:alert(1)", "ftp://files.example.org/v"]


def facts(case, **values) -> Complaint:
    complaint = db.session.scalar(select(Complaint).where(Complaint.case_id == case.id))
    complaint.station_id = factories.station(case.election, "BAL-001").id
    complaint.occurred_at = OCCURRED
    complaint.witnesses = "Aliya Nurbek, a teacher at the school"
    complaint.links = LINKS
    complaint.accused_other = "The chair of the precinct commission"
    for name, value in values.items():
        setattr(complaint, name, value)
    db.session.commit()
    return complaint


def page(app, login, user, case, lang="en") -> str:
    client = app.test_client()
    client.set_cookie("casework_lang", lang)
    assert login(client, user).status_code == 302
    response = client.get(f"/cases/{case.reference}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_fact_of_the_complaint_is_on_the_case_page(app, login, make_case, committee,
                                                         results_world):
    case = make_case()
    facts(case)
    html = page(app, login, committee["chair"], case)
    assert "BAL-001" in html and "/staff/results/KZ-KAR" in html
    local = to_local(OCCURRED, case.election)
    assert local.strftime("%H:%M") in html and local.strftime("%H:%M") != OCCURRED.strftime("%H:%M")
    assert "Aliya Nurbek, a teacher at the school" in html
    assert "The chair of the precinct commission" in html
    assert ('<a href="https://example.org/post/1" rel="noopener noreferrer nofollow"'
            in html)
    # Other schemes are shown as text, never as a link.
    assert 'href="javascript:' not in html and 'href="ftp:' not in html
    assert "javascript:alert(1)" in html and "ftp://files.example.org/v" in html
    assert '<dd class="fact-channel">Web form</dd>' in html


def test_the_station_is_linked_only_for_results_readers_and_only_with_results(
        app, login, make_case, committee, results_world, election):
    case = make_case()
    facts(case)
    reviewer = committee["r1"]
    html = page(app, login, reviewer, case)
    assert "BAL-001" in html
    assert ("/staff/results/KZ-KAR" in html) == RESULTS.can_open(reviewer)
    # A station without results is named, not linked.
    other = make_case()
    facts(other, station_id=factories.station(election, "E-VOTE").id)
    db.session.execute(db.text("DELETE FROM results WHERE station_id = :s"),
                       {"s": factories.station(election, "E-VOTE").id})
    db.session.commit()
    html = page(app, login, committee["chair"], other)
    assert "E-VOTE" in html and 'title="Results of the region"' not in html


@pytest.mark.parametrize("lang, channel, press, when, nothing", [
    ("kk", "Әлеуметтік желілер немесе баспасөз", "Газет немесе жаңалықтар сайты",
     "Қашан болды", "Көрсетілмеген"),
    ("ru", "Социальные сети или пресса", "Газета или новостной сайт",
     "Когда это произошло", "Не указано"),
])
def test_published_complaint_and_channel_in_the_page_language(app, login, make_case, committee,
                                                              lang, channel, press, when,
                                                              nothing):
    case = make_case()
    facts(case, channel=Channel.SOCIAL_MEDIA, source_platform="press",
          source_author="Qazaq Times", published_at=datetime(2026, 3, 2, 9, 0),
          occurred_at=None, station_id=None)
    html = page(app, login, committee["chair"], case, lang)
    assert f'<dd class="fact-channel">{channel}</dd>' in html
    assert press in html and "Qazaq Times" in html and when in html and nothing in html
    assert ">social_media<" not in html and ">press<" not in html


def test_message_channel_is_translated(app, login, make_case, committee):
    from casework.cases.models import CaseMessage, MessageAuthor

    case = make_case()
    db.session.add(CaseMessage(case_id=case.id, author=MessageAuthor.COMPLAINANT,
                               body="More details", channel="web"))
    db.session.commit()
    html = page(app, login, committee["chair"], case, "ru")
    assert "веб-форма" in html and ": web<" not in html
