"""Hotline services: numbers, calls, complaints and follow-ups for callers, the code read aloud,
each operator's day and the call log."""

import io
import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from casework.cases.models import Case, CaseMessage, CaseState, MessageAuthor, PublicStatus
from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.hotline import services
from casework.hotline.models import Call, CallPurpose
from casework.hotline.services import LogFilters
from casework.intake import tracking
from casework.intake.models import Channel, Complaint
from casework.intake.services import Upload, public_messages
from tests.plugin.data import PDF, count, png_bytes
from tests.plugin.queries import counted_queries

NUMBER = "+77011234567"


def new_call(operator, number="8 701 123 45 67", language="ru", now=None) -> Call:
    call = services.start_call(operator, number=number, language=language, now=now)
    db.session.commit()
    return call


def complaint_call(operator, make_draft, *, number="8 701 123 45 67", finish=True, **draft):
    """A call during which a complaint is recorded; finished unless told otherwise."""
    call = new_call(operator, number)
    submission = services.record_complaint(call, operator, make_draft(**draft), [])
    if finish:
        services.finish_call(call, operator, purpose="complaint", note="")
    db.session.commit()
    return call, submission


# --- numbers -----------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["8 701 123 45 67", "+7 (701) 123-45-67", "87011234567",
                                   "8 701 123 4567", "701 123 45 67", " +77011234567 "])
def test_numbers_are_normalized_to_e164_with_kazakhstan_as_default(typed):
    assert services.normalize_number(typed) == NUMBER


def test_a_city_number_and_a_foreign_number_are_kept_in_e164():
    assert services.normalize_number("8 (7212) 41-23-45") == "+77212412345"
    assert services.normalize_number("+1 202 555 0143") == "+12025550143"


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_an_empty_number_means_withheld(typed):
    assert services.normalize_number(typed) is None


@pytest.mark.parametrize("typed", ["123", "abc", "+7 701 12", "8 701 123 45 67 89 00"])
def test_an_invalid_number_is_refused_with_a_message(typed):
    with pytest.raises(Refusal) as refused:
        services.normalize_number(typed)
    assert "not a valid phone number" in str(refused.value.errors["number"])


def test_numbers_are_shown_for_reading():
    assert services.display_number(NUMBER) == "+7 701 123 4567"
    assert services.display_number(None) == ""


# --- calls -------------------------------------------------------------------------------

def test_a_question_is_logged_without_a_complaint(operator):
    start = utcnow() - timedelta(seconds=40)
    call = new_call(operator, "8 701 123 45 67", "kk", now=start)
    assert call.caller_number == NUMBER and call.ended_at is None
    assert services.open_call(operator) == call
    services.finish_call(call, operator, purpose="voting_question",
                         note="Сайлау учаскесінің мекенжайын сұрады",
                         ended_at=start + timedelta(seconds=35))
    db.session.commit()
    assert call.purpose is CallPurpose.VOTING_QUESTION and call.handling_seconds == 35
    assert call.note == "Сайлау учаскесінің мекенжайын сұрады"
    assert call.case_id is None and call.complaint_id is None
    assert count(Complaint) == 0 and count(Case) == 0 and services.open_call(operator) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "hotline.call_logged"))
    assert entry.object_type == "call" and entry.object_id == str(call.id)
    assert entry.actor_id == operator.id and entry.details["purpose"] == "voting_question"
    written = json.dumps(entry.details, ensure_ascii=False)
    assert "мекенжай" not in written and "701" not in written and NUMBER not in written


def test_a_withheld_number_is_a_call_without_a_number(operator):
    call = new_call(operator, "", "en")
    assert call.caller_number is None and call.language == "en"


def test_starting_a_call_checks_language_number_and_the_open_call(operator):
    with pytest.raises(Refusal) as refused:
        services.start_call(operator, number="", language="de")
    assert "language" in refused.value.errors
    with pytest.raises(Refusal):
        services.start_call(operator, number="12", language="kk")
    new_call(operator)
    with pytest.raises(Refusal) as refused:
        services.start_call(operator, number="", language="kk")
    assert "Finish the current call" in str(refused.value.errors["call"])
    db.session.rollback()
    assert count(Call) == 1


