"""Near-identical narratives (a campaign pasting one text, or one event told by many): each
case's MinHash signature and its LSH bands, so that a new case finds its near twins by an
index look-up (casework.cases.mass_complaints)."""

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from casework.extensions import db


class CaseTextSignature(db.Model):
    __tablename__ = "case_text_signatures"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    election_id: Mapped[int] = mapped_column(Integer)
    # 64 minimum hashes of the narrative's word shingles, 4 bytes each (empty: no text).
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class CaseTextBand(db.Model):
    """One band (4 of the 64 minima) of a signature, hashed: two texts sharing a band are
    compared; texts 70 % alike share one 99 times in 100, texts 60 % alike 89 times."""

    __tablename__ = "case_text_bands"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_case_text_bands_band_value", "band", "value"),)
