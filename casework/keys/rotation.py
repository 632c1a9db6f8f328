"""`flask keys rotate`: every encrypted thing moved under the newest data key, in batches.

Each kind of encrypted thing is a `RotationStep` listed in `STEPS`. A step counts what is
still plaintext or sealed under an older key, and re-encrypts one batch of it, committing
per batch: stopping at any moment (a restart, a crash) loses nothing, and running the
command again carries on where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from casework.core.crypto import Keyring
from casework.evidence import key_rotation as evidence_files


@dataclass(frozen=True)
class RotationStep:
    name: str
    # What is left to re-encrypt.
    pending: Callable[[Keyring], int]
    # Re-encrypt at most `limit` of them and commit; returns how many were done.
    rotate_batch: Callable[[Keyring, int], int]


def steps() -> list[RotationStep]:
    """The steps, in order. Each area that encrypts something adds its step here."""
    return [
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
