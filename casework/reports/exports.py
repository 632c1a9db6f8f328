"""Exports: the rows of the case list and of the daily report (the sanctions register is
in sanction_export), written by export_writers as CSV (streamed) or XLSX.

The case list is the staff queue's own query: the same filters (`QueueFilters`) and the same
region scope (`QueueScope`, `filter_conditions`), read in keyset batches of BATCH cases, each batch
a fixed number of queries (the page of cases with their region, deadline and assignee; the
accused; the stations; the complaints). Nothing here reads the request or commits: the
view commits the audit entry that `export_*` records before the body is sent.
"""

from collections.abc import Iterator
from dataclasses import fields
from datetime import date, datetime
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import selectinload

from casework.accounts.models import User
from casework.accounts.roles import EXPORT_CONTACTS
from casework.cases.deadlines import ReceivedDue, received_clock
from casework.cases.identity_mask import PROTECTED
from casework.cases.models import PUBLIC_STATUS, Case, CaseState, Category, PublicStatus
from casework.cases.queries import queue_row, rows_query
from casework.cases.queue_conditions import SORT_KEYS, QueueFilters, QueueScope, filter_conditions
from casework.cases.workflow import Outcome
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.core.timezones import local_today, zone_of
from casework.elections.models import Election, PollingStation
from casework.extensions import db
from casework.intake.models import Channel, ComplainantRole, Complaint
from casework.reports import daily
from casework.reports.export_writers import Export, Table, build_export, local_cell

# Who gets the complainants' names, phones and emails in an export is accounts.roles
# EXPORT_CONTACTS: the secretary and the chair, who write to complainants (requests for
# information, decisions). A reviewer works on the case page and an auditor only reads;
# neither needs contacts in a bulk file that leaves the system, so their exports have no
# contact columns at all.
BATCH = 2000  # cases (or sanctions) per keyset batch
SEP = "; "


