"""Cases, their per-election reference sequence, accused candidates and public messages;
who may do what on a case (`Case.can_*`)."""

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.roles import CASE_READERS, COMMITTEE, LEADS, has_role
from casework.cases.workflow import (
    OPEN_STATES,
    TRANSITIONS,
    CaseState,
    Outcome,
    Transition,
    find,
)
from casework.core.db import db_enum, utcnow
from casework.core.labels import LabelledEnum
from casework.elections.models import Candidate, Election, PollingStation, Region
from casework.extensions import db


class Category(LabelledEnum):
    VOTE_BUYING = "vote_buying", _l("Vote buying")
    VOTER_COERCION = "voter_coercion", _l("Pressure or threats against voters")
    MULTIPLE_VOTING = "multiple_voting", _l("Voting more than once, or for someone else")
    EVOTING_IRREGULARITY = "evoting_irregularity", _l("Irregularity in electronic voting")
    PAPER_BALLOT_IRREGULARITY = ("paper_ballot_irregularity",
                                 _l("Irregularity in paper-ballot voting"))
    CAMPAIGN_VIOLATION = "campaign_violation", _l("Breach of campaign rules")
    ABUSE_OF_OFFICE = "abuse_of_office", _l("Abuse of office or public resources")
    DEFAMATION = "defamation", _l("Defamation or false information")
    OTHER = "other", _l("Other violation")


class PublicStatus(LabelledEnum):
    """What a complainant sees; internal states collapse into these. The labels are the
    tracking page's words (templates/intake/tracked.html), so one translation."""

    RECEIVED = "received", _l("Received")
    UNDER_REVIEW = "under_review", _l("Under review")
    INFO_REQUESTED = "info_requested", _l("More information requested")
    DECIDED = "decided", _l("Decided")
    CLOSED = "closed", _l("Closed")
    REJECTED = "rejected", _l("Rejected")
    MERGED = "merged", _l("Joined with another case")


PUBLIC_STATUS = {
    CaseState.RECEIVED: PublicStatus.RECEIVED,
    CaseState.SCREENING: PublicStatus.UNDER_REVIEW,
    CaseState.INVESTIGATION: PublicStatus.UNDER_REVIEW,
    CaseState.FINDINGS_READY: PublicStatus.UNDER_REVIEW,
    CaseState.APPEALED: PublicStatus.UNDER_REVIEW,
    CaseState.INFO_REQUESTED: PublicStatus.INFO_REQUESTED,
    CaseState.DECIDED: PublicStatus.DECIDED,
    CaseState.CLOSED: PublicStatus.CLOSED,
    CaseState.INADMISSIBLE: PublicStatus.REJECTED,
    CaseState.MERGED: PublicStatus.MERGED,
}


case_candidates = Table(
    "case_candidates",
    db.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("candidate_id", ForeignKey("candidates.id"), primary_key=True),
    Index("ix_case_candidates_candidate_case", "candidate_id", "case_id"),
)


# text_group_id: the folded queue (cases/queue_groups.py) tests it on every row it reads.
QUEUE_FILTERS = ["region_id", "state", "category", "assignee_id", "has_evidence",
                 "text_group_id"]


