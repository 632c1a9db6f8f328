"""The antivirus check with a real clamd (tests/plugin/clamd.py): uploads wait for the worker,
a virus quarantines the file and tells the people working the case, clamd away is retried,
a file clamd will not take is failed, never clean."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.cases.models import Case
from casework.core.audit import AuditEntry
from casework.core.db import utcnow
from casework.evidence import scanning
from casework.evidence.models import EvidenceItem, ScanStatus
from casework.evidence.scanning import Clamd
from casework.evidence.services import attach, store_upload
from casework.extensions import db
from casework.notifications.models import OutboxMessage
from casework.worker import PERIODIC, worker_command
from tests.intake.helpers import form_data
from tests.plugin.clamd import EICAR, SIGNATURE, STREAM_MAX
from tests.plugin.data import PDF, files, png_bytes


@pytest.fixture(autouse=True)
def _english(english, election):
    """Page texts are checked in English; the public form files into the test election."""


def upload(client, *items: tuple[str, bytes]) -> list[EvidenceItem]:
    data = form_data(client, narrative="At polling station BAL-001 in Balkhash a man offered "
                                       "voters 5000 tenge to vote; I saw it at 10:30.")
    data["evidence"] = files(*items)
    response = client.post("/complaints/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return list(db.session.scalars(select(EvidenceItem).order_by(EvidenceItem.id)))


def worker_round(now=None) -> dict[str, int]:
    return scanning.scan_pending_evidence(now)


def staff_client(app, login, user):
    client = app.test_client()
    client.set_cookie("casework_lang", "en")
    login(client, user)
    return client


def test_the_worker_scans_between_rounds(app, client, clamd):
    assert scanning.scan_pending_evidence in PERIODIC
    [item] = upload(client, ("photo.png", png_bytes()))
    result = app.test_cli_runner().invoke(worker_command, ["--burst"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(EvidenceItem, item.id).scan_status is ScanStatus.CLEAN


def test_eicar_from_the_public_form_is_quarantined(app, client, login, committee, clamd,
                                                   smtp_server):
    infected = png_bytes() + EICAR  # a real picture the form accepts, with EICAR inside
    [item] = upload(client, ("photo.png", infected))
    assert item.scan_status is ScanStatus.PENDING  # never scanned in the request
    case = db.session.get(Case, item.case_id)
    secretary = staff_client(app, login, committee["secretary"])
    page = secretary.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Waiting for the virus scan" in page and "No virus found" not in page

    assert worker_round() == {"infected": 1}
    db.session.expire_all()
    item = db.session.get(EvidenceItem, item.id)
    assert item.scan_status is ScanStatus.INFECTED and item.scan_detail.startswith(SIGNATURE)
    assert not item.can_download(committee["secretary"])

    response = secretary.get(f"/cases/{case.reference}/evidence/{item.id}")
    assert response.status_code == 410 and SIGNATURE in response.get_data(as_text=True)
    assert infected not in response.get_data()
    page = secretary.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert 'data-scan="infected"' in page and item.scan_detail in page
    assert f'/evidence/{item.id}"' not in page  # no link to a file nobody may have
    assert "Virus found in photo.png" in page  # the timeline says when and why

    outbox = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == "evidence/infected")).all()
    assert [m.recipient for m in outbox] == [committee["secretary"].email]
    assert case.reference in outbox[0].subject and item.scan_detail in outbox[0].body_text
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "evidence.infected" in actions and "evidence.download_refused" in actions
    assert worker_round() == {}  # done once


def test_assignee_is_told_too(app, make_case, committee, clamd, evidence_dir):
    case = make_case(region_code="KZ-KAR-BAL", evidence=0)
    case.assignee_id = committee["r1"].id
    stored = store_upload(io.BytesIO(png_bytes() + EICAR), "x.png", max_file_size=2**20)
    attach(case, stored, source="web")
    db.session.commit()
    assert worker_round() == {"infected": 1}
    recipients = set(db.session.scalars(select(OutboxMessage.recipient)))
    assert recipients == {committee["secretary"].email, committee["r1"].email}


def test_a_clean_file_is_clean(app, client, login, committee, clamd):
    [photo, pdf] = upload(client, ("photo.png", png_bytes()), ("act.pdf", PDF))
    assert worker_round() == {"clean": 2}
    db.session.expire_all()
    assert {i.scan_status for i in db.session.scalars(select(EvidenceItem))} == {ScanStatus.CLEAN}
    case = db.session.get(Case, photo.case_id)
    secretary = staff_client(app, login, committee["secretary"])
    assert "No virus found" in secretary.get(f"/cases/{case.reference}").get_data(as_text=True)
    response = secretary.get(f"/cases/{case.reference}/evidence/{pdf.id}")
    assert response.status_code == 200 and response.get_data() == PDF
    response.close()  # as the WSGI server does: closes the verified copy


def test_clamd_away_is_retried_then_clean_after_restart(client, clamd):
    [item] = upload(client, ("photo.png", png_bytes()))
    clamd.stop()
    now = utcnow()
    assert worker_round(now) == {"retry": 1}
    db.session.expire_all()
    item = db.session.get(EvidenceItem, item.id)
    assert item.scan_status is ScanStatus.PENDING and item.scan_attempts == 1
    assert item.scan_due_at >= now + timedelta(seconds=60)
    assert worker_round(now + timedelta(seconds=30)) == {}  # not due yet
    clamd.start()
    assert worker_round(now + timedelta(seconds=61)) == {"clean": 1}
    db.session.expire_all()
    assert db.session.get(EvidenceItem, item.id).scan_status is ScanStatus.CLEAN


def test_clamd_away_too_long_is_failed_and_shown(app, client, login, committee, clamd):
    [item] = upload(client, ("photo.png", png_bytes()))
    clamd.stop()
    now = utcnow()
    outcomes = [worker_round(now + timedelta(hours=hour)) for hour in range(3)]
    assert outcomes == [{"retry": 1}, {"retry": 1}, {"failed": 1}]
    db.session.expire_all()
    item = db.session.get(EvidenceItem, item.id)
    assert (item.scan_status, item.scan_detail, item.scan_attempts) == (
        ScanStatus.FAILED, "unreachable", 3)
    case = db.session.get(Case, item.case_id)
    page = staff_client(app, login, committee["secretary"]).get(
        f"/cases/{case.reference}").get_data(as_text=True)
    assert 'data-scan="failed"' in page and "could not be reached" in page
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "evidence.scan_failed"))


def test_a_file_over_stream_max_length_is_failed_not_clean(client, clamd):
    [item] = upload(client, ("big.pdf", PDF + b"0" * (STREAM_MAX + 1000)))
    assert worker_round() == {"failed": 1}  # clamd itself said "size limit exceeded"
    db.session.expire_all()
    item = db.session.get(EvidenceItem, item.id)
    assert (item.scan_status, item.scan_detail) == (ScanStatus.FAILED, "size_limit")
    assert clamd.ping()  # and clamd is fine afterwards


def test_the_client_does_not_send_what_clamd_would_refuse(clamd):
    client = Clamd(socket_path=clamd.socket, timeout=5, stream_max=100)
    assert client.scan(io.BytesIO(b"x" * 1000)).detail == "size_limit"
    assert client.scan(io.BytesIO(EICAR)).status is ScanStatus.INFECTED
    assert client.ping()


def test_without_clamd_the_page_says_not_scanned(app, client, login, committee):
    [item] = upload(client, ("photo.png", png_bytes()))
    assert worker_round() == {}
    case = db.session.get(Case, item.case_id)
    page = staff_client(app, login, committee["secretary"]).get(
        f"/cases/{case.reference}").get_data(as_text=True)
    assert 'data-scan="unscanned"' in page and "Not scanned" in page
    assert "No virus found" not in page
