"""The same picture sent again: a perceptual hash per photo (imagehash's pHash over the 32 x 32
grey levels the child renderer read), near-identical pictures on other cases found through
the hash's bytes (ImageHashBand) and kept as matches; exact repeats by SHA-256.

The worker records a hash when it reads a photo's metadata (photo_facts.py); the case page
lists where else the picture is evidence, only in cases the reader may open; the queue
filters cases whose evidence is reused (`Case.evidence_reused`).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import selectinload

from casework.cases.models import Case
from casework.evidence.models import EvidenceItem, ImageHashBand, ImageMatch, PhotoFacts
from casework.extensions import db

GRAY_BYTES = 32 * 32
BANDS = 8  # bytes of 8 bits: hashes at most 7 bits apart share at least one
MAX_DISTANCE = BANDS - 1


def perceptual_hash(gray32: Any) -> int | None:
    """The 64-bit pHash of the child's grey levels (hex), None when they are not exactly
    1,024 of them (a video, an old child, or a value that is not what it should be)."""
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


def record(facts: PhotoFacts, phash: int) -> int:
    """Keep the item's hash and its matches on other cases; returns how many were found."""
    item = facts.item
    facts.phash = _signed(phash)
    db.session.execute(insert(ImageHashBand), [
        {"evidence_item_id": item.id, "band": band, "value": value}
        for band, value in bands_of(phash)])
    limit = min(current_app.config["CASEWORK_EVIDENCE_SIMILAR_BITS"], MAX_DISTANCE)
    share_a_band = or_(*[and_(ImageHashBand.band == band, ImageHashBand.value == value)
                         for band, value in bands_of(phash)])
    candidates = db.session.execute(
        select(PhotoFacts.evidence_item_id, PhotoFacts.phash, EvidenceItem.case_id)
        .join(EvidenceItem, EvidenceItem.id == PhotoFacts.evidence_item_id)
        .where(PhotoFacts.evidence_item_id.in_(
            select(ImageHashBand.evidence_item_id).where(share_a_band)),
            EvidenceItem.case_id != item.case_id, PhotoFacts.phash.is_not(None)))
    matches = []
    for other_id, other_hash, other_case in candidates:
        distance = (phash ^ _unsigned(other_hash)).bit_count()
        if distance <= limit:
            matches.append((other_id, other_case, distance))
    exact_cases = set(db.session.scalars(select(EvidenceItem.case_id).where(
        EvidenceItem.sha256 == item.sha256, EvidenceItem.case_id != item.case_id)))
    if matches:
        db.session.execute(insert(ImageMatch), [
            row for other_id, _case, distance in matches
            for row in ({"evidence_item_id": item.id, "other_item_id": other_id,
                         "distance": distance},
                        {"evidence_item_id": other_id, "other_item_id": item.id,
                         "distance": distance})])
    if matches or exact_cases:
        reused = {item.case_id} | {case for _, case, _ in matches} | exact_cases
        db.session.execute(update(Case).where(Case.id.in_(reused)).values(evidence_reused=True))
    return len(matches)


def reused_in(items: list[EvidenceItem], user: Any) -> dict[int, list[dict[str, Any]]]:
    """For each item, where else the file, or a picture nearly identical to it, is evidence:
    the cases `user` may open (at most 10 per item), each with the distance in bits (0: the
    same picture; None: the same file, byte for byte). Three queries for the whole page."""
    if not items:
        return {}
    case_id = items[0].case_id
    by_item: dict[int, dict[int, int | None]] = {}
    by_hash: dict[str, list[int]] = {}
    for item in items:
        by_hash.setdefault(item.sha256, []).append(item.id)
    for sha256, other_case in db.session.execute(
            select(EvidenceItem.sha256, EvidenceItem.case_id).where(
                EvidenceItem.sha256.in_(by_hash), EvidenceItem.case_id != case_id)):
        for item_id in by_hash[sha256]:
            by_item.setdefault(item_id, {})[other_case] = None
    for item_id, other_case, distance in db.session.execute(
            select(ImageMatch.evidence_item_id, EvidenceItem.case_id, ImageMatch.distance)
            .join(EvidenceItem, EvidenceItem.id == ImageMatch.other_item_id)
            .where(ImageMatch.evidence_item_id.in_([item.id for item in items]))
            .order_by(ImageMatch.distance)):
        by_item.setdefault(item_id, {}).setdefault(other_case, distance)
    wanted = {other for found in by_item.values() for other in found}
    if not wanted:
        return {}
    visible = {case.id: case.reference for case in db.session.scalars(
        select(Case).where(Case.id.in_(wanted)).options(selectinload(Case.region)))
        if user.can_see_region(case.region) and case.can_view(user)}
    shown: dict[int, list[dict[str, Any]]] = {}
    for item_id, found in by_item.items():
        rows = [{"reference": visible[other], "distance": distance}
                for other, distance in found.items() if other in visible]
        if rows:
            shown[item_id] = sorted(rows, key=lambda row: (row["distance"] is not None,
                                                           row["distance"] or 0))[:10]
    return shown
