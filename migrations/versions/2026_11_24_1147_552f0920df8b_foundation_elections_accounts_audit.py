"""foundation: elections, accounts, audit

Revision ID: 552f0920df8b
Revises:
Created: 2026-11-24 11:47:35.876373
"""

import sqlalchemy as sa
from alembic import op

revision = '552f0920df8b'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_id', sa.String(length=80), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entries_hash')),
    sa.UniqueConstraint('prev_hash', name=op.f('uq_audit_entries_prev_hash'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_at'), ['at'], unique=False)

    op.create_table('elections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name_kk', sa.String(length=300), nullable=False),
    sa.Column('name_ru', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('default_locale', sa.String(length=5), nullable=False),
    sa.Column('filing_opens_at', sa.DateTime(), nullable=False),
    sa.Column('filing_closes_at', sa.DateTime(), nullable=False),
    sa.Column('voting_starts_at', sa.DateTime(), nullable=False),
    sa.Column('voting_ends_at', sa.DateTime(), nullable=False),
    sa.Column('decision_deadline_at', sa.DateTime(), nullable=False),
    sa.Column('results_certification_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('decision_deadline_at <= results_certification_at', name=op.f('ck_elections_decision_order')),
    sa.CheckConstraint('filing_opens_at <= filing_closes_at', name=op.f('ck_elections_filing_order')),
    sa.CheckConstraint('voting_starts_at <= voting_ends_at', name=op.f('ck_elections_voting_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_elections')),
    sa.UniqueConstraint('code', name=op.f('uq_elections_code'))
    )
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=254), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_account_at', ['account', 'at'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('operator', 'reviewer', 'secretary', 'chair', 'admin', 'auditor', name='user_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('all_regions', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('disabled_at', sa.DateTime(), nullable=True),
    sa.Column('preferred_locale', sa.String(length=5), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('regions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.Enum('region', 'city', 'district', name='region_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('name_kk', sa.String(length=200), nullable=False),
    sa.Column('name_ru', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('voters', sa.Integer(), nullable=True),
    sa.CheckConstraint('voters IS NULL OR voters >= 0', name=op.f('ck_regions_voters_not_negative')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_regions_election_id_elections')),
    sa.ForeignKeyConstraint(['parent_id'], ['regions.id'], name=op.f('fk_regions_parent_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regions')),
    sa.UniqueConstraint('election_id', 'code', name=op.f('uq_regions_election_id_code'))
    )
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regions_election_id'), ['election_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_regions_parent_id'), ['parent_id'], unique=False)

    op.create_table('candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name_kk', sa.String(length=200), nullable=False),
    sa.Column('name_ru', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('registered', 'disqualified', name='candidate_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status_reason', sa.String(length=1000), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(), nullable=True),
    sa.Column('disqualified_by_sanction_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status = 'registered' OR status_reason IS NOT NULL", name=op.f('ck_candidates_disqualified_has_reason')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_candidates_election_id_elections')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_candidates_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidates')),
    sa.UniqueConstraint('election_id', 'code', name=op.f('uq_candidates_election_id_code'))
    )
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidates_election_id'), ['election_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidates_region_id'), ['region_id'], unique=False)

    op.create_table('polling_stations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('paper', 'electronic', name='station_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.CheckConstraint("kind = 'electronic' OR region_id IS NOT NULL", name=op.f('ck_polling_stations_paper_has_region')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_polling_stations_election_id_elections')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_polling_stations_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polling_stations')),
    sa.UniqueConstraint('election_id', 'code', name=op.f('uq_polling_stations_election_id_code'))
    )
    with op.batch_alter_table('polling_stations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_polling_stations_election_id'), ['election_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_polling_stations_region_id'), ['region_id'], unique=False)

    op.create_table('user_regions',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_user_regions_region_id_regions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_regions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'region_id', name=op.f('pk_user_regions'))
    )
    op.create_table('results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('annulled', sa.Boolean(), nullable=False),
    sa.Column('annulled_at', sa.DateTime(), nullable=True),
    sa.Column('annulled_by_sanction_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('votes >= 0', name=op.f('ck_results_votes_not_negative')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_results_candidate_id_candidates')),
    sa.ForeignKeyConstraint(['station_id'], ['polling_stations.id'], name=op.f('fk_results_station_id_polling_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_results')),
    sa.UniqueConstraint('station_id', 'candidate_id', name=op.f('uq_results_station_id_candidate_id'))
    )
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_results_candidate_id'), ['candidate_id'], unique=False)



def downgrade():
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_results_candidate_id'))

    op.drop_table('results')
    op.drop_table('user_regions')
    with op.batch_alter_table('polling_stations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_polling_stations_region_id'))
        batch_op.drop_index(batch_op.f('ix_polling_stations_election_id'))

    op.drop_table('polling_stations')
    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidates_region_id'))
        batch_op.drop_index(batch_op.f('ix_candidates_election_id'))

    op.drop_table('candidates')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regions_parent_id'))
        batch_op.drop_index(batch_op.f('ix_regions_election_id'))

    op.drop_table('regions')
    op.drop_table('users')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_account_at')

    op.drop_table('login_failures')
    op.drop_table('elections')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))

    op.drop_table('audit_entries')
