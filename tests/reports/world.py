"""A known world for the figures: 13 cases of election T2020 in Karaganda (with its district
Balkhash), Almaty, a region with an unknown code and no region yet; their complaints,
transitions at known times, deadlines, notes; hotline calls; a case of another election.

Every figure the tests expect is worked out by hand in the comments below. NOW is fixed; the
election's zone is Asia/Almaty (UTC+5 in 2026).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from casework.cases.models import Case, CaseNote, CaseState, CaseTransition, Category, ScreeningChecklist
from casework.cases.workflow import InadmissibleReason, Outcome
from casework.elections.models import Election, Region, RegionKind
from casework.extensions import db
from casework.hotline.models import Call, CallPurpose
from casework.intake.models import Channel
from tests import factories
from tests.factories import region

NOW = datetime(2026, 3, 10, 12, 30)  # 17:30 in Almaty
MARK = "Qz9Mark"  # in every personal or internal text of the world: never public
S = CaseState
C = Category
H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)


@dataclass
class World:
    election: Election
    other: Election
    cases: dict[str, Case]
    regions: dict[str, Region]
    operator: object


def _case(election, number, region_obj, category, state, created, outcome=None) -> Case:
    return factories.case(election, state, region_code=region_obj.code if region_obj else None,
                          category=category, created_at=created, changed_at=created,
                          reference=f"{election.code}-R-{number:05d}", outcome=outcome)


def _complaint(case: Case, channel: Channel) -> None:
    tag = secrets.token_hex(3)
    factories.complaint(case, channel, anonymous=False, name=f"Aruzhan {MARK}name{tag}",
                        phone=f"+7701{tag}", email=f"{MARK.lower()}{tag}@example.kz",
                        narrative=f"I saw it myself, {MARK}narrative{tag}.",
                        received_at=case.created_at)


def _move(case: Case, to: CaseState, at: datetime, frm: CaseState = S.RECEIVED,
          reason: InadmissibleReason | None = None) -> None:
    db.session.add(CaseTransition(case_id=case.id, action="test", from_state=frm, to_state=to,
                                  at=at, reason_code=reason, text=f"{MARK}transition",
                                  details={}))


def _deadline(case: Case, state: CaseState, due: datetime | None,
              paused: datetime | None = None) -> None:
    factories.deadline(case, state, due, paused_at=paused)


def build_world(election: Election) -> World:
    kar, ala, bal = (region(election, code) for code in ("KZ-KAR", "KZ-ALA", "KZ-KAR-BAL"))
    kar.voters, ala.voters = 200000, 40000
    new = Region(election_id=election.id, code="XX-NEW", kind=RegionKind.REGION,
                 name_kk="Жаңа облыс", name_ru="Новая область", name_en="New Region")
    db.session.add(new)
    db.session.flush()

    other = factories.election_with_regions("OTHER")
    other.voting_starts_at -= timedelta(days=400)  # T2020 stays the current election
    other_case = _case(other, 1, region(other, "KZ-KAR"), C.VOTE_BUYING, S.RECEIVED, NOW - H)
    _complaint(other_case, Channel.WEB)

    cases: dict[str, Case] = {}
    #          region  category                state               created      outcome
    table = {
        "c1": (kar, C.VOTE_BUYING, S.RECEIVED, NOW - 30 * H, None),
        "c2": (bal, C.VOTER_COERCION, S.RECEIVED, NOW - 20 * H, None),
        "c3": (ala, C.VOTE_BUYING, S.SCREENING, NOW - 10 * H, None),
        "c4": (kar, C.CAMPAIGN_VIOLATION, S.INVESTIGATION, NOW - 3 * D, None),
        "c5": (ala, C.DEFAMATION, S.INFO_REQUESTED, NOW - 1 * D, None),
        "c6": (kar, C.VOTE_BUYING, S.DECIDED, NOW - 5 * D, Outcome.CONFIRMED),
        "c7": (bal, C.VOTE_BUYING, S.CLOSED, NOW - 6 * D, Outcome.NOT_CONFIRMED),
        "c8": (ala, C.OTHER, S.INADMISSIBLE, NOW - 2 * D, None),
        "c9": (None, C.OTHER, S.RECEIVED, NOW - 1 * H, None),
        "c10": (kar, C.ABUSE_OF_OFFICE, S.INADMISSIBLE, NOW - 4 * D, None),
        "c11": (kar, C.VOTE_BUYING, S.FINDINGS_READY, NOW - 2 * D, None),
        "c12": (ala, C.VOTE_BUYING, S.MERGED, datetime(2026, 3, 9, 20, 0), None),
        "c13": (kar, C.EVOTING_IRREGULARITY, S.CLOSED, NOW - 20 * D, Outcome.CONFIRMED),
    }
    for number, (name, (reg, category, state, created, outcome)) in enumerate(table.items(), 1):
        cases[name] = _case(election, number, reg, category, state, created,
                            outcome.value if outcome else None)

    # Complaints: web 6 (c1 c4 c5 c6 c10 c13), hotline 2 (c2 c4), email 2 (c3 c9), letter 1,
    # social media 1, walk-in 1, api 1: 14 complaints.
    channels = {"c1": [Channel.WEB], "c2": [Channel.HOTLINE], "c3": [Channel.EMAIL],
                "c4": [Channel.WEB, Channel.HOTLINE], "c5": [Channel.WEB], "c6": [Channel.WEB],
                "c7": [Channel.LETTER], "c8": [Channel.SOCIAL_MEDIA], "c9": [Channel.EMAIL],
                "c10": [Channel.WEB], "c11": [Channel.WALK_IN], "c12": [Channel.API],
                "c13": [Channel.WEB]}
    for name, kinds in channels.items():
        for kind in kinds:
            _complaint(cases[name], kind)

    # Into screening, minutes after intake (bucket): c6 10 (0), c8 5 (0), c3 20 (15),
    # c4 45 (30), c11 40 (30), c7 90 (60), c5 180 (120), c10 480 (480). Eight cases: the
    # 4th smallest lies in bucket 30 (30 to 60 minutes). Karaganda alone: c4 c6 c7 c10 c11,
    # the 3rd smallest in bucket 30 too.
    for name, minutes in {"c6": 10, "c8": 5, "c3": 20, "c4": 45, "c11": 40, "c7": 90,
                          "c5": 180, "c10": 480}.items():
        _move(cases[name], S.SCREENING, cases[name].created_at + minutes * M)
    # A second move into screening never counts (the first does): c4 again after 3 days.
    _move(cases["c4"], S.SCREENING, cases["c4"].created_at + 3 * D, frm=S.APPEALED)
    # Into decided: c6 after 2 days (2880: bucket 2880), c7 after 25 hours (1500: bucket
    # 1440). The lower median of two is the smaller: bucket 1440.
    _move(cases["c6"], S.DECIDED, cases["c6"].created_at + 2 * D, frm=S.FINDINGS_READY)
    _move(cases["c7"], S.DECIDED, cases["c7"].created_at + 25 * H, frm=S.FINDINGS_READY)
    # Rejections: c8 for no specific facts; c10 first outside the remit, then (after an
    # appeal) as a duplicate: the latest counts.
    _move(cases["c8"], S.INADMISSIBLE, cases["c8"].created_at + 2 * H, frm=S.SCREENING,
          reason=InadmissibleReason.NO_SPECIFIC_FACTS)
    _move(cases["c10"], S.INADMISSIBLE, cases["c10"].created_at + 9 * H, frm=S.SCREENING,
          reason=InadmissibleReason.OUTSIDE_REMIT)
    db.session.flush()
    _move(cases["c10"], S.INADMISSIBLE, cases["c10"].created_at + 2 * D, frm=S.SCREENING,
          reason=InadmissibleReason.DUPLICATE)

    # Deadlines. Overdue: c1 (received, no clock, 30 h old) and c4 (due an hour ago).
    # Due soon (12 h): c2 (received 20 h ago: due in 4 h), c3 (in 5 h), c11 (in 11 h).
    # Neither: c5 (paused), c8 (a stale clock of another state), c6 (no due time), c9
    # (received an hour ago: due in 23 h).
    _deadline(cases["c3"], S.SCREENING, NOW + 5 * H)
    _deadline(cases["c4"], S.INVESTIGATION, NOW - H)
    _deadline(cases["c5"], S.INFO_REQUESTED, NOW - 5 * H, paused=NOW - D)
    _deadline(cases["c6"], S.DECIDED, None)
    _deadline(cases["c8"], S.SCREENING, NOW - 3 * H)
    _deadline(cases["c11"], S.FINDINGS_READY, NOW + 11 * H)

    # Internal texts that must never be public.
    operator = factories.member(election, "operator", f"Operator{MARK}")
    db.session.add(CaseNote(case_id=cases["c4"].id, author_id=operator.id,
                            body=f"Internal {MARK}note", created_at=NOW - H))
    db.session.add(ScreeningChecklist(case_id=cases["c8"].id, specific_facts=False,
                                      notes=f"{MARK}checklist"))
    # Calls: two in the UTC hour 10 of March 10 (one with no case, one about c2 of
    # Balkhash), one in hour 06 of March 9 about c3 (Almaty); none counted: 20 days old,
    # or about another election's case.
    for started, case in ((NOW - 2 * H, None), (NOW - 2 * H + 10 * M, cases["c2"]),
                          (NOW - 30 * H, cases["c3"]), (NOW - 20 * D, None),
                          (NOW - 2 * H, other_case)):
        db.session.add(Call(operator_id=operator.id, caller_number="+7701" + MARK[-3:],
                            started_at=started, ended_at=started + 5 * M, language="kk",
                            purpose=CallPurpose.COMPLAINT, note=f"{MARK}call",
                            case_id=case.id if case else None))
    db.session.commit()
    return World(election, other, cases, {"KAR": kar, "ALA": ala, "BAL": bal, "NEW": new},
                 operator)
