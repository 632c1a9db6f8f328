"""Exports: the rows of the case list, the daily report and the sanctions register, written
as CSV (streamed) or XLSX (openpyxl, write-only, into a temporary file).

The case list is the staff queue's own query: the same filters (`QueueFilters`) and the same
region scope (`QueueScope`, `filter_conditions`), read in keyset batches of BATCH cases, each batch
a fixed number of queries (the page of cases with their region, deadline and assignee; the
accused; the stations; the complaints). Nothing here reads the request or commits: the
view commits the audit entry that `export_*` records before the body is sent.
"""

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import IO, Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import contains_eager, selectinload

from casework.accounts.models import Role, User
from casework.cases.models import PUBLIC_STATUS, Case
from casework.cases.queries import (
    SORT_KEYS,
    QueueFilters,
    QueueScope,
    filter_conditions,
    queue_row,
    rows_query,
    scope_condition,
)
from casework.cases.workflow import OUTCOME_LABELS, PUBLIC_STATUS_LABELS, STATE_LABELS
from casework.core import audit
from casework.core.db import utcnow
from casework.core.refusal import Refusal
from casework.decisions.sanction_models import (
    APPEAL_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
    Sanction,
    SanctionStatus,
    SanctionType,
)
from casework.elections.models import Election, PollingStation, Region
from casework.extensions import db
from casework.intake.forms import CATEGORY_LABELS
from casework.intake.models import Complaint

# Who gets the complainants' names, phones and emails in an export: the secretary and the
# chair, who write to complainants (requests for information, decisions). A reviewer works
# on the case page and an auditor only reads; neither needs contacts in a bulk file that
# leaves the system, so their exports have no contact columns at all.
CONTACT_ROLES = frozenset({Role.SECRETARY, Role.CHAIR})

FORMATS = ("csv", "xlsx")
BATCH = 2000  # cases (or sanctions) per keyset batch
CSV_CHUNK = 500  # rows per chunk of the streamed CSV
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SHEET_NAME_MAX = 31
SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
SEP = "; "
FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class ExportError(Refusal):
    """An export refused: `invalid` (a filter, named in `field`) or `too_large` (XLSX)."""


# -- cells and tables ---------------------------------------------------------------------

def safe(value: Any) -> Any:
    """A cell value a spreadsheet will not run: text that starts like a formula gets a
    leading apostrophe; None becomes empty; numbers and datetimes stay what they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass
class Table:
    """One CSV section or XLSX sheet: a title, a header row and the rows (lazy or not)."""

    title: str
    header: list[str]
    rows: Iterable[list[Any]]


def _csv_cell(value: Any) -> str:
    value = safe(value)
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_chunks(tables: list[Table], *, titled: bool = False) -> Iterator[str]:
    """The CSV text in chunks: a UTF-8 BOM first (so Excel reads Kazakh and Russian right),
    then each table (with a title row when `titled`), tables separated by a blank line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    for number, table in enumerate(tables):
        if number:
            writer.writerow([])
        if titled:
            writer.writerow([_csv_cell(table.title)])
        writer.writerow([_csv_cell(h) for h in table.header])
        for count, row in enumerate(table.rows, start=1):
            writer.writerow([_csv_cell(v) for v in row])
            if count % CSV_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    base = (title.translate(SHEET_FORBIDDEN).strip(" '") or "Sheet")[:SHEET_NAME_MAX]
    name, n = base, 1
    while name.lower() in used:
        n += 1
        suffix = f" {n}"
        name = base[:SHEET_NAME_MAX - len(suffix)] + suffix
    used.add(name.lower())
    return name


