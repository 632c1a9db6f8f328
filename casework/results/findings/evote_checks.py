"""Clusters in the e-voting log: many IINs on one phone or from one IP, a burst of votes
from one IP, votes outside the voting hours. Each names the candidate who gained most; its
report shows hash prefixes, never an IIN, phone or IP."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import func, or_, select

from casework.elections.models import Candidate, Election
from casework.extensions import db
from casework.results.findings.checks import Found
from casework.results.findings.models import CheckThresholds, EvoteLogEntry, FindingKind

E = EvoteLogEntry
PREFIX = 12  # hash characters shown in a report: enough to tell rows apart, no more
HEADER = ["voter (IIN hash)", "phone hash", "IP hash", "cast at (UTC)", "candidate"]


def run(election: Election, limits: CheckThresholds) -> list[Found]:
    codes = dict(db.session.execute(select(Candidate.id, Candidate.code).where(
        Candidate.election_id == election.id)).all())
    return [*_shared(election, limits, codes, E.phone_hash, limits.iins_per_phone,
                     FindingKind.SHARED_PHONE, "evote_phone"),
            *_shared(election, limits, codes, E.ip_hash, limits.iins_per_ip,
                     FindingKind.SHARED_IP, "evote_ip"),
            *_bursts(election, limits, codes),
            *_outside_hours(election, codes)]


def _rows(condition, codes: dict[int, str], limit: int = 5000) -> list[list]:
    rows = db.session.execute(
        select(E.iin_hash, E.phone_hash, E.ip_hash, E.cast_at, E.candidate_id)
        .where(condition).order_by(E.cast_at, E.id).limit(limit))
    return [[iin[:PREFIX], phone[:PREFIX], ip[:PREFIX], cast.strftime("%Y-%m-%dT%H:%M:%S"),
             codes.get(candidate, "")] for iin, phone, ip, cast, candidate in rows]


def _gainer(rows: list[list]) -> tuple[str, int]:
    return Counter(row[4] for row in rows).most_common(1)[0]


def _shared(election: Election, limits: CheckThresholds, codes: dict[int, str], column,
            threshold: int, kind: FindingKind, prefix: str) -> Iterator[Found]:
    iins = func.count(func.distinct(E.iin_hash))
    clusters = db.session.execute(
        select(column, iins).where(E.election_id == election.id)
        .group_by(column).having(iins >= threshold).order_by(iins.desc()))
    for value, count in clusters:
        rows = _rows((E.election_id == election.id) & (column == value), codes)
        candidate, votes = _gainer(rows)
        yield Found(kind, f"{prefix}:{value[:32]}",
                    {"hash": value[:PREFIX], "iins": count, "candidate": candidate,
                     "votes_for_candidate": votes, "threshold": threshold},
                    [HEADER, *rows], candidate_codes=[candidate], electronic=True)


def _bursts(election: Election, limits: CheckThresholds, codes: dict[int, str]
            ) -> Iterator[Found]:
    """For each IP, the first window of `burst_minutes` holding `burst_votes` votes or more
    (one finding per IP: the report lists that window's votes)."""
    window = timedelta(minutes=limits.burst_minutes)
    busy = select(E.ip_hash).where(E.election_id == election.id).group_by(E.ip_hash).having(
        func.count() >= limits.burst_votes)
    times: dict[str, list] = {}
    for ip, cast in db.session.execute(
            select(E.ip_hash, E.cast_at).where(E.election_id == election.id,
                                               E.ip_hash.in_(busy))
            .order_by(E.ip_hash, E.cast_at)):
        times.setdefault(ip, []).append(cast)
    for ip, casts in times.items():
        start = 0
        for end in range(len(casts)):
            while casts[end] - casts[start] > window:
                start += 1
            if end - start + 1 >= limits.burst_votes:
                first, last = casts[start], casts[start] + window
                rows = _rows((E.election_id == election.id) & (E.ip_hash == ip)
                             & (E.cast_at >= first) & (E.cast_at <= last), codes)
                candidate, votes = _gainer(rows)
                yield Found(FindingKind.BURST, f"evote_burst:{ip[:32]}",
                            {"hash": ip[:PREFIX], "votes": len(rows),
                             "minutes": limits.burst_minutes,
                             "from_utc": first.strftime("%Y-%m-%dT%H:%M"),
                             "candidate": candidate, "votes_for_candidate": votes},
                            [HEADER, *rows], candidate_codes=[candidate], electronic=True)
                break


def _outside_hours(election: Election, codes: dict[int, str]) -> Iterator[Found]:
    """Votes cast before the voting opened or after it closed, per candidate."""
    if election.voting_starts_at is None or election.voting_ends_at is None:
        return
    outside = or_(E.cast_at < election.voting_starts_at, E.cast_at > election.voting_ends_at)
    per_candidate = db.session.execute(
        select(E.candidate_id, func.count()).where(E.election_id == election.id, outside)
        .group_by(E.candidate_id).order_by(E.candidate_id))
    for candidate_id, count in per_candidate:
        code = codes.get(candidate_id, "")
        rows = _rows((E.election_id == election.id) & outside & (E.candidate_id == candidate_id),
                     codes)
        yield Found(FindingKind.OUTSIDE_HOURS, f"evote_outside:{code}",
                    {"candidate": code, "votes": count,
                     "opens_utc": election.voting_starts_at.strftime("%Y-%m-%dT%H:%M"),
                     "closes_utc": election.voting_ends_at.strftime("%Y-%m-%dT%H:%M")},
                    [HEADER, *rows], candidate_codes=[code], electronic=True)