def test_only_the_calls_operator_finishes_it_once_with_a_purpose(operator, make_user):
    call = new_call(operator)
    other = make_user("operator", email="second@test.kz")
    with pytest.raises(Refusal):
        services.finish_call(call, other, purpose="other", note="")
    with pytest.raises(Refusal) as refused:
        services.finish_call(call, operator, purpose="", note="")
    assert "purpose" in refused.value.errors
    with pytest.raises(Refusal):
        services.finish_call(call, operator, purpose="gossip", note="")
    with pytest.raises(Refusal) as refused:
        services.finish_call(call, operator, purpose="other", note="x" * 1001)
    assert "note" in refused.value.errors
    services.finish_call(call, operator, purpose="evoting_problem", note="  cannot log in  ")
    assert call.note == "cannot log in"
    with pytest.raises(Refusal):
        services.finish_call(call, operator, purpose="other", note="")


# --- complaints --------------------------------------------------------------------------

def test_a_complaint_is_recorded_for_the_caller_by_the_operator(operator, make_draft):
    call, submission = complaint_call(operator, make_draft, finish=False)
    complaint = submission.complaint
    assert complaint.channel is Channel.HOTLINE and complaint.recorded_by_id == operator.id
    assert not complaint.anonymous and complaint.name == "Асқар Сейітов"
    assert complaint.phone == NUMBER  # the number called from
    assert complaint.language == "ru"  # the caller's language, not the operator's page
    assert call.case_id == submission.case.id and call.complaint_id == complaint.id
    assert call.purpose is CallPurpose.COMPLAINT and call.caller_number == NUMBER
    assert tracking.is_valid(submission.tracking_code)
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "complaint.received")).actor_id == operator.id
    services.finish_call(call, operator, purpose="complaint", note="")
    assert call.handling_seconds is not None


def test_a_phone_the_caller_dictates_is_normalized_and_used(operator, make_draft):
    _call, submission = complaint_call(operator, make_draft, phone="8 777 765 43 21")
    assert submission.complaint.phone == "+77777654321"
    call = new_call(operator, "")
    with pytest.raises(Refusal) as refused:
        services.record_complaint(call, operator, make_draft(phone="12"), [])
    assert "phone" in refused.value.errors


def test_anonymous_at_the_callers_wish_keeps_no_number(operator, make_draft):
    call, submission = complaint_call(operator, make_draft, anonymous=True, name="Ignored",
                                      phone="8 701 123 45 67")
    complaint = submission.complaint
    assert complaint.anonymous and complaint.phone is None and complaint.name is None
    assert call.caller_number is None  # not even on the call record
    assert call.complaint_id == complaint.id
    assert services.find_cases("8 701 123 45 67", operator) == []


def test_files_the_caller_sent_are_attached(operator, make_draft):
    call = new_call(operator)
    photo = png_bytes()
    uploads = [Upload(io.BytesIO(photo), "whatsapp-фото.png"), Upload(io.BytesIO(PDF), "акт.pdf")]
    submission = services.record_complaint(call, operator, make_draft(), uploads)
    db.session.commit()
    items = db.session.scalars(select(EvidenceItem).order_by(EvidenceItem.id)).all()
    assert [i.label for i in items] == ["whatsapp-фото.png", "акт.pdf"]
    assert {(i.complaint_id, i.source, i.added_by_id) for i in items} == {
        (submission.complaint.id, "hotline", operator.id)}
    assert submission.case.has_evidence


def test_one_complaint_per_call_and_a_resent_form_is_the_same_one(operator, make_draft):
    call = new_call(operator)
    draft = make_draft()
    first = services.record_complaint(call, operator, draft, [])
    db.session.commit()
    again = services.record_complaint(call, operator, make_draft(submission_key=draft.submission_key),
                                      [])
    assert again.replayed and again.complaint.id == first.complaint.id
    with pytest.raises(Refusal):
        services.record_complaint(call, operator, make_draft(), [])
    db.session.rollback()
    assert count(Complaint) == 1