def xlsx_file(tables: list[Table]) -> IO[bytes]:
    """An XLSX workbook, one sheet per table, written row by row (openpyxl write-only mode)
    into a temporary file, returned rewound. The caller sends and closes it."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.title, used))
        sheet.append([safe(h) for h in table.header])
        for row in table.rows:
            sheet.append([safe(v) for v in row])
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned open
    try:
        workbook.save(target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target


@dataclass
class Export:
    """What the view sends: `body` is a generator of CSV text or an open XLSX file."""

    filename: str
    mimetype: str
    body: Iterator[str] | IO[bytes]
    rows: int | None


def _build(fmt: str, tables: list[Table], filename: str, *, titled: bool = False,
           rows: int | None = None) -> Export:
    filename = FILENAME_UNSAFE.sub("_", filename)  # goes into a header: plain ASCII only
    if fmt == "xlsx":
        return Export(f"{filename}.xlsx", MIMETYPES["xlsx"], xlsx_file(tables), rows)
    return Export(f"{filename}.csv", MIMETYPES["csv"], csv_chunks(tables, titled=titled), rows)


# -- times --------------------------------------------------------------------------------

def zone_of(election: Election) -> ZoneInfo:
    return ZoneInfo(election.timezone or "UTC")


def local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored (naive UTC) time as a naive time of the election's zone."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def utc_start(day: date, zone: ZoneInfo) -> datetime:
    """The stored (naive UTC) instant at which `day` begins in `zone`."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def local_today(election: Election, now: datetime | None = None) -> date:
    return local(now or utcnow(), zone_of(election)).date()


def parse_day(value: str | None, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ExportError("invalid", _l("Give the date as YYYY-MM-DD, for example 2020-06-01."),
                          field=field) from None


def _stamp(election: Election, now: datetime) -> str:
    return f"{election.code}-{local(now, zone_of(election)).date().isoformat()}"


def _record(action: str, user: User, fmt: str, filters: dict[str, Any], rows: int | None,
            contacts: bool) -> None:
    audit.record(action, actor=user, object_type="export", object_id=fmt,
                 details={"filters": filters, "rows": rows, "contacts": contacts})


def _too_large(cap: int) -> ExportError:
    return ExportError("too_large", _l(
        "This list has more than %(n)d rows, the most a spreadsheet (XLSX) export holds. "
        "Narrow the filters or download it as CSV, which has no limit.", n=cap))


# -- the case list ------------------------------------------------------------------------

def may_see_contacts(user: User) -> bool:
    return user.role in CONTACT_ROLES


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
              _("Assignee"), _("Due"), _("Overdue"), _("Outcome"), _("Channels")]
    if contacts:
        header += [_("Complainant names"), _("Complainant phones"), _("Complainant emails")]
    return header


def _order(sort: str):
    column, descending = SORT_KEYS.get(sort, SORT_KEYS["newest"])  # "due": newest first
    return column, descending


