"""cases whose search document the worker is still to build

case_search_pending: one row per case whose document intake left to the worker
(casework.cases.search_pending).

Revision ID: d16a2b9c4e71
Revises: b16d2a7c9e31
Created: 2026-12-10 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'd16a2b9c4e71'
down_revision = 'b16d2a7c9e31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_search_pending',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                            name=op.f('fk_case_search_pending_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_search_pending'))
    )


def downgrade():
    op.drop_table('case_search_pending')