# -- days ---------------------------------------------------------------------------------

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def parse_day(value: str | None, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        day = date.fromisoformat(value)
        if not FIRST_DAY <= day <= LAST_DAY:  # converting year 1 or 9999 to UTC overflows
            raise ValueError(value)
        return day
    except ValueError:
        raise Refusal("bad_filter", _l("Give the date as YYYY-MM-DD, for example 2020-06-01."),
                      field=field) from None


def stamp(election: Election, now: datetime) -> str:
    return f"{election.code}-{local_today(election, now).isoformat()}"


def record_export(action: str, user: User, fmt: str, filters: dict[str, Any], rows: int | None,
                  contacts: bool) -> None:
    audit.record(action, actor=user, object_type="export", object_id=fmt,
                 details={"filters": filters, "rows": rows, "contacts": contacts})


def too_large(cap: int) -> Refusal:
    return Refusal("too_many_rows", _l(
        "This list has more than %(n)d rows, the most a spreadsheet (XLSX) export holds. "
        "Narrow the filters or download it as CSV, which has no limit.", n=cap))


# -- the case list ------------------------------------------------------------------------

def applied_filters(filters: QueueFilters) -> dict[str, Any]:
    """The filters set, as plain values, for the audit entry (the empty ones left out)."""
    applied: dict[str, Any] = {}
    for f in fields(filters):
        value = getattr(filters, f.name)
        if value in (None, ""):
            continue
        applied[f.name] = value.value if isinstance(value, Enum) else value
    return applied


def case_header(contacts: bool) -> list[str]:
    header = [_("Reference"), _("Created"), _("State"), _("Public status"), _("Category"),
              _("Region code"), _("Region"), _("Polling station"), _("Accused"),
              _("Assignee"), _("Due"), _("Overdue"), _("Outcome"), _("Channels"),
              _("Complainants")]
    if contacts:
        header += [_("Complainant names"), _("Complainant phones"), _("Complainant emails")]
    return header


def _order(sort: str):
    column, descending = SORT_KEYS.get(sort, SORT_KEYS["newest"])  # "due": newest first
    return column, descending


def _case_batches(conditions: list, sort: str, now: datetime, received_due: ReceivedDue,
                  contacts: bool, limit: int | None = None) -> Iterator[tuple[list, dict[int, list]]]:
    """(rows, complaints by case id) per keyset batch, in the queue's order; 4 queries each."""
    column, descending = _order(sort)
    order = [column.desc(), Case.id.desc()] if descending else [column.asc(), Case.id.asc()]
    after: tuple[datetime, int] | None = None
    left = limit
    while left is None or left > 0:
        size = BATCH if left is None else min(BATCH, left)
        where = list(conditions)
        if after is not None:
            position = tuple_(column, Case.id)
            where.append(position < tuple_(*after) if descending else position > tuple_(*after))
        page = (select(Case.id.label("id"), column.label("k")).where(*where)
                .order_by(*order).limit(size).subquery("page"))
        outer = ([page.c.k.desc(), page.c.id.desc()] if descending
                 else [page.c.k.asc(), page.c.id.asc()])
        statement = rows_query(page, outer).options(
            selectinload(Case.station).load_only(PollingStation.code))
        rows = [queue_row(case, deadline, assignee, now, received_due)
                for case, deadline, assignee in db.session.execute(statement)]
        if not rows:
            return
        ids = [row.case.id for row in rows]
        columns = [Complaint.case_id, Complaint.channel, Complaint.anonymous, Complaint.name,
                   Complaint.complainant_role, Complaint.consent_to_contact]
        if contacts:
            columns += [Complaint.phone, Complaint.email]
        complaints: dict[int, list] = {}
        for found in db.session.execute(select(*columns).where(Complaint.case_id.in_(ids))
                                        .order_by(Complaint.case_id, Complaint.id)):
            complaints.setdefault(found.case_id, []).append(found)
        yield rows, complaints
        if len(rows) < size:
            return
        last = rows[-1].case
        after = (getattr(last, column.key), last.id)
        if left is not None:
            left -= len(rows)


def _complainant_words() -> dict[Any, str]:
    """The complainant cell's words, translated once while the request is open."""
    words: dict[Any, str] = {r: str(r.label) for r in ComplainantRole}
    words.update(anonymous=_("Anonymous"), protected=str(PROTECTED),
                 consent=_("agreed to be contacted"), no_consent=_("did not agree to be contacted"))
    return words


def _protected_cell(complaint: Any, words: dict[Any, str]) -> str:
    """A complainant without their identity (cases/identity_mask.py): protected or
    anonymous, their role, and whether they agreed to be contacted."""
    if complaint.anonymous or not complaint.name:
        return words["anonymous"]
    parts = [words["protected"]]
    if complaint.complainant_role is not None:
        parts.append(words[complaint.complainant_role])
    parts.append(words["consent" if complaint.consent_to_contact else "no_consent"])
    return ", ".join(parts)


def _contact_cells(complaints: list) -> list[str]:
    """Names, phones and emails of the complaints that are not anonymous, one entry per such
    complaint (so the three cells line up), joined with "; "; empty when there is none."""
    named = [c for c in complaints if not c.anonymous]
    cells = []
    for attribute in ("name", "phone", "email"):
        values = [(getattr(c, attribute) or "").strip() for c in named]
        cells.append(SEP.join(values) if any(values) else "")
    return cells


def case_rows(scope: QueueScope, filters: QueueFilters, *, contacts: bool, locale: str,
              now: datetime | None = None, limit: int | None = None) -> Iterator[list[Any]]:
    """One list per case matching the filters in the scope; never internal notes. The
    conditions and the zone are read now, while the request's session is open: a streamed
    body runs after it has closed."""
    now = now or utcnow()
    # The legal clock is read now too (received_due keeps it).
    batches = _case_batches(filter_conditions(scope, filters, now), filters.sort, now,
                            received_clock(scope.election)[1], contacts, limit)
    return _case_stream(batches, zone_of(scope.election), contacts=contacts, locale=locale)


def _case_stream(batches: Iterator[tuple[list, dict[int, list]]], zone: Any, *,
                 contacts: bool, locale: str) -> Iterator[list[Any]]:
    states = {s: str(s.label) for s in CaseState}  # translated once, not once per row
    publics = {s: str(s.label) for s in PublicStatus}
    categories = {c: str(c.label) for c in Category}
    channels = {c: str(c.label) for c in Channel}
    outcomes = {o.value: str(o.label) for o in Outcome}
    yes, no = _("yes"), _("no")
    words = _complainant_words()
    for rows, complaints in batches:
        for row in rows:
            case = row.case
            found = complaints.get(case.id, [])
            seen = list(dict.fromkeys(c.channel for c in found))
            cells = [
                case.reference, local_cell(case.created_at, zone), states[case.state],
                publics[PUBLIC_STATUS[case.state]], categories[case.category],
                case.region.code if case.region else "",
                case.region.name(locale) if case.region else "",
                case.station.code if case.station else "",
                SEP.join(c.code for c in case.accused),
                row.assignee.full_name if row.assignee else "",
                local_cell(row.due_at, zone), yes if row.overdue else no,
                outcomes.get(case.outcome or "", case.outcome or ""),
                SEP.join(channels.get(c, str(c)) for c in seen),
                SEP.join(_protected_cell(c, words) for c in found),
            ]
            if contacts:
                cells += _contact_cells(found)
            yield cells


def _bounded_count(scope: QueueScope, filters: QueueFilters, now: datetime, cap: int) -> int:
    """How many cases match, counting no further than cap + 1."""
    ids = select(Case.id).where(*filter_conditions(scope, filters, now)).limit(cap + 1).subquery()
    return int(db.session.scalar(select(func.count()).select_from(ids)) or 0)


def export_cases(user: User, scope: QueueScope, filters: QueueFilters, fmt: str, *,
                 locale: str, max_rows: int, now: datetime | None = None) -> Export:
    """The case list under the queue's filters, in the user's scope; audited here (the view
    commits before the body is sent). XLSX holds at most `max_rows` rows."""
    now = now or utcnow()
    contacts = EXPORT_CONTACTS.can_open(user)
    rows = None
    if fmt == "xlsx":
        rows = _bounded_count(scope, filters, now, max_rows)
        if rows > max_rows:
            raise too_large(max_rows)
    record_export("export.cases", user, fmt, applied_filters(filters), rows, contacts)
    table = Table(_("Cases"), case_header(contacts),
                  case_rows(scope, filters, contacts=contacts, locale=locale, now=now,
                            limit=rows))
    return build_export(fmt, [table], f"cases-{stamp(scope.election, now)}", rows=rows)


# -- the daily report ---------------------------------------------------------------------

def export_daily(user: User, election: Election, day: str | None, fmt: str, *, locale: str,
                 now: datetime | None = None) -> Export:
    """The daily report of `day` (YYYY-MM-DD; default: today in the election's zone) for the
    user's scope, one section per table (CSV: separated by a blank line; XLSX: one sheet
    each); audited here."""
    now = now or utcnow()
    day = parse_day(day, "date") or local_today(election, now)
    tables = daily.daily_report(user, election, day, locale=locale, now=now)
    rows = sum(len(list(t.rows)) for t in tables)
    record_export("export.daily", user, fmt, {"date": day.isoformat()}, rows, False)
    return build_export(fmt, tables, f"daily-{election.code}-{day.isoformat()}", titled=True,
                        rows=rows)
