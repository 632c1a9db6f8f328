"""Opening cases: the per-election reference sequence and the new case itself."""

from sqlalchemy import bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from casework.cases.models import Case, CaseSequence, CaseState, Category
from casework.core.db import utcnow
from casework.core.rows import insert_new
from casework.elections.models import Candidate, Election, PollingStation, Region
from casework.extensions import db

# On the table, not the entity: no ORM bulk-update bookkeeping for one counter. Built once
# (the election a parameter), so that its cache key is not made again for every case.
_SEQUENCES = CaseSequence.__table__
_BUMP = (update(_SEQUENCES).where(_SEQUENCES.c.election_id == bindparam("sequence_of"))
         .values(last_value=_SEQUENCES.c.last_value + 1).returning(_SEQUENCES.c.last_value))


def next_case_number(election: Election) -> int:
    """Bump the election's counter with one UPDATE ... RETURNING.

    On PostgreSQL the row lock serialises concurrent submissions until commit, so a
    number is never handed out twice; on SQLite writers are serialised anyway."""
    # On the session's connection: a Core statement needs none of the session's execute
    # machinery (no entities, nothing to autoflush).
    connection = db.session.connection()
    value = connection.execute(_BUMP, {"sequence_of": election.id}).scalar()
    if value is None:  # the election's first case: create the counter, then bump it
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        connection.execute(insert(_SEQUENCES).values(election_id=election.id, last_value=0)
                           .on_conflict_do_nothing())
        value = connection.execute(_BUMP, {"sequence_of": election.id}).scalar()
    return value


UNKNOWN_REGION = "GEN"


def reference_for(election: Election, region: Region | None, number: int) -> str:
    """<ELECTION>-<REGION>-<NNNNN>, e.g. DEMO2020-KAR-00042; GEN while the region is unknown."""
    if region is None:
        return f"{election.code}-{UNKNOWN_REGION}-{number:05d}"
    code = region.top().code
    short = code[3:] if code.startswith("KZ-") else code
    return f"{election.code}-{short}-{number:05d}"


def new_case(*, election: Election, region: Region | None, category: Category,
             station: PollingStation | None, accused: list[Candidate]) -> Case:
    """A received case, not yet numbered nor in the session (see number_case)."""
    now = utcnow()
    return Case(election_id=election.id, region=region, category=category, station=station,
                state=CaseState.RECEIVED, created_at=now, state_changed_at=now,
                accused=list(accused))


def number_case(case: Case, election: Election) -> None:
    """Give a new case its reference and add it to the session. The number's UPDATE is the
    transaction's first write: call it last, just before the flush and the commit, as on
    SQLite it takes the database's write lock until the commit (PostgreSQL: the row's)."""
    case.reference = reference_for(election, case.region, next_case_number(election))
    db.session.add(case)


def write_case(case: Case, election: Election) -> None:
    """number_case for a case whose row is written at once (core/rows.py: one INSERT, no
    flush), with its accused; intake writes its other new rows after it the same way."""
    case.reference = reference_for(election, case.region, next_case_number(election))
    insert_new(case)


def open_case(*, election: Election, region: Region | None, category: Category,
              station: PollingStation | None, accused: list[Candidate]) -> Case:
    case = new_case(election=election, region=region, category=category, station=station,
                    accused=accused)
    number_case(case, election)
    db.session.flush()
    return case
