"""The plaintext SHA-256 of a stored evidence object, for the benchmarks' checks that nothing
was lost: objects are encrypted at rest (casework/evidence/sealed.py), so hashing the file
on disk would hash the ciphertext. A file stored without encryption (the bare-Flask
baseline's) is hashed as it is."""

import hashlib
import sys
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@cache
def _ring(keys_file: str):
    from casework.core.crypto import load_keys

    return load_keys(keys_file)


def plain_sha256(path: Path, keys_file: Path | None) -> str | None:
    """The SHA-256 of what `path` holds once decrypted; None when it is missing or does not
    open under the keys."""
    from casework.core.crypto import DataKeyError
    from casework.evidence.sealed import reader

    try:
        with open(path, "rb") as source:
            plain = reader(source, _ring(str(keys_file))) if keys_file is not None else source
            digest = hashlib.sha256()
            while chunk := plain.read(1 << 16):
                digest.update(chunk)
            return digest.hexdigest()
    except (OSError, DataKeyError):
        return None
