"""PostgreSQL's indexed search document holds the texts alone

With identities protected (the custodian), nobody searches every complainant's contacts: the
weight filter that kept them out read every matching row (0.9 s at a million cases for two
common words). The tsvector now holds the body only; contacts are matched row by row within
the few cases a member may see. SQLite (FTS5 columns) is unchanged.

Revision ID: e16c0a7f3b12
Revises: d16a2b9c4e71
Created: 2026-12-10 15:00:00
"""

from alembic import op

revision = 'e16c0a7f3b12'
down_revision = 'd16a2b9c4e71'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE case_search_documents SET tsv = to_tsvector('simple'::regconfig, body)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE case_search_documents SET tsv = to_tsvector('simple'::regconfig, body)"
                   " || setweight(to_tsvector('simple'::regconfig, contacts), 'A')")
