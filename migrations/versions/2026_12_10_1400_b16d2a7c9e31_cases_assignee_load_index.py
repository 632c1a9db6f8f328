"""cases: an index counting each member's open cases (the case page's assignees)

The case page lists the members a case can be given to with their open cases: one GROUP BY
over the cases assigned to each. With (assignee_id, election_id, state) it is counted in the
index instead of reading every assigned case (~17,000 each at 100,000 cases).

Revision ID: b16d2a7c9e31
Revises: b16e0f5a2c77
Created: 2026-12-10 14:00:00
"""

from alembic import op

revision = 'b16d2a7c9e31'
down_revision = 'b16e0f5a2c77'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cases_assignee_election_state', 'cases',
                    ['assignee_id', 'election_id', 'state'])


def downgrade():
    op.drop_index('ix_cases_assignee_election_state', table_name='cases')
