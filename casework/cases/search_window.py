"""PostgreSQL: a search of several common words looks for its page among the newest cases first.

The planner takes a query's words as independent. For a candidate's full name (two words,
each in about 2.7 % of a million documents) it expects 0.08 % of the documents to hold both,
so it reads every one that does through the GIN index and then their cases, and sorts them:
13,446 documents and cases, 0.22-0.27 s. But a candidate's names go together: 1.3 % hold
both, and a walk of the page's order, each case tested against its document, meets a
page's 51 in about 4,000 cases (a few µs each).

So when the statistics of the documents' words (pg_stats of the indexed tsvector) say that
every word is common enough for a bounded walk to fill the page, were the words to go
together, but not so common that the planner walks by itself, the page is first looked for
among at most `window_for` cases of its order (casework.cases.queries). A page that fills
is exact: the cases walked are the first of the order. One that does not is asked of the
index as before; the walk it cost is bounded by the window. A word the statistics do not
list as common never starts a walk.
"""

import math

from sqlalchemy import text

from casework.cases.search import PREFIX_MIN, phone_digits, terms
from casework.core.cache import app_cache
from casework.extensions import db

WINDOW_MAX = 10_000  # cases walked at most before the index is asked (about 30 ms)
FILL_MARGIN = 4  # words that went together as often as the rarer is common: 4 pages' worth
STATS_TTL = 600.0  # seconds: ANALYZE (autovacuum's) changes them slowly
# Words whose shares multiply to this much the planner walks for by itself (it did for
# 'фальсификация', in 1 % of the documents, and for two words in 37 % and 43 %)
PLANNER_WALKS = 0.01

_STATS = text(
    "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
    "WHERE schemaname = current_schema() AND tablename = 'case_search_documents' "
    "AND attname = 'tsv'")


def _lexeme_shares() -> dict[str, float]:
    """The common lexemes of the indexed documents and the share of documents holding each
    (empty until the table has been analysed)."""
    row = db.session.execute(_STATS).first()
    if row is None or row[0] is None or row[1] is None:
        return {}
    # The frequencies end with three more figures (min, max, nulls): zip stops at the lexemes.
    return dict(zip(row[0], row[1], strict=False))


def word_shares(words: list[str]) -> list[float] | None:
    """The share of documents holding each of `words` (a word of PREFIX_MIN letters or more
    as a prefix: its most common completion), by PostgreSQL's statistics; None when a word is
    not among the common lexemes."""
    shares = app_cache("cases.search_lexemes", size=1, ttl=STATS_TTL).get_or_make(
        "tsv", _lexeme_shares)
    found = []
    for word in words:
        if len(word) >= PREFIX_MIN:
            share = max((f for lexeme, f in shares.items() if lexeme.startswith(word)),
                        default=None)
        else:
            share = shares.get(word)
        if share is None:
            return None
        found.append(share)
    return found


def window(query: str | None, limit: int) -> int | None:
    """How many cases of a page's order to walk for `limit` + 1 matches of `query`; None:
    not a search to walk for (one word or a phone number: the planner knows its share;
    words so common that the planner walks by itself; a word too rare)."""
    words = terms(query)
    if len(words) < 2 or phone_digits(query):
        return None
    shares = word_shares(words)
    if shares is None or math.prod(shares) >= PLANNER_WALKS:
        return None
    return window_for(min(shares), limit)


def window_for(share: float | None, limit: int) -> int | None:
    """How many cases to walk for `limit` + 1 matches when the rarest word is in `share` of
    the documents; None: too rare to walk for."""
    if not share:
        return None
    window = math.ceil(FILL_MARGIN * (limit + 1) / share)
    return window if window <= WINDOW_MAX else None
