"""A proposal starts from what the complaints name: the stations (marked, listed first, checked)
and the candidates; only stations the annulment may reach."""

import re

from sqlalchemy import select

from casework.extensions import db
from casework.intake.models import Complaint
from tests.factories import station


def proposal_page(app, login, user, case) -> str:
    browser = app.test_client()
    browser.set_cookie("casework_lang", "en")
    assert login(browser, user).status_code == 302
    return browser.get(f"/cases/{case.reference}/sanctions/new").get_data(as_text=True)


def checked(html: str, name: str) -> set[str]:
    return set(re.findall(rf'<input checked id="[^"]+" name="{name}" type="checkbox" '
                          rf'value="(\d+)">', html))


def test_the_named_stations_and_candidates_are_preselected(decided_case, committee, app, login,
                                                           election):
    case = decided_case()
    case.station_id = None  # only what the complaint names
    complaint = db.session.scalar(select(Complaint).where(Complaint.case_id == case.id))
    complaint.station_id = station(election, "KAR-001").id
    db.session.commit()
    html = proposal_page(app, login, committee["secretary"], case)
    assert checked(html, "station_ids") == {str(station(election, "KAR-001").id)}
    assert "KAR-001 — named in a complaint" in html and "BAL-001 — named" not in html
    assert html.index("KAR-001") < html.index("BAL-001")  # the named station first
    assert checked(html, "candidate_ids") == {str(case.accused[0].id)}
    assert re.search(rf'<option selected value="{case.accused[0].id}">', html)


def test_the_case_station_counts_and_an_unreachable_one_is_not_offered(
        decided_case, committee, app, login, election):
    case = decided_case()  # at BAL-001
    complaint = db.session.scalar(select(Complaint).where(Complaint.case_id == case.id))
    complaint.station_id = station(election, "ALA-001").id  # Almaty: outside the case's area
    db.session.commit()
    html = proposal_page(app, login, committee["secretary"], case)
    assert checked(html, "station_ids") == {str(station(election, "BAL-001").id)}
    assert "ALA-001" not in html
