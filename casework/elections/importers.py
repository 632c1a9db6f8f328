"""CSV import of elections, regions, stations, candidates and results.

All-or-nothing: every row is checked first and every bad line reported; only a
clean file is written. Idempotent: rows are matched by their natural key, so
importing the same file again changes nothing.
"""

import hashlib
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from blinker import Namespace
from sqlalchemy import select

from casework.core import audit
from casework.core.i18n import LANGUAGES
from casework.core.timezones import to_utc, zone_of
from casework.elections.csvio import ImportFailed, ImportReport, Row, RowError, read_rows
from casework.elections.legal_clock_models import Holiday
from casework.elections.models import (
    DEFAULT_LOCALE,
    DEFAULT_TIMEZONE,
    CalendarMoment,
    Candidate,
    Election,
    EvoteHourlyCount,
    PollingStation,
    Region,
    RegionCertification,
    RegionKind,
    Result,
    StationKind,
)
from casework.extensions import db

signals = Namespace()
# Sent after a results import has written its rows, in the same transaction (sender: the
# election): an enforced annulment extends to results that arrive inside its scope later.
results_imported = signals.signal("results-imported")
# The same after the electronic vote's hourly counts were written.
evote_hours_imported = signals.signal("evote-hours-imported")

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,19}$")
NAMES = ["name_kk", "name_ru", "name_en"]
CALENDAR = [moment.value for moment in CalendarMoment]


class RowProblem(ValueError):
    pass


def _code(row: Row, column: str, *, required: bool = True) -> str | None:
    value = row.get(column).upper()
    if not value:
        if required:
            raise RowProblem(f"{column} is empty")
        return None
    if not CODE_RE.match(value):
        raise RowProblem(f"{column} {value!r} is not a valid code (letters, digits, - _ .; "
                         "at most 20)")
    return value


def _names(row: Row) -> dict[str, str]:
    values = {}
    for column in NAMES:
        value = row.get(column)
        if not value:
            raise RowProblem(f"{column} is empty")
        if len(value) > 200:
            raise RowProblem(f"{column} is longer than 200 characters")
        values[column] = value
    return values


def _choice(row: Row, column: str, enum_cls) -> Any:
    value = row.get(column).lower()
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)
        raise RowProblem(f"{column} {value!r} is not one of: {allowed}") from None


def _count(row: Row, column: str, *, required: bool = True) -> int | None:
    value = row.get(column).replace(" ", "")
    if not value and not required:
        return None
    if not value.isdigit():
        raise RowProblem(f"{column} {row.get(column)!r} is not a whole number >= 0")
    return int(value)


def _check_all(rows: list[Row], key_of: Callable[[Row], Any], check: Callable[[Row], dict],
               errors: list[RowError] | None = None) -> list[tuple[Row, Any, dict]]:
    """Run the row check on every row, collecting every error and duplicate key.

    Pass `errors` to add more checks on the valid rows before failing."""
    collect = errors is not None
    errors = errors if collect else []
    seen: dict[Any, int] = {}
    items = []
    for row in rows:
        try:
            key = key_of(row)
            values = check(row)
        except RowProblem as problem:
            errors.append(RowError(row.line, str(problem)))
            continue
        if key in seen:
            errors.append(RowError(row.line, f"duplicate of line {seen[key]} ({key})"))
            continue
        seen[key] = row.line
        items.append((row, key, values))
    if errors and not collect:
        raise ImportFailed(errors)
    return items


def _upsert(report: ImportReport, existing: Any, values: dict, factory: Callable[[], Any]) -> Any:
    if existing is None:
        obj = factory()
        for name, value in values.items():
            setattr(obj, name, value)
        db.session.add(obj)
        report.created += 1
        return obj
    changed = {n: v for n, v in values.items() if getattr(existing, n) != v}
    for name, value in changed.items():
        setattr(existing, name, value)
    if changed:
        report.updated += 1
    else:
        report.unchanged += 1
    return existing


