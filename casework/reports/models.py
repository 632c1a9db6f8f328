"""The dashboard's rollup: figures too costly to compute per request, refreshed by the worker.

`report_figures` holds one number per (election, metric, region, key): e.g. the cases created
in one UTC hour in one region, or the cases of a region whose screening started within a
bucket of minutes. Figures of several regions add up, so a user's scope is a SUM over the
rows of their regions. `report_refreshes` says when an election's rows were last rebuilt and
how long it took. Only casework.reports.rollups writes these tables.
"""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.extensions import db


class ReportFigure(db.Model):
    __tablename__ = "report_figures"

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    # cases.region_id, or 0 while the region is not set (as case_state_counts.region_key).
    region_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportRefresh(db.Model):
    __tablename__ = "report_refreshes"

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True,
                                             autoincrement=False)
    # UTC: the `now` of the last refresh; None while the first one is under way.
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime)
    took_ms: Mapped[int] = mapped_column(Integer, default=0)