class CaseSequence(db.Model):
    """The last reference number used in an election; bumped with a row lock."""

    __tablename__ = "case_sequences"

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Case(db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    # None until screening when the channel could not tell (some email).
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("polling_stations.id"))
    category: Mapped[Category] = mapped_column(db_enum(Category, "case_category"))
    state: Mapped[CaseState] = mapped_column(db_enum(CaseState, "case_state"),
                                             default=CaseState.RECEIVED)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    has_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    # A picture of this case is the same or nearly the same as one on another case (set by
    # the worker: casework.evidence.similar_images).
    evidence_reused: Mapped[bool] = mapped_column(Boolean, default=False,
                                                  server_default=false())
    # Mass complaints: the first case of a group of near-identical narratives (this case's
    # own id when it is that first one); None when no other case tells the same text.
    text_group_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(30))
    public_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # The committee member examining the case, chosen by the secretary.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When retention erased the complainants' names and contacts (casework/retention).
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(DateTime)

    election: Mapped[Election] = relationship()
    region: Mapped[Region | None] = relationship()
    station: Mapped[PollingStation | None] = relationship()
    accused: Mapped[list[Candidate]] = relationship(secondary=case_candidates,
                                                    order_by=Candidate.code)

    # One index per queue sort and filter; the included columns let PostgreSQL check the
    # other filters inside the index (index-only scans at a million cases, see bench/staff_queue.py).
    __table_args__ = (
        Index("ix_cases_election_state_created", "election_id", "state", "created_at", "id",
              postgresql_include=["region_id", "category", "assignee_id", "has_evidence",
                                  "text_group_id"]),
        Index("ix_cases_region_created", "region_id", "created_at", "id",
              postgresql_include=["state", "category", "assignee_id", "has_evidence",
                                  "text_group_id"]),
        Index("ix_cases_election_created", "election_id", "created_at", "id",
              postgresql_include=QUEUE_FILTERS),
        Index("ix_cases_election_changed", "election_id", "state_changed_at", "id",
              postgresql_include=QUEUE_FILTERS),
        Index("ix_cases_assignee_created", "assignee_id", "created_at", "id",
              postgresql_include=["region_id", "state"]),
        Index("ix_cases_station_created", "station_id", "created_at", "id"),
        # Possible duplicates (cases/similar.py): the newest open cases of a region (or of
        # none) and category; walking region_created for them read 3,000 rows at 100,000.
        Index("ix_cases_region_category_created", "region_id", "category", "created_at", "id"),
        # The members' loads on the case page (open cases per assignee): counted in the index.
        Index("ix_cases_assignee_election_state", "assignee_id", "election_id", "state"),
        # The case page lists the cases merged into it: without it, a scan of every case.
        Index("ix_cases_merged_into", "merged_into_id"),
        # Mass complaints: a group's members in order (the folded queue's "an earlier member
        # matches", its counts, the group page); only grouped cases are in it.
        Index("ix_cases_text_group", "text_group_id", "id",
              postgresql_include=["election_id", *QUEUE_FILTERS[:-1]],
              postgresql_where=text("text_group_id IS NOT NULL"),
              sqlite_where=text("text_group_id IS NOT NULL")),
    )

    @property
    def public_status(self) -> PublicStatus:
        return PUBLIC_STATUS[self.state]

    @property
    def decided_outcome(self) -> Outcome | None:
        """The outcome of the decision standing on the case, if any (its label: `.label`)."""
        return Outcome(self.outcome) if self.outcome else None

    # -- who may do what on this case (role groups from accounts.roles) ----------------------

    def can_view(self, user: Any) -> bool:
        """Committee members and auditors whose regions cover the case."""
        return has_role(user, CASE_READERS) and user.can_see_region(self.region)

    def can_work(self, user: Any) -> bool:
        """Members (not auditors) who may write notes, messages and the accused's reply."""
        return has_role(user, COMMITTEE) and user.can_see_region(self.region)

    def can_request_identity(self, user: Any) -> bool:
        """Members who work on the case may ask a custodian for a named complainant's identity
        (IdentityRequest; nobody sees it by role, accounts.roles.CONTACT_READERS)."""
        return self.can_work(user)

    def can_assign(self, user: Any) -> bool:
        return has_role(user, LEADS) and user.can_see_region(self.region)

    def can_claim(self, user: Any) -> bool:
        """A member takes an open, unassigned case of their regions for themself (a declared
        conflict of interest is checked by the service, which needs a query)."""
        return (self.assignee_id is None and self.state in OPEN_STATES
                and self.can_work(user))

    def can_release(self, user: Any) -> bool:
        """The assignee gives an open case back to the unassigned pool."""
        return (self.assignee_id is not None and self.assignee_id == getattr(user, "id", None)
                and self.state in OPEN_STATES and self.can_work(user))

    def can_take(self, transition: Transition, user: Any) -> bool:
        """Whether `user` (None: the system) may take `transition` from the present state."""
        if self.state not in transition.sources:
            return False
        if user is None:
            return transition.system
        return has_role(user, transition.roles) and user.can_see_region(self.region)

    def can_screen(self, user: Any) -> bool:
        """Whoever may admit or reject the case now fills in its admissibility checklist."""
        return self.can_take(find("admit"), user) or self.can_take(find("reject"), user)

    def moves_for(self, user: Any) -> list[Transition]:
        """The transitions `user` may take now, in table order (the case page's buttons)."""
        return [t for t in TRANSITIONS if self.can_take(t, user)]
    # -- findings and decisions (asked by casework.decisions) ---------------------------------

    def can_write_findings(self, user: Any) -> bool:
        """Members whose regions cover the case, while it is investigated or its findings are
        ready."""
        return self.can_work(user) and self.state in (CaseState.INVESTIGATION,
                                                      CaseState.FINDINGS_READY)

    def can_decide(self, user: Any) -> bool:
        """The leads record the committee's decisions. Which decision the present state allows,
        and who takes it, is the workflow's decide or redecide move: ask can_take too."""
        return has_role(user, LEADS) and user.can_see_region(self.region)


class MessageAuthor(enum.StrEnum):
    COMMITTEE = "committee"
    COMPLAINANT = "complainant"


class CaseMessage(db.Model):
    """A message the complainant can see: from the committee, or the complainant's reply.

    Internal notes are a different table (review workflow) and never reach the public side."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    author: Mapped[MessageAuthor] = mapped_column(db_enum(MessageAuthor, "message_author"))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(20), default="web")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
