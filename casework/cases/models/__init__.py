"""The cases' tables in one place: `from casework.cases.models import Case` for any of them.

- case.py: the case, its reference sequence, accused candidates, public messages, categories
  and public statuses, and who may do what on a case (`Case.can_*`);
- review.py: the screening checklist, the transition timeline, the deadline clock;
- staff.py: internal notes, declared conflicts of interest, the accused's notices and replies;
- identity.py: the identity custodians and the requests to see a complainant's identity;
- search.py: search documents and per-state counters, with the DDL metadata cannot describe;
- text_groups.py: narratives' MinHash signatures and bands (mass complaints).

The workflow's own enums (CaseState, InadmissibleReason, Outcome) live beside the transition
table in casework.cases.workflow and are re-exported here.
"""

from casework.cases.models.case import (
    PUBLIC_STATUS,
    QUEUE_FILTERS,
    Case,
    CaseMessage,
    CaseSequence,
    Category,
    MessageAuthor,
    PublicStatus,
    case_candidates,
)
from casework.cases.models.identity import (
    IdentityCustodian,
    IdentityRequest,
    IdentityRequestStatus,
)
from casework.cases.models.review import CaseDeadline, CaseTransition, ScreeningChecklist
from casework.cases.models.search import CaseSearchDocument, CaseSearchPending, CaseStateCount
from casework.cases.models.staff import (
    REASON_MAX,
    AccusedNotice,
    CaseNote,
    ConflictDeclaration,
    NoticeMethod,
)
from casework.cases.models.text_groups import CaseTextBand, CaseTextSignature
from casework.cases.workflow import CaseState, InadmissibleReason, Outcome

__all__ = [
    "PUBLIC_STATUS",
    "QUEUE_FILTERS",
    "REASON_MAX",
    "AccusedNotice",
    "Case",
    "CaseDeadline",
    "CaseMessage",
    "CaseNote",
    "CaseSearchDocument",
    "CaseSearchPending",
    "CaseSequence",
    "CaseState",
    "CaseStateCount",
    "CaseTextBand",
    "CaseTextSignature",
    "CaseTransition",
    "Category",
    "ConflictDeclaration",
    "IdentityCustodian",
    "IdentityRequest",
    "IdentityRequestStatus",
    "InadmissibleReason",
    "MessageAuthor",
    "NoticeMethod",
    "Outcome",
    "PublicStatus",
    "ScreeningChecklist",
    "case_candidates",
]
