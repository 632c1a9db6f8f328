"""What one submission writes: one audit entry with its files' facts, a case found by the
queue's search before the worker builds its document and after, each file stored with one
fsync of itself and one of its folder."""

import hashlib
import os
import time

from sqlalchemy import select

from casework import worker
from casework.cases.models import CaseSearchDocument, CaseSearchPending
from casework.cases.queries import queue_page
from casework.cases.queue_conditions import QueueFilters
from casework.cases.search_pending import index_all_pending, index_pending
from casework.core import audit
from casework.core.audit import AuditEntry
from casework.core.cache import app_cache
from casework.elections import current
from casework.elections.models import Region, RegionKind
from casework.extensions import db
from tests import factories
from tests.api.test_public_api import complaint_json, post_complaint
from tests.plugin.data import PDF, png_bytes
from tests.plugin.evidence import stored_bytes
from tests.plugin.queries import counted_queries

WORDS = "Жүргізуші сайлаушыларды автобуспен тасыды"


def file_one(client, **overrides):
    answer = post_complaint(client, complaint_json(narrative=WORDS + " екі рет, куәлар бар.",
                                                   **overrides),
                            evidence=[("photo.png", png_bytes(8, 8)), ("act.pdf", PDF)])
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()


def found(user, election, q) -> set[str]:
    return {row.case.reference for row in queue_page(user, election, QueueFilters(q=q),
                                                     limit=50).rows}


def test_one_audit_entry_carries_every_file(client, election, evidence_dir):
    receipt = file_one(client)
    db.session.rollback()
    entries = list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_id == receipt["reference"])))
    assert [e.action for e in entries] == ["complaint.received"]
    details = entries[0].details
    assert details["evidence"] == 2 and details["channel"] == "api"
    files = {f["label"]: f for f in details["files"]}
    assert set(files) == {"photo.png", "act.pdf"}
    for sent in receipt["evidence"]:
        fact = files[sent["filename"]]
        assert (fact["sha256"], fact["size"], fact["source"]) == (sent["sha256"], sent["size"], "api")
        assert isinstance(fact["evidence_id"], int) and fact["active_content"] == []
    assert audit.verify().ok


def test_a_case_just_filed_is_found_before_and_after_the_worker(client, election, evidence_dir, make_user):
    secretary = make_user("secretary")
    receipt = file_one(client)
    db.session.rollback()
    assert db.session.scalar(select(CaseSearchDocument.case_id)) is None  # not in the request
    assert db.session.scalar(select(CaseSearchPending.case_id)) is not None
    assert found(secretary, election, "автобуспен тасыды") == {receipt["reference"]}
    assert found(secretary, election, "АВТОБУС") == {receipt["reference"]}  # a prefix
    assert found(secretary, election, "автобуспен троллейбус") == set()  # every word
    assert index_pending() == 1
    assert db.session.scalar(select(CaseSearchPending.case_id)) is None
    assert found(secretary, election, "автобуспен тасыды") == {receipt["reference"]}
    assert index_pending() == 0


def test_pending_cases_are_found_by_their_texts_never_by_contacts(client, election, evidence_dir,
                                                                  make_user):
    contact = {"name": "Әсел Нұрланқызы", "phone": "+77012345678", "consent_to_contact": True}
    receipt = file_one(client, anonymous=False, contact=contact)
    db.session.rollback()
    # Identities are protected (cases.identity): not even the secretary finds one by phone.
    assert found(make_user("secretary"), election, "87012345678") == set()
    assert found(make_user("auditor", email="r@test.kz"), election, "Нұрланқызы") == set()
    assert found(make_user("auditor", email="r2@test.kz"), election, "автобуспен") == {
        receipt["reference"]}  # the texts, yes
    index_all_pending()
    assert found(make_user("auditor", email="r3@test.kz"), election, "Нұрланқызы") == set()


def test_the_worker_builds_pending_documents_first():
    assert worker.PERIODIC[0] is index_pending


def test_a_file_is_synced_once_and_its_folder_once(client, election, evidence_dir, monkeypatch):
    photo = png_bytes(9, 9)
    sha = hashlib.sha256(photo).hexdigest()
    (evidence_dir / sha[:2] / sha[2:4]).mkdir(parents=True, exist_ok=True)  # folders exist
    synced, real = [], os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    answer = post_complaint(client, evidence=[("p.png", photo)])
    assert answer.status_code == 201
    assert len(synced) == 2  # the file, then its folder (SQLite's own sync is not counted)
    stored = evidence_dir / sha[:2] / sha[2:4] / sha
    assert stored.read_bytes().startswith(b"CWE1")  # encrypted as it was written, one pass
    assert hashlib.sha256(stored_bytes(sha)).hexdigest() == sha
    assert [p.name for p in evidence_dir.iterdir() if p.is_file()] == []  # no temporary file


def test_a_submission_keeps_the_process_copy_of_the_election(client, election, evidence_dir):
    """Committing a complaint changes nothing the election copy holds: the next submission
    reads no election; a change to its reference data drops the copy at once."""
    file_one(client)  # the copy made (with its settings)
    copies = app_cache(current.CACHE)
    copies.clock = lambda: 0.0  # and never expiring here, however slow the machine
    try:
        with counted_queries() as statements:
            file_one(client)
        assert not [s for s in statements if "FROM elections" in s]
        factories.candidate(election, "C09")  # a stamped table: the stamp changes
        db.session.commit()
        with counted_queries() as statements:
            file_one(client)
        assert [s for s in statements if "FROM elections" in s]
    finally:
        copies.clock = time.monotonic


def test_the_region_comes_from_the_process_copy_until_the_regions_change(client, election,
                                                                           evidence_dir):
    """A warm copy of the election's regions: the submission reads no region, and its case
    is numbered under the top region's code; a region added (a new reference stamp) is found
    by the very next submission."""
    file_one(client)
    copies = [app_cache(current.CACHE), app_cache("intake.regions")]
    for copy in copies:
        copy.clock = lambda: 0.0
    try:
        with counted_queries() as statements:
            receipt = file_one(client)
        assert not [s for s in statements if "FROM regions" in s]
        assert "-KAR-" in receipt["reference"]
        kar = factories.region(election, "KZ-KAR")
        db.session.add(Region(election_id=election.id, code="KZ-KAR-TEM", kind=RegionKind.CITY,
                              parent=kar, name_kk="Теміртау", name_ru="Темиртау",
                              name_en="Temirtau"))
        db.session.commit()
        receipt = file_one(client, region="kz-kar-tem")
        assert "-KAR-" in receipt["reference"]
        assert post_complaint(client, complaint_json(region="KZ-NOPE")).status_code == 422
    finally:
        for copy in copies:
            copy.clock = time.monotonic
