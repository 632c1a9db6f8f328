"""access denials; sent mail keeps a digest instead of its secrets

access_denials: every 403, and every 404 on a route naming an object, met by a signed-in
user (who, what, when). outbox_messages.sent_sha256: the SHA-256 of a sent message, whose
tracking codes and reset links are masked once sent; the rows already sent are masked now.

Revision ID: f14d0a11c0de
Revises: f14c1a3d5e02
Created: 2026-12-03 14:00:00
"""

import hashlib
import re

import sqlalchemy as sa
from alembic import op

revision = 'f14d0a11c0de'
down_revision = 'f14c1a3d5e02'
branch_labels = None
depends_on = None

# This revision's own copy of the masking rules at the time it was written.
MASK = "[redacted]"
SECRET_SEGMENT = re.compile(
    r"(/(?:track|password/reset)/)(?!(?:case|forget)(?:[/?#\s\"']|$))[^/?#\s\"']+",
    re.IGNORECASE)
CODE_SHAPE = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}"
    r"(?:-?[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{4}){4}(?![0-9A-Za-z])")
SECRET_PARAMETER = re.compile(r"([?&](?:code|token|tracking_code)=)[^&\s\"']*", re.IGNORECASE)


def _mask(text):
    text = SECRET_SEGMENT.sub(lambda m: m.group(1) + MASK, text or "")
    text = SECRET_PARAMETER.sub(lambda m: m.group(1) + MASK, text)
    return CODE_SHAPE.sub(MASK, text)


def upgrade():
    op.create_table('access_denials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('user_label', sa.String(length=254), nullable=False),
    sa.Column('status', sa.SmallInteger(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('endpoint', sa.String(length=120), nullable=True),
    sa.Column('object_ref', sa.String(length=200), nullable=True),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_denials'))
    )
    with op.batch_alter_table('access_denials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_denials_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_denials_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_sha256', sa.String(length=64), nullable=True))

    outbox = sa.table('outbox_messages', sa.column('id', sa.Integer),
                      sa.column('status', sa.String), sa.column('subject', sa.String),
                      sa.column('body_text', sa.Text), sa.column('sent_sha256', sa.String))
    bind = op.get_bind()
    sent = bind.execute(sa.select(outbox.c.id, outbox.c.subject, outbox.c.body_text)
                        .where(outbox.c.status == 'sent')).all()
    for row in sent:
        digest = hashlib.sha256(f"{row.subject}\n\n{row.body_text}".encode()).hexdigest()
        bind.execute(outbox.update().where(outbox.c.id == row.id).values(
            subject=_mask(row.subject), body_text=_mask(row.body_text), sent_sha256=digest))


def downgrade():
    # The masked text of sent mail is not brought back: it is gone by design.
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('sent_sha256')
    with op.batch_alter_table('access_denials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_denials_user_id'))
        batch_op.drop_index(batch_op.f('ix_access_denials_at'))
    op.drop_table('access_denials')
