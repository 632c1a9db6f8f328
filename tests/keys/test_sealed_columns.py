"""Sealed columns: stored sealed and bound to their column, looked up by hash only, and the
hash goes with the value (set, changed, erased)."""

import pytest
from sqlalchemy import select, text, update

from casework.core import sealed
from casework.core.crypto import DataKeyError
from casework.extensions import db
from casework.intake.models import Complaint
from tests import factories


def test_values_are_sealed_bound_to_their_column_and_hashed(election):
    case = factories.case(election)
    complaint = factories.complaint(case, anonymous=False, name="Ержан Әбілов",
                                    phone="+77019998877", email="Erzhan@Example.kz")
    db.session.commit()
    raw = db.session.execute(text("SELECT name, phone, email, phone_hash, email_hash "
                                  "FROM complaints")).one()
    assert all(value.startswith("cw1:") for value in raw[:3])
    assert raw.phone_hash == sealed.hash_of(sealed.PHONE, "+77019998877")
    assert raw.email_hash == sealed.hash_of(sealed.EMAIL, "erzhan@example.kz")
    # The phone's seal moved into the name column does not open there.
    db.session.execute(text("UPDATE complaints SET name = phone"))
    db.session.expire_all()
    with pytest.raises(DataKeyError):
        db.session.scalar(select(Complaint.name).where(Complaint.id == complaint.id))
    db.session.rollback()


def test_a_sealed_column_is_never_compared_with_a_value(election):
    with pytest.raises(TypeError, match="hash column"):
        select(Complaint).where(Complaint.phone == "+77019998877")
    with pytest.raises(TypeError):
        select(Complaint).where(Complaint.email.in_(["a@example.kz"]))
    select(Complaint).where(Complaint.phone.is_not(None), Complaint.email != "")  # still fine


def test_the_hash_follows_the_value(election):
    case = factories.case(election)
    complaint = factories.complaint(case, anonymous=False, name="A", phone="+77010000001")
    complaint.phone = "+77010000002"
    db.session.commit()
    found = db.session.scalars(select(Complaint.id).where(
        Complaint.phone_hash.in_(sealed.hashes_of(sealed.PHONE, "+77010000002")))).all()
    assert found == [complaint.id]
    complaint.phone = None
    db.session.commit()
    assert complaint.phone_hash is None
    # Bulk erasure (retention) clears the hashes with the values.
    complaint.email = "x@example.kz"
    db.session.commit()
    db.session.execute(update(Complaint).values(email=None, email_hash=None))
    db.session.commit()
    assert db.session.execute(text("SELECT email, email_hash FROM complaints")).one() == (
        None, None)
