"""The review workflow as data: a case's states, the table of allowed transitions and the
role group that may take each (groups from accounts.roles), the screening checklist.

Pure data, no database. `casework.cases.transitions.apply` is the one function that moves a
case; it looks the move up here, and `Case.can_take(transition, user)` is the one rule for
who may take it on a given case. Auditors, hotline operators and administrators take no
transition (administrators run accounts, they do not decide cases).
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from casework.accounts.roles import CHAIRS, COMMITTEE, LEADS, Role
from casework.core.labels import LabelledEnum


class CaseState(LabelledEnum):
    RECEIVED = "received", _l("Received")
    SCREENING = "screening", _l("Screening")
    INADMISSIBLE = "inadmissible", _l("Inadmissible")
    INVESTIGATION = "investigation", _l("Investigation")
    INFO_REQUESTED = "info_requested", _l("Information requested")
    FINDINGS_READY = "findings_ready", _l("Findings ready")
    DECIDED = "decided", _l("Decided")
    CLOSED = "closed", _l("Closed")
    APPEALED = "appealed", _l("Appealed")
    MERGED = "merged", _l("Merged")


class InadmissibleReason(LabelledEnum):
    OUTSIDE_REMIT = "outside_remit", _l("Outside the committee's remit")
    OUTSIDE_FILING_WINDOW = "outside_filing_window", _l("Filed outside the filing window")
    NO_SPECIFIC_FACTS = "no_specific_facts", _l("No specific facts")
    NO_EVIDENCE_OR_SOURCE = "no_evidence_or_source", _l("No evidence and no verifiable source")
    DUPLICATE = "duplicate", _l("Duplicate of another complaint")
    WITHDRAWN = "withdrawn", _l("Withdrawn by the complainant")
    DEFECT_NOT_CURED = "defect_not_cured", _l("Defect not cured in time")


# Reasons only the system gives (the cure period ran out): not offered to staff.
SYSTEM_REASONS = frozenset({InadmissibleReason.DEFECT_NOT_CURED})


class DeadlineKind(LabelledEnum):
    """Which legal period a case's running clock is (casework.cases.deadlines)."""

    SCREENING = "screening", _l("Screening")
    INVESTIGATION = "investigation", _l("Investigation")
    DECISION = "decision", _l("Decision")
    APPEAL = "appeal", _l("Appeal")
    CURE = "cure", _l("Cure of a defect")


class Outcome(LabelledEnum):
    CONFIRMED = "confirmed", _l("Confirmed")
    PARTLY_CONFIRMED = "partly_confirmed", _l("Partly confirmed")
    NOT_CONFIRMED = "not_confirmed", _l("Not confirmed")


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
    InadmissibleReason.DEFECT_NOT_CURED: (),
}

# The longest text staff write on a case: a move's text, a note, a message, the accused's reply.
TEXT_MAX = 10000

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


def _t(action: str, sources: set[CaseState], target: CaseState, roles: frozenset[Role],
       requires: set[str], label: LazyString, *, system: bool = False,
       by_decision: bool = False) -> Transition:
    return Transition(action, frozenset(sources), target, roles, frozenset(requires),
                      label, system, by_decision)


S = CaseState

TRANSITIONS: tuple[Transition, ...] = (
    _t("start_screening", {S.RECEIVED}, S.SCREENING, COMMITTEE, set(), _l("Start screening")),
    _t("admit", {S.SCREENING}, S.INVESTIGATION, COMMITTEE, {CHECKLIST},
       _l("Admit for investigation")),
    _t("reject", {S.SCREENING}, S.INADMISSIBLE, COMMITTEE,
       {CHECKLIST, "reason_code", "public_reason"}, _l("Declare inadmissible")),
    _t("merge", {S.SCREENING}, S.MERGED, LEADS, {"into"}, _l("Merge into another case")),
    # Cure: screening finds a defect the complainant can mend within the cure period; their
    # answer returns the case to screening, silence makes it inadmissible (cases/cure.py).
    _t("request_cure", {S.SCREENING}, S.INFO_REQUESTED, COMMITTEE, {"question"},
       _l("Send back for cure")),
    _t("cure_received", {S.INFO_REQUESTED}, S.SCREENING, COMMITTEE, set(),
       _l("Cure received"), system=True),
    _t("cure_lapsed", {S.INFO_REQUESTED}, S.INADMISSIBLE, frozenset(), set(),
       _l("Cure period expired"), system=True),
    _t("request_info", {S.INVESTIGATION}, S.INFO_REQUESTED, COMMITTEE, {"question"},
       _l("Ask the complainant")),
    _t("info_received", {S.INFO_REQUESTED}, S.INVESTIGATION, COMMITTEE, set(),
       _l("Information received"), system=True),
    _t("ready_findings", {S.INVESTIGATION}, S.FINDINGS_READY, COMMITTEE, set(),
       _l("Findings ready")),
    _t("decide", {S.FINDINGS_READY}, S.DECIDED, LEADS, {"outcome", "reasons"}, _l("Decide"),
       by_decision=True),
    _t("close", {S.DECIDED}, S.CLOSED, LEADS, set(), _l("Close")),
    _t("appeal", {S.DECIDED, S.INADMISSIBLE}, S.APPEALED, LEADS, {"reason"},
       _l("Record an appeal")),
    _t("reopen", {S.APPEALED}, S.INVESTIGATION, LEADS, set(), _l("Reopen the investigation")),
    _t("redecide", {S.APPEALED}, S.DECIDED, CHAIRS, {"outcome", "reasons"},
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
