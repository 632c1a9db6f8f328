"""`flask keys rotate`: every encrypted thing moved under the newest data key, in batches.

Each kind of encrypted thing is a `RotationStep` listed in `STEPS`. A step counts what is
still plaintext or sealed under an older key, and re-encrypts one batch of it, committing
per batch: stopping at any moment (a restart, a crash) loses nothing, and running the
command again carries on where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from casework.cases import search_contacts
from casework.core import sealed
from casework.core.crypto import Keyring
from casework.evidence import key_rotation as evidence_files
from casework.extensions import db
from casework.hotline.models import SEALED as CALLS
from casework.intake.models import SEALED as COMPLAINTS
from casework.mailin.models import SEALED as MAILS
from casework.notifications.models import SEALED as OUTBOX
from casework.sms.models import SEALED_MESSAGES as SMS_MESSAGES
from casework.sms.models import SEALED_OPT_OUTS as SMS_OPT_OUTS


@dataclass(frozen=True)
class RotationStep:
    name: str
    # What is left to re-encrypt.
    pending: Callable[[Keyring], int]
    # Re-encrypt at most `limit` of them and commit; returns how many were done.
    rotate_batch: Callable[[Keyring, int], int]


def _committed(batch: Callable[[Keyring, int], int]) -> Callable[[Keyring, int], int]:
    def run(ring: Keyring, limit: int) -> int:
        done = batch(ring, limit)
        db.session.commit()
        return done
    return run


def _table_step(spec: sealed.SealedTable) -> RotationStep:
    """Re-seal a table's personal data (and rewrite its look-up hashes), by primary key."""
    return RotationStep(spec.name, lambda ring: sealed.pending(spec, ring),
                        _committed(lambda ring, limit: sealed.reseal_batch(spec, ring, limit)))


def steps() -> list[RotationStep]:
    """The steps, in order. Each area that encrypts something adds its step here."""
    return [
        *(_table_step(spec) for spec in (COMPLAINTS, CALLS, MAILS, OUTBOX, SMS_MESSAGES,
                                         SMS_OPT_OUTS)),
        # After the complaints: the documents' hashed names are made from them.
        RotationStep("case_search_documents.contacts", search_contacts.pending,
                     _committed(search_contacts.rehash_batch)),
        RotationStep("evidence files", evidence_files.pending, evidence_files.rotate_batch),
    ]


def pending_counts(ring: Keyring) -> dict[str, int]:
    return {step.name: step.pending(ring) for step in steps()}


def rotate(ring: Keyring, batch: int = 500,
           progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Run every step to the end; returns how many were re-encrypted per step."""
    done: dict[str, int] = {}
    for step in steps():
        total = 0
        while True:
            count = step.rotate_batch(ring, batch)
            if not count:
                break
            total += count
            if progress:
                progress(step.name, total)
        done[step.name] = total
    return done