def test_a_finished_call_or_someone_elses_call_takes_no_complaint(operator, make_user, make_draft):
    call = new_call(operator)
    other = make_user("operator", email="second@test.kz")
    with pytest.raises(Refusal):
        services.record_complaint(call, other, make_draft(), [])
    services.finish_call(call, operator, purpose="other", note="")
    with pytest.raises(Refusal):
        services.record_complaint(call, operator, make_draft(), [])


# --- follow-ups --------------------------------------------------------------------------

def test_follow_up_finds_the_case_by_code_reference_or_number(operator, make_draft):
    first, submission = complaint_call(operator, make_draft)
    case, complaint = submission.case, submission.complaint

    by_code = services.find_cases(tracking.grouped(submission.tracking_code).lower(), operator)
    assert [(m.case_id, m.complaint_id, m.found_by) for m in by_code] == [
        (case.id, complaint.id, "code")]
    by_reference = services.find_cases(" " + case.reference.lower() + " ", operator)
    assert [(m.reference, m.complaint_id, m.found_by) for m in by_reference] == [
        (case.reference, None, "reference")]  # a reference does not prove who calls
    for typed in ("+7 (701) 123-45-67", "87011234567", "8 701 123 4567"):
        by_number = services.find_cases(typed, operator)
        assert [(m.case_id, m.complaint_id, m.found_by) for m in by_number] == [
            (case.id, complaint.id, "number")], typed
    match = by_number[0]
    assert match.public_status is PublicStatus.RECEIVED and match.reference == case.reference
    assert not hasattr(match, "state") and not hasattr(match, "narrative")
    case.state = CaseState.INVESTIGATION
    db.session.commit()
    assert services.find_cases(case.reference, operator)[0].public_status is PublicStatus.UNDER_REVIEW
    for nothing in ("", "hello", "8 702 000 00 00", "DEMO2020-KAR-99999",
                    "0000-0000-0000-0000-0000"):
        assert services.find_cases(nothing, operator) == []


def test_a_number_matches_a_complaint_given_online_in_e164(operator, make_draft):
    from casework.intake.services import submit_complaint

    online = submit_complaint(make_draft(phone=NUMBER), [], channel=Channel.WEB)
    db.session.commit()
    found = services.find_cases("8 701 123 45 67", operator)
    assert [(m.case_id, m.complaint_id) for m in found] == [(online.case.id, online.complaint.id)]


def test_follow_up_adds_the_callers_message_and_the_call_to_the_case(operator, make_draft):
    first, submission = complaint_call(operator, make_draft)
    second = new_call(operator, "8 701 123 4567")
    match = services.find_cases(second.caller_number, operator)[0]
    complaint = db.session.get(Complaint, match.complaint_id)
    message = services.log_follow_up(second, operator, submission.case,
                                     "  The man came back today with more money.  ",
                                     complaint=complaint)
    db.session.commit()
    assert message.author is MessageAuthor.COMPLAINANT and message.channel == "hotline"
    assert message.body == "The man came back today with more money."
    assert message.case_id == submission.case.id and message.complaint_id == complaint.id
    assert message.author_user_id == operator.id
    assert second.case_id == submission.case.id and second.purpose is CallPurpose.FOLLOW_UP
    assert second.complaint_id is None  # no new complaint: the day figures stay right
    assert message in public_messages(complaint)  # the caller sees it online as their own
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "hotline.follow_up"))
    assert entry.object_id == submission.case.reference and entry.details["call_id"] == second.id
    services.finish_call(second, operator, purpose="follow_up", note="")
    assert count(CaseMessage) == 1


def test_follow_up_by_reference_is_tied_to_no_complaint_and_a_status_call_adds_no_message(
        operator, make_draft):
    _first, submission = complaint_call(operator, make_draft)
    call = new_call(operator, "")
    match = services.find_cases(submission.case.reference, operator)[0]
    message = services.log_follow_up(call, operator, db.session.get(Case, match.case_id), "Asked "
                                     "whether the case is still open.")
    assert message.complaint_id is None and message not in public_messages(submission.complaint)
    db.session.commit()
    services.finish_call(call, operator, purpose="follow_up", note="")
    call = new_call(operator, "")
    assert services.log_follow_up(call, operator, submission.case, "   ") is None
    assert call.case_id == submission.case.id and count(CaseMessage) == 1