def _parse_time(row: Row, column: str, zone: ZoneInfo) -> datetime:
    value = row.get(column)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise RowProblem(f"{column} {value!r} is not a date and time like 2020-05-25T08:00") \
            from None
    return to_utc(moment, zone)


def import_elections(rows: list[Row], election: Election | None, report: ImportReport) -> None:
    def check(row: Row) -> dict:
        try:
            zone = zone_of(row.get("timezone") or DEFAULT_TIMEZONE)
        except (ZoneInfoNotFoundError, ValueError):
            raise RowProblem(f"timezone {row.get('timezone')!r} is unknown") from None
        locale = (row.get("default_locale") or DEFAULT_LOCALE).lower()
        if locale not in LANGUAGES:
            raise RowProblem(f"default_locale {locale!r} is not one of: {', '.join(LANGUAGES)}")
        values = {**_names(row), "timezone": zone.key, "default_locale": locale}
        values.update({c: _parse_time(row, c, zone) for c in CALENDAR})
        for a, b in [("filing_opens_at", "filing_closes_at"), ("voting_starts_at", "voting_ends_at"),
                     ("decision_deadline_at", "results_certification_at")]:
            if values[a] > values[b]:
                raise RowProblem(f"{a} is after {b}")
        return values

    items = _check_all(rows, lambda r: _code(r, "code"), check)
    existing = {e.code: e for e in db.session.scalars(select(Election))}
    for _row, code, values in items:
        _upsert(report, existing.get(code), values, lambda c=code: Election(code=c))


def _seats(row: Row) -> int | None:
    seats = _count(row, "seats", required=False)
    if seats == 0:
        raise RowProblem("seats must be at least 1 when given")
    return seats


def import_regions(rows: list[Row], election: Election, report: ImportReport) -> None:
    existing = {r.code: r for r in db.session.scalars(
        select(Region).where(Region.election_id == election.id))}
    parent_in_file = {}

    def check(row: Row) -> dict:
        code, parent = _code(row, "code"), _code(row, "parent_code", required=False)
        if parent == code:
            raise RowProblem("a region cannot be its own parent")
        parent_in_file[code] = parent
        return {**_names(row), "kind": _choice(row, "kind", RegionKind),
                "voters": _count(row, "voters", required=False),
                "seats": _seats(row), "_parent": parent}

    errors: list[RowError] = []
    items = _check_all(rows, lambda r: _code(r, "code"), check, errors)
    for row, code, values in items:
        parent = values["_parent"]
        if parent and parent not in parent_in_file and parent not in existing:
            errors.append(RowError(row.line, f"parent_code {parent} is not a known region"))
        seen, cursor = {code}, parent
        while cursor in parent_in_file:  # walk up through the file to catch cycles
            if cursor in seen:
                errors.append(RowError(row.line, f"region {code} is part of a parent cycle"))
                break
            seen.add(cursor)
            cursor = parent_in_file[cursor]
    if errors:
        raise ImportFailed(errors)
    objects = {}
    for _row, code, values in items:
        fields = {k: v for k, v in values.items() if k != "_parent"}
        objects[code] = _upsert(report, existing.get(code), fields,
                                lambda c=code: Region(code=c, election_id=election.id))
    db.session.flush()
    for _row, code, values in items:
        parent = values["_parent"]
        parent_obj = objects.get(parent) or existing.get(parent) if parent else None
        if objects[code].parent_id != (parent_obj.id if parent_obj else None):
            objects[code].parent = parent_obj
            if existing.get(code) is not None:
                report.notes.append(f"{code}: parent changed to {parent or 'none'}")


def _regions_by_code(election: Election) -> dict[str, Region]:
    return {r.code: r for r in db.session.scalars(
        select(Region).where(Region.election_id == election.id))}


