"""The case's records and its timeline, in time order: the cases' own rows (notes, messages,
transitions, the accused's notices and replies) and each channel's entries (complaints,
calls, emails, evidence: casework.cases.channels), one query per kind.
"""

import functools
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, bindparam, exists, select
from sqlalchemy.orm import joinedload

from casework.accounts.models import User
from casework.cases.accused import ACCUSED_REPLY_SOURCE
from casework.cases.channels import TimelineEntry, timeline_entries, timeline_tables
from casework.cases.models import (
    AccusedNotice,
    Case,
    CaseMessage,
    CaseNote,
    CaseTransition,
    MessageAuthor,
)
from casework.cases.workflow import find
from casework.extensions import db

# How the timeline names where a record came from: the `source` of an evidence item, or the
# channel a complaint came by (their values), the tracking page, the accused's reply.
SOURCE_LABELS = {
    "web": _l("the web form"),
    "api": _l("the API"),
    "hotline": _l("the hotline"),
    "email": _l("email"),
    "social_media": _l("social media or the press"),
    "letter": _l("letter"),
    "walk_in": _l("a visit in person"),
    "own_finding": _l("the committee's own finding"),
    "tracking": _l("the complainant, on the tracking page"),
    ACCUSED_REPLY_SOURCE: _l("the accused, in reply"),
}

KIND_ORDER = {kind: n for n, kind in enumerate(
    ("complaint", "call", "mail", "evidence", "transition", "message", "note", "notice",
     "reply"))}


def source_label(source: str) -> Any:
    return SOURCE_LABELS.get(source, source)


@dataclass
class CaseRecords:
    """The cases' own rows the case page shows, each kind loaded with one query, and the
    channels' timeline entries."""

    notes: list[CaseNote]
    messages: list[tuple[CaseMessage, str | None]]
    transitions: list[tuple[CaseTransition, str | None]]
    notices: list[AccusedNotice]
    channel_entries: list[TimelineEntry]

    def of_kind(self, kind: str) -> list[TimelineEntry]:
        """A channel's entries of one kind, in time order (e.g. the evidence table)."""
        return sorted((e for e in self.channel_entries if e.kind == kind),
                      key=lambda e: (e.at, e.meta.get("id", 0)))


def load_records(case: Case, locale: str | None = None) -> CaseRecords:
    """A fixed number of queries, whatever the number of rows: one probe for the kinds of rows
    the case has, then one query per kind it has (four here, one per channel)."""
    notes, messages, transitions, notices = _statements()
    params = {"case_id": case.id}
    present = _present(case.id)

    def rows(statement, table: Table) -> list:
        return list(db.session.execute(statement, params)) if table.name in present else []

    return CaseRecords(
        notes=[row[0] for row in rows(notes, CaseNote.__table__)],
        messages=[tuple(row) for row in rows(messages, CaseMessage.__table__)],
        transitions=[tuple(row) for row in rows(transitions, CaseTransition.__table__)],
        notices=[row[0] for row in rows(notices, AccusedNotice.__table__)],
        channel_entries=timeline_entries(case, locale, present),
    )


def _present(case_id: int) -> set[str]:
    """The names of the tables that have rows of the case: one statement, where a query of
    mapped rows that finds nothing costs as much as one that finds a row (a new case has one
    or two kinds of the nine). Through the session, which first flushes rows just added."""
    statement = _probe((CaseNote.__table__, CaseMessage.__table__, CaseTransition.__table__,
                        AccusedNotice.__table__) + timeline_tables())
    row = db.session.execute(statement, {"case_id": case_id}).one()
    return {name for name, found in row._mapping.items() if found}


@functools.lru_cache(maxsize=4)
def _probe(tables: tuple[Table, ...]):
    case_id = bindparam("case_id")
    return select(*[exists().where(table.c.case_id == case_id).label(table.name)
                    for table in tables])


@functools.cache
def _statements() -> tuple:
    """Built once (composing them cost as much as running them); the case is a parameter."""
    case_id = bindparam("case_id")
    return (
        select(CaseNote).options(joinedload(CaseNote.author))
        .where(CaseNote.case_id == case_id).order_by(CaseNote.created_at, CaseNote.id),
        select(CaseMessage, User.full_name)
        .outerjoin(User, User.id == CaseMessage.author_user_id)
        .where(CaseMessage.case_id == case_id).order_by(CaseMessage.created_at, CaseMessage.id),
        select(CaseTransition, User.full_name)
        .outerjoin(User, User.id == CaseTransition.actor_id)
        .where(CaseTransition.case_id == case_id).order_by(CaseTransition.at, CaseTransition.id),
        select(AccusedNotice).where(AccusedNotice.case_id == case_id)
        .options(joinedload(AccusedNotice.candidate), joinedload(AccusedNotice.notified_by))
        .order_by(AccusedNotice.notified_at, AccusedNotice.id),
    )


def build_timeline(records: CaseRecords, locale: str | None = None) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = list(records.channel_entries)
    add = entries.append
    for note in records.notes:
        add(TimelineEntry(note.created_at, "note", _l("Internal note"), note.body,
                          {"id": note.id, "author": note.author.full_name}))
    for message, author_name in records.messages:
        committee = message.author is MessageAuthor.COMMITTEE
        add(TimelineEntry(message.created_at, "message",
                          _l("Message to the complainants") if committee
                          else _l("Message from the complainant"), message.body,
                          {"id": message.id, "author": author_name if committee else None,
                           "channel": message.channel,
                           "channel_label": source_label(message.channel),
                           "from": message.author.value}))
    for record, actor_name in records.transitions:
        add(TimelineEntry(record.at, "transition", find(record.action).label, record.text,
                          {"id": record.id, "actor": actor_name,
                           "from": record.from_state.label,
                           "to": record.to_state.label,
                           "reason": record.reason_code.label if record.reason_code else None,
                           "outcome": record.outcome.label if record.outcome else None,
                           "merged_into": (record.details or {}).get("merged_into")}))
    for notice in records.notices:
        name = notice.candidate.name(locale)
        add(TimelineEntry(notice.notified_at, "notice",
                          _l("Accused notified: %(name)s", name=name), None,
                          {"id": notice.id, "method": notice.method.label,
                           "author": notice.notified_by.full_name}))
        if notice.replied_at is not None:
            add(TimelineEntry(notice.replied_at, "reply",
                              _l("Reply of the accused: %(name)s", name=name), notice.reply_text,
                              {"id": notice.id}))
    entries.sort(key=lambda e: (e.at, KIND_ORDER.get(e.kind, len(KIND_ORDER)),
                                e.meta.get("id", 0)))
    return entries


def timeline(case: Case, locale: str | None = None) -> list[TimelineEntry]:
    """The case's story in time order: complaints, calls, emails, evidence, notes, messages,
    transitions, the accused's notices and replies. A fixed number of queries."""
    return build_timeline(load_records(case, locale), locale)
