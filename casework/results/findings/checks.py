"""The checks themselves: plain functions over one election's results, no writes.

Each returns `Found` items: what was found, where, who benefited, the figures behind it as
CSV rows (attached to the case as its evidence) and a key that names it, so that a later
import finding the same thing again is recognised.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from casework.elections.models import (
    Candidate,
    Election,
    EvoteHourlyCount,
    PollingStation,
    Region,
    Result,
    StationKind,
)
from casework.extensions import db
from casework.results.findings.models import CheckThresholds, FindingKind

# Hours before the one checked whose median is its baseline.
BASELINE_HOURS = 6


@dataclass
class Station:
    id: int
    code: str
    region_id: int | None
    registered: int | None
    electronic: bool
    votes: dict[str, int] = field(default_factory=dict)  # candidate code -> votes

    @property
    def total(self) -> int:
        return sum(self.votes.values())

    def leader(self) -> tuple[str, int]:
        return max(self.votes.items(), key=lambda item: (item[1], item[0]))


@dataclass
class Found:
    kind: FindingKind
    key: str
    numbers: dict[str, Any]
    csv_rows: list[list[Any]]
    station_code: str | None = None
    region_id: int | None = None
    candidate_codes: list[str] = field(default_factory=list)
    electronic: bool = False


def load_stations(election: Election) -> list[Station]:
    """Every station with results, its votes per candidate (annulled results left out)."""
    stations: dict[int, Station] = {}
    rows = db.session.execute(
        select(PollingStation.id, PollingStation.code, PollingStation.region_id,
               PollingStation.registered, PollingStation.kind, Candidate.code, Result.votes)
        .join(Result, Result.station_id == PollingStation.id)
        .join(Candidate, Candidate.id == Result.candidate_id)
        .where(PollingStation.election_id == election.id, Result.annulled.is_(False))
        .order_by(PollingStation.code, Candidate.code))
    for station_id, code, region_id, registered, kind, candidate, votes in rows:
        station = stations.setdefault(station_id, Station(
            station_id, code, region_id, registered, kind is StationKind.ELECTRONIC))
        station.votes[candidate] = votes
    return list(stations.values())


def _vote_rows(station: Station) -> list[list[Any]]:
    return [[station.code, candidate, votes] for candidate, votes in sorted(station.votes.items())]


def over_registered(stations: Iterable[Station]) -> list[Found]:
    found = []
    for station in stations:
        if station.registered is None or station.total <= station.registered:
            continue
        leader, _ = station.leader()
        found.append(Found(
            FindingKind.OVER_REGISTERED, f"over_registered:{station.code}",
            {"station": station.code, "votes": station.total, "registered": station.registered},
            [["station", "candidate", "votes"], *_vote_rows(station),
             [station.code, "TOTAL", station.total], [station.code, "REGISTERED",
                                                      station.registered]],
            station_code=station.code, region_id=station.region_id, candidate_codes=[leader],
            electronic=station.electronic))
    return found


def dominant_share(stations: Iterable[Station], limits: CheckThresholds) -> list[Found]:
    found = []
    for station in stations:
        total = station.total
        if total < limits.min_votes or len(station.votes) < 2:
            continue
        leader, votes = station.leader()
        share = votes / total
        if share < limits.share:
            continue
        found.append(Found(
            FindingKind.DOMINANT_SHARE, f"dominant_share:{station.code}:{leader}",
            {"station": station.code, "candidate": leader, "votes": votes, "total": total,
             "share": round(share, 4), "threshold": limits.share},
            [["station", "candidate", "votes"], *_vote_rows(station),
             [station.code, "TOTAL", total]],
            station_code=station.code, region_id=station.region_id, candidate_codes=[leader],
            electronic=station.electronic))
    return found


def identical_votes(stations: Iterable[Station], limits: CheckThresholds,
                    region_codes: dict[int, str]) -> list[Found]:
    """Stations of one district whose votes, candidate by candidate, are all the same."""
    groups: dict[tuple[int, tuple], list[Station]] = defaultdict(list)
    for station in stations:
        if station.region_id is None or station.total < limits.min_votes:
            continue
        vector = tuple(sorted(station.votes.items()))
        groups[(station.region_id, vector)].append(station)
    found = []
    for (region_id, vector), members in groups.items():
        if len(members) < 2:
            continue
        codes = sorted(station.code for station in members)
        leader, _ = members[0].leader()
        fingerprint = ",".join(f"{candidate}={votes}" for candidate, votes in vector)
        region = region_codes.get(region_id, str(region_id))
        found.append(Found(
            FindingKind.IDENTICAL_VOTES, f"identical_votes:{region}:{_short(fingerprint)}",
            {"district": region, "stations": codes, "votes": dict(vector)},
            [["station", "candidate", "votes"],
             *[row for station in sorted(members, key=lambda s: s.code)
               for row in _vote_rows(station)]],
            region_id=region_id, candidate_codes=[leader]))
    return found


def hourly_jumps(hours: list[tuple[datetime, int]], limits: CheckThresholds) -> list[Found]:
    """Hours whose count is far above the median of the hours before them."""
    found = []
    for index in range(BASELINE_HOURS, len(hours)):
        hour, votes = hours[index]
        baseline = statistics.median(count for _, count in hours[index - BASELINE_HOURS:index])
        if votes <= baseline * limits.jump_factor or votes - baseline < limits.jump_min:
            continue
        stamp = hour.strftime("%Y-%m-%dT%H:00")
        found.append(Found(
            FindingKind.HOURLY_JUMP, f"hourly_jump:{stamp}",
            {"hour_utc": stamp, "votes": votes, "median_before": baseline,
             "factor": limits.jump_factor},
            electronic=True, csv_rows=[["hour_utc", "votes"],
             *[[h.strftime("%Y-%m-%dT%H:00"), count]
               for h, count in hours[index - BASELINE_HOURS:index + 1]]]))
    return found


def load_hours(election: Election) -> list[tuple[datetime, int]]:
    return [(row.hour, row.votes) for row in db.session.execute(
        select(EvoteHourlyCount.hour, EvoteHourlyCount.votes)
        .where(EvoteHourlyCount.election_id == election.id).order_by(EvoteHourlyCount.hour))]


def run_all(election: Election, limits: CheckThresholds) -> list[Found]:
    stations = load_stations(election)
    region_codes: dict[int, str] = {row.id: row.code for row in db.session.execute(
        select(Region.id, Region.code).where(Region.election_id == election.id))}
    return [*over_registered(stations), *dominant_share(stations, limits),
            *identical_votes(stations, limits, region_codes),
            *hourly_jumps(load_hours(election), limits)]


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
