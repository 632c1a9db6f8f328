"""What the channels add to a case, without cases importing any of them.

Intake, hotline, mailin and evidence keep rows that belong to a case (complaints, calls,
mail, evidence items) and import `cases`; so `cases` never imports them. Each registers one
`CaseHooks` from its own `case_hooks.py` (connected by `create_app`), and cases calls:

- `move_rows(case, target)` on a merge: every channel moves its own rows;
- `timeline_entries(case, locale)` for the case page and the API: every channel adds its
  own entries, one query each (only for the channels whose `timeline_table` has rows of the
  case, when the caller has asked them all at once: cases/timeline.py);
- `complainants_of(case_ids)` for the mail to the complainants (intake: the complaints);
- `narrative_source()` and `contact_source()` for the search documents (intake: the
  complaints' narratives, and the complainants' names and phones);
- `facts_dates(case)` for the filing check: when the first complainant learned of the facts
  and when they happened (intake);
- `channel_choices()` / `came_by(value)` for the queue's channel filter (intake);
- `download(...)` and `attach_files(...)` for the case's files (evidence, and the files
  the accused sends with a reply).

Registering is idempotent (by name): create_app may run more than once in a process.
"""

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask.typing import ResponseReturnValue
from flask_babel.speaklater import LazyString
from sqlalchemy import ColumnElement, Table

from casework.cases.models import Case


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # complaint, call, mail, evidence, note, message, transition, notice, reply
    title: LazyString | str
    body: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # The row behind the entry (e.g. an evidence item the page also lists); never shown as such.
    record: Any = field(default=None, compare=False)


@dataclass(frozen=True)
class Complainant:
    """Who to write to about a case: one complaint's contact."""

    complaint_id: int
    case_id: int
    email: str | None
    language: str


@dataclass(frozen=True)
class NarrativeSource:
    """Where the texts that describe a case's facts are (a table with a `case_id` column): the
    search documents are built from them, in `order`."""

    table: str
    column: str
    order: str


@dataclass(frozen=True)
class ContactSource:
    """Where the complainants' names and phones (E.164) are (a table with a `case_id`
    column): indexed apart from the texts, so that only who may see them finds cases by them."""

    table: str
    name: str
    phone: str


@dataclass(frozen=True)
class CaseHooks:
    """What one channel contributes to cases; every part is optional."""

    name: str
    # Move the rows of `case` (merged) to `target`; returns {table: rows moved}.
    move_rows: Callable[[Case, Case], dict[str, int]] | None = None
    # The channel's entries on a case's timeline: one query.
    timeline: Callable[[Case, str | None], list[TimelineEntry]] | None = None
    # The table (with a case_id column) those entries come from: a case with no row there
    # has none, and one probe asks every table at once (most cases have few kinds of rows).
    timeline_table: Table | None = None
    # The complainants of these cases, by complaint id.
    complainants: Callable[[Sequence[int]], list[Complainant]] | None = None
    narratives: NarrativeSource | None = None
    contacts: ContactSource | None = None
    # The case's first complaint's (learned_on, occurred_at); None: no complaint.
    facts_dates: Callable[[Case], tuple[date | None, datetime | None] | None] | None = None
    # The queue's channel filter: (value, label) choices, and "a complaint came by `value`".
    channel_choices: Callable[[], list[tuple[str, Any]]] | None = None
    came_by: Callable[[str], ColumnElement[bool]] | None = None
    # A case file for `user`: the response, or None when the case has no such file (404).
    download: Callable[[Case, int, Any], ResponseReturnValue | None] | None = None
    # Store uploads (each with .stream and .filename) as files of the case; returns their ids.
    # Refuses (Refusal "invalid", field "files") when a file is not accepted.
    attach_files: Callable[[Case, Sequence[Any], str, Any], list[int]] | None = None


_hooks: dict[str, CaseHooks] = {}


def register(hooks: CaseHooks) -> None:
    _hooks[hooks.name] = hooks


def registered() -> list[CaseHooks]:
    return list(_hooks.values())


def _one(part: str) -> Any:
    """The one registered implementation of `part` (several would be ambiguous)."""
    found = [getattr(h, part) for h in _hooks.values() if getattr(h, part) is not None]
    if len(found) > 1:
        raise RuntimeError(f"two channels provide {part}")
    return found[0] if found else None


def move_rows(case: Case, target: Case) -> dict[str, int]:
    counts: dict[str, int] = {}
    for hooks in _hooks.values():
        if hooks.move_rows is not None:
            counts.update(hooks.move_rows(case, target))
    return counts


def timeline_entries(case: Case, locale: str | None,
                     present: Container[str] | None = None) -> list[TimelineEntry]:
    """Every channel's entries; with `present` (the names of the tables that have rows of the
    case), only the channels whose table is among them are asked."""
    entries: list[TimelineEntry] = []
    for hooks in _hooks.values():
        if hooks.timeline is None:
            continue
        if present is None or hooks.timeline_table is None or hooks.timeline_table.name in present:
            entries += hooks.timeline(case, locale)
    return entries


def timeline_tables() -> tuple[Table, ...]:
    return tuple(h.timeline_table for h in _hooks.values()
                 if h.timeline is not None and h.timeline_table is not None)


def complainants_of(case_ids: Sequence[int], *, with_email: bool = False) -> list[Complainant]:
    """The complainants of the cases, by complaint id (only those with an address, if asked)."""
    provider = _one("complainants")
    found = provider(list(case_ids)) if provider is not None and case_ids else []
    return [c for c in found if c.email] if with_email else found


def facts_dates(case: Case) -> tuple[date | None, datetime | None] | None:
    provider = _one("facts_dates")
    return provider(case) if provider is not None else None


def narrative_source() -> NarrativeSource | None:
    return _one("narratives")


def contact_source() -> ContactSource | None:
    return _one("contacts")


def channel_choices() -> list[tuple[str, Any]]:
    provider = _one("channel_choices")
    return provider() if provider is not None else []


def came_by(value: str) -> ColumnElement[bool] | None:
    provider = _one("came_by")
    return provider(value) if provider is not None else None


def download(case: Case, file_id: int, user: Any) -> ResponseReturnValue | None:
    provider = _one("download")
    return provider(case, file_id, user) if provider is not None else None


def attach_files(case: Case, uploads: Sequence[Any], source: str, actor: Any) -> list[int]:
    if not uploads:
        return []
    provider = _one("attach_files")
    if provider is None:
        raise RuntimeError("no channel stores case files")
    return provider(case, uploads, source, actor)
