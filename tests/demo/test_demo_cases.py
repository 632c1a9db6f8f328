"""`flask demo cases`: three days of demo casework made through the real services."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from casework.cases.models import Case, CaseState
from casework.core import audit
from casework.core.db import utcnow
from casework.decisions.models import Decision
from casework.demo.seed import seed
from casework.elections.models import Region
from casework.elections.standings import standings
from casework.extensions import db
from casework.hotline.models import Call, CallPurpose
from casework.intake.models import Channel, Complaint
from casework.notifications.models import OutboxMessage
from casework.reports.models import ReportFigure
from casework.sanctions.models import Sanction, SanctionStatus, SanctionType
from tests.plugin.data import count

SUMMARY = re.compile(r"demo cases: (\d+) complaints, (\d+) decisions, (\d+) sanctions, "
                     r"(\d+) calls")


def test_demo_cases_fill_the_demo_once(app, evidence_dir):
    seed()
    db.session.commit()
    karaganda = db.session.scalar(select(Region).where(Region.code == "KZ-KAR"))
    before = standings(karaganda)
    started = utcnow()

    result = app.test_cli_runner().invoke(args=["demo", "cases", "--count", "60"])

    assert result.exit_code == 0, result.output
    figures = [int(n) for n in SUMMARY.fullmatch(result.output.strip()).groups()]
    assert figures == [count(Complaint), count(Decision), count(Sanction), count(Call)]
    assert figures[0] == 60 and figures[1] >= 4 and figures[2] == 3 and figures[3] >= 25

    # A queue with cases at every stage, spread over three days, none in the future.
    states = set(db.session.scalars(select(Case.state).distinct()))
    assert {CaseState.RECEIVED, CaseState.SCREENING, CaseState.INADMISSIBLE,
            CaseState.INVESTIGATION, CaseState.INFO_REQUESTED, CaseState.FINDINGS_READY,
            CaseState.DECIDED} <= states
    first, last = db.session.execute(select(func.min(Case.created_at),
                                            func.max(Case.created_at))).one()
    assert last - first > timedelta(hours=36) and first > started - timedelta(hours=73)
    assert last <= utcnow()
    channels = set(db.session.scalars(select(Complaint.channel).distinct()))
    assert channels == {Channel.WEB, Channel.HOTLINE, Channel.EMAIL, Channel.SOCIAL_MEDIA}
    # Phone numbers or anonymous, never an email address: no mail for a complainant waits in
    # the outbox (the members told of their assignments are demo staff).
    assert count(Complaint, Complaint.email.is_not(None)) == 0
    assert count(Complaint, Complaint.phone.is_not(None)) > 0
    assert count(OutboxMessage, OutboxMessage.template != "staff/notification") == 0
    assert {CallPurpose.COMPLAINT, CallPurpose.VOTING_QUESTION} <= set(
        db.session.scalars(select(Call.purpose).distinct()))

    # Decisions on Karaganda cases (the reviewer's region), each outcome at least once.
    decided = list(db.session.scalars(select(Decision)))
    assert {decision.case.reference.split("-")[1] for decision in decided} == {"KAR"}
    assert {d.outcome.value for d in decided} == {"confirmed", "partly_confirmed",
                                                  "not_confirmed"}

    # A warning and an annulment enforced, a removal waiting for the chair.
    sanctions = {s.kind: s for s in db.session.scalars(select(Sanction))}
    assert sanctions[SanctionType.WARNING].status is SanctionStatus.ENFORCED
    assert sanctions[SanctionType.VOTE_ANNULMENT].status is SanctionStatus.ENFORCED
    waiting = sanctions[SanctionType.CANDIDATE_DISQUALIFICATION]
    assert waiting.status is SanctionStatus.PROPOSED and waiting.reviewed_by_id is None
    annulled = len(sanctions[SanctionType.VOTE_ANNULMENT].stations)
    assert annulled == 1
    after = standings(karaganda)
    assert sum(row.annulled_votes for row in before.rows) == 0
    assert sum(row.annulled_votes for row in after.rows) > 0
    assert after.total_votes < before.total_votes

    # The dashboard's rollup is fresh, the audit chain whole.
    hours = db.session.scalar(select(func.count(ReportFigure.key.distinct())).where(
        ReportFigure.metric == "created_hour"))
    assert hours > 10
    assert audit.verify().ok

    totals = [count(model) for model in (Case, Complaint, Call, Decision, Sanction)]
    entries = count(audit.AuditEntry)
    again = app.test_cli_runner().invoke(args=["demo", "cases", "--count", "60"])
    assert again.exit_code == 0 and again.output.strip() == "demo cases: already there"
    assert totals == [count(model) for model in (Case, Complaint, Call, Decision, Sanction)]
    assert count(audit.AuditEntry) == entries


def test_demo_cases_need_the_demo_primary(app):
    result = app.test_cli_runner().invoke(args=["demo", "cases", "--count", "20"])
    assert result.exit_code == 1 and "demo seed" in result.output
