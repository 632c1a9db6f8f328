"""Retention on back-dated cases: what is final loses its personal data (and, per policy,
its evidence files), what is open or under appeal keeps everything; the register, the
statistics and the audit chain stay as they were; the run is counted, never described."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.cases.models import CaseState
from casework.core.audit import AuditEntry
from casework.core.audit_checkpoints import verify_chain
from casework.core.db import utcnow
from casework.decisions.models import Finding
from casework.evidence.models import EvidenceItem, FactsStatus, ImageHash, PhotoFacts
from casework.evidence.storage import get_storage
from casework.extensions import db
from casework.hotline.models import Call
from casework.intake.models import Complaint
from casework.mailin.models import InboundMail
from casework.notifications.models import OutboxMessage, OutboxStatus
from casework.reports.cache import page_cache
from casework.reports.rollups import refresh
from casework.retention import jobs
from casework.retention.cli import retention_cli
from casework.sanctions.appeals import record_appeal
from casework.sanctions.services import approve_sanction, propose_sanction
from tests import factories
from tests.retention.world import LONG_AGO, MARKER, back_date, personal_data


def enforce(case, committee, at):
    sanction = propose_sanction(
        case, committee["secretary"], kind="warning", candidate_id=case.accused[0].id,
        finding_ids=list(db.session.scalars(select(Finding.id).where(Finding.case_id == case.id))),
        summary="Vote buying at BAL-001 confirmed by video and witnesses.")
    approve_sanction(sanction, committee["chair"], now=at)
    db.session.commit()
    return sanction


@pytest.fixture
def world(evidence_dir, election, committee, decided_case, make_case):
    """decided: decided 400 days ago, its sanction enforced then, never appealed; closed:
    closed 400 days ago; open: under investigation since 400 days; appealed: the sanction of
    a case decided 400 days ago has an appeal waiting; reopened: the case itself is under
    appeal. Each with a named complainant, a call, a mail, outbox mail and two photos."""
    operator = factories.user("operator", election=election, email="operator@test.kz")
    long_ago = utcnow() - LONG_AGO
    decided = decided_case("confirmed")
    sanction = enforce(decided, committee, long_ago + timedelta(hours=1))
    appealed = decided_case("confirmed", accused="C02")
    appealed_sanction = enforce(appealed, committee, utcnow() - timedelta(hours=1))
    record_appeal(appealed_sanction, committee["secretary"], filed_at=utcnow(),
                  grounds="The video was made on another day.")
    appealed_sanction.enforced_at = long_ago + timedelta(hours=1)
    db.session.commit()
    closed = make_case(CaseState.CLOSED, evidence=0)
    opened = make_case(CaseState.INVESTIGATION, evidence=0)
    reopened = make_case(CaseState.APPEALED, evidence=0)
    cases = {"decided": decided, "closed": closed, "open": opened, "appealed": appealed,
             "reopened": reopened}
    held = {name: personal_data(case, operator, name) for name, case in cases.items()}
    for case in cases.values():
        back_date(case, long_ago)
    return cases, held, sanction


def public_figures(client, election):
    refresh(election)
    db.session.commit()
    page_cache().clear()
    register = client.get("/decisions.json")
    statistics = client.get("/statistics.json")
    assert register.status_code == 200 and statistics.status_code == 200
    figures = statistics.get_json()
    figures.pop("generated_at", None)
    figures.pop("refreshed_at", None)
    figures.pop("as_of", None)  # when the rollup was made: the rest must not move
    return register.get_json(), figures


def erased_entries():
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action.like("retention.%")).order_by(AuditEntry.id)))


def test_a_run_erases_final_cases_and_keeps_the_proof(app, client, world, election):
    cases, held, sanction = world
    register_before, statistics_before = public_figures(client, election)
    assert register_before["items"] and MARKER not in json.dumps(register_before)
    for data in held.values():  # where each photo was taken, as the worker read it
        db.session.merge(PhotoFacts(evidence_item_id=data.photo.id, status=FactsStatus.READY,
                                    latitude=46.84, longitude=74.98, make="Phone"))
        db.session.merge(ImageHash(evidence_item_id=data.photo.id, frame=0, phash=-5))
    db.session.commit()
    runner = app.test_cli_runner()

    report = runner.invoke(retention_cli, ["report"])
    assert report.exit_code == 0, report.output
    assert ("election T2020: personal data erased 365 days after a case is final; "
            "evidence files kept") in report.output
    assert ("due now: personal data of 2 cases (complaints=2 calls=2 mails=2 outbox=4)"
            in report.output)
    assert "not final yet (an appeal or a sanction open): 1 cases" in report.output
    assert MARKER.lower() not in report.output.lower()

    result = runner.invoke(retention_cli, ["run"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("retention: 2 cases erased (")
    db.session.expire_all()

    for name in ("decided", "closed"):
        case, data = cases[name], held[name]
        assert case.personal_data_erased_at is not None
        complaint = db.session.get(Complaint, data.complaint.id)
        assert (complaint.name, complaint.phone, complaint.email, complaint.witnesses) == (
            None, None, None, None)
        assert complaint.narrative and complaint.anonymous is False  # the facts stay
        call = db.session.get(Call, data.call.id)
        assert call.caller_number is None and call.note == ""
        mail = db.session.get(InboundMail, data.mail.id)
        assert mail.sender == "" and mail.raw_sha256 == data.raw_item.sha256
        for message in (data.sent, data.waiting):
            message = db.session.get(OutboxMessage, message.id)
            assert message.recipient == "" and message.body_text == ""
        assert db.session.get(OutboxMessage, data.waiting.id).status is OutboxStatus.FAILED
        # The raw message (its headers hold the addresses) goes; a tombstone stays.
        raw = db.session.get(EvidenceItem, data.raw_item.id)
        assert raw.erased_at is not None
        assert (raw.sha256, raw.size, raw.content_type) == (
            data.raw_item.sha256, data.raw_item.size, "message/rfc822")
        assert not get_storage().exists(raw.sha256)
        # Evidence files are kept by default; where and with what a photo was taken goes.
        assert db.session.get(EvidenceItem, data.photo.id).erased_at is None
        assert db.session.get(PhotoFacts, data.photo.id) is None
        assert db.session.get(ImageHash, (data.photo.id, 0)) is None  # matches nothing new
        assert get_storage().exists(data.photo.sha256)

    for name in ("open", "appealed", "reopened"):
        case, data = cases[name], held[name]
        assert case.personal_data_erased_at is None
        complaint = db.session.get(Complaint, data.complaint.id)
        assert MARKER in complaint.name and complaint.phone == "+77015550199"
        assert db.session.get(Call, data.call.id).caller_number == "+77015550199"
        assert db.session.get(PhotoFacts, data.photo.id) is not None
        assert db.session.get(ImageHash, (data.photo.id, 0)) is not None
        assert db.session.get(InboundMail, data.mail.id).sender.startswith(MARKER.lower())
        assert db.session.get(OutboxMessage, data.waiting.id).status is OutboxStatus.PENDING
        assert get_storage().exists(data.raw_item.sha256)

    # The public register and statistics are what they were; the chain still verifies.
    assert public_figures(client, election) == (register_before, statistics_before)
    assert verify_chain().ok
    # Audited by counts, never by content.
    entries = erased_entries()
    erased = [e for e in entries if e.action == "retention.erased"]
    assert sorted(e.object_id for e in erased) == sorted(
        [cases["decided"].reference, cases["closed"].reference])
    for entry in erased:
        assert all(isinstance(value, int) for value in entry.details.values())
        assert entry.details["complaints"] == 1 and entry.details["calls"] == 1
        assert entry.details["raw_messages"] == 1 and entry.details["outbox"] == 2
    assert entries[-1].action == "retention.run" and entries[-1].details["cases"] == 2
    assert MARKER.lower() not in json.dumps([e.details for e in entries]).lower()
    # The search index forgot the names too.
    from casework.cases.models import CaseSearchDocument
    document = db.session.get(CaseSearchDocument, cases["closed"].id)
    assert document is None or MARKER.lower() not in (document.contacts or "").lower()

    # Idempotent: a second run finds nothing more and changes nothing.
    count = len(entries)
    again = runner.invoke(retention_cli, ["run"])
    assert again.output.strip() == "retention: 0 cases erased"
    assert [e.action for e in erased_entries()[count:]] == ["retention.run"]
    assert verify_chain().ok


def test_evidence_erased_by_policy_with_tombstones(app, client, login, world, election,
                                                  committee):
    cases, held, _sanction = world
    runner = app.test_cli_runner()
    result = runner.invoke(retention_cli, ["set", "T2020", "--evidence", "erase",
                                           "--evidence-days", "30"])
    assert result.exit_code == 0, result.output
    assert "evidence files erased 30 days after" in result.output
    report = runner.invoke(retention_cli, ["report"])
    files = len(db.session.scalars(select(EvidenceItem.id).where(EvidenceItem.case_id.in_(
        [cases["decided"].id, cases["closed"].id]))).all())
    assert f"due now: evidence of 2 cases (files={files})" in report.output
    assert runner.invoke(retention_cli, ["run"]).exit_code == 0
    db.session.expire_all()
    decided, data = cases["decided"], held["decided"]
    for item_id in (data.photo.id, data.shared.id, data.raw_item.id):
        item = db.session.get(EvidenceItem, item_id)
        assert item.erased_at is not None and len(item.sha256) == 64 and item.size > 0
    assert not get_storage().exists(data.photo.sha256)
    # The same bytes are still evidence on the open case: the object stays.
    assert get_storage().exists(data.shared.sha256)
    assert db.session.get(EvidenceItem, held["open"].shared.id).erased_at is None
    # Findings still cite the (tombstoned) evidence they rest on.
    assert db.session.scalars(select(Finding).where(Finding.case_id == decided.id)).all()
    assert verify_chain().ok

    login(client, committee["chair"])
    page = client.get(f"/cases/{decided.reference}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Personal data erased on" in text and "(retention)" in text
    assert "File erased on" in text
    assert MARKER not in text
    gone = client.get(f"/cases/{decided.reference}/evidence/{data.photo.id}")
    assert gone.status_code == 410
    assert "erased on" in gone.get_data(as_text=True)
    client.set_cookie("casework_lang", "ru")
    assert "Персональные данные удалены" in client.get(
        f"/cases/{decided.reference}").get_data(as_text=True)
    client.set_cookie("casework_lang", "en")
    raw = client.get(f"/staff/mail/{data.mail.id}/raw")
    assert raw.status_code == 410 and "erased on" in raw.get_data(as_text=True)
    mail_page = client.get(f"/staff/mail/{data.mail.id}")
    assert mail_page.status_code == 200 and MARKER not in mail_page.get_data(as_text=True)
    kept = client.get(f"/cases/{cases['open'].reference}/evidence/{held['open'].photo.id}")
    assert kept.status_code == 200
    kept.close()


def test_nothing_goes_before_its_days(app, world, election):
    cases, _held, _sanction = world
    election.retention_days = 500
    db.session.commit()
    report = app.test_cli_runner().invoke(args=["retention", "report"])  # as `flask` sees it
    due = (cases["closed"].state_changed_at + timedelta(days=500)).date().isoformat()
    assert f"{due}: personal data of 1 cases" in report.output
    assert jobs.run().cases == 0
    db.session.expire_all()
    assert cases["closed"].personal_data_erased_at is None


def test_a_decision_still_open_to_appeal_is_not_final(world, election):
    cases, held, _sanction = world
    back_date(cases["closed"], utcnow() - timedelta(days=1), CaseState.INADMISSIBLE)
    election.retention_days = 0
    db.session.commit()
    jobs.run()
    db.session.expire_all()
    assert cases["closed"].personal_data_erased_at is None  # three days to appeal
    assert cases["decided"].personal_data_erased_at is not None
    assert jobs.run(utcnow() + timedelta(days=4)).cases == 1


def test_the_worker_runs_it_once_a_day(world):
    cases, _held, _sanction = world
    jobs._last_check, jobs._pass = 0.0, {}
    first = jobs.erase_personal_data_if_due()
    assert first is not None and first.cases == 2
    assert erased_entries()[-1].action == "retention.run"
    jobs._last_check = 0.0
    assert jobs.erase_personal_data_if_due() is None  # ran today already
    tomorrow = utcnow() + timedelta(days=1, minutes=1)
    jobs._last_check = 0.0
    assert jobs.erase_personal_data_if_due(tomorrow).cases == 0


def test_mail_of_merged_cases_goes_and_mail_being_sent_waits(world, election):
    from tests.retention.world import _outbox

    cases, held, _sanction = world
    closed, decided = cases["closed"], cases["decided"]
    joined = factories.case(election, CaseState.MERGED)
    joined.merged_into_id = closed.id
    acknowledged = _outbox(joined, f"{MARKER.lower()}@example.kz", OutboxStatus.SENT, "ack-m")
    acknowledged.template = "intake/acknowledgment"
    staff = _outbox(decided, "chair@test.kz", OutboxStatus.SENT, "staff-notice")
    staff.template = "staff/notification"
    in_flight = _outbox(decided, f"{MARKER.lower()}@example.kz", OutboxStatus.SENDING, "flight")
    db.session.commit()

    assert jobs.run().cases == 2
    db.session.expire_all()
    assert acknowledged.recipient == "" and acknowledged.body_text == ""
    assert joined.personal_data_erased_at is not None
    assert staff.recipient == "chair@test.kz"  # staff mail names staff, not complainants
    # A worker holds one of the decided case's messages: the case is finished next time.
    assert in_flight.recipient.startswith(MARKER.lower())
    assert decided.personal_data_erased_at is None
    assert db.session.get(Complaint, held["decided"].complaint.id).name is None
    in_flight.status = OutboxStatus.SENT
    db.session.commit()
    assert jobs.run().cases == 1
    db.session.expire_all()
    assert in_flight.recipient == "" and decided.personal_data_erased_at is not None
    assert jobs.run().cases == 0
