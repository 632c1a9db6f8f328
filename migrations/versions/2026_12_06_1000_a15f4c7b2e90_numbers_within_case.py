"""findings and decisions numbered within their case

findings.number, decisions.number: 1, 2, ... per case (what the pages and the printed
decision call "Finding 2"), unique per case; existing rows numbered in id order.

Revision ID: a15f4c7b2e90
Revises: d13a0c4e7f21
Created: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'a15f4c7b2e90'
down_revision = 'd13a0c4e7f21'
branch_labels = None
depends_on = None

TABLES = ('findings', 'decisions')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))
        # Portable (no window functions): a row's number is its rank by id within the case.
        op.execute(f"UPDATE {table} SET number = (SELECT COUNT(*) FROM {table} AS earlier "  # noqa: S608 - fixed names
                   f"WHERE earlier.case_id = {table}.case_id AND earlier.id <= {table}.id)")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('number', existing_type=sa.Integer(), nullable=False)
            batch_op.create_unique_constraint(op.f(f'uq_{table}_case_id_number'),
                                              ['case_id', 'number'])


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'uq_{table}_case_id_number'), type_='unique')
            batch_op.drop_column('number')
