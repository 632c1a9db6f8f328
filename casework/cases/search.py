"""The cases' search documents: keeping them up to date, and matching words against them.

Whoever adds text to a case (a complaint, a public message, an internal note, a merge that
moves complaints) calls `index_case(case)` in the same transaction (a new case from intake
is left to the worker instead: casework.cases.search_pending); `reindex_all()` rebuilds
every document in one statement (after a migration, an import, or for the benchmark).

Search matches every word of the query, each also as a prefix ("сайлау" finds "сайлаудың"):
the `simple` configuration has no stemming, and Kazakh and Russian words take endings.
PostgreSQL: the stored tsvector through its GIN index. SQLite: the FTS5 table.
Similarity of texts (duplicates) is pg_trgm's similarity() on PostgreSQL and the same
measure computed in Python on SQLite (`trigram_similarity`).

A document holds the case's reference, its accused candidates' names (kk, ru, en) and its
texts (`body`), folded by casework.core.folding.fold as the query is, and apart from them the
complainants' names and phones (`contacts`: keyed hashes of their folded words and E.164
digits, casework.cases.search_contacts; matched as whole words). Only who may see the
complainants (accounts.roles.COMPLAINANT_SEARCH, or a custodian's approval for named cases)
finds cases by `contacts`. PostgreSQL's indexed tsvector holds the texts alone, so the usual
search is answered by the GIN index without reading rows (at a million cases a weight filter
read every matching row: 0.9 s for two common words); the contacts are matched on the rows
themselves, which only ever happens within a few cases. FTS5 keeps them in a column.
A query that reads as a phone number looks for that number, however it was written.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    bindparam,
    column,
    false,
    func,
    inspect,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from casework.cases import channels, search_contacts
from casework.cases.channels import narrative_source
from casework.cases.models import Case, CaseMessage, CaseNote, CaseSearchDocument
from casework.cases.models import case_candidates as accused_table
from casework.cases.models.search import FTS_TABLE, SEARCH_CONFIG
from casework.core.db import utcnow
from casework.core.folding import fold, fold_sql, register_sqlite
from casework.core.phones import to_e164
from casework.elections.models import Candidate
from casework.extensions import db

WORD = search_contacts.WORD
MAX_TERMS = 12
MAX_QUERY = 200
PREFIX_MIN = 3  # shorter words match whole words only
SIMILARITY_CHARS = 2000  # texts are compared on their beginning: enough for a duplicate
PHONE = re.compile(r"\+?[\d\s().-]{7,25}")  # how people write a number: digits and punctuation
FEW_MATCHES = 1000  # PostgreSQL: a phone number's matches taken as ids (matching_condition)
SQLITE_BY_ID = 300  # SQLite: up to this many matches read by id (matching_condition)
SQLITE_COMMON = 5000  # SQLite: more matches than this: the ordering index is walked


def phone_digits(query: str | None) -> str | None:
    """'77012345678' for '8 (701) 234-56-78', '+7 701 234 56 78' or '87012345678'; None when
    the query is not a phone number."""
    query = (query or "").strip()
    if not PHONE.fullmatch(query):
        return None
    e164 = to_e164(query)
    return e164.lstrip("+") if e164 else None


def terms(query: str | None) -> list[str]:
    """The distinct folded words of a search query, at most MAX_TERMS (a phone number: its
    digits, as the documents hold it)."""
    digits = phone_digits(query)
    if digits:
        return [digits]
    words = WORD.findall(fold((query or "")[:MAX_QUERY]))
    return list(dict.fromkeys(words))[:MAX_TERMS]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _config() -> ColumnElement:
    return literal_column(f"'{SEARCH_CONFIG}'::regconfig")


Q_MATCH = "q_match"  # the words' parameter: a kept statement takes the next search's words


def match_values(query: str | None, *, contacts: bool = False,
                 param: str = Q_MATCH) -> dict[str, str] | None:
    """The values of `matching_case_ids`' parameters for `query` (None: no words): a kept
    statement built for other words takes these at execution."""
    words = terms(query)
    if not words:
        return None
    if _dialect() == "postgresql":
        # Words as prefixes, OR the query as PostgreSQL's own parser reads it (it keeps
        # "-007" of "BAL-007" as one token, which word prefixes would miss); with contacts,
        # each word may also be a complainant's hashed word.
        alternatives = [[f"'{w}':*" if len(w) >= PREFIX_MIN else f"'{w}'"]
                        + ([f"'{t}'" for t in search_contacts.query_tokens(w)] if contacts
                           else []) for w in words]
        return {param: " & ".join(f"({' | '.join(a)})" for a in alternatives),
                f"{param}_plain": fold(query[:MAX_QUERY])}
    # FTS5: each word quoted (no operator can slip in), all required, long ones as prefixes;
    # with contacts, each word in the texts or among the complainants' hashed words.
    quoted = [f'"{w}"*' if len(w) >= PREFIX_MIN else f'"{w}"' for w in words]
    if contacts:
        hashed = [" OR ".join(f'"{t}"' for t in search_contacts.query_tokens(w)) for w in words]
        return {param: " AND ".join(f"(body : {q} OR contacts : ({h}))"
                                    for q, h in zip(quoted, hashed, strict=True))}
    return {param: f"body : ({' '.join(quoted)})"}


def matching_case_ids(query: str | None, *, contacts: bool = False,
                      among: list[int] | None = None, param: str = Q_MATCH,
                      values: dict[str, str] | None = None) -> Select | None:
    """SELECT of the ids of the cases whose document has every word of `query` (in the
    complainants' names and phones too when `contacts`), of the cases `among` when given;
    None when the query has no words. Use it as `Case.id.in_(...)`, inside a query limited
    to a scope. The words are the parameters named after `param` (two searches in one
    statement take two names), their values bound (`values`, when the caller has them):
    see `match_values`."""
    values = values or match_values(query, contacts=contacts, param=param)
    if values is None:
        return None
    if _dialect() == "postgresql":
        document = CaseSearchDocument
        found = select(document.case_id).where(
            _pg_words(contacts).op("@@", return_type=Boolean)(_pg_query(values, param)))
        return found if among is None else found.where(document.case_id.in_(among))
    found = (select(literal_column("rowid")).select_from(text(FTS_TABLE))
             .where(literal_column(FTS_TABLE).op("MATCH", return_type=Boolean)(
                 bindparam(param, values[param]))))
    return found if among is None else found.where(literal_column("rowid").in_(among))


def _pg_query(values: dict[str, str], param: str) -> ColumnElement:
    return func.to_tsquery(_config(), bindparam(param, values[param])).op("||")(
        func.plainto_tsquery(_config(), bindparam(f"{param}_plain", values[f"{param}_plain"])))


def _pg_words(contacts: bool) -> ColumnElement:
    words = CaseSearchDocument.tsv
    if contacts:  # not indexed: matched row by row (see the module's docstring)
        words = words.op("||")(func.to_tsvector(_config(), CaseSearchDocument.contacts))
    return words


def _pg_case_by_case(values: dict[str, str], contacts: bool) -> ColumnElement[bool]:
    """"Matches" tested on each case's own document, which no index can answer: a page's
    order walked (casework.cases.search_window)."""
    document = select(_pg_words(contacts)).where(
        CaseSearchDocument.case_id == Case.id).scalar_subquery()
    return document.op("@@", return_type=Boolean)(_pg_query(values, Q_MATCH))


@dataclass(frozen=True)
class Matching:
    """What `matching_condition` found: the condition on Case, the form it took (a statement
    built for one search serves the next of the same form, given `params`), its values."""

    condition: ColumnElement[bool]
    # "miss", "ids" (read by id), "walk" (the ordering index walked), "in", with "+pending"
    # (cases waiting for their documents matched too); None: not one to keep
    form: str | None
    params: dict
    # PostgreSQL: the same condition tested case by case, for a bounded walk (search_window)
    walking: ColumnElement[bool] | None = None


def matching_condition(query: str | None, *, contacts: bool = False,
                       walk: bool = False) -> Matching | None:
    """The condition on Case for "matches `query`" (None: no words).

    PostgreSQL's planner cannot tell that a phone number matches a handful of documents:
    thinking them many, it walked the cases newest first testing each document, reading all
    of them (1.5 s at a million) when nothing matched. So for a phone number the index is
    asked first for up to FEW_MATCHES + 1 ids (one cheap lexeme); fewer, and the cases are
    those ids. (Words are left to the planner: a probe costs more than it saves for them.)

    SQLite asks its FTS5 index first, whatever the query (up to SQLITE_BY_ID + 1 ids, then
    at most a count up to SQLITE_COMMON + 1, in its C code): no match is `false()`, so the queue answers
    a miss without reading a case (queries.queue_page); up to SQLITE_BY_ID matches are read
    by id. Left to itself SQLite reads every match by id and sorts them (3.5 ms CPU for a
    word in 1 % of 100,000 cases, 0.08-0.13 s for one in 59 %); `cases.id + 0` is no index
    term, so it walks the page's ordering index instead and stops at the page's end (1.2 ms
    for that 1 %, 0.02 s for the 59 %, most of it reading the matches' ids). That walk is
    short when matches are common among the cases it walks: `walk` (the caller's other
    conditions select no narrower set than the election) or more than SQLITE_COMMON
    matches."""
    params = match_values(query, contacts=contacts)
    if params is None:
        return None
    matching = matching_case_ids(query, contacts=contacts, values=params)
    if _dialect() == "sqlite":
        connection = db.session.connection()  # Core: no ORM path for the probes
        ids = connection.execute(matching.limit(SQLITE_BY_ID + 1)).scalars().all()
        if not ids:
            return Matching(false(), "miss", {})
        if len(ids) <= SQLITE_BY_ID:
            return _by_id(ids)
        if walk or connection.execute(select(func.count()).select_from(
                matching.limit(SQLITE_COMMON + 1).subquery())).scalar() > SQLITE_COMMON:
            return Matching((Case.id + 0).in_(matching), "walk", params)
        return Matching(Case.id.in_(matching), "in", params)
    if phone_digits(query):
        ids = list(db.session.scalars(matching.limit(FEW_MATCHES + 1)))
        if len(ids) <= FEW_MATCHES:
            return _by_id(ids)
    return Matching(Case.id.in_(matching), "in", params,
                    walking=_pg_case_by_case(params, contacts))


def _by_id(ids: list[int]) -> Matching:
    return Matching(Case.id.in_(bindparam("q_ids", ids, expanding=True)), "ids", {"q_ids": ids})


# -- keeping documents up to date -------------------------------------------------------------

def narratives_by_case(case_ids: list[int]) -> dict[int, list[str]]:
    """Per case, the texts that describe its facts (the complaints' narratives: the
    channels' narrative source), in order; one query for all the cases."""
    source = narrative_source()
    if source is None or not case_ids:
        return {}
    rows = table(source.table, column("case_id"), column(source.column))
    found: dict[int, list[str]] = {}
    for case_id, narrative in db.session.execute(
            select(rows.c.case_id, rows.c[source.column]).where(rows.c.case_id.in_(case_ids))
            .order_by(*(literal_column(name.strip()) for name in source.order.split(",")))):
        found.setdefault(case_id, []).append(narrative)
    return found


def _narratives(case_id: int) -> list[str]:
    return narratives_by_case([case_id]).get(case_id, [])


def _texts(case_id: int) -> tuple[str, str]:
    """(narratives, body) of a case, from its complaints, messages and internal notes."""
    narratives = _narratives(case_id)
    parts = narratives + list(db.session.scalars(select(CaseMessage.body).where(
        CaseMessage.case_id == case_id).order_by(CaseMessage.created_at, CaseMessage.id)))
    parts += list(db.session.scalars(select(CaseNote.body).where(CaseNote.case_id == case_id)
                                     .order_by(CaseNote.created_at, CaseNote.id)))
    return "\n".join(n for n in narratives if n), "\n".join(p for p in parts if p)


def _labels(case_id: int, reference: str) -> str:
    """The reference and the accused candidates' names in every language: what a case is
    called by."""
    names = db.session.execute(
        select(Candidate.name_kk, Candidate.name_ru, Candidate.name_en)
        .join(accused_table, accused_table.c.candidate_id == Candidate.id)
        .where(accused_table.c.case_id == case_id).order_by(Candidate.code))
    return "\n".join([reference] + [" ".join(n for n in row if n) for row in names])


def _tsv(body):
    """PostgreSQL's indexed document: the texts alone (contacts are matched row by row)."""
    return func.to_tsvector(_config(), body)


def document_texts(case_id: int, reference: str) -> tuple[str, str, str]:
    """(narratives, body, contacts) of a case's document, from its current texts; the
    contacts in the clear (index_case stores them hashed)."""
    narratives, texts = _texts(case_id)
    return (narratives, fold(_labels(case_id, reference) + "\n" + texts),
            fold(search_contacts.plain_contacts(case_id)))


def _texts_by_case(model, case_ids: list[int]) -> dict[int, list[str]]:
    """The bodies of `model` (messages or notes) per case, in the order `_texts` reads them."""
    found: dict[int, list[str]] = {}
    for case_id, body in db.session.execute(
            select(model.case_id, model.body).where(model.case_id.in_(case_ids))
            .order_by(model.case_id, model.created_at, model.id)):
        found.setdefault(case_id, []).append(body)
    return found


def documents_texts(cases: list[tuple[int, str]], *,
                    contacts: bool = True) -> dict[int, tuple[str, str]]:
    """(body, contacts) of each (id, reference) in `cases` as `document_texts` builds them,
    in five queries whatever their number (the queue's search reads the pending cases so);
    contacts are "" unless asked for."""
    case_ids = [case_id for case_id, _reference in cases]
    if not case_ids:
        return {}
    narratives = narratives_by_case(case_ids)
    messages = _texts_by_case(CaseMessage, case_ids)
    notes = _texts_by_case(CaseNote, case_ids)
    names: dict[int, list[str]] = {}
    for case_id, *row in db.session.execute(
            select(accused_table.c.case_id, Candidate.name_kk, Candidate.name_ru,
                   Candidate.name_en)
            .join(Candidate, accused_table.c.candidate_id == Candidate.id)
            .where(accused_table.c.case_id.in_(case_ids))
            .order_by(accused_table.c.case_id, Candidate.code)):
        names.setdefault(case_id, []).append(" ".join(n for n in row if n))
    people = search_contacts.plain_contacts_by_case(case_ids) if contacts else {}
    found = {}
    for case_id, reference in cases:
        parts = (narratives.get(case_id, []) + messages.get(case_id, [])
                 + notes.get(case_id, []))
        labels = "\n".join([reference] + names.get(case_id, []))
        texts = "\n".join(p for p in parts if p)
        found[case_id] = (fold(labels + "\n" + texts), fold(people.get(case_id, "")))
    return found


def index_case(case: Case | int) -> None:
    """Rebuild one case's search document from its current texts (flushes pending rows
    first; never commits). Call it whenever a case gains or loses text."""
    if isinstance(case, Case):
        case_id, election_id, reference = case.id, case.election_id, case.reference
    else:
        case_id = case
        found = db.session.execute(select(Case.election_id, Case.reference)
                                   .where(Case.id == case_id)).first()
        if found is None:
            return
        election_id, reference = found
    narratives, body, people = document_texts(case_id, reference)
    contacts = search_contacts.hashed(people)
    postgresql = _dialect() == "postgresql"
    statement = (pg_insert if postgresql else sqlite_insert)(CaseSearchDocument).values(
        case_id=case_id, election_id=election_id, narratives=narratives, body=body,
        contacts=contacts, tsv=_tsv(body) if postgresql else None,
        updated_at=utcnow())
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[CaseSearchDocument.case_id],
        set_={name: getattr(statement.excluded, name)
              for name in ("narratives", "body", "contacts", "tsv", "updated_at")}))


_REINDEX = """
INSERT INTO case_search_documents (case_id, election_id, narratives, body, contacts, tsv,
                                   updated_at)
SELECT id, election_id, narratives, body, contacts, {tsv}, :now FROM (
    SELECT c.id, c.election_id, coalesce(n.t, '') AS narratives,
           {body} AS body, '' AS contacts
    FROM cases c
    LEFT JOIN ({labels}) a ON a.case_id = c.id
    LEFT JOIN ({narratives}) n ON n.case_id = c.id
    LEFT JOIN ({messages}) m ON m.case_id = c.id
    LEFT JOIN ({notes}) o ON o.case_id = c.id
    {where}) AS documents
WHERE true
ON CONFLICT (case_id) DO UPDATE SET narratives = excluded.narratives, body = excluded.body,
    contacts = excluded.contacts, tsv = excluded.tsv, updated_at = excluded.updated_at"""
_BODY = ("c.reference || :nl || trim(coalesce(a.t, '') || :nl || coalesce(n.t, '') || :nl || "
         "coalesce(m.t, '') || :nl || coalesce(o.t, ''), :nl)")
_TSV = f"to_tsvector('{SEARCH_CONFIG}'::regconfig, body)"


_NOTHING = "SELECT CAST(NULL AS INTEGER) AS case_id, CAST(NULL AS TEXT) AS t WHERE 1 = 0"


def _aggregate(dialect: str, table_name: str, text_column: str, order: str) -> str:
    if dialect == "postgresql":
        return (f"SELECT case_id, string_agg({text_column}, :nl ORDER BY {order}) AS t "  # noqa: S608
                f"FROM {table_name} GROUP BY case_id")  # names: constants of the code, never input
    # SQLite before 3.44 has no ORDER BY inside an aggregate: it follows the subquery's order.
    return (f"SELECT case_id, group_concat(t0, :nl) AS t FROM "  # noqa: S608
            f"(SELECT case_id, {text_column} AS t0 FROM {table_name} ORDER BY case_id, {order}) "
            f"GROUP BY case_id")


def reindex_all(election_id: int | None = None, *, connection: Connection | None = None) -> int:
    """Rebuild the search documents of every case (of one election) in one statement, in the
    session's transaction or on `connection` (a migration: `reindex_all(connection=op.get_bind())`).
    Returns how many documents were written."""
    bind = connection or db.session.connection()
    dialect = bind.dialect.name
    register_sqlite(bind)
    tables = inspect(bind)  # a migration may call this before every table is made
    source = narrative_source()
    narratives = (_aggregate(dialect, source.table, source.column, source.order)
                  if source is not None and tables.has_table(source.table) else _NOTHING)
    notes = (_aggregate(dialect, CaseNote.__tablename__, "body", "created_at, id")
             if tables.has_table(CaseNote.__tablename__) else _NOTHING)
    labels = _aggregate(
        dialect, "case_candidates JOIN candidates ON candidates.id = case_candidates.candidate_id",
        "coalesce(name_kk, '') || ' ' || coalesce(name_ru, '') || ' ' || coalesce(name_en, '')",
        "code")
    sql = _REINDEX.format(
        labels=labels, narratives=narratives, notes=notes,
        messages=_aggregate(dialect, "case_messages", "body", "created_at, id"),
        body=fold_sql(_BODY, dialect),
        tsv=_TSV if dialect == "postgresql" else "NULL",
        # (The outer WHERE true: SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT.)
        where="WHERE c.election_id = :election" if election_id is not None else "")
    params = {"nl": "\n", "now": utcnow()}
    if election_id is not None:
        params["election"] = election_id
    written = bind.execute(text(sql), params).rowcount
    # The names and phones are sealed: hashed here, row by row, from the opened values.
    contact_source = channels.contact_source()
    if contact_source is not None and tables.has_table(contact_source.table):
        search_contacts.fill(bind, election_id)
    if tables.has_table("case_search_pending"):  # every document is built now
        bind.execute(text("DELETE FROM case_search_pending WHERE CAST(:election AS INTEGER) "
                          "IS NULL OR case_id IN (SELECT id FROM cases "
                          "WHERE election_id = :election)"),
                     {"election": election_id})
    return written


# -- similarity of texts ----------------------------------------------------------------------

def trigrams(value: str) -> set[str]:
    """pg_trgm's trigrams: per lower-cased word, padded with two spaces before, one after."""
    # Each distinct word once (texts repeat them), its trigrams kept: a screened case's page
    # compares its text with up to 300 others.
    return set().union(*map(_word_trigrams, set(WORD.findall(value.lower()))))


@lru_cache(maxsize=8192)
def _word_trigrams(word: str) -> tuple[str, ...]:
    padded = f"  {word} "
    return tuple([padded[i:i + 3] for i in range(len(padded) - 2)])


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(a, b): shared trigrams / all trigrams of both."""
    first, second = trigrams(a[:SIMILARITY_CHARS]), trigrams(b[:SIMILARITY_CHARS])
    if not first or not second:
        return 0.0
    shared = len(first & second)
    return shared / (len(first) + len(second) - shared)


def similarities(text_value: str, case_ids: list[int]) -> dict[int, float]:
    """Similarity of `text_value` to the narratives of each case: one query (and the texts
    of any case whose document is not built yet)."""
    if not case_ids:
        return {}
    document = CaseSearchDocument
    if _dialect() == "postgresql":
        rows = db.session.execute(select(
            document.case_id,
            func.similarity(func.left(document.narratives, SIMILARITY_CHARS),
                            text_value[:SIMILARITY_CHARS]))
            .where(document.case_id.in_(case_ids)))
        scores = {case_id: float(score) for case_id, score in rows}
    else:
        rows = db.session.execute(select(document.case_id, document.narratives)
                                  .where(document.case_id.in_(case_ids)))
        scores = {case_id: trigram_similarity(text_value, value or "") for case_id, value in rows}
    for case_id in set(case_ids) - set(scores):  # just filed: the worker builds its document
        scores[case_id] = trigram_similarity(text_value, _texts(case_id)[0])
    return scores


def narratives_of(case: Case) -> str:
    """The text a case is compared on: its document's narratives (built if missing)."""
    value = db.session.connection().execute(_narratives_of_case(), {"case_id": case.id}).scalar()
    return value if value is not None else _texts(case.id)[0]


@lru_cache(maxsize=1)
def _narratives_of_case():
    """Built once and run as Core: every screened case's page asks it."""
    return select(CaseSearchDocument.narratives).where(
        CaseSearchDocument.case_id == bindparam("case_id"))
