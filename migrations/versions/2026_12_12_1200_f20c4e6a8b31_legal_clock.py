"""legal clock: per election the kind of days each phase counts and the periods in days
(legal_clocks), the election's holidays (election_holidays); case_deadlines gains the kind of
period running and whether the case was decided in time; complaints gain learned_on; the
inadmissible reason defect_not_cured (a cure period that ran out).

Revision ID: f20c4e6a8b31
Revises: f20c5a7e9b42
Created: 2026-12-12 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'f20c4e6a8b31'
down_revision = 'f20c5a7e9b42'
branch_labels = None
depends_on = None

OLD_REASONS = ('outside_remit', 'outside_filing_window', 'no_specific_facts',
               'no_evidence_or_source', 'duplicate', 'withdrawn')
NEW_REASONS = OLD_REASONS + ('defect_not_cured',)
KINDS = ('screening', 'investigation', 'decision', 'appeal', 'cure')
DAY_KINDS = ('calendar', 'working')


def _reasons(reasons):
    with op.batch_alter_table('case_transitions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_case_transitions_inadmissible_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_case_transitions_inadmissible_reason'),
                                         sa.column('reason_code').in_(reasons))


def _day_kind(name):
    return sa.Enum(*DAY_KINDS, name=name, native_enum=False, create_constraint=True, length=10)


def upgrade():
    op.create_table('election_holidays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_election_holidays_election_id_elections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_election_holidays')),
    sa.UniqueConstraint('election_id', 'day', name='election_day')
    )
    op.create_table('legal_clocks',
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('before_voting', _day_kind('day_kind_before'), nullable=False),
    sa.Column('voting', _day_kind('day_kind_voting'), nullable=False),
    sa.Column('after_certification', _day_kind('day_kind_after'), nullable=False),
    sa.Column('filing_days', sa.Integer(), nullable=False),
    sa.Column('screening_days', sa.Integer(), nullable=False),
    sa.Column('decision_days', sa.Integer(), nullable=False),
    sa.Column('appeal_days', sa.Integer(), nullable=False),
    sa.Column('cure_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_legal_clocks_election_id_elections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('election_id', name=op.f('pk_legal_clocks'))
    )
    with op.batch_alter_table('case_deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum(*KINDS, name='deadline_kind', native_enum=False, create_constraint=True, length=20), nullable=True))
        batch_op.add_column(sa.Column('decided_in_time', sa.Boolean(), nullable=True))
    # The running clocks written before: their kind follows from the state.
    for state, kind in (('received', 'screening'), ('screening', 'screening'),
                        ('investigation', 'investigation'), ('info_requested', 'investigation'),
                        ('findings_ready', 'decision'), ('appealed', 'appeal')):
        op.execute(sa.text("UPDATE case_deadlines SET kind = :kind "
                           "WHERE state = :state AND due_at IS NOT NULL")
                   .bindparams(kind=kind, state=state))
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('learned_on', sa.Date(), nullable=True))
    _reasons(NEW_REASONS)


def downgrade():
    op.execute("UPDATE case_transitions SET reason_code = 'outside_filing_window' "
               "WHERE reason_code = 'defect_not_cured'")
    _reasons(OLD_REASONS)
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_column('learned_on')
    with op.batch_alter_table('case_deadlines', schema=None) as batch_op:
        batch_op.drop_column('decided_in_time')
        batch_op.drop_constraint(op.f('ck_case_deadlines_deadline_kind'), type_='check')
        batch_op.drop_column('kind')
    op.drop_table('legal_clocks')
    op.drop_table('election_holidays')
