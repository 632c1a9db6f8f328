"""intake, hotline, mail, review workflow, queue and decisions

Revision ID: 575d46438ce8
Revises: 552f0920df8b
Created: 2026-11-24 13:48:56.922362
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from casework.cases.models.search import drop_search_schema, ensure_search_schema
from casework.cases.search import reindex_all

revision = '575d46438ce8'
down_revision = '552f0920df8b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=False),
    sa.Column('template', sa.String(length=80), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', name='outbox_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_messages_dedupe_key')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_messages_message_id'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_case_id'), ['case_id'], unique=False)

    op.create_table('case_sequences',
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_case_sequences_election_id_elections')),
    sa.PrimaryKeyConstraint('election_id', name=op.f('pk_case_sequences'))
    )
    op.create_table('case_state_counts',
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('region_key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('category', sa.Enum('vote_buying', 'voter_coercion', 'multiple_voting', 'evoting_irregularity', 'paper_ballot_irregularity', 'campaign_violation', 'abuse_of_office', 'defamation', 'other', name='count_category', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('state', sa.Enum('received', 'screening', 'inadmissible', 'investigation', 'info_requested', 'findings_ready', 'decided', 'closed', 'appealed', 'merged', name='count_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_case_state_counts_election_id_elections')),
    sa.PrimaryKeyConstraint('election_id', 'region_key', 'category', 'state', name=op.f('pk_case_state_counts'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.Enum('vote_buying', 'voter_coercion', 'multiple_voting', 'evoting_irregularity', 'paper_ballot_irregularity', 'campaign_violation', 'abuse_of_office', 'defamation', 'other', name='case_category', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('state', sa.Enum('received', 'screening', 'inadmissible', 'investigation', 'info_requested', 'findings_ready', 'decided', 'closed', 'appealed', 'merged', name='case_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('state_changed_at', sa.DateTime(), nullable=False),
    sa.Column('has_evidence', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('public_reason', sa.Text(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_cases_assignee_id_users')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_cases_election_id_elections')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['cases.id'], name=op.f('fk_cases_merged_into_id_cases')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_cases_region_id_regions')),
    sa.ForeignKeyConstraint(['station_id'], ['polling_stations.id'], name=op.f('fk_cases_station_id_polling_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('reference', name=op.f('uq_cases_reference'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_assignee_created', ['assignee_id', 'created_at', 'id'], unique=False, postgresql_include=['region_id', 'state'])
        batch_op.create_index('ix_cases_election_changed', ['election_id', 'state_changed_at', 'id'], unique=False, postgresql_include=['region_id', 'state', 'category', 'assignee_id', 'has_evidence'])
        batch_op.create_index('ix_cases_election_created', ['election_id', 'created_at', 'id'], unique=False, postgresql_include=['region_id', 'state', 'category', 'assignee_id', 'has_evidence'])
        batch_op.create_index('ix_cases_election_state_created', ['election_id', 'state', 'created_at', 'id'], unique=False, postgresql_include=['region_id', 'category', 'assignee_id', 'has_evidence'])
        batch_op.create_index('ix_cases_region_created', ['region_id', 'created_at', 'id'], unique=False, postgresql_include=['state', 'category', 'assignee_id', 'has_evidence'])
        batch_op.create_index('ix_cases_station_created', ['station_id', 'created_at', 'id'], unique=False)

    op.create_table('conflict_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_conflict_declarations_candidate_id_candidates')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conflict_declarations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_declarations')),
    sa.UniqueConstraint('user_id', 'candidate_id', name=op.f('uq_conflict_declarations_user_id_candidate_id'))
    )
    with op.batch_alter_table('conflict_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_declarations_candidate_id'), ['candidate_id'], unique=False)

    op.create_table('accused_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('notified_at', sa.DateTime(), nullable=False),
    sa.Column('notified_by_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('letter', 'email', 'phone', 'in_person', name='notice_method', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('reply_text', sa.Text(), nullable=True),
    sa.Column('replied_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_accused_notices_candidate_id_candidates')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_accused_notices_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notified_by_id'], ['users.id'], name=op.f('fk_accused_notices_notified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accused_notices'))
    )
    with op.batch_alter_table('accused_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accused_notices_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accused_notices_case_id'), ['case_id'], unique=False)

    op.create_table('case_candidates',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_case_candidates_candidate_id_candidates')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_candidates_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'candidate_id', name=op.f('pk_case_candidates'))
    )
    with op.batch_alter_table('case_candidates', schema=None) as batch_op:
        batch_op.create_index('ix_case_candidates_candidate_case', ['candidate_id', 'case_id'], unique=False)

    op.create_table('case_deadlines',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('received', 'screening', 'inadmissible', 'investigation', 'info_requested', 'findings_ready', 'decided', 'closed', 'appealed', 'merged', name='deadline_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('paused_at', sa.DateTime(), nullable=True),
    sa.Column('paused_seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_deadlines_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_deadlines'))
    )
    with op.batch_alter_table('case_deadlines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_deadlines_due_at'), ['due_at'], unique=False)

    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_notes_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_notes_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index('ix_case_notes_case_created', ['case_id', 'created_at'], unique=False)

    op.create_table('case_search_documents',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('narratives', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tsv', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_search_documents_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_case_search_documents_election_id_elections')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_search_documents'))
    )
    with op.batch_alter_table('case_search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_case_search_documents_tsv', ['tsv'], unique=False, postgresql_using='gin')

    op.create_table('case_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.Enum('received', 'screening', 'inadmissible', 'investigation', 'info_requested', 'findings_ready', 'decided', 'closed', 'appealed', 'merged', name='transition_from_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('to_state', sa.Enum('received', 'screening', 'inadmissible', 'investigation', 'info_requested', 'findings_ready', 'decided', 'closed', 'appealed', 'merged', name='transition_to_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason_code', sa.Enum('outside_remit', 'outside_filing_window', 'no_specific_facts', 'no_evidence_or_source', 'duplicate', 'withdrawn', name='inadmissible_reason', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('outcome', sa.Enum('confirmed', 'partly_confirmed', 'not_confirmed', name='transition_outcome', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_case_transitions_actor_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_transitions_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_transitions'))
    )
    with op.batch_alter_table('case_transitions', schema=None) as batch_op:
        batch_op.create_index('ix_case_transitions_case_at', ['case_id', 'at', 'id'], unique=False)

    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('web', 'api', 'hotline', 'email', 'social_media', 'letter', 'walk_in', name='complaint_channel', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.Column('tracking_hash', sa.String(length=64), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('complainant_role', sa.Enum('voter', 'candidate', 'observer', 'party_member', 'other', name='complainant_role', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('consent_to_contact', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('category', sa.Enum('vote_buying', 'voter_coercion', 'multiple_voting', 'evoting_irregularity', 'paper_ballot_irregularity', 'campaign_violation', 'abuse_of_office', 'defamation', 'other', name='complaint_category', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('accused_other', sa.String(length=500), nullable=True),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('links', sa.JSON(), nullable=False),
    sa.Column('witnesses', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('source_platform', sa.String(length=100), nullable=True),
    sa.Column('source_author', sa.String(length=200), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_complaints_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_complaints_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_complaints_region_id_regions')),
    sa.ForeignKeyConstraint(['station_id'], ['polling_stations.id'], name=op.f('fk_complaints_station_id_polling_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_complaints_submission_key')),
    sa.UniqueConstraint('tracking_hash', name=op.f('uq_complaints_tracking_hash'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_phone'), ['phone'], unique=False)

    op.create_table('findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('allegation', sa.Text(), nullable=False),
    sa.Column('conclusion', sa.Enum('confirmed', 'partly_confirmed', 'not_confirmed', name='finding_conclusion', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('reasoning', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_findings_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_findings_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_findings')),
    sa.UniqueConstraint('id', 'case_id', name=op.f('uq_findings_id_case_id'))
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index('ix_findings_case_id', ['case_id', 'id'], unique=False)

    op.create_table('screening_checklists',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('within_remit', sa.Boolean(), nullable=True),
    sa.Column('within_filing_window', sa.Boolean(), nullable=True),
    sa.Column('specific_facts', sa.Boolean(), nullable=True),
    sa.Column('evidence_or_source', sa.Boolean(), nullable=True),
    sa.Column('accused_identified', sa.Boolean(), nullable=True),
    sa.Column('not_duplicate', sa.Boolean(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_screening_checklists_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_screening_checklists_checked_by_id_users')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_screening_checklists'))
    )
    op.create_table('case_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('author', sa.Enum('committee', 'complainant', name='message_author', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_case_messages_author_user_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_messages_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_case_messages_complaint_id_complaints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_messages'))
    )
    with op.batch_alter_table('case_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_messages_case_id'), ['case_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('decision', 'redecision', name='decision_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('meeting_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.Enum('confirmed', 'partly_confirmed', 'not_confirmed', name='decision_outcome', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('transition_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_decisions_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chair_id'], ['users.id'], name=op.f('fk_decisions_chair_id_users')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_decisions_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['transition_id'], ['case_transitions.id'], name=op.f('fk_decisions_transition_id_case_transitions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index('ix_decisions_case_id', ['case_id', 'id'], unique=False)

    op.create_table('evidence_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_evidence_items_added_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_evidence_items_case_id_cases')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_evidence_items_complaint_id_complaints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_items'))
    )
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_items_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_items_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_items_sha256'), ['sha256'], unique=False)

    op.create_table('hotline_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('caller_number', sa.String(length=32), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('purpose', sa.Enum('complaint', 'follow_up', 'voting_question', 'evoting_problem', 'other', name='call_purpose', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_hotline_calls_case_id_cases')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_hotline_calls_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_hotline_calls_operator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_calls'))
    )
    with op.batch_alter_table('hotline_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_calls_caller_number'), ['caller_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_calls_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_hotline_calls_operator_started', ['operator_id', 'started_at'], unique=False)
        batch_op.create_index('ix_hotline_calls_started', ['started_at'], unique=False)

    op.create_table('inbound_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_key', sa.String(length=500), nullable=False),
    sa.Column('raw_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('complaint', 'follow_up', 'auto_reply', 'quarantined', 'released', 'discarded', name='inbound_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_inbound_mail_case_id_cases')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_inbound_mail_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_inbound_mail_handled_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_mail')),
    sa.UniqueConstraint('message_key', name=op.f('uq_inbound_mail_message_key'))
    )
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_mail_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_inbound_mail_status_received', ['status', 'received_at'], unique=False)

    op.create_table('decision_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('conflict', sa.Boolean(), nullable=False),
    sa.Column('vote', sa.Enum('for', 'against', 'abstain', name='decision_vote', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.CheckConstraint('vote IS NULL OR (present AND NOT conflict)', name=op.f('ck_decision_members_vote_allowed')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_members_decision_id_decisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_decision_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_members')),
    sa.UniqueConstraint('decision_id', 'user_id', name=op.f('uq_decision_members_decision_id_user_id'))
    )
    with op.batch_alter_table('decision_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_members_user_id'), ['user_id'], unique=False)

    op.create_table('finding_evidence',
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('evidence_item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_item_id'], ['evidence_items.id'], name=op.f('fk_finding_evidence_evidence_item_id_evidence_items')),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_finding_evidence_finding_id_findings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('finding_id', 'evidence_item_id', name=op.f('pk_finding_evidence'))
    )
    with op.batch_alter_table('finding_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_evidence_evidence_item_id'), ['evidence_item_id'], unique=False)


    # What metadata cannot describe: pg_trgm, the FTS5 table and the counter triggers.
    ensure_search_schema(op.get_bind())
    reindex_all(connection=op.get_bind())

def downgrade():
    drop_search_schema(op.get_bind())
    with op.batch_alter_table('finding_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_evidence_evidence_item_id'))

    op.drop_table('finding_evidence')
    with op.batch_alter_table('decision_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_members_user_id'))

    op.drop_table('decision_members')
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_mail_status_received')
        batch_op.drop_index(batch_op.f('ix_inbound_mail_case_id'))

    op.drop_table('inbound_mail')
    with op.batch_alter_table('hotline_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_hotline_calls_started')
        batch_op.drop_index('ix_hotline_calls_operator_started')
        batch_op.drop_index(batch_op.f('ix_hotline_calls_case_id'))
        batch_op.drop_index(batch_op.f('ix_hotline_calls_caller_number'))

    op.drop_table('hotline_calls')
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_items_sha256'))
        batch_op.drop_index(batch_op.f('ix_evidence_items_complaint_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_items_case_id'))

    op.drop_table('evidence_items')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_decisions_case_id')

    op.drop_table('decisions')
    with op.batch_alter_table('case_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_messages_case_id'))

    op.drop_table('case_messages')
    op.drop_table('screening_checklists')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index('ix_findings_case_id')

    op.drop_table('findings')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_phone'))
        batch_op.drop_index(batch_op.f('ix_complaints_case_id'))

    op.drop_table('complaints')
    with op.batch_alter_table('case_transitions', schema=None) as batch_op:
        batch_op.drop_index('ix_case_transitions_case_at')

    op.drop_table('case_transitions')
    with op.batch_alter_table('case_search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_case_search_documents_tsv', postgresql_using='gin')

    op.drop_table('case_search_documents')
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_case_notes_case_created')

    op.drop_table('case_notes')
    with op.batch_alter_table('case_deadlines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_deadlines_due_at'))

    op.drop_table('case_deadlines')
    with op.batch_alter_table('case_candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_case_candidates_candidate_case')

    op.drop_table('case_candidates')
    with op.batch_alter_table('accused_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accused_notices_case_id'))
        batch_op.drop_index(batch_op.f('ix_accused_notices_candidate_id'))

    op.drop_table('accused_notices')
    with op.batch_alter_table('conflict_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_declarations_candidate_id'))

    op.drop_table('conflict_declarations')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_station_created')
        batch_op.drop_index('ix_cases_region_created', postgresql_include=['state', 'category', 'assignee_id', 'has_evidence'])
        batch_op.drop_index('ix_cases_election_state_created', postgresql_include=['region_id', 'category', 'assignee_id', 'has_evidence'])
        batch_op.drop_index('ix_cases_election_created', postgresql_include=['region_id', 'state', 'category', 'assignee_id', 'has_evidence'])
        batch_op.drop_index('ix_cases_election_changed', postgresql_include=['region_id', 'state', 'category', 'assignee_id', 'has_evidence'])
        batch_op.drop_index('ix_cases_assignee_created', postgresql_include=['region_id', 'state'])

    op.drop_table('cases')
    op.drop_table('case_state_counts')
    op.drop_table('case_sequences')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_case_id'))
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox_messages')
