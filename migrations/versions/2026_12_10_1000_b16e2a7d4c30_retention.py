"""retention of personal data

elections.retention_days / retention_evidence / retention_evidence_days: the election's own
retention policy (NULL: the CASEWORK_RETENTION_* defaults). cases.personal_data_erased_at:
when retention erased the complainants' names and contacts. evidence_items.erased_at: the
file was removed; the row stays as its tombstone (hash, size, type). Indexes on
evidence_items.preview_sha256 and inbound_mail.raw_sha256: before removing an object,
retention asks whether any row still needs it.

Revision ID: b16e2a7d4c30
Revises: c15e5ea4c4f0
Created: 2026-12-10 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'b16e2a7d4c30'
down_revision = 'c15e5ea4c4f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('elections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column(
            'retention_evidence', sa.Enum('keep', 'erase', name='evidence_retention',
                                          native_enum=False, create_constraint=True, length=10),
            nullable=True))
        batch_op.add_column(sa.Column('retention_evidence_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal_data_erased_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_evidence_items_preview_sha256'),
                              ['preview_sha256'], unique=False)
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_mail_raw_sha256'), ['raw_sha256'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_mail_raw_sha256'))
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_items_preview_sha256'))
        batch_op.drop_column('erased_at')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('personal_data_erased_at')
    with op.batch_alter_table('elections', schema=None) as batch_op:
        batch_op.drop_column('retention_evidence_days')
        # SQLite's batch copy keeps the enum's CHECK unless it is dropped by name first.
        batch_op.drop_constraint(op.f('ck_elections_evidence_retention'), type_='check')
        batch_op.drop_column('retention_evidence')
        batch_op.drop_column('retention_days')
