"""cases: an index for the possible duplicates of a case (its region, or none, and category,
newest first)

Revision ID: b21e4f6a8c13
Revises: a21d7c3e5f90
Created: 2026-12-13 11:00:00
"""

from alembic import op

revision = 'b21e4f6a8c13'
down_revision = 'a21d7c3e5f90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cases_region_category_created', 'cases',
                    ['region_id', 'category', 'created_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_cases_region_category_created', table_name='cases')