def _case_batches(scope: QueueScope, filters: QueueFilters, now: datetime, contacts: bool,
                  limit: int | None = None) -> Iterator[tuple[list, dict[int, list]]]:
    """(rows, complaints by case id) per keyset batch, in the queue's order; 4 queries each."""
    column, descending = _order(filters.sort)
    conditions = filter_conditions(scope, filters, now)
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
        rows = [queue_row(case, deadline, assignee, now)
                for case, deadline, assignee in db.session.execute(statement)]
        if not rows:
            return
        ids = [row.case.id for row in rows]
        columns = [Complaint.case_id, Complaint.channel, Complaint.anonymous]
        if contacts:
            columns += [Complaint.name, Complaint.phone, Complaint.email]
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
    """One list per case matching the filters in the scope; never internal notes."""
    from casework.cases.queue_filters import CHANNEL_LABELS  # the queue's own labels

    now = now or utcnow()
    zone = zone_of(scope.election)
    states = {k: str(v) for k, v in STATE_LABELS.items()}
    publics = {k: str(v) for k, v in PUBLIC_STATUS_LABELS.items()}
    categories = {k: str(v) for k, v in CATEGORY_LABELS.items()}
    channels = {k: str(v) for k, v in CHANNEL_LABELS.items()}
    outcomes = {k.value: str(v) for k, v in OUTCOME_LABELS.items()}
    yes, no = _("yes"), _("no")
    for rows, complaints in _case_batches(scope, filters, now, contacts, limit):
        for row in rows:
            case = row.case
            found = complaints.get(case.id, [])
            seen = list(dict.fromkeys(c.channel for c in found))
            cells = [
                case.reference, local(case.created_at, zone), states[case.state],
                publics[PUBLIC_STATUS[case.state]], categories[case.category],
                case.region.code if case.region else "",
                case.region.name(locale) if case.region else "",
                case.station.code if case.station else "",
                SEP.join(c.code for c in case.accused),
                row.assignee.full_name if row.assignee else "",
                local(row.due_at, zone), yes if row.overdue else no,
                outcomes.get(case.outcome or "", case.outcome or ""),
                SEP.join(channels.get(c, str(c)) for c in seen),
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
    contacts = may_see_contacts(user)
    rows = None
    if fmt == "xlsx":
        rows = _bounded_count(scope, filters, now, max_rows)
        if rows > max_rows:
            raise _too_large(max_rows)
    _record("export.cases", user, fmt, applied_filters(filters), rows, contacts)
    table = Table(_("Cases"), case_header(contacts),
                  case_rows(scope, filters, contacts=contacts, locale=locale, now=now,
                            limit=rows))
    return _build(fmt, [table], f"cases-{_stamp(scope.election, now)}", rows=rows)


# -- the sanctions register ---------------------------------------------------------------

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
        raise ExportError("invalid", message, field=name) from None


def parse_sanction_filters(args: Mapping[str, str]) -> SanctionFilters:
    """The sanctions export's filters from query parameters; ExportError on a bad value."""
    status = _enum_value(args, "status", SanctionStatus, _l("Unknown status of a sanction."))
    kind = _enum_value(args, "type", SanctionType, _l("Unknown type of sanction."))
    date_from, date_to = parse_day(args.get("from"), "from"), parse_day(args.get("to"), "to")
    if date_from and date_to and date_from > date_to:
        raise ExportError("invalid", _l("The end date is before the start date."), field="to")
    return SanctionFilters(status, kind, date_from, date_to)


def sanction_header() -> list[str]:
    return [_("No."), _("Case"), _("Type"), _("Status"), _("Candidate code"), _("Candidate"),
            _("Region code"), _("Region"), _("Summary"), _("Referred to"), _("Proposed at"),
            _("Proposed by"), _("Reviewed at"), _("Reviewed by"), _("Enforced at"),
            _("Reversed at"), _("Appeal outcome")]


def _sanction_conditions(user: User, election: Election, filters: SanctionFilters) -> list:
    zone = zone_of(election)
    conditions = [Case.election_id == election.id]
    scope = scope_condition(user, election.id)
    if scope is not None:
        conditions.append(scope)
    if filters.status is not None:
        conditions.append(Sanction.status == filters.status)
    if filters.kind is not None:
        conditions.append(Sanction.kind == filters.kind)
    if filters.date_from is not None:
        conditions.append(Sanction.proposed_at >= utc_start(filters.date_from, zone))
    if filters.date_to is not None:
        conditions.append(Sanction.proposed_at
                          < utc_start(filters.date_to + timedelta(days=1), zone))
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
    """The sanctions in the user's scope (all statuses), newest first, in keyset batches."""
    zone = zone_of(election)
    kinds = {k: str(v) for k, v in TYPE_LABELS.items()}
    statuses = {k: str(v) for k, v in STATUS_LABELS.items()}
    appeals = {k: str(v) for k, v in APPEAL_LABELS.items()}
    base = _sanction_query(user, election, filters)
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
                   s.summary, s.referred_to or "", local(s.proposed_at, zone),
                   s.proposed_by.full_name, local(s.reviewed_at, zone),
                   s.reviewed_by.full_name if s.reviewed_by else "",
                   local(s.enforced_at, zone), local(s.reversed_at, zone),
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
            raise _too_large(max_rows)
    _record("export.sanctions", user, fmt, filters.applied(), rows, False)
    table = Table(_("Sanctions"), sanction_header(),
                  sanction_rows(user, election, filters, locale=locale, limit=rows))
    return _build(fmt, [table], f"sanctions-{_stamp(election, now)}", rows=rows)


# -- the daily report ---------------------------------------------------------------------

def export_daily(user: User, election: Election, day: str | None, fmt: str, *, locale: str,
                 now: datetime | None = None) -> Export:
    """The daily report of `day` (YYYY-MM-DD; default: today in the election's zone) for the
    user's scope, one section per table (CSV: separated by a blank line; XLSX: one sheet
    each); audited here."""
    from casework.reports import daily

    now = now or utcnow()
    day = parse_day(day, "date") or local_today(election, now)
    tables = daily.daily_report(user, election, day, locale=locale, now=now)
    rows = sum(len(list(t.rows)) for t in tables)
    _record("export.daily", user, fmt, {"date": day.isoformat()}, rows, False)
    return _build(fmt, tables, f"daily-{election.code}-{day.isoformat()}", titled=True,
                  rows=rows)
