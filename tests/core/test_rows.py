"""Rows written by one INSERT each (core/rows.py) behave as flushed rows: ids, defaults,
foreign keys from relationships, association rows, sealed columns, nothing left pending,
no lazy load of what was set, and later changes flushed as updates."""

import secrets

from sqlalchemy import select, text

from casework.cases.models import Case, CaseState, Category
from casework.cases.models.case import case_candidates
from casework.cases.services import new_case, write_case
from casework.core.rows import insert_new, keep
from casework.evidence.models import EvidenceItem, FactsStatus, PhotoFacts
from casework.extensions import db
from casework.intake.models import Channel, Complaint
from tests import factories
from tests.plugin.queries import counted_queries


def built(election):
    accused = [factories.candidate(election, "C01"), factories.candidate(election, "C02")]
    db.session.commit()
    case = new_case(election=election, region=factories.region(election, "KZ-KAR-BAL"),
                    category=Category.VOTE_BUYING, station=None, accused=accused)
    complaint = Complaint(case=case, channel=Channel.API, submission_key=secrets.token_hex(32),
                          tracking_hash=secrets.token_hex(32), anonymous=False,
                          name="Әсел Нұрланқызы", phone="+77012345678", language="kk",
                          category=Category.VOTE_BUYING, narrative="Бір адам ақша таратты.",
                          links=[])
    item = EvidenceItem(case=case, sha256=secrets.token_hex(32), size=10,
                        content_type="image/png", label="p.png", source="api")
    item.facts = PhotoFacts(status=FactsStatus.PENDING)
    complaint.evidence = [item]
    return case, complaint, item


def test_rows_are_written_and_kept_as_if_flushed(election):
    case, complaint, item = built(election)
    write_case(case, election)
    rows = [case, insert_new(complaint), insert_new(item), insert_new(item.facts)]
    keep(*rows)
    assert all(row in db.session for row in rows)
    assert not db.session.new and not db.session.dirty
    with counted_queries() as statements:  # what was set or written is loaded
        assert case.id and case.reference.startswith("T2020-KAR-")
        assert (case.state, case.has_evidence, case.evidence_reused) == (CaseState.RECEIVED,
                                                                         False, False)
        assert [c.code for c in case.accused] == ["C01", "C02"]
        assert complaint.case_id == case.id and complaint.received_at is not None
        assert complaint.name == "Әсел Нұрланқызы" and complaint.phone_hash
        assert (item.case_id, item.complaint_id, item.scan_attempts) == (case.id, complaint.id, 0)
        assert item.facts.evidence_item_id == item.id and item.facts.attempts == 0
    assert statements == []
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).name == "Әсел Нұрланқызы"
    assert "Нұрланқызы" not in db.session.scalar(text("SELECT name FROM complaints"))  # sealed
    assert db.session.scalars(select(case_candidates.c.case_id)).all() == [case.id, case.id]
    assert db.session.get(EvidenceItem, item.id).facts.status == FactsStatus.PENDING


def test_a_kept_row_changed_later_is_updated(election):
    case, complaint, item = built(election)
    write_case(case, election)
    keep(case, insert_new(complaint), insert_new(item), insert_new(item.facts))
    case.has_evidence = True
    with counted_queries() as statements:
        db.session.flush()
    assert [s.split()[0] for s in statements] == ["UPDATE"]
    db.session.commit()
    assert db.session.scalar(select(Case.has_evidence).where(Case.id == case.id)) is True
