"""Possible duplicates: open cases that may be about the same facts as a case being screened,
in the user's scope, ranked by the similarity of their narratives."""

import functools
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, bindparam, false, literal, select, union_all

from casework.accounts.models import User
from casework.accounts.queries import scope_region_ids
from casework.cases import search
from casework.cases.models import Case, CaseSearchDocument, case_candidates
from casework.cases.workflow import OPEN_STATES
from casework.elections.models import StationKind
from casework.extensions import db

SIMILAR_REASONS = {
    "candidate": _l("Same accused candidate"),
    "station": _l("Same polling station"),
    "region_category": _l("Same region and category"),
    "no_region": _l("Same category, region not set yet"),
    "text": _l("Similar text"),
}
SIMILAR_TEXT = 0.3  # pg_trgm's default threshold: from here on the texts count as similar
PER_REASON = 100  # the most recent open cases looked at per reason


@dataclass(frozen=True)
class Similar:
    case: Any  # the case's id, reference and state
    score: float  # text similarity, 0..1
    reasons: tuple[str, ...]  # keys of SIMILAR_REASONS

    @property
    def labels(self) -> list:
        return [SIMILAR_REASONS[r] for r in self.reasons]


def similar_cases(case: Case, *, user: User, limit: int = 5) -> list[Similar]:
    """Open cases of the same election, in the user's scope, that may be the same facts: the
    same accused candidate, or the same paper polling station, or the same region and
    category (or the same category while one of the two has no region) — ranked by the
    similarity of their narratives (pg_trgm on PostgreSQL, the same measure on SQLite).
    Three queries: the candidates, their similarity, the cases shown."""
    scope = scope_region_ids(user, case.election_id)
    accused = [c.id for c in case.accused]
    paper = case.station_id is not None and case.station.kind is StationKind.PAPER
    shape = (bool(accused), paper, case.region_id is not None,
             None if scope is None else bool(scope))
    params = {"election": case.election_id, "case_id": case.id, "accused": accused,
              "station": case.station_id, "region": case.region_id,
              "category": case.category, "scope": sorted(scope or ())}
    found: dict[int, list[str]] = {}
    for name, case_id in db.session.connection().execute(_candidates(*shape), params):
        if name not in found.setdefault(case_id, []):
            found[case_id].append(name)
    if not found:
        return []
    scores = _similarities(search.narratives_of(case), list(found))
    for case_id, score in scores.items():
        if score >= SIMILAR_TEXT:
            found[case_id].append("text")
    ranked = sorted(found, key=lambda i: (-scores.get(i, 0.0), -len(found[i]), -i))[:limit]
    # What the list shows of each, one Core select (mapped cases with their regions and
    # accused were three statements and a sixth of the function).
    cases = {row.id: row for row in db.session.connection().execute(
        _shown(), {"ids": ranked})}
    return [Similar(cases[i], round(scores.get(i, 0.0), 3), tuple(found[i]))
            for i in ranked if i in cases]


@functools.lru_cache(maxsize=32)
def _candidates(accused: bool, paper_station: bool, region: bool, scope: bool | None):
    """The candidates' statement for a shape of case (accused or not, on a paper station or
    not, of a region or not) and of reader's scope (None: every region; False: none), built
    once per shape: composing it cost a fifth of the function. The values are parameters."""
    base = [Case.election_id == bindparam("election"), Case.state.in_(OPEN_STATES),
            Case.id != bindparam("case_id")]
    if scope is not None:
        base.append(Case.region_id.in_(bindparam("scope", expanding=True)) if scope else false())
    branches = []
    if accused:  # driven by case_candidates (candidate_id, case_id): ids grow with time
        branches.append(select(literal("candidate").label("reason"), Case.id.label("id"))
                        .join(case_candidates, case_candidates.c.case_id == Case.id)
                        .where(*base, case_candidates.c.candidate_id.in_(
                            bindparam("accused", expanding=True)))
                        .order_by(Case.id.desc()).limit(PER_REASON).subquery())
    category = Case.category == bindparam("category")
    reasons: list[tuple[str, ColumnElement[bool]]] = []
    if paper_station:
        reasons.append(("station", Case.station_id == bindparam("station")))
    if region:
        reasons.append(("region_category", and_(Case.region_id == bindparam("region"), category)))
        reasons.append(("no_region", and_(Case.region_id.is_(None), category)))
    else:
        reasons.append(("no_region", category))
    branches += [select(literal(name).label("reason"), Case.id.label("id"))
                 .where(*base, condition).order_by(Case.created_at.desc(), Case.id.desc())
                 .limit(PER_REASON).subquery() for name, condition in reasons]
    return union_all(*[select(b.c.reason, b.c.id) for b in branches])


