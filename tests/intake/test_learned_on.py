"""When the complainant learned of the facts (issue 19 point 5): an optional date on the web
form and the API, the day of the events when left empty; the filing check at screening
counts the filing limit from it in the election's legal days."""

from datetime import date, datetime

from sqlalchemy import select

from casework.cases.filing import filing_check
from casework.cases.models import Case, CaseState
from casework.cases.transitions import apply
from casework.elections.legal_clock import set_clock
from casework.extensions import db
from casework.intake.models import Complaint
from tests import factories
from tests.api.test_public_api import complaint_json, post_complaint
from tests.intake.helpers import form_data


def filed(client, **fields) -> Complaint:
    response = post_complaint(client, complaint_json(**fields))
    assert response.status_code == 201, response.get_json()
    return db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()


def screening_page_in_russian(app, client, election, login, received_at, **fields):
    """A complaint filed with `fields`, received at `received_at`, in screening: the case and
    its page as the chair reads it in Russian."""
    complaint = filed(client, **fields)
    case = db.session.get(Case, complaint.case_id)
    case.created_at = received_at
    chair = factories.user("chair", election=election)
    apply(case, "start_screening", actor=chair)
    db.session.commit()
    staff = app.test_client()
    login(staff, chair)
    staff.set_cookie("casework_lang", "ru")
    return case, staff.get(f"/cases/{case.reference}").get_data(as_text=True)


def test_the_api_stores_learned_on_or_the_day_of_the_events(client, election):
    assert filed(client, occurred_at="2020-05-14T23:30", learned_on="2020-05-18").learned_on \
        == date(2020, 5, 18)
    # Empty: the local day of the events (23:30 in Almaty).
    assert filed(client, occurred_at="2020-05-14T23:30").learned_on == date(2020, 5, 14)
    assert filed(client).learned_on is None


def test_the_api_refuses_a_bad_learned_on(client, election):
    assert post_complaint(client, complaint_json(learned_on="18.05.2020")).status_code == 422
    before = post_complaint(client, complaint_json(occurred_at="2020-05-14T10:00",
                                                   learned_on="2020-05-13"))
    assert before.status_code == 422
    assert "learned_on" in str(before.get_json())


def test_filing_limit_counted_from_learned_on_in_working_days(client, election):
    """Learned Thursday 14 May, 3 working days: Friday 15, Monday 18, Tuesday 19."""
    set_clock(election, before_voting="working", filing_days=3)
    db.session.commit()
    complaint = filed(client, occurred_at="2020-05-10T10:00", learned_on="2020-05-14")
    case = db.session.get(Case, complaint.case_id)
    case.created_at = datetime(2020, 5, 19, 17)  # Tuesday 23:00 local: in time
    check = filing_check(case)
    assert (check.source, check.day, check.limit, check.in_time) == ("learned", 3, 3, True)
    case.created_at = datetime(2020, 5, 20, 4)  # Wednesday 10:00 local: one day late
    check = filing_check(case)
    assert (check.day, check.in_time, check.late_by) == (4, False, 1)
    # Under the calendar rule the same limit ended on Sunday: three days late.
    set_clock(election, before_voting="calendar")
    assert filing_check(case).late_by == 3


def test_the_case_page_shows_the_filing_check_at_screening(app, client, election, login):
    case, html = screening_page_in_russian(app, client, election, login,
                                           datetime(2020, 5, 20, 4), occurred_at="2020-05-10T10:00",
                                           learned_on="2020-05-14")
    assert 'data-in-time="yes"' in html and "Подана на 6-й день из 7" in html
    assert "Когда заявитель узнал об этом" in html
    # Screening may send the case back for cure, with the question to the complainant.
    assert "action-request_cure" in html and 'name="request_cure-question"' in html
    assert "Вернуть для устранения недостатка" in html
    assert case.state is CaseState.SCREENING


def test_the_web_form_takes_learned_on(client, election):
    data = form_data(client, occurred_on="2020-05-14", learned_on="2020-05-16",
                     confirm_no_evidence="y")
    response = client.post("/complaints/new", data=data, content_type="multipart/form-data")
    assert response.status_code in (200, 302, 303)
    complaint = db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
    assert complaint is not None and complaint.learned_on == date(2020, 5, 16)
    # Before the events: refused on the field, in the page's language.
    data = form_data(client, occurred_on="2020-05-14", learned_on="2020-05-13",
                     confirm_no_evidence="y")
    html = client.post("/complaints/new", data=data, content_type="multipart/form-data",
                       headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Нельзя узнать о событии раньше, чем оно произошло." in html


def test_a_complaint_filed_the_day_it_was_learned_of_reads_so(app, client, election, login):
    # Received at 18:00 local, the same day.
    _case, html = screening_page_in_russian(app, client, election, login,
                                            datetime(2020, 5, 14, 12),
                                            occurred_at="2020-05-14T10:00", learned_on="2020-05-14")
    assert "Подана в тот же день; срок — 7 дней" in html and "день 0" not in html
