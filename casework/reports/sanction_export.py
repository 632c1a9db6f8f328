"""The sanctions register export: its filters (status, type, the days proposed), its rows
in the user's region scope, newest first, read in keyset batches of BATCH sanctions.
Nothing here reads the request or commits; export_sanctions records the audit entry.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from casework.accounts.models import User
from casework.cases.models import Case
from casework.cases.queue_conditions import scope_condition
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.core.timezones import day_bounds, day_start_utc, zone_of
from casework.elections.models import Election, Region
from casework.extensions import db
from casework.reports.export_writers import Export, Table, build_export, local_cell
from casework.reports.exports import (
    BATCH,
    parse_day,
    record_export,
    stamp,
    too_large,
)
from casework.sanctions.models import (
    AppealOutcome,
    Sanction,
    SanctionStatus,
    SanctionType,
)


@dataclass(frozen=True)
class SanctionFilters:
    status: SanctionStatus | None = None
    kind: SanctionType | None = None
    date_from: date | None = None  # proposed on or after (the election's days)
    date_to: date | None = None  # proposed on or before

    def applied(self) -> dict[str, str]:
        values = {"status": self.status.value if self.status else None,
                  "type": self.kind.value if self.kind else None,
                  "from": self.date_from.isoformat() if self.date_from else None,
                  "to": self.date_to.isoformat() if self.date_to else None}
        return {k: v for k, v in values.items() if v}


def _enum_value(args: Mapping[str, str], name: str, enum: type[Enum], message) -> Any:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        raise Refusal("bad_filter", message, field=name) from None


def parse_sanction_filters(args: Mapping[str, str]) -> SanctionFilters:
    """The sanctions export's filters from query parameters; a "bad_filter" Refusal on a bad value."""
    status = _enum_value(args, "status", SanctionStatus, _l("Unknown status of a sanction."))
    kind = _enum_value(args, "type", SanctionType, _l("Unknown type of sanction."))
    date_from, date_to = parse_day(args.get("from"), "from"), parse_day(args.get("to"), "to")
    if date_from and date_to and date_from > date_to:
        raise Refusal("bad_filter", _l("The end date is before the start date."), field="to")
    return SanctionFilters(status, kind, date_from, date_to)


def sanction_header() -> list[str]:
    return [_("No."), _("Case"), _("Type"), _("Status"), _("Candidate code"), _("Candidate"),
            _("Region code"), _("Region"), _("Summary"), _("Referred to"), _("Proposed at"),
            _("Proposed by"), _("Reviewed at"), _("Reviewed by"), _("Enforced at"),
            _("Reversed at"), _("Appeal outcome")]


def _sanction_conditions(user: User, election: Election, filters: SanctionFilters) -> list:
    conditions = [Case.election_id == election.id]
    scope = scope_condition(user, election.id)
    if scope is not None:
        conditions.append(scope)
    if filters.status is not None:
        conditions.append(Sanction.status == filters.status)
    if filters.kind is not None:
        conditions.append(Sanction.kind == filters.kind)
    if filters.date_from is not None:
        conditions.append(Sanction.proposed_at >= day_start_utc(filters.date_from, election))
    if filters.date_to is not None:
        conditions.append(Sanction.proposed_at < day_bounds(filters.date_to, election)[1])
    return conditions


def _sanction_query(user: User, election: Election, filters: SanctionFilters):
    return (select(Sanction).join(Case, Case.id == Sanction.case_id)
            .outerjoin(Region, Region.id == Case.region_id)
            .where(*_sanction_conditions(user, election, filters))
            .options(contains_eager(Sanction.case).contains_eager(Case.region),
                     selectinload(Sanction.candidate), selectinload(Sanction.proposed_by),
                     selectinload(Sanction.reviewed_by), selectinload(Sanction.appeal)))


def sanction_rows(user: User, election: Election, filters: SanctionFilters, *, locale: str,
                  limit: int | None = None) -> Iterator[list[Any]]:
    """The sanctions in the user's scope (all statuses), newest first, in keyset batches.
    The query (with the user's regions) and the zone are read now, while the request's
    session is open: a streamed body runs after it has closed (see _sanction_stream)."""
    return _sanction_stream(_sanction_query(user, election, filters), zone_of(election),
                            locale, limit)


def _sanction_stream(base, zone, locale: str, limit: int | None) -> Iterator[list[Any]]:
    """Rows of `base` in batches; reads only what its own queries load."""
    # Each label translated once per export, not once per row.
    kinds = {k: str(k.label) for k in SanctionType}
    statuses = {s: str(s.label) for s in SanctionStatus}
    appeals = {o: str(o.label) for o in AppealOutcome}
    after, left = None, limit
    while left is None or left > 0:
        size = BATCH if left is None else min(BATCH, left)
        query = base if after is None else base.where(Sanction.id < after)
        batch = list(db.session.scalars(query.order_by(Sanction.id.desc()).limit(size)).unique())
        for s in batch:
            case, appeal = s.case, s.appeal
            yield [s.id, case.reference, kinds[s.kind], statuses[s.status],
                   s.candidate.code if s.candidate else "",
                   s.candidate.name(locale) if s.candidate else "",
                   case.region.code if case.region else "",
                   case.region.name(locale) if case.region else "",
                   s.summary, s.referred_to or "", local_cell(s.proposed_at, zone),
                   s.proposed_by.full_name, local_cell(s.reviewed_at, zone),
                   s.reviewed_by.full_name if s.reviewed_by else "",
                   local_cell(s.enforced_at, zone), local_cell(s.reversed_at, zone),
                   appeals[appeal.outcome] if appeal and appeal.outcome else ""]
        if len(batch) < size:
            return
        after = batch[-1].id
        if left is not None:
            left -= len(batch)


def export_sanctions(user: User, election: Election, args: Mapping[str, str], fmt: str, *,
                     locale: str, max_rows: int, now: datetime | None = None) -> Export:
    """The sanctions of cases in the user's scope, all statuses, under the filters in `args`
    (status, type, from, to: the days proposed); audited here. XLSX holds at most max_rows."""
    filters = parse_sanction_filters(args)
    now = now or utcnow()
    rows = None
    if fmt == "xlsx":
        ids = (select(Sanction.id).join(Case, Case.id == Sanction.case_id)
               .where(*_sanction_conditions(user, election, filters)).limit(max_rows + 1))
        rows = int(db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0)
        if rows > max_rows:
            raise too_large(max_rows)
    record_export("export.sanctions", user, fmt, filters.applied(), rows, False)
    table = Table(_("Sanctions"), sanction_header(),
                  sanction_rows(user, election, filters, locale=locale, limit=rows))
    return build_export(fmt, [table], f"sanctions-{stamp(election, now)}", rows=rows)
