"""Mass complaints: cases whose narratives are the same or nearly (a campaign pasting one
text, or one event reported by many) form a group, kept current as complaints arrive.

Each case's narratives become word 2-shingles; 64 minimum hashes (MinHash) estimate how
much two texts share (Jaccard); 16 bands of 4 minima, hashed and indexed, find the cases a
new one must be compared with (locality-sensitive hashing) without reading the others. A
case whose estimated similarity with an earlier one reaches CASEWORK_MASS_SIMILARITY joins
that case's group; a case that joins two groups joins them. The group is named by its first
case (`Case.text_group_id`). The worker groups new cases (`group_new_cases`) in batches.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, insert, or_, select, update

from casework.cases.merge import merge_cases
from casework.cases.models import (
    Case,
    CaseState,
    CaseTextBand,
    CaseTextSignature,
    InadmissibleReason,
)
from casework.cases.search import narratives_by_case
from casework.cases.transitions import apply, find
from casework.core.refusal import Refusal
from casework.extensions import db

SHINGLE = 2  # words per shingle: an edited word changes two shingles, not three
HASHES = 64
BANDS = 16
ROWS = HASHES // BANDS
PRIME = 4294967291  # the largest prime below 2**32: a*x + b stays inside 64 bits
BATCH = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def _coefficients() -> list[tuple[int, int]]:
    """Fixed (a, b) pairs: the same text always gets the same signature."""
    seed = hashlib.sha256(b"casework mass complaints").digest()
    pairs, counter = [], 0
    while len(pairs) < HASHES:
        block = hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
        for i in range(0, 32, 8):
            a, b = struct.unpack(">II", block[i:i + 8])
            pairs.append((a % (PRIME - 1) + 1, b % PRIME))
    return pairs[:HASHES]


_AB = _coefficients()


def shingles(text: str) -> set[int]:
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE:
        grams = [" ".join(words)] if words else []
    else:
        grams = [" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]
    return {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "big")
            for g in grams}


def signature(text: str) -> list[int]:
    """64 minima; empty for a text without words."""
    values = shingles(text)
    if not values:
        return []
    import numpy  # loaded once by the worker (the evidence hashes need it too)

    x = numpy.fromiter(values, dtype=numpy.uint64)
    a = numpy.array([pair[0] for pair in _AB], dtype=numpy.uint64)[:, None]
    b = numpy.array([pair[1] for pair in _AB], dtype=numpy.uint64)[:, None]
    return [int(v) for v in ((a * x + b) % PRIME).min(axis=1)]


def bands(minima: list[int]) -> list[tuple[int, int]]:
    out = []
    for band in range(BANDS):
        chunk = struct.pack(f">{ROWS}I", *minima[band * ROWS:(band + 1) * ROWS])
        value = int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "big",
                               signed=True)
        out.append((band, value))
    return out


def similarity(one: list[int], other: list[int]) -> float:
    if not one or not other:
        return 0.0
    return sum(1 for x, y in zip(one, other, strict=True) if x == y) / HASHES


def _pack(minima: list[int]) -> bytes:
    return struct.pack(f">{len(minima)}I", *minima)


def _unpack(raw: bytes) -> list[int]:
    return list(struct.unpack(f">{len(raw) // 4}I", raw))


def group_new_cases(limit: int = BATCH) -> int:
    """Sign and group the cases filed since the last round, oldest first, and commit (the
    worker's periodic task). How many were handled.

    The whole batch in a few statements (its signatures and bands in two inserts, its
    candidates in one join of the bands, one update per group formed or joined): under load
    a statement's round trip, not the arithmetic, was most of the cost."""
    last = db.session.scalar(select(func.max(CaseTextSignature.case_id))) or 0
    cases = db.session.execute(select(Case.id, Case.election_id).where(Case.id > last)
                               .order_by(Case.id).limit(limit)).all()
    if not cases:
        return 0
    texts = narratives_by_case([case_id for case_id, _ in cases])
    group_batch([(case_id, election_id, "\n".join(t or "" for t in texts.get(case_id, [])))
                 for case_id, election_id in cases])
    db.session.commit()
    return len(cases)


def group_batch(batch: list[tuple[int, int, str]]) -> dict[int, int]:
    """Keep each (case id, election id, text)'s signature and put the cases in their groups;
    returns {case id: its group} for those of the batch that joined one."""
    signed = {case_id: (election_id, signature(text)) for case_id, election_id, text in batch}
    db.session.execute(insert(CaseTextSignature), [
        {"case_id": case_id, "election_id": election_id, "signature": _pack(minima)}
        for case_id, (election_id, minima) in signed.items()])
    band_rows = [{"case_id": case_id, "band": band, "value": value}
                 for case_id, (_election, minima) in signed.items() if minima
                 for band, value in bands(minima)]
    if not band_rows:
        return {}
    db.session.execute(insert(CaseTextBand), band_rows)
    # Every case sharing a band with one of the batch (the batch's own cases included).
    mine, other = CaseTextBand.__table__.alias("mine"), CaseTextBand.__table__.alias("other")
    pairs = db.session.execute(
        select(mine.c.case_id, other.c.case_id).distinct()
        .join(other, and_(other.c.band == mine.c.band, other.c.value == mine.c.value,
                          other.c.case_id != mine.c.case_id))
        .where(mine.c.case_id.in_(list(signed)))).all()
    others = {other_id for _, other_id in pairs} - set(signed)
    known = {case_id: (election_id, _unpack(raw), group) for case_id, election_id, raw, group
             in db.session.execute(
                 select(CaseTextSignature.case_id, CaseTextSignature.election_id,
                        CaseTextSignature.signature, Case.text_group_id)
                 .join(Case, Case.id == CaseTextSignature.case_id)
                 .where(CaseTextSignature.case_id.in_(sorted(others))))} if others else {}
    known.update({case_id: (election_id, minima, None)
                  for case_id, (election_id, minima) in signed.items()})
    threshold = current_app.config["CASEWORK_MASS_SIMILARITY"]
    # Union-find over cases: a twin links a case of the batch to the other case.
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    for case_id, other_id in pairs:
        election_id, minima, _group = known[case_id]
        other_election, other_minima, _ = known[other_id]
        if other_election == election_id and similarity(minima, other_minima) >= threshold:
            one, two = root(case_id), root(other_id)
            if one != two:
                parent[max(one, two)] = min(one, two)
    components: dict[int, set[int]] = {}
    for node in parent.keys() | set(parent.values()):
        components.setdefault(root(node), set()).add(node)
    joined = {}
    for nodes in components.values():
        groups = {known[n][2] for n in nodes if known[n][2] is not None}
        first = min(groups | nodes)  # a group is named by its first case
        db.session.execute(update(Case).where(or_(
            Case.id.in_(sorted(nodes)), Case.text_group_id.in_(sorted(groups))))
            .values(text_group_id=first).execution_options(synchronize_session=False))
        joined.update({n: first for n in nodes if n in signed})
    return joined


def group_members(case: Case) -> list[Case]:
    """The cases of `case`'s group, oldest first (all of them: callers filter by scope)."""
    if case.text_group_id is None:
        return []
    return list(db.session.scalars(select(Case).where(
        Case.text_group_id == case.text_group_id).order_by(Case.id)))


def group_size(case: Case) -> int:
    if case.text_group_id is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(Case).where(
        Case.text_group_id == case.text_group_id)) or 0


