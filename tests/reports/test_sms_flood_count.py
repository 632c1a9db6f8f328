"""The dashboard's count of flooded cases (sms/queries.over_limit_cases): the cases of the
election, in the user's regions, with an incoming message over the limit in the last day."""

from datetime import timedelta

from casework.cases.models import CaseState
from casework.core.db import utcnow
from casework.extensions import db
from casework.sms.models import Direction, SmsMessage
from casework.sms.queries import over_limit_cases
from tests import factories


def _message(case, *, over_limit=True, direction=Direction.IN, hours_ago=1):
    db.session.add(SmsMessage(direction=direction, number="+77011234567", body="x",
                              at=utcnow() - timedelta(hours=hours_ago), over_limit=over_limit,
                              case_id=case.id))


def test_flooded_cases_are_counted_once_in_scope_and_within_a_day(election):
    balkhash = factories.case(election, CaseState.RECEIVED, "KZ-KAR-BAL")
    almaty = factories.case(election, CaseState.RECEIVED, "KZ-ALA")
    quiet = factories.case(election, CaseState.RECEIVED, "KZ-KAR-BAL")
    db.session.flush()
    _message(balkhash)
    _message(balkhash)  # one case, however many messages
    _message(almaty)
    _message(quiet, over_limit=False)
    _message(quiet, direction=Direction.OUT)
    _message(quiet, hours_ago=25)
    db.session.commit()
    now = utcnow()
    assert over_limit_cases(election.id, None, now) == 2
    karaganda = {factories.region(election, code).id for code in ("KZ-KAR", "KZ-KAR-BAL")}
    assert over_limit_cases(election.id, karaganda, now) == 1
    assert over_limit_cases(election.id, set(), now) == 0
    other = factories.election_with_regions("T2021")
    assert over_limit_cases(other.id, None, now) == 0
