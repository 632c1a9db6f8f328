"""results findings and reused pictures: the checks that open the committee's own cases;
perceptual hashes of evidence pictures

polling_stations.registered (optional, from the stations CSV); evote_hourly_counts (the
electronic vote's hourly counts); result_findings (one row per finding, so a check never
opens a case twice); results_check_thresholds (an election's own); evote_log_entries (the e-voting log, IIN, phone
and IP as keyed hashes only). Complaints gain the
channel own_finding. Evidence pictures: evidence_photo_facts.phash, evidence_image_bands (its
eight bytes, indexed), evidence_image_matches (near-identical pictures on other cases);
cases.evidence_reused for the queue's filter. Mass complaints: case_text_signatures (MinHash),
case_text_bands (indexed LSH bands), cases.text_group_id.

Revision ID: f19a3c5e7d10
Revises: f17a5c2e9d01
Created: 2026-12-11 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'f19a3c5e7d10'
down_revision = 'f17a5c2e9d01'
branch_labels = None
depends_on = None

OLD_CHANNELS = ('web', 'api', 'hotline', 'email', 'sms', 'social_media', 'letter', 'walk_in')
NEW_CHANNELS = OLD_CHANNELS + ('own_finding',)
KINDS = ('over_registered', 'dominant_share', 'identical_votes', 'hourly_jump', 'shared_phone',
         'shared_ip', 'burst', 'outside_hours')


def _channels(channels):
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_complaints_complaint_channel'), type_='check')
        batch_op.create_check_constraint(op.f('ck_complaints_complaint_channel'),
                                         sa.column('channel').in_(channels))


def upgrade():
    # A plain ADD COLUMN (no batch rebuild): the reference stamp's triggers on the table stay.
    op.add_column('polling_stations', sa.Column('registered', sa.Integer(), nullable=True))
    op.create_table('evote_hourly_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('hour', sa.DateTime(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.CheckConstraint('votes >= 0', name=op.f('ck_evote_hourly_counts_votes_not_negative')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'],
                            name=op.f('fk_evote_hourly_counts_election_id_elections'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evote_hourly_counts')),
    sa.UniqueConstraint('election_id', 'hour', name=op.f('uq_evote_hourly_counts_election_id_hour'))
    )
    op.create_table('result_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='finding_kind', native_enum=False,
                              create_constraint=True, length=30), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('found_at', sa.DateTime(), nullable=False),
    sa.Column('numbers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'],
                            name=op.f('fk_result_findings_election_id_elections'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_result_findings_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_findings')),
    sa.UniqueConstraint('election_id', 'key', name=op.f('uq_result_findings_election_id_key'))
    )
    op.create_index(op.f('ix_result_findings_case_id'), 'result_findings', ['case_id'])
    op.create_table('results_check_thresholds',
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('share', sa.Float(), nullable=False),
    sa.Column('min_votes', sa.Integer(), nullable=False),
    sa.Column('jump_factor', sa.Float(), nullable=False),
    sa.Column('jump_min', sa.Integer(), nullable=False),
    sa.Column('iins_per_phone', sa.Integer(), nullable=False),
    sa.Column('iins_per_ip', sa.Integer(), nullable=False),
    sa.Column('burst_votes', sa.Integer(), nullable=False),
    sa.Column('burst_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'],
                            name=op.f('fk_results_check_thresholds_election_id_elections'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('election_id', name=op.f('pk_results_check_thresholds'))
    )
    op.create_table('evote_log_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('iin_hash', sa.String(length=64), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('ip_hash', sa.String(length=64), nullable=False),
    sa.Column('cast_at', sa.DateTime(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'],
                            name=op.f('fk_evote_log_entries_candidate_id_candidates')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'],
                            name=op.f('fk_evote_log_entries_election_id_elections'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evote_log_entries'))
    )
    op.create_index(op.f('ix_evote_log_entries_election_id'), 'evote_log_entries',
                    ['election_id'])
    _channels(NEW_CHANNELS)
    op.add_column('evidence_photo_facts', sa.Column('phash', sa.BigInteger(), nullable=True))
    op.add_column('cases', sa.Column('evidence_reused', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.create_table('evidence_image_bands',
    sa.Column('evidence_item_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.SmallInteger(), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_item_id'], ['evidence_items.id'],
                            name=op.f('fk_evidence_image_bands_evidence_item_id_evidence_items'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('evidence_item_id', 'band', 'value',
                            name=op.f('pk_evidence_image_bands'))
    )
    op.create_index('ix_evidence_image_bands_band_value', 'evidence_image_bands',
                    ['band', 'value'])
    op.add_column('cases', sa.Column('text_group_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_cases_text_group_id'), 'cases', ['text_group_id'])
    op.create_table('case_text_signatures',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                            name=op.f('fk_case_text_signatures_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_text_signatures'))
    )
    op.create_table('case_text_bands',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.SmallInteger(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                            name=op.f('fk_case_text_bands_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'band', name=op.f('pk_case_text_bands'))
    )
    op.create_index('ix_case_text_bands_band_value', 'case_text_bands', ['band', 'value'])
    op.create_table('evidence_image_matches',
    sa.Column('evidence_item_id', sa.Integer(), nullable=False),
    sa.Column('other_item_id', sa.Integer(), nullable=False),
    sa.Column('distance', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_item_id'], ['evidence_items.id'],
                            name=op.f('fk_evidence_image_matches_evidence_item_id_evidence_items'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_item_id'], ['evidence_items.id'],
                            name=op.f('fk_evidence_image_matches_other_item_id_evidence_items'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('evidence_item_id', 'other_item_id',
                            name=op.f('pk_evidence_image_matches'))
    )


def downgrade():
    op.drop_index('ix_case_text_bands_band_value', table_name='case_text_bands')
    op.drop_table('case_text_bands')
    op.drop_table('case_text_signatures')
    op.drop_index(op.f('ix_cases_text_group_id'), table_name='cases')
    op.execute("ALTER TABLE cases DROP COLUMN text_group_id")
    op.drop_table('evidence_image_matches')
    op.drop_index('ix_evidence_image_bands_band_value', table_name='evidence_image_bands')
    op.drop_table('evidence_image_bands')
    op.execute("ALTER TABLE cases DROP COLUMN evidence_reused")
    op.execute("ALTER TABLE evidence_photo_facts DROP COLUMN phash")
    op.execute("DELETE FROM complaints WHERE channel = 'own_finding'")
    _channels(OLD_CHANNELS)
    op.drop_index(op.f('ix_evote_log_entries_election_id'), table_name='evote_log_entries')
    op.drop_table('evote_log_entries')
    op.drop_table('results_check_thresholds')
    op.drop_index(op.f('ix_result_findings_case_id'), table_name='result_findings')
    op.drop_table('result_findings')
    op.drop_table('evote_hourly_counts')
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the stamp's triggers.
    op.execute("ALTER TABLE polling_stations DROP COLUMN registered")
