"""The review workflow as data: the table of allowed transitions and who may take each.

Pure data and small helpers, no database. `casework.cases.transitions.apply` is the one
function that moves a case; it looks the move up here. Auditors, hotline operators and
administrators take no transition (administrators run accounts, they do not decide cases).
"""

import enum
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from casework.accounts.models import Role
from casework.cases.models import CaseState, PublicStatus


class InadmissibleReason(enum.StrEnum):
    OUTSIDE_REMIT = "outside_remit"
    OUTSIDE_FILING_WINDOW = "outside_filing_window"
    NO_SPECIFIC_FACTS = "no_specific_facts"
    NO_EVIDENCE_OR_SOURCE = "no_evidence_or_source"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> LazyString:
        return INADMISSIBLE_LABELS[self]


INADMISSIBLE_LABELS = {
    InadmissibleReason.OUTSIDE_REMIT: _l("Outside the committee's remit"),
    InadmissibleReason.OUTSIDE_FILING_WINDOW: _l("Filed outside the filing window"),
    InadmissibleReason.NO_SPECIFIC_FACTS: _l("No specific facts"),
    InadmissibleReason.NO_EVIDENCE_OR_SOURCE: _l("No evidence and no verifiable source"),
    InadmissibleReason.DUPLICATE: _l("Duplicate of another complaint"),
    InadmissibleReason.WITHDRAWN: _l("Withdrawn by the complainant"),
}


class Outcome(enum.StrEnum):
    CONFIRMED = "confirmed"
    PARTLY_CONFIRMED = "partly_confirmed"
    NOT_CONFIRMED = "not_confirmed"

    @property
    def label(self) -> LazyString:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.CONFIRMED: _l("Confirmed"),
    Outcome.PARTLY_CONFIRMED: _l("Partly confirmed"),
    Outcome.NOT_CONFIRMED: _l("Not confirmed"),
}

# The admissibility checklist: (column of ScreeningChecklist, label). True = the item passes.
CHECKLIST_ITEMS = (
    ("within_remit", _l("Within the committee's remit")),
    ("within_filing_window", _l("Filed within the filing window")),
    ("specific_facts", _l("Specific facts: what, where, when and who")),
    ("evidence_or_source", _l("Evidence or a verifiable source")),
    ("accused_identified", _l("The accused is identified")),
    ("not_duplicate", _l("Not a duplicate of another case")),
)
CHECKLIST_NAMES = tuple(name for name, _label in CHECKLIST_ITEMS)

# A rejection must rest on a failed checklist item that supports its reason; an empty
# tuple means the reason needs no checklist (a duplicate, or a complaint withdrawn).
REASON_ITEMS: dict[InadmissibleReason, tuple[str, ...]] = {
    InadmissibleReason.OUTSIDE_REMIT: ("within_remit",),
    InadmissibleReason.OUTSIDE_FILING_WINDOW: ("within_filing_window",),
    InadmissibleReason.NO_SPECIFIC_FACTS: ("specific_facts", "accused_identified"),
    InadmissibleReason.NO_EVIDENCE_OR_SOURCE: ("evidence_or_source",),
    InadmissibleReason.DUPLICATE: (),
    InadmissibleReason.WITHDRAWN: (),
}

STATE_LABELS = {
    CaseState.RECEIVED: _l("Received"),
    CaseState.SCREENING: _l("Screening"),
    CaseState.INADMISSIBLE: _l("Inadmissible"),
    CaseState.INVESTIGATION: _l("Investigation"),
    CaseState.INFO_REQUESTED: _l("Information requested"),
    CaseState.FINDINGS_READY: _l("Findings ready"),
    CaseState.DECIDED: _l("Decided"),
    CaseState.CLOSED: _l("Closed"),
    CaseState.APPEALED: _l("Appealed"),
    CaseState.MERGED: _l("Merged"),
}

# The same words as the tracking page (templates/intake/tracked.html), so one translation.
PUBLIC_STATUS_LABELS = {
    PublicStatus.RECEIVED: _l("Received"),
    PublicStatus.UNDER_REVIEW: _l("Under review"),
    PublicStatus.INFO_REQUESTED: _l("More information requested"),
    PublicStatus.DECIDED: _l("Decided"),
    PublicStatus.CLOSED: _l("Closed"),
    PublicStatus.REJECTED: _l("Rejected"),
    PublicStatus.MERGED: _l("Joined with another case"),
}

