"""Telling staff: `notify` is the one function areas call when a member must act (a case
given to them, a complainant's reply, a sanction or appeal waiting, a deadline tomorrow).
The notice goes to the member's inbox always, and by email through the outbox unless they
turned that kind off on /account. Recipients are passed in (duck-typed users), so this area
imports no other: areas call notifications, never the reverse. No commits."""

import functools
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from sqlalchemy import (
    CompoundSelect,
    Integer,
    bindparam,
    cast,
    func,
    null,
    select,
    union_all,
    update,
)

from casework.core.db import utcnow
from casework.core.urls import public_url
from casework.extensions import db
from casework.notifications.inbox_models import (
    EMAIL_BY_DEFAULT,
    NotificationKind,
    NotificationPreference,
    StaffNotification,
)
from casework.notifications.services import enqueue_email, message_language

INBOX_PAGE = 100


def notify(recipient: Any, kind: NotificationKind, *, case: Any = None,
           sanction_id: int | None = None, dedupe_key: str | None = None,
           actor: Any = None) -> StaffNotification | None:
    """One notice for `recipient` (never for the actor themself, nor a disabled account);
    None when skipped or when `dedupe_key` was used already."""
    if recipient is None or not recipient.is_active:
        return None
    if actor is not None and getattr(actor, "id", None) == recipient.id:
        return None
    if dedupe_key is not None and db.session.scalar(select(StaffNotification.id).where(
            StaffNotification.dedupe_key == dedupe_key)) is not None:
        return None
    notice = StaffNotification(
        recipient_id=recipient.id, kind=kind, case_id=getattr(case, "id", None),
        case_reference=getattr(case, "reference", None), sanction_id=sanction_id,
        dedupe_key=dedupe_key, created_at=utcnow())
    db.session.add(notice)
    db.session.flush()
    if wants_email(recipient.id, kind):
        # Only the kind and the reference: no complaint text leaves in a mail.
        enqueue_email(template="staff/notification", recipient=recipient.email,
                      language=message_language(recipient.preferred_locale),
                      dedupe_key=f"notice:{notice.id}", case_id=notice.case_id,
                      context={"kind": kind.label, "reference": notice.case_reference,
                               "url": public_url(link_of(notice))})
    return notice


def notify_all(recipients: Iterable[Any], kind: NotificationKind, **kwargs: Any) -> int:
    return sum(notify(user, kind, **kwargs) is not None for user in recipients)


def link_of(notice: StaffNotification) -> str:
    """Where the notice leads: the sanction's page, else the case's, else the inbox. Written
    out, not url_for: mail is written by the worker too, outside any request."""
    if notice.sanction_id is not None:
        return f"/sanctions/{notice.sanction_id}"
    if notice.kind is NotificationKind.IDENTITY_REQUESTED:  # the custodian's requests page
        return "/staff/identity"
    if notice.case_reference:
        return f"/cases/{quote(notice.case_reference, safe='')}"
    return "/staff/inbox"


# -- reading -------------------------------------------------------------------------------

def unread_count(user: Any) -> int:
    """The header's figure: one COUNT on the unread index."""
    # Core statements on the session's connection (the ORM's execution path costs a third),
    # after the autoflush that path would do.
    db.session.flush()
    return db.session.connection().scalar(_unread_count_statement(), {"user": user.id}) or 0


@functools.cache
def _unread_count_statement():
    """Built once: every staff page's header asks it."""
    return (select(func.count()).select_from(StaffNotification)
            .where(StaffNotification.recipient_id == bindparam("user"),
                   StaffNotification.read_at.is_(None)))


def unread_case_ids(user: Any, case_ids: Iterable[int]) -> set[int]:
    """Which of these cases have an unread notice for `user` (the queue's markers)."""
    ids = list(case_ids)
    if not ids:
        return set()
    db.session.flush()
    return set(db.session.connection().scalars(
        select(StaffNotification.case_id).distinct().where(
            StaffNotification.recipient_id == user.id, StaffNotification.read_at.is_(None),
            StaffNotification.case_id.in_(ids))))


@functools.cache
def _unread_statement() -> CompoundSelect:
    """Built once: the header's count, then which of a page's cases have an unread notice."""
    unread = (StaffNotification.recipient_id == bindparam("user"),
              StaffNotification.read_at.is_(None))
    return union_all(
        select(cast(null(), Integer).label("case_id"), func.count().label("n")).where(*unread),
        select(StaffNotification.case_id, cast(null(), Integer)).distinct().where(
            *unread, StaffNotification.case_id.in_(bindparam("ids", expanding=True))))


def unread_with_cases(user: Any, case_ids: Iterable[int]) -> tuple[int, set[int]]:
    """`unread_count(user)` and `unread_case_ids(user, case_ids)` in one statement (the
    queue: its header's figure and its rows' markers)."""
    db.session.flush()
    count, cases = 0, set()
    for case_id, n in db.session.connection().execute(
            _unread_statement(), {"user": user.id, "ids": list(case_ids)}):
        if case_id is None:
            count = n or 0
        else:
            cases.add(case_id)
    return count, cases


def newest(user: Any, limit: int = INBOX_PAGE) -> list[StaffNotification]:
    return list(db.session.scalars(
        select(StaffNotification).where(StaffNotification.recipient_id == user.id)
        .order_by(StaffNotification.created_at.desc(), StaffNotification.id.desc())
        .limit(limit)))


def own_notice(user: Any, notice_id: int) -> StaffNotification | None:
    notice = db.session.get(StaffNotification, notice_id)
    return notice if notice is not None and notice.recipient_id == user.id else None


# -- marking read --------------------------------------------------------------------------

def mark_read(notice: StaffNotification, user: Any) -> None:
    if notice.read_at is None and notice.can_mark_read(user):
        notice.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: Any) -> int:
    return db.session.execute(
        update(StaffNotification).where(StaffNotification.recipient_id == user.id,
                                         StaffNotification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount


# -- email preferences ---------------------------------------------------------------------

def email_choices(user_id: int) -> dict[NotificationKind, bool]:
    """Every kind with whether it comes by email for this member."""
    stored = dict(db.session.execute(
        select(NotificationPreference.kind, NotificationPreference.email)
        .where(NotificationPreference.user_id == user_id)).all())
    return {kind: stored.get(kind, kind in EMAIL_BY_DEFAULT) for kind in NotificationKind}


def wants_email(user_id: int, kind: NotificationKind) -> bool:
    return email_choices(user_id)[kind]


def set_email_choices(user: Any, chosen: Iterable[str]) -> None:
    """Email for the kinds in `chosen`, not for the others (unknown values are ignored)."""
    chosen = set(chosen)
    for kind in NotificationKind:
        row = db.session.get(NotificationPreference, (user.id, kind))
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind,
                                                  email=kind.value in chosen))
        else:
            row.email = kind.value in chosen
    db.session.flush()
