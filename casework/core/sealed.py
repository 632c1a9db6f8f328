"""Sealed columns of personal data: their look-up hashes, and re-sealing them in batches.

A column of personal data is `crypto.EncryptedText("<table>.<column>")`. When it must be
found by equality (a caller's phone, a follow-up's sender), a hash column beside it holds
`hash_of(kind, value)`, kept by `keep_hash` whenever the value is set on an object, and a
query looks it up with `column.in_(hashes_of(kind, value))` (every key's hash, so a half done
rotation still finds the row). Values are normalized before hashing: phones are stored in
E.164 already, addresses are lower-cased. The kind goes into the hash, so equal digits in
two kinds of columns do not give equal hashes.

`SealedTable` describes one table's sealed and hash columns for `flask keys rotate`
(casework.keys.rotation): `pending` counts the rows with a value that is plaintext or
sealed under an older key, `reseal_batch` re-seals the next of them in primary-key order
and rewrites their hashes under the newest key. It works on the raw table (names only), so
it serves every area; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, column, event, func, not_, or_, select, table, update
from sqlalchemy.orm import InstrumentedAttribute

from casework.core.crypto import VALUE_PREFIX, Keyring, keyring
from casework.extensions import db

PHONE = "phone"
EMAIL = "email"
WORD = "word"  # a word of a complainant's name in a search document


def normalize(kind: str, value: str | None) -> str:
    value = (value or "").strip()
    return value.lower() if kind == EMAIL else value


def hash_of(kind: str, value: str | None, ring: Keyring | None = None) -> str | None:
    """The hash written beside `value` (None for no value)."""
    normalized = normalize(kind, value)
    if not normalized:
        return None
    return (ring or keyring()).lookup_hash(f"{kind}:{normalized}")


def hashes_of(kind: str, value: str | None) -> list[str]:
    """Every hash `value` may be stored under: look up with `hash_column.in_(...)`."""
    normalized = normalize(kind, value)
    return keyring().lookup_hashes(f"{kind}:{normalized}") if normalized else []


def keep_hash(attribute: InstrumentedAttribute[Any], hash_name: str, kind: str) -> None:
    """Whenever `attribute` is set on an object, set its hash column `hash_name` too."""

    def _set(target: Any, value: str | None, _old: Any, _initiator: Any) -> None:
        setattr(target, hash_name, hash_of(kind, value))

    event.listen(attribute, "set", _set)


@dataclass(frozen=True)
class SealedTable:
    """One table's sealed columns (the context of each is "<table>.<column>") and its hash
    columns as (hash column, sealed column it hashes, kind)."""

    name: str
    columns: tuple[str, ...]
    hashes: tuple[tuple[str, str, str], ...] = ()
    key: str = "id"

    def raw(self) -> Any:
        names = dict.fromkeys((self.key, *self.columns, *(h for h, _, _ in self.hashes)))
        return table(self.name, *(column(n) for n in names))

    def stale(self, rows: Any, ring: Keyring) -> Any:
        """Rows with a value that is plaintext or sealed under another key than the newest
        (`rows`: this table's `raw()`)."""
        current = f"{VALUE_PREFIX}{ring.current.key_id}:%"
        return or_(*(and_(rows.c[name].is_not(None), rows.c[name] != "",
                          not_(rows.c[name].like(current))) for name in self.columns))


def pending(spec: SealedTable, ring: Keyring) -> int:
    rows = spec.raw()
    return db.session.scalar(select(func.count()).select_from(rows).where(spec.stale(rows, ring))) or 0


def reseal_batch(spec: SealedTable, ring: Keyring, limit: int) -> int:
    """Re-seal the next `limit` stale rows under the newest key and rewrite their hashes
    (no commit). How many rows were done: 0 when none is left."""
    rows = spec.raw()
    found = db.session.execute(select(rows).where(spec.stale(rows, ring))
                               .order_by(rows.c[spec.key]).limit(limit)).mappings().all()
    for row in found:
        plain = {name: ring.open_value(row[name], f"{spec.name}.{name}")
                 if row[name] else row[name] for name in spec.columns}
        values: dict[str, Any] = {
            name: ring.seal(value, f"{spec.name}.{name}") if value else value
            for name, value in plain.items()}
        for hash_name, source, kind in spec.hashes:
            values[hash_name] = hash_of(kind, plain[source], ring)
        db.session.execute(update(rows).where(rows.c[spec.key] == row[spec.key]).values(values))
    return len(found)
