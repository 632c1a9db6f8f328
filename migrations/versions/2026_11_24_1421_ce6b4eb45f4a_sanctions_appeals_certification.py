"""sanctions, their citations, scopes, results and appeals; region certification; seats

Composite keys tie a sanction to a confirmed decision and confirmed findings of its own case
(see casework/sanctions/models.py); candidates and results get their foreign keys to
the sanction that disqualified or annulled them.

Revision ID: ce6b4eb45f4a
Revises: 575d46438ce8
Created: 2026-11-24 14:21:33.529578
"""

import sqlalchemy as sa
from alembic import op

revision = 'ce6b4eb45f4a'
down_revision = '575d46438ce8'
branch_labels = None
depends_on = None


def upgrade():
    # First the keys the sanctions' composite foreign keys point at.
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_decisions_id_case_id_outcome'), ['id', 'case_id', 'outcome'])

    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_findings_id_case_id_conclusion'), ['id', 'case_id', 'conclusion'])

    op.create_table('region_certifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('certified_at', sa.DateTime(), nullable=False),
    sa.Column('certified_by_id', sa.Integer(), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('overridden_cases', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['certified_by_id'], ['users.id'], name=op.f('fk_region_certifications_certified_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_certifications_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_certifications')),
    sa.UniqueConstraint('region_id', name=op.f('uq_region_certifications_region_id'))
    )
    op.create_table('sanctions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('decision_outcome', sa.Enum('confirmed', 'partly_confirmed', 'not_confirmed', name='sanction_decision_outcome', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('kind', sa.Enum('warning', 'reprimand', 'candidate_disqualification', 'vote_annulment', 'referral', name='sanction_type', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'rejected', 'enforced', 'reversed', name='sanction_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('referred_to', sa.String(length=300), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('annul_region_id', sa.Integer(), nullable=True),
    sa.Column('annul_electronic', sa.Boolean(), nullable=False),
    sa.Column('annul_all_candidates', sa.Boolean(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('enforced_at', sa.DateTime(), nullable=True),
    sa.Column('reversed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("decision_outcome IN ('confirmed', 'partly_confirmed')", name=op.f('ck_sanctions_sanctioning')),
    sa.CheckConstraint("kind <> 'referral' OR referred_to IS NOT NULL", name=op.f('ck_sanctions_has_recipient')),
    sa.CheckConstraint("kind NOT IN ('warning', 'reprimand', 'candidate_disqualification') OR candidate_id IS NOT NULL", name=op.f('ck_sanctions_has_candidate')),
    sa.CheckConstraint("status <> 'rejected' OR rejection_reason IS NOT NULL", name=op.f('ck_sanctions_rejection_has_reason')),
    sa.CheckConstraint("status NOT IN ('enforced', 'reversed') OR (reviewed_by_id IS NOT NULL AND enforced_at IS NOT NULL)", name=op.f('ck_sanctions_enforced_was_approved')),
    sa.CheckConstraint('reviewed_by_id IS NULL OR reviewed_by_id <> proposed_by_id', name=op.f('ck_sanctions_four_eyes')),
    sa.ForeignKeyConstraint(['annul_region_id'], ['regions.id'], name=op.f('fk_sanctions_annul_region_id_regions')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_sanctions_candidate_id_candidates')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_sanctions_case_id_cases')),
    sa.ForeignKeyConstraint(['decision_id', 'case_id', 'decision_outcome'], ['decisions.id', 'decisions.case_id', 'decisions.outcome'], name=op.f('fk_sanctions_decision_id_decisions')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_sanctions_proposed_by_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_sanctions_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sanctions')),
    sa.UniqueConstraint('id', 'case_id', name=op.f('uq_sanctions_id_case_id'))
    )
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sanctions_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index('ix_sanctions_case_id', ['case_id', 'id'], unique=False)
        batch_op.create_index('ix_sanctions_status_enforced', ['status', 'enforced_at', 'id'], unique=False)

    op.create_table('sanction_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sanction_id', sa.Integer(), nullable=False),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('grounds', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.Enum('upheld', 'reversed', name='appeal_outcome', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> recorded_by_id', name=op.f('ck_sanction_appeals_four_eyes')),
    sa.CheckConstraint('outcome IS NULL OR (reasons IS NOT NULL AND decided_at IS NOT NULL)', name=op.f('ck_sanction_appeals_decided_with_reasons')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_sanction_appeals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_sanction_appeals_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['sanction_id'], ['sanctions.id'], name=op.f('fk_sanction_appeals_sanction_id_sanctions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sanction_appeals')),
    sa.UniqueConstraint('sanction_id', name=op.f('uq_sanction_appeals_sanction_id'))
    )
    op.create_table('sanction_candidates',
    sa.Column('sanction_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_sanction_candidates_candidate_id_candidates')),
    sa.ForeignKeyConstraint(['sanction_id'], ['sanctions.id'], name=op.f('fk_sanction_candidates_sanction_id_sanctions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sanction_id', 'candidate_id', name=op.f('pk_sanction_candidates'))
    )
    with op.batch_alter_table('sanction_candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sanction_candidates_candidate_id'), ['candidate_id'], unique=False)

    op.create_table('sanction_findings',
    sa.Column('sanction_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('finding_conclusion', sa.Enum('confirmed', 'partly_confirmed', 'not_confirmed', name='sanction_finding_conclusion', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.CheckConstraint("finding_conclusion IN ('confirmed', 'partly_confirmed')", name=op.f('ck_sanction_findings_sanctioning')),
    sa.ForeignKeyConstraint(['finding_id', 'case_id', 'finding_conclusion'], ['findings.id', 'findings.case_id', 'findings.conclusion'], name=op.f('fk_sanction_findings_finding_id_findings')),
    sa.ForeignKeyConstraint(['sanction_id', 'case_id'], ['sanctions.id', 'sanctions.case_id'], name=op.f('fk_sanction_findings_sanction_id_sanctions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sanction_id', 'finding_id', name=op.f('pk_sanction_findings'))
    )
    with op.batch_alter_table('sanction_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sanction_findings_finding_id'), ['finding_id'], unique=False)

    op.create_table('sanction_results',
    sa.Column('sanction_id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('newly_annulled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_sanction_results_result_id_results')),
    sa.ForeignKeyConstraint(['sanction_id'], ['sanctions.id'], name=op.f('fk_sanction_results_sanction_id_sanctions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sanction_id', 'result_id', name=op.f('pk_sanction_results'))
    )
    with op.batch_alter_table('sanction_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sanction_results_result_id'), ['result_id'], unique=False)

    op.create_table('sanction_stations',
    sa.Column('sanction_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sanction_id'], ['sanctions.id'], name=op.f('fk_sanction_stations_sanction_id_sanctions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['station_id'], ['polling_stations.id'], name=op.f('fk_sanction_stations_station_id_polling_stations')),
    sa.PrimaryKeyConstraint('sanction_id', 'station_id', name=op.f('pk_sanction_stations'))
    )
    with op.batch_alter_table('sanction_stations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sanction_stations_station_id'), ['station_id'], unique=False)

    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_candidates_disqualified_by_sanction_id_sanctions'), 'sanctions', ['disqualified_by_sanction_id'], ['id'], use_alter=True)

    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seats', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_regions_seats_positive'),
                                         'seats IS NULL OR seats > 0')

    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_results_annulled_by_sanction_id'), ['annulled_by_sanction_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_results_annulled_by_sanction_id_sanctions'), 'sanctions', ['annulled_by_sanction_id'], ['id'], use_alter=True)


def downgrade():
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_results_annulled_by_sanction_id_sanctions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_results_annulled_by_sanction_id'))

    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_regions_seats_positive'), type_='check')
        batch_op.drop_column('seats')

    with op.batch_alter_table('candidates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_candidates_disqualified_by_sanction_id_sanctions'), type_='foreignkey')

    with op.batch_alter_table('sanction_stations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sanction_stations_station_id'))

    op.drop_table('sanction_stations')
    with op.batch_alter_table('sanction_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sanction_results_result_id'))

    op.drop_table('sanction_results')
    with op.batch_alter_table('sanction_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sanction_findings_finding_id'))

    op.drop_table('sanction_findings')
    with op.batch_alter_table('sanction_candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sanction_candidates_candidate_id'))

    op.drop_table('sanction_candidates')
    op.drop_table('sanction_appeals')
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.drop_index('ix_sanctions_status_enforced')
        batch_op.drop_index('ix_sanctions_case_id')
        batch_op.drop_index(batch_op.f('ix_sanctions_candidate_id'))

    op.drop_table('sanctions')
    op.drop_table('region_certifications')

    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_findings_id_case_id_conclusion'), type_='unique')

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_decisions_id_case_id_outcome'), type_='unique')
