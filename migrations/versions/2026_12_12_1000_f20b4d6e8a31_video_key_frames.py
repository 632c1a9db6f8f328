"""video key frames: several perceptual hashes per evidence item

evidence_image_hashes holds every hash of an evidence item: a photo's one (frame 0, no
time) or up to eight key frames of a video, each with its time from the video's start. The
photos' hashes move there from evidence_photo_facts.phash. evidence_image_matches gains the
times of the matching key frames on both sides (none for a photo).

Revision ID: f20b4d6e8a31
Revises: f19a3c5e7d10
Created: 2026-12-12 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'f20b4d6e8a31'
down_revision = 'f19a3c5e7d10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence_image_hashes',
    sa.Column('evidence_item_id', sa.Integer(), nullable=False),
    sa.Column('frame', sa.SmallInteger(), nullable=False),
    sa.Column('at_ms', sa.Integer(), nullable=True),
    sa.Column('phash', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_item_id'], ['evidence_items.id'],
                            name=op.f('fk_evidence_image_hashes_evidence_item_id_evidence_items'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('evidence_item_id', 'frame', name=op.f('pk_evidence_image_hashes'))
    )
    op.execute("INSERT INTO evidence_image_hashes (evidence_item_id, frame, phash) "
               "SELECT evidence_item_id, 0, phash FROM evidence_photo_facts "
               "WHERE phash IS NOT NULL")
    # A plain DROP COLUMN (SQLite 3.35+, PostgreSQL): no batch rebuild of the table.
    op.execute("ALTER TABLE evidence_photo_facts DROP COLUMN phash")
    op.add_column('evidence_image_matches', sa.Column('at_ms', sa.Integer(), nullable=True))
    op.add_column('evidence_image_matches',
                  sa.Column('other_at_ms', sa.Integer(), nullable=True))


def downgrade():
    op.execute("ALTER TABLE evidence_image_matches DROP COLUMN other_at_ms")
    op.execute("ALTER TABLE evidence_image_matches DROP COLUMN at_ms")
    op.add_column('evidence_photo_facts', sa.Column('phash', sa.BigInteger(), nullable=True))
    # Only the photos' hashes had a home before; the videos' key frames go, with their matches.
    op.execute("UPDATE evidence_photo_facts SET phash = (SELECT h.phash FROM "
               "evidence_image_hashes h WHERE h.evidence_item_id = "
               "evidence_photo_facts.evidence_item_id AND h.at_ms IS NULL)")
    op.execute("DELETE FROM evidence_image_matches WHERE evidence_item_id IN (SELECT "
               "evidence_item_id FROM evidence_image_hashes WHERE at_ms IS NOT NULL) OR "
               "other_item_id IN (SELECT evidence_item_id FROM evidence_image_hashes "
               "WHERE at_ms IS NOT NULL)")
    op.execute("DELETE FROM evidence_image_bands WHERE evidence_item_id IN (SELECT "
               "evidence_item_id FROM evidence_image_hashes WHERE at_ms IS NOT NULL)")
    op.drop_table('evidence_image_hashes')
