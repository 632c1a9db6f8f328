"""New rows written by one Core INSERT each, then kept in the session as loaded objects.

A flush of a few new objects costs the unit of work's bookkeeping (dependency sort,
cascades, history), a third of a submission's CPU, for rows whose order the caller knows.
`insert_new` writes a built, still transient object with one INSERT on the session's
connection: the columns set on it, the foreign keys its relationships imply (as the unit of
work would fill them in), the columns' defaults; the primary key comes back by RETURNING or
the cursor, and its rows in an association table (many-to-many) follow. What was written is
copied back into the object. `keep` then adds the objects to the session as persistent and
unchanged, as if they had been flushed: their relationships stay as they were set, later
changes flush as updates, the commit expires them as usual.

For objects nothing in the session points at while they are transient, written parents
first, with no mapper events (none of the application's models has any).
"""

from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.orm import RelationshipDirection, make_transient_to_detached

from casework.extensions import db

MANYTOONE, ONETOMANY = RelationshipDirection.MANYTOONE, RelationshipDirection.ONETOMANY


def _value(source: Any, column: Any) -> Any:
    return getattr(source, inspect(source).mapper.get_property_by_column(column).key)


def _set(target: Any, column: Any, value: Any) -> None:
    inspect(target).dict[inspect(target).mapper.get_property_by_column(column).key] = value


def insert_new(row: Any) -> Any:
    """INSERT `row` (transient, its parents written) and its association rows; its columns
    then hold what was written, the primary key included. Returns `row`; `keep` it after."""
    state = inspect(row)
    mapper = state.mapper
    for rel in mapper.relationships:
        if rel.direction is MANYTOONE and rel.key in state.dict and not rel.viewonly:
            parent = state.dict[rel.key]
            for source, dest in rel.synchronize_pairs:
                _set(row, dest, None if parent is None else _value(parent, source))
    columns = [(prop.key, prop.columns[0]) for prop in mapper.column_attrs]
    params = {column.key: state.dict[key] for key, column in columns if key in state.dict}
    table = mapper.local_table
    connection = db.session.connection()
    result = connection.execute(insert(table).return_defaults(), params)
    written = dict(result.last_inserted_params())
    written.update(zip((c.key for c in table.primary_key), result.inserted_primary_key,
                       strict=True))
    if result.returned_defaults is not None:
        written.update(result.returned_defaults._mapping)
    for key, column in columns:
        state.dict[key] = written.get(column.key)
    for rel in mapper.relationships:
        related = state.dict.get(rel.key)
        if not related or rel.viewonly:
            continue
        if rel.secondary is not None:  # the association rows
            connection.execute(insert(rel.secondary), [
                {**{dest.key: _value(row, source) for source, dest in rel.synchronize_pairs},
                 **{dest.key: _value(other, source)
                    for source, dest in rel.secondary_synchronize_pairs}}
                for other in related])
        elif rel.direction is ONETOMANY:  # the children's foreign keys, for their INSERT
            for child in related if rel.uselist else [related]:
                for source, dest in rel.synchronize_pairs:
                    _set(child, dest, _value(row, source))
    return row


def keep(*rows: Any) -> None:
    """Add objects written by `insert_new` to the session as persistent, unchanged rows
    (after all of them are written: adding one cascades to the transient ones it holds)."""
    for row in rows:
        make_transient_to_detached(row)
    for row in rows:
        db.session.add(row)
