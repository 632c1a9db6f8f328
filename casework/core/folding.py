"""Folding text for search: the one rule, applied to what is indexed and to what is typed.

People type Kazakh words with or without the Kazakh letters ("Караганды" for "Қарағанды",
"акша" for "ақша"), and Russian with "е" for "ё". Both sides are folded alike: lower case, and
each Kazakh letter to the Russian letter a keyboard without it gives (Қ→к, Ғ→г, Ү/Ұ→у, Ң→н,
Ө→о, Ә→а, І→и, Һ→х), Ё→е. A character-for-character table, so PostgreSQL's translate() and
SQLite (through `fold` registered as a function) give the same text as Python.
The migration that re-folds stored rows keeps its own copy of this table (migrations import
no application code): change both together.
"""

from sqlalchemy.engine import Connection

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯӘҒҚҢӨҰҮҺІ"
_LOWER = "abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі"
_KAZAKH = "әғқңөұүһіё"
_PLAIN = "агкноуухие"

FOLD_FROM = _UPPER + _KAZAKH
FOLD_TO = (_LOWER.translate(str.maketrans(_KAZAKH, _PLAIN))) + _PLAIN
_TABLE = str.maketrans(FOLD_FROM, FOLD_TO)
SQL_FUNCTION = "casework_fold"


def fold(text: str | None) -> str:
    """'Қарағанды Ақша' → 'караганды акша'."""
    return (text or "").translate(_TABLE)


def fold_sql(expression: str, dialect: str) -> str:
    """SQL folding `expression` (a column or SQL expression of the code, never input) as
    `fold` does. SQLite needs `register_sqlite(connection)` first."""
    if dialect == "postgresql":
        return f"translate({expression}, '{FOLD_FROM}', '{FOLD_TO}')"
    return f"{SQL_FUNCTION}({expression})"


def register_sqlite(connection: Connection) -> None:
    """Make `casework_fold(text)` callable in SQL on this SQLite connection."""
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        raw.create_function(SQL_FUNCTION, 1, lambda value: fold(value) if value else value,
                            deterministic=True)
