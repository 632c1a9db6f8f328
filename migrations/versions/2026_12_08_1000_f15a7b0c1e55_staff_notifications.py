"""staff notifications and their email preferences

staff_notifications: the staff inbox (recipient, kind, case or sanction, created, read);
notification_preferences: per member and kind, whether it also comes by email.

Revision ID: f15a7b0c1e55
Revises: a15f4c7b2e90
Created: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'f15a7b0c1e55'
down_revision = 'a15f4c7b2e90'
branch_labels = None
depends_on = None

KINDS = ('assigned', 'complainant_replied', 'sanction_waiting', 'appeal_filed',
         'deadline_tomorrow')


def _kind():
    return sa.Enum(*KINDS, name='notification_kind', native_enum=False, create_constraint=True,
                   length=30)


def upgrade():
    op.create_table('staff_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('kind', _kind(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('case_reference', sa.String(length=40), nullable=True),
    sa.Column('sanction_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                            name=op.f('fk_staff_notifications_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'],
                            name=op.f('fk_staff_notifications_recipient_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notifications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_staff_notifications_dedupe_key'))
    )
    with op.batch_alter_table('staff_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_staff_notifications_unread',
                              ['recipient_id', 'read_at', 'case_id'], unique=False)
        batch_op.create_index('ix_staff_notifications_newest',
                              ['recipient_id', 'created_at', 'id'], unique=False)
    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', _kind(), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_notification_preferences_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preferences'))
    )


def downgrade():
    op.drop_table('notification_preferences')
    with op.batch_alter_table('staff_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_notifications_newest')
        batch_op.drop_index('ix_staff_notifications_unread')
    op.drop_table('staff_notifications')
