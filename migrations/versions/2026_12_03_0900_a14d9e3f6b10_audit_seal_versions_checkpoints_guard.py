"""audit chain: keyed seals, signed checkpoints, append-only triggers

audit_entries.seal_version: 1 for the entries already written (plain SHA-256, they verify
as before), 2 for the new ones (HMAC-SHA256 with the audit key). audit_checkpoints: the
signed heads of the chain. Triggers refuse UPDATE and DELETE of the rows of both tables and,
on PostgreSQL, TRUNCATE (the DDL is written out here; casework/core/audit_guard.py holds the
same for create_all).

Revision ID: a14d9e3f6b10
Revises: b5e55104a11d
Created: 2026-12-03 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'a14d9e3f6b10'
down_revision = 'b5e55104a11d'
branch_labels = None
depends_on = None

TABLES = ('audit_entries', 'audit_checkpoints')
REFUSAL = 'audit rows are append-only'
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION casework_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = '{REFUSAL}: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' refused';
END $$"""


def _guard_statements(dialect: str) -> list[str]:
    if dialect == 'postgresql':
        statements = [PG_FUNCTION]
        for table in TABLES:
            statements += [
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION casework_audit_append_only()",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION casework_audit_append_only()",
            ]
        return statements
    return [f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op_.lower()} BEFORE {op_} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: {op_} on {table} refused'); END"
            for table in TABLES for op_ in ('UPDATE', 'DELETE')]


def _drop_statements(dialect: str) -> list[str]:
    if dialect == 'postgresql':
        return ([f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}"
                 for table in TABLES for name in ('append_only', 'no_truncate')]
                + ["DROP FUNCTION IF EXISTS casework_audit_append_only()"])
    return [f"DROP TRIGGER IF EXISTS {table}_no_{name}" for table in TABLES
            for name in ('update', 'delete')]


def upgrade():
    op.add_column('audit_entries', sa.Column('seal_version', sa.SmallInteger(),
                                             server_default='1', nullable=False))
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('head_id', sa.Integer(), nullable=False),
    sa.Column('head_seal', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints'))
    )
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoints_at'), ['at'], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in _guard_statements(dialect):
        op.execute(statement)


def downgrade():
    for statement in _drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoints_at'))
    op.drop_table('audit_checkpoints')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('seal_version')
