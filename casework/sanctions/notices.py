"""The chairs are told when a sanction waits for their approval and when an appeal is filed
(casework.notifications.inbox.notify does the telling); only those the sanction's own rule
lets act (`can_review`, `can_decide_appeal`: not the proposer or recorder, no conflict)."""

from sqlalchemy import select

from casework.accounts.models import User
from casework.accounts.roles import CHAIRS
from casework.extensions import db
from casework.notifications.inbox import notify_all
from casework.notifications.inbox_models import NotificationKind
from casework.sanctions.models import Sanction


def _chairs() -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.role.in_(CHAIRS), User.disabled_at.is_(None)).order_by(User.id)))


def sanction_waiting(sanction: Sanction, actor: User) -> int:
    return notify_all([u for u in _chairs() if sanction.can_review(u)],
                      NotificationKind.SANCTION_WAITING, case=sanction.case,
                      sanction_id=sanction.id, actor=actor)


def appeal_filed(sanction: Sanction, actor: User) -> int:
    return notify_all([u for u in _chairs() if sanction.can_decide_appeal(u)],
                      NotificationKind.APPEAL_FILED, case=sanction.case,
                      sanction_id=sanction.id, actor=actor)
