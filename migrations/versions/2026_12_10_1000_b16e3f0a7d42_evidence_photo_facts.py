"""evidence: photo metadata for reviewers; stations' coordinates

evidence_photo_facts: what a photo's EXIF says (time taken and its offset, GPS position,
make, model, software, the file's own modified time), read by the worker in its child
renderer (a phone video's tags too); one row per file, pending until read. Files already
stored are queued, and HEIC/HEIF photos (now readable through pillow-heif) for a preview too.
polling_stations.latitude / longitude: optional, to tell how far a photo was taken from the
station.

Revision ID: b16e3f0a7d42
Revises: b16e2a7d4c30
Created: 2026-12-10 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'b16e3f0a7d42'
down_revision = 'b16e2a7d4c30'
branch_labels = None
depends_on = None

HEIF = ("image/heic", "image/heif")
WITH_FACTS = ("image/jpeg", "image/png", "image/webp", "image/avif", *HEIF, "video/mp4",
              "video/quicktime", "video/3gpp")


def upgrade():
    op.create_table(
        'evidence_photo_facts',
        sa.Column('evidence_item_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('taken_at', sa.DateTime(), nullable=True),
        sa.Column('taken_offset', sa.String(length=6), nullable=True),
        sa.Column('saved_at', sa.DateTime(), nullable=True),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('make', sa.String(length=100), nullable=True),
        sa.Column('model', sa.String(length=100), nullable=True),
        sa.Column('software', sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(['evidence_item_id'], ['evidence_items.id'],
                                name=op.f('fk_evidence_photo_facts_evidence_item_id_evidence_items')),
        sa.PrimaryKeyConstraint('evidence_item_id', name=op.f('pk_evidence_photo_facts')),
    )
    op.create_index(op.f('ix_evidence_photo_facts_status'), 'evidence_photo_facts', ['status'],
                    unique=False)
    items = sa.table('evidence_items', sa.column('id', sa.Integer),
                     sa.column('content_type', sa.String))
    facts = sa.table('evidence_photo_facts', sa.column('evidence_item_id', sa.Integer),
                     sa.column('status', sa.String), sa.column('attempts', sa.Integer))
    op.execute(facts.insert().from_select(
        ['evidence_item_id', 'status', 'attempts'],
        sa.select(items.c.id, sa.literal('pending'), sa.literal(0))
        .where(items.c.content_type.in_(WITH_FACTS))))
    previews = sa.table('evidence_items', sa.column('content_type', sa.String),
                        sa.column('preview_status', sa.String))
    op.execute(previews.update().where(previews.c.content_type.in_(HEIF),
                                       previews.c.preview_status.is_(None))
               .values(preview_status='pending'))
    with op.batch_alter_table('polling_stations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))


def downgrade():
    previews = sa.table('evidence_items', sa.column('content_type', sa.String),
                        sa.column('preview_status', sa.String))
    op.execute(previews.update().where(previews.c.content_type.in_(HEIF),
                                       previews.c.preview_status == 'pending')
               .values(preview_status=None))
    with op.batch_alter_table('polling_stations', schema=None) as batch_op:
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
    op.drop_index(op.f('ix_evidence_photo_facts_status'), table_name='evidence_photo_facts')
    op.drop_table('evidence_photo_facts')