# Requirement names: payload keyword arguments of apply(), except CHECKLIST, a precondition
# on the stored ScreeningChecklist (admit: every item passed; reject: a failed item that
# supports the reason code, unless the reason needs none).
CHECKLIST = "checklist"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[CaseState]
    target: CaseState
    roles: frozenset[Role]
    requires: frozenset[str]
    label: LazyString = field(compare=False, hash=False)
    system: bool = False  # may be taken with no acting user (actor=None)
    # Taken only through decisions.services.record_decision (it needs the votes and reasons of
    # a collegial decision), never as a bare move from the case page or the API.
    by_decision: bool = False

    @property
    def payload_fields(self) -> frozenset[str]:
        return self.requires - {CHECKLIST}


def _t(action: str, sources: set[CaseState], target: CaseState, roles: set[Role],
       requires: set[str], label: LazyString, *, system: bool = False,
       by_decision: bool = False) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), frozenset(requires),
                      label, system, by_decision)


S = CaseState
STAFF = {Role.REVIEWER, Role.SECRETARY, Role.CHAIR}
LEADS = {Role.SECRETARY, Role.CHAIR}

TRANSITIONS: tuple[Transition, ...] = (
    _t("start_screening", {S.RECEIVED}, S.SCREENING, STAFF, set(), _l("Start screening")),
    _t("admit", {S.SCREENING}, S.INVESTIGATION, STAFF, {CHECKLIST},
       _l("Admit for investigation")),
    _t("reject", {S.SCREENING}, S.INADMISSIBLE, STAFF,
       {CHECKLIST, "reason_code", "public_reason"}, _l("Declare inadmissible")),
    _t("merge", {S.SCREENING}, S.MERGED, LEADS, {"into"}, _l("Merge into another case")),
    _t("request_info", {S.INVESTIGATION}, S.INFO_REQUESTED, STAFF, {"question"},
       _l("Ask the complainant")),
    _t("info_received", {S.INFO_REQUESTED}, S.INVESTIGATION, STAFF, set(),
       _l("Information received"), system=True),
    _t("ready_findings", {S.INVESTIGATION}, S.FINDINGS_READY, STAFF, set(),
       _l("Findings ready")),
    _t("decide", {S.FINDINGS_READY}, S.DECIDED, LEADS, {"outcome", "reasons"}, _l("Decide"),
       by_decision=True),
    _t("close", {S.DECIDED}, S.CLOSED, LEADS, set(), _l("Close")),
    _t("appeal", {S.DECIDED, S.INADMISSIBLE}, S.APPEALED, LEADS, {"reason"},
       _l("Record an appeal")),
    _t("reopen", {S.APPEALED}, S.INVESTIGATION, LEADS, set(), _l("Reopen the investigation")),
    _t("redecide", {S.APPEALED}, S.DECIDED, {Role.CHAIR}, {"outcome", "reasons"},
       _l("Decide on the appeal"), by_decision=True),
)

_BY_ACTION = {t.action: t for t in TRANSITIONS}
assert len(_BY_ACTION) == len(TRANSITIONS), "an action appears twice in TRANSITIONS"

# States with no way out: the end of a case's life (an appeal reopens decided/inadmissible).
FINAL_STATES = frozenset({S.CLOSED, S.MERGED})
# A case that still needs work: it counts towards its assignee's load and can still lead to a
# decision, and so to a sanction.
OPEN_STATES = frozenset({S.RECEIVED, S.SCREENING, S.INVESTIGATION, S.INFO_REQUESTED,
                         S.FINDINGS_READY, S.APPEALED})


def find(action: str) -> Transition:
    """The transition named `action`; KeyError for an unknown name."""
    return _BY_ACTION[action]


def may_take(transition: Transition, role: Role | None) -> bool:
    """Whether `role` (None: the system, no acting user) may take the transition at all."""
    return transition.system if role is None else role in transition.roles


def allowed_actions(case_state: CaseState, role: Role | None) -> list[Transition]:
    """The transitions open from `case_state` to `role`, in table order (for buttons)."""
    return [t for t in TRANSITIONS if case_state in t.sources and may_take(t, role)]
