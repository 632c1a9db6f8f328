"""evidence: virus scan status

Every stored evidence file is scanned by clamd through the worker: its status (pending,
clean, infected, failed), the signature found or why it failed, the attempts, when the next
try is due and when it was scanned. Existing files start pending, so they get scanned too.

Revision ID: f14c1a3d5e02
Revises: a14d9e3f6b10
Created: 2026-12-03 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'f14c1a3d5e02'
down_revision = 'a14d9e3f6b10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'scan_status', sa.Enum('pending', 'clean', 'infected', 'failed',
                                   name='evidence_scan_status', native_enum=False,
                                   create_constraint=True, length=20),
            nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('scan_detail', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('scan_attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('scan_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('scanned_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_evidence_items_scan_status_due',
                              ['scan_status', 'scan_due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_items_scan_status_due')
        batch_op.drop_column('scanned_at')
        batch_op.drop_column('scan_due_at')
        batch_op.drop_column('scan_attempts')
        batch_op.drop_column('scan_detail')
        # SQLite's batch copy keeps the enum's CHECK unless it is dropped by name first.
        batch_op.drop_constraint(op.f('ck_evidence_items_evidence_scan_status'), type_='check')
        batch_op.drop_column('scan_status')
