"""The hotline's CTI hook: an operator's telephone extension, and a call's PBX id, answer
and hang-up times

The telephone system tells Casework when a call rings, is answered and ends
(casework/hotline/cti.py). The PBX's call id is unique per operator (a ring group rings
several extensions with one id); the extension routes a ringing call to its operator.

Revision ID: c7a1e5d9f302
Revises: f17a3c5e9d20
Created: 2026-12-11 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'c7a1e5d9f302'
down_revision = 'f17a3c5e9d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("phone_extension", sa.String(length=32), nullable=True))
        batch.create_index("uq_users_phone_extension", ["phone_extension"], unique=True)
    with op.batch_alter_table("hotline_calls") as batch:
        batch.add_column(sa.Column("pbx_call_id", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("answered_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("hung_up_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("hangup_cause", sa.String(length=40), nullable=True))
        batch.create_index("uq_hotline_calls_pbx_operator", ["pbx_call_id", "operator_id"],
                           unique=True)


def downgrade():
    with op.batch_alter_table("hotline_calls") as batch:
        batch.drop_index("uq_hotline_calls_pbx_operator")
        batch.drop_column("hangup_cause")
        batch.drop_column("hung_up_at")
        batch.drop_column("answered_at")
        batch.drop_column("pbx_call_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_index("uq_users_phone_extension")
        batch.drop_column("phone_extension")