def test_follow_up_refuses_a_second_case_a_foreign_complaint_and_a_long_message(
        operator, make_draft):
    _a, one = complaint_call(operator, make_draft)
    _b, two = complaint_call(operator, make_draft, number="8 777 111 22 33")
    call = new_call(operator)
    with pytest.raises(Refusal):
        services.log_follow_up(call, operator, one.case, "x", complaint=two.complaint)
    with pytest.raises(Refusal):
        services.log_follow_up(call, operator, one.case, "x" * 10001)
    services.log_follow_up(call, operator, one.case, "first")
    with pytest.raises(Refusal):
        services.log_follow_up(call, operator, two.case, "second")


def test_a_follow_up_about_an_anonymous_complaint_drops_the_number(operator, make_draft):
    _first, submission = complaint_call(operator, make_draft, anonymous=True)
    call = new_call(operator)
    match = services.find_cases(submission.tracking_code, operator)[0]
    services.log_follow_up(call, operator, submission.case, "More facts",
                           complaint=db.session.get(Complaint, match.complaint_id))
    assert call.caller_number is None


# --- the code read aloud -----------------------------------------------------------------

def sample_code() -> str:
    payload = "0123456789ABCDEFGHJ"
    return payload + tracking.check_symbol(payload)


@pytest.mark.parametrize("language, digits, letters", [
    ("kk", ["нөл", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз"],
     {"A": "а", "S": "эс", "K": "ка", "M": "эм"}),
    ("ru", ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"],
     {"A": "а", "S": "эс", "K": "ка", "M": "эм"}),
    ("en", ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
     {"A": "Alfa", "S": "Sierra", "K": "Kilo", "M": "Mike", "X": "X-ray"}),
])
def test_the_code_is_spoken_character_by_character(language, digits, letters):
    code = sample_code()
    spoken = services.spoken_code(code, language)
    assert "".join(char for char, _word in spoken) == tracking.grouped(code)
    assert [word for char, word in spoken if char == "-"] == ["—"] * 4
    assert [word for char, word in spoken[:4] + spoken[5:9] + spoken[10:12]] == digits
    for char in tracking.ALPHABET:
        if char.isalpha():
            assert services.LETTERS[language][char]
    for char, word in letters.items():
        assert services.LETTERS[language][char] == word
    # Careless input (lowercase, no dashes) reads the same.
    assert services.spoken_code(code.lower(), language) == spoken


def test_an_unknown_language_reads_in_kazakh():
    assert services.spoken_code(sample_code(), "de") == services.spoken_code(sample_code(), "kk")


# --- figures and the log -----------------------------------------------------------------

def test_an_operators_day_counts_calls_complaints_and_average_handling(operator, make_user,
                                                                       make_draft):
    # 2020-05-26 in Almaty (UTC+5) runs from 2020-05-25 19:00 to 2020-05-26 19:00 UTC.
    day = date(2020, 5, 26)
    first = new_call(operator, now=datetime(2020, 5, 25, 19, 30))
    services.record_complaint(first, operator, make_draft(), [])
    services.finish_call(first, operator, purpose="complaint", note="",
                         ended_at=datetime(2020, 5, 25, 19, 31))  # 60 s
    second = new_call(operator, now=datetime(2020, 5, 26, 10, 0))
    services.finish_call(second, operator, purpose="voting_question", note="",
                         ended_at=datetime(2020, 5, 26, 10, 2))  # 120 s
    late = new_call(operator, now=datetime(2020, 5, 26, 19, 0))  # the next local day
    services.finish_call(late, operator, purpose="other", note="",
                         ended_at=datetime(2020, 5, 26, 19, 10))
    colleague = make_user("operator", email="second@test.kz")
    theirs = new_call(colleague, now=datetime(2020, 5, 26, 9, 0))
    services.finish_call(theirs, colleague, purpose="other", note="",
                         ended_at=datetime(2020, 5, 26, 9, 0, 30))
    in_progress = new_call(colleague, now=datetime(2020, 5, 26, 11, 0))
    db.session.commit()

    assert services.operator_day(operator, day, "Asia/Almaty") == {
        "calls": 2, "complaints": 1, "avg_handling_seconds": 90}
    assert services.operator_day(colleague, day, "Asia/Almaty") == {
        "calls": 2, "complaints": 0, "avg_handling_seconds": 30}  # the open call has no time
    assert services.operator_day(operator, date(2020, 5, 27), "Asia/Almaty")["calls"] == 1
    assert services.operator_day(operator, date(2020, 6, 1), "Asia/Almaty") == {
        "calls": 0, "complaints": 0, "avg_handling_seconds": None}
    everyone = services.operators_day(day, "Asia/Almaty")
    assert {f["operator"].id: (f["calls"], f["complaints"], f["avg_handling_seconds"])
            for f in everyone} == {operator.id: (2, 1, 90), colleague.id: (2, 0, 30)}
    assert in_progress.ended_at is None


def test_the_call_log_filters_and_pages_without_a_query_per_row(operator, make_user, make_draft):
    colleague = make_user("operator", email="second@test.kz")
    base = datetime(2020, 5, 26, 5, 0)
    calls = []
    for index in range(6):
        who = operator if index % 2 == 0 else colleague
        call = new_call(who, "8 701 123 45 67" if index < 3 else "8 777 000 11 22",
                        now=base + timedelta(minutes=index))
        purpose = "voting_question" if index % 3 else "evoting_problem"
        services.finish_call(call, who, purpose=purpose, note=f"call {index}",
                             ended_at=base + timedelta(minutes=index, seconds=30))
        calls.append(call)
    earlier = new_call(operator, now=datetime(2020, 5, 20, 5, 0))
    services.finish_call(earlier, operator, purpose="other", note="", ended_at=datetime(2020, 5, 20, 5, 1))
    db.session.commit()
    ids = [c.id for c in calls]

    def log(**kwargs):
        return [c.id for c in services.call_log(LogFilters(tz="Asia/Almaty", **kwargs))]

    assert log() == [*reversed(ids), earlier.id]
    assert log(day=date(2020, 5, 26)) == list(reversed(ids))
    assert log(day=date(2020, 5, 20)) == [earlier.id]
    assert log(operator_id=colleague.id) == [ids[5], ids[3], ids[1]]
    assert log(purpose=CallPurpose.EVOTING_PROBLEM) == [ids[3], ids[0]]
    assert log(number="+77770001122") == [ids[5], ids[4], ids[3]]
    assert log(number="+77011234567", operator_id=operator.id) == [ids[2], ids[0], earlier.id]

    # Keyset pages of two: limit + 1 rows tell whether there is more.
    page = log(limit=2)
    assert page == [ids[5], ids[4], ids[3]]
    assert log(limit=2, before_id=ids[4]) == [ids[3], ids[2], ids[1]]
    assert log(limit=2, before_id=ids[0]) == [earlier.id]

    # Same started_at: the id breaks the tie.
    twin = new_call(operator, now=base + timedelta(minutes=5))
    assert log(day=date(2020, 5, 26), limit=2) == [twin.id, ids[5], ids[4]]
    assert log(day=date(2020, 5, 26), limit=2, before_id=twin.id) == [ids[5], ids[4], ids[3]]

    db.session.expunge_all()
    with counted_queries() as statements:
        rows = services.call_log(LogFilters(tz="Asia/Almaty"))
        names = {c.operator.full_name for c in rows} | {c.case.reference for c in rows if c.case}
    assert len(statements) == 1 and names >= {"Test operator"}


def test_a_follow_up_call_tells_the_cases_assignee(operator, make_draft, make_user):
    from casework.notifications.inbox_models import NotificationKind, StaffNotification

    _, submission = complaint_call(operator, make_draft)
    member = make_user("reviewer")
    submission.case.assignee_id = member.id
    db.session.commit()
    call = new_call(operator)
    services.log_follow_up(call, operator, submission.case, "He came back with more money.")
    db.session.commit()
    [notice] = db.session.scalars(select(StaffNotification))
    assert (notice.recipient_id, notice.kind) == (member.id, NotificationKind.COMPLAINANT_REPLIED)
