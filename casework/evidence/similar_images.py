"""The same picture sent again: a perceptual hash per photo, and per key frame of a video
(imagehash's pHash over the 32 x 32 grey levels the child renderer read; ImageHash),
near-identical pictures on other cases found through the hashes' bytes (ImageHashBand) and
kept as matches; exact repeats by SHA-256.

The worker records the hashes when it reads a file's metadata (photo_facts.py; a video's key
frames through key_frames.py); the case page lists where else the picture is evidence, only
in cases the reader may open; the queue filters cases whose evidence is reused
(`Case.evidence_reused`).
"""

from __future__ import annotations

import functools
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import joinedload

from casework.cases.models import Case
from casework.elections.models import Region
from casework.evidence.models import EvidenceItem, ImageHash, ImageHashBand, ImageMatch
from casework.extensions import db

GRAY_BYTES = 32 * 32
BANDS = 8  # bytes of 8 bits: hashes at most 7 bits apart share at least one
MAX_DISTANCE = BANDS - 1


def perceptual_hash(gray32: Any) -> int | None:
    """The 64-bit pHash of the child's grey levels (hex), None when they are not exactly
    1,024 of them (an old child, or a value that is not what it should be)."""
    if not isinstance(gray32, str) or len(gray32) != 2 * GRAY_BYTES:
        return None
    try:
        raw = bytes.fromhex(gray32)
    except ValueError:
        return None
    import imagehash  # numpy and scipy: loaded by the worker only, once
    from PIL import Image

    picture = Image.frombytes("L", (32, 32), raw)
    return int(str(imagehash.phash(picture)), 16)


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def bands_of(value: int) -> list[tuple[int, int]]:
    return [(band, (value >> (8 * band)) & 0xFF) for band in range(BANDS)]


def record(item: EvidenceItem, hashes: list[tuple[int | None, int]]) -> int:
    """Keep the item's hashes (a photo's one; a video's key frames', each with its time in
    ms) and its matches on other cases, the closest pair of frames per other item; returns
    how many other items matched."""
    db.session.execute(insert(ImageHash), [
        {"evidence_item_id": item.id, "frame": frame, "at_ms": at, "phash": _signed(value)}
        for frame, (at, value) in enumerate(hashes)])
    bands = sorted({band for _at, value in hashes for band in bands_of(value)})
    db.session.execute(insert(ImageHashBand), [
        {"evidence_item_id": item.id, "band": band, "value": value} for band, value in bands])
    limit = min(current_app.config["CASEWORK_EVIDENCE_SIMILAR_BITS"], MAX_DISTANCE)
    share_a_band = or_(*[and_(ImageHashBand.band == band, ImageHashBand.value == value)
                         for band, value in bands])
    candidates = db.session.execute(
        select(ImageHash.evidence_item_id, ImageHash.at_ms, ImageHash.phash,
               EvidenceItem.case_id)
        .join(EvidenceItem, EvidenceItem.id == ImageHash.evidence_item_id)
        .where(ImageHash.evidence_item_id.in_(
            select(ImageHashBand.evidence_item_id).where(share_a_band)),
            EvidenceItem.case_id != item.case_id)
        .order_by(ImageHash.evidence_item_id, ImageHash.frame))
    best: dict[int, tuple[int, int | None, int | None, int]] = {}
    for other_id, other_at, other_hash, other_case in candidates:
        for at, value in hashes:
            distance = (value ^ _unsigned(other_hash)).bit_count()
            if distance <= limit and distance < best.get(other_id, (limit + 1,))[0]:
                best[other_id] = (distance, at, other_at, other_case)
    exact_cases = set(db.session.scalars(select(EvidenceItem.case_id).where(
        EvidenceItem.sha256 == item.sha256, EvidenceItem.case_id != item.case_id)))
    if best:
        db.session.execute(insert(ImageMatch), [
            row for other_id, (distance, at, other_at, _case) in best.items()
            for row in ({"evidence_item_id": item.id, "other_item_id": other_id,
                         "distance": distance, "at_ms": at, "other_at_ms": other_at},
                        {"evidence_item_id": other_id, "other_item_id": item.id,
                         "distance": distance, "at_ms": other_at, "other_at_ms": at})])
    if best or exact_cases:
        reused = {item.case_id} | {found[3] for found in best.values()} | exact_cases
        db.session.execute(update(Case).where(Case.id.in_(reused)).values(evidence_reused=True))
    return len(best)


def timecode(ms: int | None) -> str | None:
    """A key frame's time as a player shows it: 0:07, 12:30, 1:02:03."""
    if ms is None:
        return None
    minutes, seconds = divmod(ms // 1000, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def reused_in(items: list[EvidenceItem], user: Any) -> dict[int, list[dict[str, Any]]]:
    """For each item, where else the file, or a picture nearly identical to it, is evidence:
    the cases `user` may open (at most 10 per item), each with the distance in bits (0: the
    same picture; None: the same file, byte for byte) and the times of the matching key
    frames here and there when either is a video. Three queries for the whole page."""
    if not items:
        return {}
    case_id = items[0].case_id
    by_item: dict[int, dict[int, dict[str, Any]]] = {}
    by_hash: dict[str, list[int]] = {}
    for item in items:
        by_hash.setdefault(item.sha256, []).append(item.id)
    same_file, near, cases = _reuse_statements()
    execute = db.session.connection().execute  # plain rows: the ORM's handling cost more
    for sha256, other_case in execute(same_file, {"hashes": list(by_hash), "case_id": case_id}):
        for item_id in by_hash[sha256]:
            by_item.setdefault(item_id, {})[other_case] = {"distance": None}
    for item_id, other_case, distance, at, other_at in execute(
            near, {"items": [item.id for item in items]}):
        by_item.setdefault(item_id, {}).setdefault(other_case, {
            "distance": distance, "here": timecode(at), "there": timecode(other_at)})
    wanted = {other for found in by_item.values() for other in found}
    if not wanted:
        return {}
    visible = {case.id: case.reference
               for case in db.session.scalars(cases, {"cases": list(wanted)})
               if user.can_see_region(case.region) and case.can_view(user)}
    shown: dict[int, list[dict[str, Any]]] = {}
    for item_id, found in by_item.items():
        rows = [{"reference": visible[other], "here": None, "there": None} | match
                for other, match in found.items() if other in visible]
        if rows:
            shown[item_id] = sorted(rows, key=lambda row: (row["distance"] is not None,
                                                           row["distance"] or 0))[:10]
    return shown


@functools.cache
def _reuse_statements() -> tuple:
    """Built once (the case page asks them each time; composing costs as much as running)."""
    return (
        select(EvidenceItem.sha256, EvidenceItem.case_id).where(
            EvidenceItem.sha256.in_(bindparam("hashes", expanding=True)),
            EvidenceItem.case_id != bindparam("case_id")),
        select(ImageMatch.evidence_item_id, EvidenceItem.case_id, ImageMatch.distance,
               ImageMatch.at_ms, ImageMatch.other_at_ms)
        .join(EvidenceItem, EvidenceItem.id == ImageMatch.other_item_id)
        .where(ImageMatch.evidence_item_id.in_(bindparam("items", expanding=True)))
        .order_by(ImageMatch.distance, ImageMatch.other_item_id),
        # The regions and their parents joined in: the scope test walks up to the parents.
        select(Case).where(Case.id.in_(bindparam("cases", expanding=True)))
        .options(joinedload(Case.region).joinedload(Region.parent)),
    )
