"""reports rollup, api tokens, transition indexes

The dashboard's rollup (report_figures, refreshed by the worker into report_refreshes), the
staff's personal API tokens (stored hashed), and two indexes on case_transitions for the
daily report and the rollup's first-move-into-a-state queries.

Revision ID: 20a0ce71a2ed
Revises: ce6b4eb45f4a
Created: 2026-11-24 14:49:23.412368
"""

import sqlalchemy as sa
from alembic import op

revision = '20a0ce71a2ed'
down_revision = 'ce6b4eb45f4a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('report_figures',
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('region_key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_report_figures_election_id_elections')),
    sa.PrimaryKeyConstraint('election_id', 'metric', 'region_key', 'key', name=op.f('pk_report_figures'))
    )
    op.create_table('report_refreshes',
    sa.Column('election_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('refreshed_at', sa.DateTime(), nullable=True),
    sa.Column('took_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_report_refreshes_election_id_elections')),
    sa.PrimaryKeyConstraint('election_id', name=op.f('pk_report_refreshes'))
    )
    with op.batch_alter_table('case_transitions', schema=None) as batch_op:
        batch_op.create_index('ix_case_transitions_at', ['at'], unique=False)
        batch_op.create_index('ix_case_transitions_to_state', ['to_state', 'case_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('case_transitions', schema=None) as batch_op:
        batch_op.drop_index('ix_case_transitions_to_state')
        batch_op.drop_index('ix_case_transitions_at')

    op.drop_table('report_refreshes')
    op.drop_table('report_figures')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
