"""Findings and decisions are numbered within their case (1, 2, ...), not by global id: on
the findings page, the decision form, the printed decision and the sanction pages."""

from datetime import timedelta

from casework.core.db import utcnow
from casework.decisions import services
from casework.extensions import db


def test_each_case_counts_its_own_findings(make_case, finding):
    first, second = make_case(), make_case()
    numbers = [finding(first).number, finding(second).number, finding(first).number,
               finding(second).number]
    assert numbers == [1, 1, 2, 2]


def test_pages_show_the_number_within_the_case(app, login, make_case, finding, committee):
    for _ in range(3):
        finding(make_case())  # findings of other cases take the first ids
    case = make_case()
    made = [finding(case), finding(case)]
    assert made[0].id > 3
    decision = services.record_decision(
        case, committee["secretary"], meeting_at=utcnow() - timedelta(hours=1),
        present_ids=[committee[n].id for n in ("chair", "r1", "r2")],
        votes={committee[n].id: "for" for n in ("chair", "r1", "r2")},
        outcome="confirmed", reasons="The video and two witnesses show money offered.")
    db.session.commit()
    assert decision.number == 1
    client = app.test_client()
    client.set_cookie("casework_lang", "en")
    assert login(client, committee["chair"]).status_code == 302
    html = client.get(f"/cases/{case.reference}/findings").get_data(as_text=True)
    assert "Finding 1 ·" in html and "Finding 2 ·" in html
    assert f"Finding {made[0].id} ·" not in html
    assert '<tr data-decision="1">' in html
    document = client.get(f"/cases/{case.reference}/decisions/{decision.id}/document")
    text = document.get_data(as_text=True)  # printed in the case's language (kk)
    assert '<span class="decision-number">№ 1</span>' in text
    assert "№ 1 қорытынды:" in text and "№ 2 қорытынды:" in text