def _coordinates(row: Row) -> dict[str, float | None]:
    """Optional latitude and longitude (decimal degrees, WGS 84): both or neither."""
    values: dict[str, float | None] = {}
    for column, limit in (("latitude", 90), ("longitude", 180)):
        text = row.get(column).replace(",", ".")
        try:
            value = float(text) if text else None
        except ValueError:
            raise RowProblem(f"{column} {text!r} is not a number of degrees") from None
        if value is not None and not -limit <= value <= limit:  # NaN fails this too
            raise RowProblem(f"{column} {text} is outside -{limit}..{limit}")
        values[column] = value
    if (values["latitude"] is None) != (values["longitude"] is None):
        raise RowProblem("give both latitude and longitude, or neither")
    return values


def import_stations(rows: list[Row], election: Election, report: ImportReport) -> None:
    regions = _regions_by_code(election)

    def check(row: Row) -> dict:
        kind = _choice(row, "kind", StationKind)
        region_code = _code(row, "region_code", required=False)
        if region_code and region_code not in regions:
            raise RowProblem(f"region_code {region_code} is not a known region")
        if kind is StationKind.PAPER and not region_code:
            raise RowProblem("a paper-ballot station needs a region_code")
        address = row.get("address")
        if len(address) > 400:
            raise RowProblem("address is longer than 400 characters")
        return {"kind": kind, "address": address, **_coordinates(row),
                "registered": _count(row, "registered", required=False),
                "region_id": regions[region_code].id if region_code else None}

    items = _check_all(rows, lambda r: _code(r, "code"), check)
    existing = {s.code: s for s in db.session.scalars(
        select(PollingStation).where(PollingStation.election_id == election.id))}
    for _row, code, values in items:
        _upsert(report, existing.get(code), values,
                lambda c=code: PollingStation(code=c, election_id=election.id))


def import_candidates(rows: list[Row], election: Election, report: ImportReport) -> None:
    regions = _regions_by_code(election)

    def check(row: Row) -> dict:
        region_code = _code(row, "region_code")
        if region_code not in regions:
            raise RowProblem(f"region_code {region_code} is not a known region")
        return {**_names(row), "region_id": regions[region_code].id}

    items = _check_all(rows, lambda r: _code(r, "code"), check)
    existing = {c.code: c for c in db.session.scalars(
        select(Candidate).where(Candidate.election_id == election.id))}
    # Registration status is never imported: it changes only through sanctions.
    for _row, code, values in items:
        _upsert(report, existing.get(code), values,
                lambda c=code: Candidate(code=c, election_id=election.id))


def import_results(rows: list[Row], election: Election, report: ImportReport) -> None:
    stations = {s.code: s for s in db.session.scalars(
        select(PollingStation).where(PollingStation.election_id == election.id))}
    candidates = {c.code: c for c in db.session.scalars(
        select(Candidate).where(Candidate.election_id == election.id))}
    _regions_by_code(election)  # loads the region tree once for lies_within()
    certified = set(db.session.scalars(select(RegionCertification.region_id).join(
        Region, Region.id == RegionCertification.region_id).where(
        Region.election_id == election.id)))
    existing = {(r.station_id, r.candidate_id): r for r in db.session.scalars(
        select(Result).join(Result.station).where(PollingStation.election_id == election.id))}

    def key(row: Row) -> tuple[str, str]:
        return (_code(row, "station_code"), _code(row, "candidate_code"))

    def check(row: Row) -> dict:
        station_code, candidate_code = key(row)
        station, candidate = stations.get(station_code), candidates.get(candidate_code)
        if station is None:
            raise RowProblem(f"station_code {station_code} is not a known polling station")
        if candidate is None:
            raise RowProblem(f"candidate_code {candidate_code} is not a known candidate")
        if station.kind is StationKind.PAPER and not station.region.lies_within(candidate.region_id):
            raise RowProblem(f"station {station_code} is outside candidate {candidate_code}'s "
                             "region")
        votes = _count(row, "votes")
        current = existing.get((station.id, candidate.id))
        if current is not None and current.annulled and current.votes != votes:
            raise RowProblem("this result is annulled; its votes cannot be changed by import")
        if (current is None or current.votes != votes) and candidate.region.top().id in certified:
            raise RowProblem(f"the results of {candidate.region.top().code} are certified; "
                             "they cannot be changed by import")
        return {"votes": votes, "_ids": (station.id, candidate.id)}

    items = _check_all(rows, key, check)
    for _row, _key, values in items:
        station_id, candidate_id = values.pop("_ids")
        _upsert(report, existing.get((station_id, candidate_id)), values,
                lambda s=station_id, c=candidate_id: Result(station_id=s, candidate_id=c))


