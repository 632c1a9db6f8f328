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

from functools import cache
from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.orm import RelationshipDirection, make_transient_to_detached

from casework.extensions import db

MANYTOONE, ONETOMANY = RelationshipDirection.MANYTOONE, RelationshipDirection.ONETOMANY


@cache
def _key(mapper: Any, column: Any) -> str:
    """The attribute of `mapper` that holds `column`."""
    return mapper.get_property_by_column(column).key


@cache
def _plan(mapper: Any) -> tuple:
    """What insert_new needs of a mapper, worked out once per process (mappers do not change
    once configured): the INSERT, built once so that its cache key is not made again for
    every row, the columns by attribute, the primary key's columns, the many-to-one
    relationships with the attributes their foreign keys fill, and the relationships whose
    rows follow."""
    table = mapper.local_table
    columns = tuple((prop.key, prop.columns[0].key) for prop in mapper.column_attrs)
    parents = tuple((rel.key, tuple((source, _key(mapper, dest))
                                    for source, dest in rel.synchronize_pairs))
                    for rel in mapper.relationships
                    if rel.direction is MANYTOONE and not rel.viewonly)
    children = tuple(rel for rel in mapper.relationships if not rel.viewonly
                     and (rel.secondary is not None or rel.direction is ONETOMANY))
    return (insert(table).return_defaults(), columns,
            tuple(column.key for column in table.primary_key), parents, children)


def _value(source: Any, column: Any) -> Any:
    return getattr(source, _key(inspect(source).mapper, column))


def _set(target: Any, column: Any, value: Any) -> None:
    state = inspect(target)
    state.dict[_key(state.mapper, column)] = value


def insert_new(row: Any) -> Any:
    """INSERT `row` (transient, its parents written) and its association rows; its columns
    then hold what was written, the primary key included. Returns `row`; `keep` it after."""
    state = inspect(row)
    values = state.dict
    statement, columns, primary_key, parents, children = _plan(state.mapper)
    for name, pairs in parents:
        if name in values:
            parent = values[name]
            for source, dest in pairs:
                values[dest] = None if parent is None else _value(parent, source)
    params = {column: values[key] for key, column in columns if key in values}
    connection = db.session.connection()
    result = connection.execute(statement, params)
    written = dict(result.last_inserted_params())
    written.update(zip(primary_key, result.inserted_primary_key, strict=True))
    if result.returned_defaults is not None:
        written.update(result.returned_defaults._mapping)
    for key, column in columns:
        values[key] = written.get(column)
    for rel in children:
        related = values.get(rel.key)
        if not related:
            continue
        if rel.secondary is not None:  # the association rows
            connection.execute(insert(rel.secondary), [
                {**{dest.key: _value(row, source) for source, dest in rel.synchronize_pairs},
                 **{dest.key: _value(other, source)
                    for source, dest in rel.secondary_synchronize_pairs}}
                for other in related])
        else:  # one-to-many: the children's foreign keys, for their INSERT
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
