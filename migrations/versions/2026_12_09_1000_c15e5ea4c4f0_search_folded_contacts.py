"""search: folded documents, the case's names, the complainants' contacts

case_search_documents.contacts: the complainants' names and phone digits, searched only by
who may see them. Every stored document is re-folded (lower case; Қ→к, Ғ→г, Ү/Ұ→у, Ң→н,
Ө→о, Ә→а, І→и, Һ→х, Ё→е) and gains the case's reference and its accused candidates' names.
PostgreSQL: tsv = the body's words || the contacts' at weight A. SQLite: the FTS5 table
gains a contacts column (re-created with its triggers and rebuilt).

The folding table is a copy of casework/core/folding.py's (a migration imports no
application code). Downgrade drops the column; the documents stay folded (searches fold
the query anyway).

Revision ID: c15e5ea4c4f0
Revises: f15a7b0c1e55
Created: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'c15e5ea4c4f0'
down_revision = 'f15a7b0c1e55'
branch_labels = None
depends_on = None

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯӘҒҚҢӨҰҮҺІ"
_LOWER = "abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі"
_KAZAKH = "әғқңөұүһіё"
_PLAIN = "агкноуухие"
FOLD_FROM = _UPPER + _KAZAKH
FOLD_TO = _LOWER.translate(str.maketrans(_KAZAKH, _PLAIN)) + _PLAIN
_TABLE = str.maketrans(FOLD_FROM, FOLD_TO)

_FTS_DROP = (
    "DROP TRIGGER IF EXISTS case_search_documents_au",
    "DROP TRIGGER IF EXISTS case_search_documents_ad",
    "DROP TRIGGER IF EXISTS case_search_documents_ai",
    "DROP TABLE IF EXISTS case_search_fts",
)
_FTS_NEW = (
    """CREATE VIRTUAL TABLE case_search_fts USING fts5(
        body, contacts, content='case_search_documents', content_rowid='case_id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER case_search_documents_ai AFTER INSERT ON case_search_documents BEGIN
        INSERT INTO case_search_fts(rowid, body, contacts)
        VALUES (NEW.case_id, NEW.body, NEW.contacts);
        END""",
    """CREATE TRIGGER case_search_documents_ad AFTER DELETE ON case_search_documents BEGIN
        INSERT INTO case_search_fts(case_search_fts, rowid, body, contacts)
        VALUES ('delete', OLD.case_id, OLD.body, OLD.contacts);
        END""",
    """CREATE TRIGGER case_search_documents_au AFTER UPDATE OF body, contacts
        ON case_search_documents BEGIN
        INSERT INTO case_search_fts(case_search_fts, rowid, body, contacts)
        VALUES ('delete', OLD.case_id, OLD.body, OLD.contacts);
        INSERT INTO case_search_fts(rowid, body, contacts)
        VALUES (NEW.case_id, NEW.body, NEW.contacts);
        END""",
    "INSERT INTO case_search_fts(case_search_fts) VALUES ('rebuild')",
)
_FTS_OLD = (
    """CREATE VIRTUAL TABLE case_search_fts USING fts5(
        body, content='case_search_documents', content_rowid='case_id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER case_search_documents_ai AFTER INSERT ON case_search_documents BEGIN
        INSERT INTO case_search_fts(rowid, body) VALUES (NEW.case_id, NEW.body);
        END""",
    """CREATE TRIGGER case_search_documents_ad AFTER DELETE ON case_search_documents BEGIN
        INSERT INTO case_search_fts(case_search_fts, rowid, body)
        VALUES ('delete', OLD.case_id, OLD.body);
        END""",
    """CREATE TRIGGER case_search_documents_au AFTER UPDATE OF body
        ON case_search_documents BEGIN
        INSERT INTO case_search_fts(case_search_fts, rowid, body)
        VALUES ('delete', OLD.case_id, OLD.body);
        INSERT INTO case_search_fts(rowid, body) VALUES (NEW.case_id, NEW.body);
        END""",
    "INSERT INTO case_search_fts(case_search_fts) VALUES ('rebuild')",
)


def _refold(postgresql: bool) -> str:
    """One UPDATE: reference + accused names + the stored texts, and the contacts; folded."""
    def fold(expression: str) -> str:
        return (f"translate({expression}, '{FOLD_FROM}', '{FOLD_TO}')" if postgresql
                else f"casework_fold({expression})")

    def joined(expression: str, source: str, order: str) -> str:
        aggregate = (f"string_agg({expression}, chr(10) ORDER BY {order})" if postgresql
                     else f"group_concat({expression}, char(10))")
        return f"(SELECT {aggregate} FROM {source})"  # noqa: S608 (constants of this file)

    names = joined("coalesce(k.name_kk, '') || ' ' || coalesce(k.name_ru, '') || ' ' || "
                   "coalesce(k.name_en, '')",
                   "case_candidates cc JOIN candidates k ON k.id = cc.candidate_id "
                   "WHERE cc.case_id = d.case_id", "k.code")
    people = joined("coalesce(p.name, '') || ' ' || replace(coalesce(p.phone, ''), '+', '')",
                    "complaints p WHERE p.case_id = d.case_id", "p.id")
    reference = "(SELECT c.reference FROM cases c WHERE c.id = d.case_id)"
    nl = "chr(10)" if postgresql else "char(10)"
    body = f"{reference} || {nl} || coalesce({names}, '') || {nl} || coalesce(d.body, '')"
    contacts = f"trim(coalesce({people}, ''))"
    return (f"UPDATE case_search_documents AS d SET body = {fold(body)}, "  # noqa: S608
            f"contacts = {fold(contacts)}")


def upgrade():
    op.add_column('case_search_documents',
                  sa.Column('contacts', sa.Text(), server_default='', nullable=False))
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(_refold(True))
        op.execute("UPDATE case_search_documents SET tsv = to_tsvector('simple'::regconfig, body)"
                   " || setweight(to_tsvector('simple'::regconfig, contacts), 'A')")
        return
    for statement in _FTS_DROP:
        op.execute(statement)
    raw = bind.connection.driver_connection
    raw.create_function('casework_fold', 1, lambda v: v.translate(_TABLE) if v else v,
                        deterministic=True)
    op.execute(_refold(False))
    for statement in _FTS_NEW:
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("UPDATE case_search_documents SET tsv = to_tsvector('simple'::regconfig, body)")
        op.drop_column('case_search_documents', 'contacts')
        return
    for statement in _FTS_DROP:
        op.execute(statement)
    with op.batch_alter_table('case_search_documents', schema=None) as batch_op:
        batch_op.drop_column('contacts')
    for statement in _FTS_OLD:
        op.execute(statement)