def import_evote_hours(rows: list[Row], election: Election, report: ImportReport) -> None:
    zone = zone_of(election)
    existing = {h.hour: h for h in db.session.scalars(
        select(EvoteHourlyCount).where(EvoteHourlyCount.election_id == election.id))}

    def check(row: Row) -> dict:
        return {"votes": _count(row, "votes")}

    def key(row: Row) -> datetime:
        moment = _parse_time(row, "hour", zone)
        if moment.minute or moment.second or moment.microsecond:
            raise RowProblem(f"hour {row.get('hour')!r} must be the start of an hour, "
                             "like 2020-05-25T08:00")
        return moment

    for _row, hour, values in _check_all(rows, key, check):
        _upsert(report, existing.get(hour), values,
                lambda h=hour: EvoteHourlyCount(hour=h, election_id=election.id))


def import_holidays(rows: list[Row], election: Election, report: ImportReport) -> None:
    """The election's public holidays, skipped by periods in working days (legal_clock)."""
    existing = {h.day: h for h in db.session.scalars(
        select(Holiday).where(Holiday.election_id == election.id))}

    def key(row: Row) -> date:
        try:
            return date.fromisoformat(row.get("date"))
        except ValueError:
            raise RowProblem(f"date {row.get('date')!r} is not a date like 2024-03-22") from None

    def check(row: Row) -> dict:
        if len(row.get("name")) > 200:
            raise RowProblem("name is longer than 200 characters")
        return {"name": row.get("name")}

    for _row, day, values in _check_all(rows, key, check):
        _upsert(report, existing.get(day), values,
                lambda d=day: Holiday(day=d, election_id=election.id))


IMPORTERS = {
    "elections": (import_elections, ["code", *NAMES, *CALENDAR], ["timezone", "default_locale"]),
    "regions": (import_regions, ["code", "kind", *NAMES], ["parent_code", "voters", "seats"]),
    "stations": (import_stations, ["code", "kind"], ["region_code", "address", "latitude",
                                                     "longitude", "registered"]),
    "candidates": (import_candidates, ["code", "region_code", *NAMES], []),
    "results": (import_results, ["station_code", "candidate_code", "votes"], []),
    "evote_hours": (import_evote_hours, ["hour", "votes"], []),
    "holidays": (import_holidays, ["date"], ["name"]),
}


def run_import(kind: str, data: bytes, *, election: Election | None, actor: Any = None,
               source: str = "") -> ImportReport:
    """Validate the whole file, then write it; raises ImportFailed with every bad line."""
    function, required, optional = IMPORTERS[kind]
    if kind != "elections" and election is None:
        raise ImportFailed([RowError(0, "no election: import or seed an election first, "
                                        "or name one with --election")])
    rows = read_rows(data, required, optional)
    report = ImportReport(kind)
    with db.session.no_autoflush:
        function(rows, election, report)
    db.session.flush()
    if kind == "results":
        results_imported.send(election, actor=actor)
    elif kind == "evote_hours":
        evote_hours_imported.send(election, actor=actor)
    audit.record(f"import.{kind}", actor=actor, object_type="election",
                 object_id=election.code if election else None,
                 details={"source": source[-200:], "sha256": hashlib.sha256(data).hexdigest(),
                          "created": report.created, "updated": report.updated,
                          "unchanged": report.unchanged})
    return report
