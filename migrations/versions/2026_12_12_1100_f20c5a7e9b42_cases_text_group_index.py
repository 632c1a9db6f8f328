"""cases: the folded queue's indexes (mass complaints shown one row per group)

ix_cases_text_group (text_group_id, id), only the grouped cases, replaces the plain index on
text_group_id: the folded queue asks, for each row it reads, whether an earlier member of
the group matches the same filters, and counts the members of the groups it shows. On
PostgreSQL the queue's indexes also carry text_group_id, so their index-only scans stay
index-only with the fold (bench/staff_queue.py at 1,000,000 cases).

Revision ID: f20c5a7e9b42
Revises: f20b4d6e8a31
Created: 2026-12-12 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'f20c5a7e9b42'
down_revision = 'f20b4d6e8a31'
branch_labels = None
depends_on = None

FILTERS = ['region_id', 'state', 'category', 'assignee_id', 'has_evidence']
# name: (key columns, INCLUDE before this revision)
QUEUE_INDEXES = {
    'ix_cases_election_created': (['election_id', 'created_at', 'id'], FILTERS),
    'ix_cases_election_changed': (['election_id', 'state_changed_at', 'id'], FILTERS),
    'ix_cases_election_state_created': (['election_id', 'state', 'created_at', 'id'],
                                        ['region_id', 'category', 'assignee_id', 'has_evidence']),
    'ix_cases_region_created': (['region_id', 'created_at', 'id'],
                                ['state', 'category', 'assignee_id', 'has_evidence']),
}


def _queue_indexes(with_group: bool) -> None:
    for name, (columns, include) in QUEUE_INDEXES.items():
        op.drop_index(name, table_name='cases')
        op.create_index(name, 'cases', columns, postgresql_include=include
                        + (['text_group_id'] if with_group else []))


def upgrade():
    op.drop_index('ix_cases_text_group_id', table_name='cases')
    grouped = sa.text('text_group_id IS NOT NULL')
    op.create_index('ix_cases_text_group', 'cases', ['text_group_id', 'id'],
                    postgresql_include=['election_id', *FILTERS], postgresql_where=grouped,
                    sqlite_where=grouped)
    if op.get_bind().dialect.name == 'postgresql':  # SQLite has no INCLUDE: nothing changes
        _queue_indexes(with_group=True)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        _queue_indexes(with_group=False)
    op.drop_index('ix_cases_text_group', table_name='cases')
    op.create_index('ix_cases_text_group_id', 'cases', ['text_group_id'])
