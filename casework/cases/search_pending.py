"""Search documents built by the worker rather than in the intake request.

Intake marks its new case pending (`mark_pending`, a row in case_search_pending written
right after the case's flush) instead of building the document, which costs a sixth of the
request. The worker's periodic task `index_pending` builds the documents of the pending
cases every round (seconds) and removes their marks. Until then the queue's search still
finds them: `pending_matches` reads the texts of the pending cases (a handful; while the
worker is away, the newest PENDING_SCAN) and matches the query's words as the index would
(every word, long ones as prefixes), so a case is found the moment its complaint is
acknowledged. Anything that changes a case's texts later calls `index_case` directly.
"""

import logging

from sqlalchemy import delete, insert, select

from casework.cases.models import Case, CaseSearchPending
from casework.cases.search import PREFIX_MIN, WORD, documents_texts, index_case, terms
from casework.core.db import utcnow
from casework.extensions import db

log = logging.getLogger("casework.cases")

PENDING_SCAN = 500  # the newest pending cases the search reads directly
BATCH = 200  # documents the worker builds per transaction


def mark_pending(case: Case) -> None:
    """Leave the case's document to the worker: one INSERT, once the case is flushed (on the
    table, on the session's connection: no unit of work, no ORM execute machinery)."""
    db.session.connection().execute(_MARK, {"case_id": case.id, "queued_at": utcnow()})


_MARK = insert(CaseSearchPending.__table__)
_MARKS = (select(CaseSearchPending.case_id).order_by(CaseSearchPending.case_id.desc())
          .limit(PENDING_SCAN))


def _has_words(words: list[str], tokens: set[str], people: set[str]) -> bool:
    """Every word in the texts (long ones as prefixes) or, whole, among the complainants'
    words (their index holds hashes of whole words)."""
    return all(w in people or (any(t.startswith(w) for t in tokens) if len(w) >= PREFIX_MIN
                               else w in tokens) for w in words)


def pending_matches(query: str | None, *, contacts: bool = False) -> list[int]:
    """Ids of the pending cases whose texts hold every word of `query` (as matching_case_ids
    would once their documents are built); one query when nothing is pending."""
    words = terms(query)
    if not words:
        return []
    # The marks first, then their cases: joined, SQLite walked every case to find a few marks.
    # Core on the session's connection: a search runs this on every request.
    connection = db.session.connection()
    ids = connection.execute(_MARKS).scalars().all()
    if not ids:
        return []
    pending = connection.execute(select(Case.id, Case.reference).where(Case.id.in_(ids))
                                 .order_by(Case.id.desc())).all()
    # Their texts in a handful of queries (one case at a time: five queries each, 1.2 s
    # for the 500 a stopped worker leaves behind).
    texts = documents_texts([tuple(row) for row in pending], contacts=contacts)
    found = []
    for case_id, _reference in pending:
        body, people = texts[case_id]
        if _has_words(words, set(WORD.findall(body)),
                      set(WORD.findall(people)) if contacts else set()):
            found.append(case_id)
    return found


def index_pending(limit: int = BATCH) -> int:
    """Build the documents of up to `limit` pending cases, oldest first, and commit (the
    worker's periodic task; `flask worker` runs it every round). How many were built."""
    ids = list(db.session.scalars(select(CaseSearchPending.case_id)
                                  .order_by(CaseSearchPending.case_id).limit(limit)))
    for case_id in ids:
        index_case(case_id)
    if ids:
        db.session.execute(delete(CaseSearchPending).where(CaseSearchPending.case_id.in_(ids)))
    db.session.commit()
    if ids:
        log.info("built %d search document(s) left by intake", len(ids))
    return len(ids)


def index_all_pending() -> int:
    """Every pending document now (tests, the demo's seeders, a benchmark's set-up)."""
    total = 0
    while built := index_pending():
        total += built
    return total
