"""identity custodian: designated custodians and identity requests

identity_custodians: the members designated per election to decide requests (the chair is
one by role); identity_requests: a member's request for one case's complainant identity,
its decision and its expiry. The notification kinds gain identity_requested.

Revision ID: d16a9c3e7b21
Revises: b16e3f0a7d42
Created: 2026-12-10 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'd16a9c3e7b21'
down_revision = 'b16e3f0a7d42'
branch_labels = None
depends_on = None

OLD_KINDS = ('assigned', 'complainant_replied', 'sanction_waiting', 'appeal_filed',
             'deadline_tomorrow')
NEW_KINDS = OLD_KINDS + ('identity_requested',)
KIND_TABLES = ('staff_notifications', 'notification_preferences')


def _kinds(kinds):
    for table in KIND_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_notification_kind'), type_='check')
            batch_op.create_check_constraint(
                op.f(f'ck_{table}_notification_kind'),
                sa.column('kind').in_(kinds))


def upgrade():
    op.create_table('identity_custodians',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('designated_by_id', sa.Integer(), nullable=False),
    sa.Column('designated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'],
                            name=op.f('fk_identity_custodians_election_id_elections'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_identity_custodians_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['designated_by_id'], ['users.id'],
                            name=op.f('fk_identity_custodians_designated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_custodians')),
    sa.UniqueConstraint('election_id', 'user_id',
                        name=op.f('uq_identity_custodians_election_id_user_id'))
    )
    op.create_table('identity_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'refused', name='identity_request_status',
                                native_enum=False, create_constraint=True, length=20),
              nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.String(length=1000), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> requester_id',
                       name=op.f('ck_identity_requests_four_eyes')),
    sa.CheckConstraint("status <> 'approved' OR (decided_at IS NOT NULL AND "
                       "expires_at IS NOT NULL)",
                       name=op.f('ck_identity_requests_approved_expires')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                            name=op.f('fk_identity_requests_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'],
                            name=op.f('fk_identity_requests_election_id_elections')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'],
                            name=op.f('fk_identity_requests_requester_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                            name=op.f('fk_identity_requests_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_requests'))
    )
    with op.batch_alter_table('identity_requests', schema=None) as batch_op:
        batch_op.create_index('ix_identity_requests_case_requester',
                              ['case_id', 'requester_id', 'status'], unique=False)
        batch_op.create_index('ix_identity_requests_election_status',
                              ['election_id', 'status', 'created_at'], unique=False)
    _kinds(NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notification_preferences WHERE kind = 'identity_requested'")
    op.execute("DELETE FROM staff_notifications WHERE kind = 'identity_requested'")
    _kinds(OLD_KINDS)
    with op.batch_alter_table('identity_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_identity_requests_election_status')
        batch_op.drop_index('ix_identity_requests_case_requester')
    op.drop_table('identity_requests')
    op.drop_table('identity_custodians')
