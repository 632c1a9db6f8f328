"""`flask keys rotate` for evidence files: every stored object not under the newest data key
(or stored before encryption) re-encrypted in place, under the same plaintext hash.

The objects are found through the rows that name them, in id order: evidence items (the file,
then its preview) and inbound mail (the raw message). Each object's header says its key;
one under an older key is decrypted, checked against its hash, encrypted under the newest
key into a temporary file and put in its place atomically (evidence/storage.py `replace`),
so stopping at any moment loses nothing and the next run skips what is done. Within a run a
marker remembers the last row passed; if anything was re-encrypted, one more pass from the
first row catches what a process still on the older keys wrote meanwhile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from casework.core.crypto import DataKeyError, Keyring
from casework.evidence.models import EvidenceItem
from casework.evidence.storage import get_storage
from casework.extensions import db
from casework.mailin.models import InboundMail

log = logging.getLogger("casework.evidence")

# (row id, column naming an object), in the order they are walked.
SOURCES: tuple[tuple[Any, Any], ...] = (
    (EvidenceItem.id, EvidenceItem.sha256),
    (EvidenceItem.id, EvidenceItem.preview_sha256),
    (InboundMail.id, InboundMail.raw_sha256),
)


@dataclass
class _Walk:
    source: int = 0
    after: int = 0
    check_pass: bool = False
    rotated: int = 0  # in this pass


# Per newest key id: how far the run has come (this process only; a new run starts over).
_walks: dict[str, _Walk] = {}
# Objects that did not decrypt or hash to their name: logged once, left as they are.
_broken: set[str] = set()


def _rows(walk: _Walk, limit: int) -> list[tuple[int, str]]:
    row_id, column = SOURCES[walk.source]
    return [(found_id, sha256) for found_id, sha256 in db.session.execute(
        select(row_id, column).where(column.is_not(None), row_id > walk.after)
        .order_by(row_id).limit(limit))]


def _stale(ring: Keyring, sha256: str) -> bool:
    """Whether the object is there and not under the newest key."""
    try:
        _size, head = get_storage().head(sha256)
    except FileNotFoundError:
        return False  # erased by retention, or never stored: nothing to re-encrypt
    return ring.file_key_id(head) != ring.current.key_id


def pending(ring: Keyring) -> int:
    """Objects still to re-encrypt (reads every object's first bytes)."""
    hashes: set[str] = set()
    for _row_id, column in SOURCES:
        hashes.update(db.session.scalars(select(column).where(column.is_not(None))))
    return sum(1 for sha256 in hashes - _broken if _stale(ring, sha256))


def _reseal(ring: Keyring, sha256: str) -> bool:
    try:
        return get_storage().reseal(sha256, ring)
    except FileNotFoundError:
        return False
    except (DataKeyError, ValueError) as exc:
        _broken.add(sha256)
        log.error("evidence object %s not re-encrypted: %s", sha256, exc)
        return False


def rotate_batch(ring: Keyring, limit: int) -> int:
    """Re-encrypt up to `limit` objects; 0 once every row has been passed."""
    walk = _walks.setdefault(ring.current.key_id, _Walk())
    done = 0
    while done < limit:
        rows = _rows(walk, limit)
        if not rows:
            if walk.source + 1 < len(SOURCES):
                walk.source, walk.after = walk.source + 1, 0
                continue
            if walk.check_pass or not walk.rotated:
                del _walks[ring.current.key_id]  # all done: a later run starts afresh
                break
            _walks[ring.current.key_id] = walk = _Walk(check_pass=True)
            continue
        for row_id, sha256 in rows:
            walk.after = row_id
            if sha256 in _broken or not _stale(ring, sha256):
                continue
            if _reseal(ring, sha256):
                done += 1
                walk.rotated += 1
                if done >= limit:
                    return done
    return done