@functools.cache
def _shown():
    return select(Case.id, Case.reference, Case.state).where(
        Case.id.in_(bindparam("ids", expanding=True)))


@functools.cache
def _narratives():
    return select(CaseSearchDocument.case_id, CaseSearchDocument.narratives).where(
        CaseSearchDocument.case_id.in_(bindparam("ids", expanding=True)))


class _TrigramMasks:
    """Texts' trigram sets as bit masks over one vocabulary (trigram -> bit), made once per
    text: the trigrams two texts share are then an AND and a bit count, where intersecting
    two sets of ~300 strings was a third of the possible duplicates' cost (a screened case
    compares itself with up to 300 texts). The counts, and so the scores, are the same."""

    TEXTS = 512  # screened cases of one region and category compare the same recent texts
    # A vocabulary past this starts again (see _masks): a mask stays about 16 KB at most, the
    # process's masks about 8 MB.
    TRIGRAMS = 1 << 17

    def __init__(self) -> None:
        self.bits: dict[str, int] = {}
        self.masks: dict[str, tuple[int, int]] = {}  # text -> (mask, how many trigrams)
        self.lock = threading.Lock()

    def of(self, value: str) -> tuple[int, int]:
        value = value[:search.SIMILARITY_CHARS]
        found = self.masks.get(value)
        if found is not None:
            return found
        grams = search.trigrams(value)
        with self.lock:  # two threads must not give two trigrams one bit
            bits = [self.bits.setdefault(g, len(self.bits)) for g in grams]
            field = bytearray(max(bits, default=0) // 8 + 1)  # linear, where |= per bit is not
            for bit in bits:
                field[bit >> 3] |= 1 << (bit & 7)
            found = (int.from_bytes(field, "little"), len(bits))
            while len(self.masks) >= self.TEXTS:
                del self.masks[next(iter(self.masks))]
            self.masks[value] = found
        return found


_MASKS = _TrigramMasks()


def _masks() -> _TrigramMasks:
    """The process's masks; a new vocabulary once this one is past its bound (new words keep
    coming with new complaints). One comparison uses one vocabulary throughout."""
    global _MASKS
    if len(_MASKS.bits) > _TrigramMasks.TRIGRAMS:
        _MASKS = _TrigramMasks()
    return _MASKS


def mask_scores(text_value: str, rows: Iterable[tuple[int, str | None]]) -> dict[int, float]:
    """pg_trgm's similarity of `text_value` to each (case id, text), from the trigram masks."""
    masks = _masks()
    first, first_count = masks.of(text_value)
    scores: dict[int, float] = {}
    for case_id, value in rows:
        second, second_count = masks.of(value or "")
        if not first_count or not second_count:
            scores[case_id] = 0.0
            continue
        shared = (first & second).bit_count()
        scores[case_id] = shared / (first_count + second_count - shared)
    return scores


def _similarities(text_value: str, case_ids: list[int]) -> dict[int, float]:
    """search.similarities, with the same measure on SQLite computed from the trigram masks
    (PostgreSQL's pg_trgm, and the cases whose document is not built yet, through
    search.similarities itself)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return search.similarities(text_value, case_ids)
    # Core rows: the ORM's row handling cost as much as the query.
    scores = mask_scores(text_value, db.session.connection().execute(
        _narratives(), {"ids": case_ids}))
    missing = [case_id for case_id in case_ids if case_id not in scores]
    if missing:  # just filed: the worker builds its document
        scores.update(search.similarities(text_value, missing))
    return scores
