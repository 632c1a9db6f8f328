"""sms channel: messages both ways, STOP numbers, the outbox's transport, the sms channel

sms_messages: every SMS received from Kannel and every one queued for it, with the number
(E.164, sealed, found by its keyed hash), the text, its state and its case; sms_opt_outs: numbers that sent STOP.
outbox_messages gains transport (email, sms); complaints' channel gains sms.

Revision ID: f17a5c2e9d01
Revises: c7a1e5d9f302
Created: 2026-12-11 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'f17a5c2e9d01'
down_revision = 'c7a1e5d9f302'
branch_labels = None
depends_on = None

OLD_CHANNELS = ('web', 'api', 'hotline', 'email', 'social_media', 'letter', 'walk_in')
NEW_CHANNELS = ('web', 'api', 'hotline', 'email', 'sms', 'social_media', 'letter', 'walk_in')


def _channels(channels):
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_complaints_complaint_channel'), type_='check')
        batch_op.create_check_constraint(op.f('ck_complaints_complaint_channel'),
                                         sa.column('channel').in_(channels))


def upgrade():
    op.create_table('sms_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('in', 'out', name='sms_direction', native_enum=False,
                                   create_constraint=True, length=5), nullable=False),
    sa.Column('number', sa.Text(), nullable=False),
    sa.Column('number_hash', sa.String(length=64), nullable=True),
    sa.Column('gateway_id', sa.String(length=64), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('coding', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.Enum('received', 'complaint', 'follow_up', 'status', 'stop', 'start',
                               'unrouted', 'reply', name='sms_state', native_enum=False,
                               create_constraint=True, length=20), nullable=False),
    sa.Column('over_limit', sa.Boolean(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_sms_messages_case_id_cases')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                            name=op.f('fk_sms_messages_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'],
                            name=op.f('fk_sms_messages_sent_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages')),
    sa.UniqueConstraint('gateway_id', name=op.f('uq_sms_messages_gateway_id'))
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_messages_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_sms_messages_number_at', ['number_hash', 'at'], unique=False)
        batch_op.create_index('ix_sms_messages_state', ['state'], unique=False)
    op.create_table('sms_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Text(), nullable=False),
    sa.Column('number_hash', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_opt_outs'))
    )
    op.create_index(op.f('ix_sms_opt_outs_number_hash'), 'sms_opt_outs', ['number_hash'])
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transport', sa.Enum(
            'email', 'sms', name='outbox_transport', native_enum=False, create_constraint=True,
            length=10), server_default='email', nullable=False))
    _channels(NEW_CHANNELS)


def downgrade():
    op.execute("DELETE FROM outbox_messages WHERE transport = 'sms'")
    op.execute("UPDATE complaints SET channel = 'web' WHERE channel = 'sms'")
    _channels(OLD_CHANNELS)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_messages_outbox_transport'), type_='check')
        batch_op.drop_column('transport')
    op.drop_index(op.f('ix_sms_opt_outs_number_hash'), table_name='sms_opt_outs')
    op.drop_table('sms_opt_outs')
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_messages_state')
        batch_op.drop_index('ix_sms_messages_number_at')
        batch_op.drop_index(batch_op.f('ix_sms_messages_case_id'))
    op.drop_table('sms_messages')
