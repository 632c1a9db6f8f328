"""evidence: active content marks and safe previews

evidence_items.active_content: why a kept file could act on whoever opens it (codes,
comma-separated). preview_status / preview_sha256 / preview_attempts: the thumbnail the
worker renders (kept in the evidence storage under its own SHA-256). Files already stored
as pictures or PDFs are queued for a preview.

Revision ID: e14b7d2a9c01
Revises: f14d0a11c0de
Created: 2026-12-03 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'e14b7d2a9c01'
down_revision = 'f14d0a11c0de'
branch_labels = None
depends_on = None

PREVIEWABLE = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif",
               "application/pdf")


def upgrade():
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active_content', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('preview_status', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('preview_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('preview_attempts', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_evidence_items_preview_status'),
                              ['preview_status'], unique=False)
    items = sa.table('evidence_items', sa.column('content_type', sa.String),
                     sa.column('preview_status', sa.String))
    op.execute(items.update().where(items.c.content_type.in_(PREVIEWABLE))
               .values(preview_status='pending'))


def downgrade():
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_items_preview_status'))
        batch_op.drop_column('preview_attempts')
        batch_op.drop_column('preview_sha256')
        batch_op.drop_column('preview_status')
        batch_op.drop_column('active_content')
