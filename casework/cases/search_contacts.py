"""The complainants' names and phones in the search documents, as keyed hashes.

A search document's `contacts` holds no name and no number: each folded word of the
complainants' names and the digits of their phones (E.164 without "+") is a keyed hash
(casework.core.sealed, kind "word"), cut to TOKEN_HEX hex digits and prefixed with "qx" so
that no word of a text query can match it as a prefix. The first token names the key
("key<id>"), so `flask keys rotate` knows which documents to hash again. A query word is
matched against the hashes under every key: only whole words are found (a name's
beginning no longer finds it), which is what a search by someone's name or number needs.
The plaintext is read from the sealed complaints (the channels' contact source) when a
document is built.
"""

import re
from typing import Any

from sqlalchemy import column, select, table, update
from sqlalchemy.engine import Connection

from casework.cases.channels import contact_source
from casework.cases.models import Case, CaseSearchDocument
from casework.core.crypto import Keyring, keyring
from casework.core.folding import fold
from casework.core.sealed import WORD as WORD_KIND
from casework.core.sealed import hash_of, hashes_of
from casework.extensions import db

WORD = re.compile(r"[^\W_]+")  # letters and digits of any script, as pg_trgm and FTS5 see words
TOKEN_HEX = 24
MARK = "key"


def _people(case_ids: list[int], ring: Keyring, bind: Any = None) -> dict[int, list[str]]:
    """Each case's complainants as "name digits" lines, opened with `ring`."""
    source = contact_source()
    if source is None or not case_ids:
        return {}
    rows = table(source.table, column("id"), column("case_id"), column(source.name),
                 column(source.phone))
    found = (bind or db.session).execute(
        select(rows.c.case_id, rows.c[source.name], rows.c[source.phone])
        .where(rows.c.case_id.in_(case_ids),
               (rows.c[source.name].is_not(None)) | (rows.c[source.phone].is_not(None)))
        .order_by(rows.c.case_id, rows.c.id))
    people: dict[int, list[str]] = {}
    for case_id, name, phone in found:
        name = ring.open_value(name, f"{source.table}.{source.name}") if name else ""
        phone = ring.open_value(phone, f"{source.table}.{source.phone}") if phone else ""
        line = " ".join(p for p in (name, phone.lstrip("+")) if p)
        if line:
            people.setdefault(case_id, []).append(line)
    return people


def plain_contacts(case_id: int, ring: Keyring | None = None) -> str:
    """The complainants' names and phone digits of a case, in the clear (never stored)."""
    return "\n".join(_people([case_id], ring or keyring()).get(case_id, []))


def plain_contacts_by_case(case_ids: list[int]) -> dict[int, str]:
    """`plain_contacts` of many cases in one query (cases with none are left out)."""
    return {case_id: "\n".join(lines)
            for case_id, lines in _people(case_ids, keyring()).items()}


def _token(digest: str) -> str:
    return "qx" + digest[:TOKEN_HEX]


def hashed(folded: str, ring: Keyring | None = None) -> str:
    """What a document stores for these folded contacts: the key's mark and the hashes."""
    ring = ring or keyring()
    words = list(dict.fromkeys(WORD.findall(folded)))
    if not words:
        return ""
    return " ".join([MARK + ring.current.key_id]
                    + [_token(hash_of(WORD_KIND, w, ring) or "") for w in words])


def query_tokens(word: str) -> list[str]:
    """The tokens a folded query word is stored as, under every key."""
    return [_token(digest) for digest in hashes_of(WORD_KIND, word)]


def fill(bind: Connection, election_id: int | None = None, batch: int = 1000) -> int:
    """Write the hashed contacts of every document (of one election) with complainants:
    `reindex_all` leaves them to this, since the values are sealed. How many were written."""
    documents = table(CaseSearchDocument.__tablename__, column("case_id"), column("contacts"))
    source = contact_source()
    if source is None:
        return 0
    rows = table(source.table, column("case_id"), column(source.name), column(source.phone))
    query = (select(rows.c.case_id).distinct()
             .where((rows.c[source.name].is_not(None)) | (rows.c[source.phone].is_not(None))))
    if election_id is not None:
        query = query.where(rows.c.case_id.in_(
            select(Case.id).where(Case.election_id == election_id)))
    case_ids = sorted(bind.execute(query).scalars())
    ring = keyring()
    for start in range(0, len(case_ids), batch):
        people = _people(case_ids[start:start + batch], ring, bind)
        for case_id, lines in people.items():
            bind.execute(update(documents).where(documents.c.case_id == case_id)
                         .values(contacts=hashed(fold("\n".join(lines)), ring)))
    return len(case_ids)


# -- flask keys rotate --------------------------------------------------------------------

def _stale(ring: Keyring) -> Any:
    contacts = CaseSearchDocument.contacts
    return (contacts != "") & ~contacts.like(f"{MARK}{ring.current.key_id} %")


def pending(ring: Keyring) -> int:
    return db.session.scalar(select(db.func.count()).select_from(CaseSearchDocument)
                             .where(_stale(ring))) or 0


def rehash_batch(ring: Keyring, limit: int) -> int:
    """Hash the next `limit` documents' contacts again under the newest key (no commit)."""
    ids = list(db.session.scalars(select(CaseSearchDocument.case_id).where(_stale(ring))
                                  .order_by(CaseSearchDocument.case_id).limit(limit)))
    people = _people(ids, ring)
    for case_id in ids:
        db.session.execute(update(CaseSearchDocument).where(CaseSearchDocument.case_id == case_id)
                           .values(contacts=hashed(fold("\n".join(people.get(case_id, []))),
                                                   ring)))
    return len(ids)