def _check_target(target: Case | None, members: list[Case], *, duplicates: bool = False) -> None:
    if target is None or target not in members:
        raise Refusal("invalid", _l("Choose one of the group's cases."), field="target")
    if target.state is CaseState.MERGED:
        raise Refusal("invalid", _l("This case was merged into another: choose one that "
                                    "continues."), field="target")
    if duplicates and target.state is CaseState.INADMISSIBLE:
        raise Refusal("invalid", _l("This case was declared inadmissible: choose one that "
                                    "continues."), field="target")


def _move_others(target: Case, members: list[Case], action: str, actor,
                 move: Callable[[Case], object]) -> tuple[list[Case], list[Case]]:
    """`move` each member but `target` that `actor` may take `action` on; (moved, left)."""
    transition = find(action)
    moved, left = [], []
    for case in members:
        if case is target:
            continue
        if case.can_take(transition, actor):
            move(case)
            moved.append(case)
        else:
            left.append(case)
    return moved, left


def merge_group(target: Case, members: list[Case], actor) -> tuple[list[Case], list[Case]]:
    """Merge every other member `actor` may merge into `target` (the workflow's "merge", from
    screening; each audited and its complainants told, by merge_cases). Returns (merged,
    left as they are). Refuses when the target is not one of the members."""
    _check_target(target, members)

    def merge(case: Case) -> None:
        apply(case, "merge", actor=actor, into=target)
        merge_cases(case, target, actor)
    merged, left = _move_others(target, members, "merge", actor, merge)
    if not merged:
        raise Refusal("not_allowed", _l("None of the other cases can be merged now: only "
                                        "cases in screening can, by the secretary or the "
                                        "chair."))
    return merged, left


def mark_duplicates(target: Case | None, members: list[Case], actor,
                    note: str = "") -> tuple[list[Case], list[Case]]:
    """Declare every other member in screening that `actor` may reject inadmissible as a
    duplicate of `target` (the workflow's "reject" with reason DUPLICATE, which needs no
    checklist; each move audited and its complainants told by apply). The public reason names
    `target`, then the screener's `note` if any. Returns (marked, left as they are: not in
    screening, or not the actor's to decide)."""
    _check_target(target, members, duplicates=True)
    explanation = str(_l("The same facts are examined in case %(reference)s.",
                         reference=target.reference))
    if note.strip():
        explanation += "\n\n" + note.strip()
    marked, left = _move_others(target, members, "reject", actor, lambda case: apply(
        case, "reject", actor=actor, reason_code=InadmissibleReason.DUPLICATE,
        public_reason=explanation))
    if not marked:
        raise Refusal("not_allowed", _l("None of the other cases can be declared duplicates "
                                        "now: only cases in screening can."))
    return marked, left
