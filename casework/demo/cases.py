"""Demo cases: three days of complaints, hotline calls, screening, findings, decisions and
sanctions on the demo primary (`flask --app casework demo cases`). Demo only.

Everything goes through the real services, as the demo accounts: intake (web, hotline,
email, published on social media), the workflow, the checklist, findings, decisions and
sanctions. Deterministic (random.Random(2020)) and idempotent: the complaints carry the
submission keys demo-cases:00000, ..., so a second run finds them and does nothing.

The services stamp what they write with casework.core.db.utcnow(). To spread the demo over
the last 72 hours, every step is planned first, then the steps run in time order while
`utcnow()` answers the time of the step being run (core.db.stamped_at): cases get their
intake, screening and decision times, deadlines run out, and the audit chain stays whole.
"""

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO

from sqlalchemy import select

import casework.core.db as core_db
from casework.accounts.models import User
from casework.cases.models import Case, Category
from casework.cases.transitions import apply, save_checklist
from casework.cases.workflow import (
    CHECKLIST_NAMES,
    REASON_ITEMS,
    SYSTEM_REASONS,
    InadmissibleReason,
    Outcome,
)
from casework.decisions.models import Finding
from casework.decisions.services import add_finding, record_decision
from casework.demo import cases_data as words
from casework.demo import data as demo_data
from casework.demo.seed import DEMO_ACCOUNTS, ELECTION_CODE
from casework.elections.models import (
    Candidate,
    Election,
    PollingStation,
    Region,
    Result,
    StationKind,
)
from casework.elections.queries import subtree_ids
from casework.elections.standings import Overlay, load_votes, rank
from casework.extensions import db
from casework.hotline import services as hotline
from casework.intake.models import Channel, Complaint
from casework.intake.services import ComplaintDraft, Upload, submission_key_hash, submit_complaint
from casework.reports import rollups
from casework.sanctions import services as sanctions
from casework.sanctions.models import Sanction, SanctionType

KEY = "demo-cases:{:05d}"
HOURS = 72
BATCH = 100  # steps per commit
C, P, N = Outcome.CONFIRMED, Outcome.PARTLY_CONFIRMED, Outcome.NOT_CONFIRMED
OUTCOMES = (C, C, P, N)  # the decided cases' outcomes, in turn
CHANNELS = {Channel.WEB: 45, Channel.HOTLINE: 25, Channel.EMAIL: 12, Channel.SOCIAL_MEDIA: 18}
SHARES = {"received": .20, "screening": .10, "rejected": .15, "info": .03, "findings": .07}
ACCUSING = {"vote_buying", "voter_coercion", "campaign_violation", "abuse_of_office", "defamation"}
CALL_PURPOSES = {"voting_question": 45, "evoting_problem": 25, "follow_up": 20, "other": 10}
PASSWORDS = {email: password for email, _n, _r, _s, password in DEMO_ACCOUNTS}


@dataclass
class Summary:
    complaints: int = 0
    decisions: int = 0
    sanctions: int = 0
    calls: int = 0

    def __str__(self) -> str:
        return (f"demo cases: {self.complaints} complaints, {self.decisions} decisions, "
                f"{self.sanctions} sanctions, {self.calls} calls")


def already_there() -> bool:
    """Whether demo cases were made before (their first submission keys are taken)."""
    keys = [submission_key_hash(KEY.format(index)) for index in range(20)]
    return db.session.scalar(select(Complaint.id).where(Complaint.submission_key.in_(keys))
                             .limit(1)) is not None


@dataclass
class _Clock:
    at: datetime | None = None


def _png(seed: int) -> bytes:
    """A tiny real PNG (3x2 pixels) whose colour depends on `seed`."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(
            4, "big")

    pixel = bytes(((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    raw = b"".join(b"\x00" + pixel * 3 for _ in range(2))
    header = (3).to_bytes(4, "big") + (2).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


@dataclass
class _Case:
    """One planned complaint and what becomes of it; `case` etc. are filled in as it runs."""

    index: int
    lang: int  # 0 Kazakh, 1 Russian (the index into the words' pairs)
    draft: ComplaintDraft
    channel: Channel
    evidence: bool
    accused_id: int | None
    case: Case | None = None
    evidence_ids: list[int] = field(default_factory=list)
    finding: Finding | None = None


class _Demo:
    def __init__(self, election: Election, count: int, now: datetime):
        self.election, self.count, self.now = election, count, now
        self.rng = random.Random(2020)  # noqa: S311 - deterministic demo data, not security
        self.clock, self.summary = _Clock(), Summary()
        self.steps: list[tuple[datetime, int, Callable[[], object]]] = []
        self.named: list[Complaint] = []  # complaints with a phone: callers who call back
        users = {u.email: u for u in db.session.scalars(select(User).where(
            User.email.in_(list(PASSWORDS))))}
        self.operator, self.reviewer = users["operator@example.kz"], users["reviewer@example.kz"]
        self.secretary, self.chair = users["secretary@example.kz"], users["chair@example.kz"]
        regions = list(db.session.scalars(select(Region).where(
            Region.election_id == election.id).order_by(Region.code)))
        self.tops = [r for r in regions if r.parent_id is None and r.voters]
        self.kar = next(r for r in self.tops if r.code == "KZ-KAR")
        self.candidates = {r.id: list(db.session.scalars(select(Candidate).where(
            Candidate.region_id == r.id).order_by(Candidate.code))) for r in self.tops}
        stations = list(db.session.scalars(select(PollingStation).where(
            PollingStation.election_id == election.id).order_by(PollingStation.code)))
        self.evote = next(s for s in stations if s.kind is StationKind.ELECTRONIC)
        self.paper: dict[int, list[PollingStation]] = {r.id: [] for r in self.tops}
        for station in stations:
            if station.kind is StationKind.PAPER and station.region is not None:
                self.paper.setdefault(station.region.top().id, []).append(station)
        self.annulled_station = self._station_to_annul()

    def _station_to_annul(self) -> PollingStation:
        """The Karaganda paper station whose annulment changes the standings most visibly."""
        region_ids, votes = subtree_ids(self.kar), load_votes(self.kar)
        before = rank(votes)
        ranked = [row.candidate.id for row in before.ranked]

        def effect(station: PollingStation) -> tuple:
            rows = db.session.execute(select(Result.id, Result.votes).join(Candidate).where(
                Result.station_id == station.id, Candidate.region_id.in_(region_ids))).all()
            after = rank(votes, Overlay(annul=frozenset(r.id for r in rows)))
            return (after.winners != before.winners,
                    [row.candidate.id for row in after.ranked] != ranked,
                    sum(r.votes for r in rows))

        return max(self.paper[self.kar.id], key=effect)

    # -- planning ---------------------------------------------------------------------------

    def at(self, when: datetime, step: Callable[[], object]) -> None:
        self.steps.append((when, len(self.steps), step))

    def ago(self, low_minutes: float, high_minutes: float) -> datetime:
        return self.now - timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))

    def chain(self, item: _Case, start: datetime, steps: list, deadline: datetime) -> None:
        """The complaint at `start`, then its steps (delay in minutes, step), squeezed to end
        by `deadline`."""
        self.at(start, self.intake(item))
        total = sum(delay for delay, _step in steps) or 1
        scale = min(1.0, (deadline - start).total_seconds() / 60 / total)
        for delay, step in steps:
            start += timedelta(minutes=delay * scale)
            self.at(start, step)

    def plan(self) -> None:
        rng, count = self.rng, self.count
        decided = max(4, round(count * 8 / 300))
        fates = [fate for fate, share in SHARES.items() for _ in range(max(1, round(count * share)))]
        fates += ["investigation"] * (count - decided - len(fates))
        rng.shuffle(fates)
        outcomes = [OUTCOMES[k % len(OUTCOMES)] for k in range(decided)]
        confirmed = [k for k, outcome in enumerate(outcomes) if outcome is C]
        removal = next(k for k, o in enumerate(outcomes) if o is not N and k not in confirmed[:2])
        roles = {confirmed[0]: "warning", confirmed[1]: "annul", removal: "removal"}
        sanctioned, calls = {}, round(count / 2)
        for index in range(decided):
            item = self.complaint(index, "decided", roles.get(index))
            sanctioned[roles.get(index)] = item
            calls -= item.channel is Channel.HOTLINE
            self.chain(item, self.ago(40 * 60, 70 * 60), self.workflow(item, "decided",
                       outcomes[index]), self.now - timedelta(hours=4))
        for index, fate in enumerate(fates, start=decided):
            item = self.complaint(index, fate)
            calls -= item.channel is Channel.HOTLINE
            start = self.ago(10, 36 * 60) if fate == "received" else self.ago(60, HOURS * 60)
            self.chain(item, start, self.workflow(item, fate), self.now - timedelta(minutes=5))
        for _ in range(max(0, calls)):
            self.call()
        start = self.ago(150, 200)
        self.sanction(sanctioned["warning"], SanctionType.WARNING, start, approve=True)
        self.sanction(sanctioned["annul"], SanctionType.VOTE_ANNULMENT,
                      start + timedelta(minutes=30), approve=True)
        self.sanction(sanctioned["removal"], SanctionType.CANDIDATE_DISQUALIFICATION,
                      start + timedelta(minutes=80), approve=False)

    def complaint(self, index: int, fate: str, role: str | None = None) -> _Case:
        rng = self.rng
        region = self.kar if fate == "decided" else rng.choices(
            self.tops, [r.voters for r in self.tops])[0]
        category = {"warning": Category.CAMPAIGN_VIOLATION, "annul":
                    Category.PAPER_BALLOT_IRREGULARITY, "removal": Category.VOTE_BUYING}.get(
            role) or rng.choice(list(Category))
        station = None
        if role == "annul":
            station = self.annulled_station
        elif category is Category.EVOTING_IRREGULARITY and rng.random() < .5:
            station = self.evote
        elif category.value in ("vote_buying", "multiple_voting", "paper_ballot_irregularity") \
                and self.paper[region.id] and rng.random() < .6:
            station = rng.choice(self.paper[region.id])
        candidates = self.candidates[region.id]
        accused = rng.choice(candidates) if candidates and (role in ("warning", "removal") or (
            category.value in ACCUSING and rng.random() < .6)) else None
        channel = rng.choices(list(CHANNELS), list(CHANNELS.values()))[0]
        lang = 0 if rng.random() < .55 else 1
        place = (words.STATION_PLACE[lang].format(code=station.code) if station
                 else (region.name_kk, region.name_ru)[lang])
        text = f"{place}: {rng.choice(words.NARRATIVES[category.value])[lang]}"
        if accused is not None:
            text += f" {words.ACCUSED_LABEL[lang]}: {(accused.name_kk, accused.name_ru)[lang]}."
        draft = ComplaintDraft(
            election=self.election, category=category.value, region_code=region.code,
            narrative=text, station_code=station.code if station else None,
            accused_codes=[accused.code] if accused else [], language=("kk", "ru")[lang],
            submission_key=KEY.format(index))
        if channel in (Channel.WEB, Channel.HOTLINE) and rng.random() < .55:
            first = rng.choice(demo_data.MALE_FIRST_NAMES + demo_data.FEMALE_FIRST_NAMES)
            draft.anonymous, draft.consent_to_contact = False, True
            draft.name = f"{first[lang]} {rng.choice(demo_data.SURNAMES)[lang]}"
            draft.phone = (f"+7 7{rng.choice(['01', '05', '07', '77'])} {rng.randint(200, 999)} "
                           f"{rng.randint(10, 99)} {rng.randint(10, 99)}")
            draft.complainant_role = rng.choice(["voter", "voter", "observer", "party_member"])
        if channel is Channel.SOCIAL_MEDIA:
            draft.relaxed, draft.links = True, [f"https://social.example.kz/p/{index:05d}"]
            draft.source_platform = rng.choice(words.PLATFORMS)
            draft.source_author = f"@demo_author_{rng.randint(100, 999)}"
        return _Case(index, lang, draft, channel, fate in ("decided", "findings")
                     or rng.random() < .08, accused.id if accused else None)

    def intake(self, item: _Case) -> Callable[[], None]:
        minutes = self.rng.uniform(2, 9)

        def submit() -> None:
            draft, uploads = item.draft, []
            draft.occurred_at = self.clock.at - timedelta(minutes=30 + item.index % 600)
            if item.channel is Channel.SOCIAL_MEDIA:
                draft.published_at = draft.occurred_at
            if item.evidence:
                uploads = [Upload(BytesIO(_png(item.index)), f"photo-{item.index:05d}.png")]
            if item.channel is Channel.HOTLINE:
                call = hotline.start_call(self.operator, number=draft.phone,
                                          language=draft.language)
                submission = hotline.record_complaint(call, self.operator, draft, uploads)
                hotline.finish_call(call, self.operator, purpose="complaint",
                                    note=words.CALL_NOTES["complaint"][item.lang],
                                    ended_at=self.clock.at + timedelta(minutes=minutes))
                self.summary.calls += 1
            else:
                submission = submit_complaint(draft, uploads, channel=item.channel, recorded_by=(
                    self.operator if item.channel is Channel.SOCIAL_MEDIA else None))
            item.case = submission.case
            item.evidence_ids = [evidence.id for evidence in submission.evidence]
            if submission.complaint.phone:
                self.named.append(submission.complaint)
            self.summary.complaints += 1

        return submit

    # -- what becomes of a complaint --------------------------------------------------------

    def workflow(self, item: _Case, fate: str, outcome: Outcome | None = None) -> list:
        """(delay in minutes, step) pairs taking the case to its fate, as the demo staff."""
        rng = self.rng
        region_kar = item.draft.region_code == self.kar.code
        actor = self.reviewer if region_kar else (
            self.secretary if rng.random() < .7 else self.chair)

        def move(action: str, who: User = actor, **payload) -> Callable[[], object]:
            return lambda: apply(item.case, action, actor=who, **payload)

        def checklist(names=CHECKLIST_NAMES, failing: str | None = None):
            note = words.CHECKLIST_NOTE[item.lang]
            return lambda: save_checklist(item.case, actor=actor, notes=note,
                                          **{name: name != failing for name in names})

        if fate == "received":
            return []
        steps = [(rng.uniform(15, 600), move("start_screening"))]
        if fate == "screening":
            return steps + ([(rng.uniform(5, 60), checklist(CHECKLIST_NAMES[:3]))]
                            if rng.random() < .5 else [])
        if fate == "rejected":
            # A person's reasons only: the system's own (a cure that lapsed) is refused to them.
            reason = rng.choice([r for r in InadmissibleReason if r not in SYSTEM_REASONS])
            if REASON_ITEMS[reason]:
                steps.append((rng.uniform(5, 60), checklist(failing=REASON_ITEMS[reason][0])))
            return steps + [(rng.uniform(1, 20), move(
                "reject", reason_code=reason.value,
                public_reason=words.REJECTIONS[reason.value][item.lang]))]
        steps += [(rng.uniform(5, 90), checklist()), (rng.uniform(1, 20), move("admit"))]
        if fate == "info":
            steps.append((rng.uniform(60, 900), move(
                "request_info", question=rng.choice(words.QUESTIONS)[item.lang])))
        if fate in ("findings", "decided"):
            steps += [(rng.uniform(120, 1200), self.finding(item, actor, outcome or rng.choice(
                list(Outcome)))), (rng.uniform(10, 120), move("ready_findings"))]
        if fate == "decided":
            steps.append((rng.uniform(60, 600), self.decision(item, outcome)))
            if outcome is N:
                steps.append((rng.uniform(30, 300), move("close", self.secretary)))
        return steps

    def finding(self, item: _Case, actor: User, conclusion: Outcome) -> Callable[[], None]:
        def run() -> None:
            allegation = item.draft.narrative.split(": ", 1)[-1]
            item.finding = add_finding(
                item.case, actor, allegation=allegation, conclusion=conclusion,
                reasoning=words.REASONING[conclusion.value][item.lang],
                evidence_ids=item.evidence_ids if conclusion is not N else [])
        return run

    def decision(self, item: _Case, outcome: Outcome) -> Callable[[], None]:
        def run() -> None:
            members = [self.reviewer.id, self.secretary.id, self.chair.id]
            record_decision(item.case, self.secretary, meeting_at=self.clock.at,
                            present_ids=members, votes=dict.fromkeys(members, "for"),
                            outcome=outcome, reasons=f"{words.REASONING[outcome.value][item.lang]}"
                                                     f" {words.UNANIMOUS[item.lang]}")
            self.summary.decisions += 1
        return run

    def sanction(self, item: _Case, kind: SanctionType, when: datetime, approve: bool) -> None:
        """Proposed by the secretary; approved by the chair 20-50 min on (in the application
        the approval asks for a fresh proof of both factors)."""
        proposed: list[Sanction] = []

        def propose() -> None:
            scope = ({"station_ids": [self.annulled_station.id], "annul_all_candidates": True}
                     if kind is SanctionType.VOTE_ANNULMENT else {"candidate_id": item.accused_id})
            proposed.append(sanctions.propose_sanction(
                item.case, self.secretary, kind=kind, finding_ids=[item.finding.id],
                summary=words.SANCTIONS[kind.value][item.lang], **scope))
            self.summary.sanctions += 1

        self.at(when, propose)
        if approve:
            self.at(when + timedelta(minutes=self.rng.uniform(20, 50)),
                    lambda: sanctions.approve_sanction(proposed[0], self.chair))

    def call(self) -> None:
        """A hotline call that is not a complaint: a question, a problem, a caller's follow-up."""
        rng = self.rng
        purpose = rng.choices(list(CALL_PURPOSES), list(CALL_PURPOSES.values()))[0]
        lang, pick, minutes = rng.randrange(2), rng.randrange(1000), rng.uniform(1, 8)
        number = None if rng.random() < .15 else (
            f"8 7{rng.choice(['01', '05', '07', '77'])} {rng.randint(200, 999)} "
            f"{rng.randint(10, 99)} {rng.randint(10, 99)}")

        def run() -> None:
            complaint = self.named[pick % len(self.named)] if (
                purpose == "follow_up" and self.named) else None
            chosen = purpose if complaint or purpose != "follow_up" else "voting_question"
            call = hotline.start_call(self.operator, number=complaint.phone if complaint
                                      else number, language=("kk", "ru")[lang])
            if complaint is not None:
                hotline.log_follow_up(call, self.operator, complaint.case, "",
                                      complaint=complaint)
            hotline.finish_call(call, self.operator, purpose=chosen,
                                note=words.CALL_NOTES[chosen][lang],
                                ended_at=self.clock.at + timedelta(minutes=minutes))
            self.summary.calls += 1

        self.at(self.ago(20, HOURS * 60), run)

    def run(self, on_batch: Callable[[], object]) -> None:
        self.steps.sort(key=lambda step: step[:2])
        with core_db.stamped_at(lambda: self.clock.at or datetime.now(UTC).replace(tzinfo=None)):
            for done, (when, _order, step) in enumerate(self.steps, start=1):
                self.clock.at = when
                step()
                if done % BATCH == 0:
                    on_batch()
        rollups.refresh(self.election, now=self.now)


def seed_cases(count: int = 300, *, on_batch: Callable[[], object] = lambda: None,
               now: datetime | None = None) -> Summary:
    """Make the demo cases; `on_batch` (the CLI's commit) is called every BATCH steps.
    LookupError when the demo primary is not loaded."""
    election = db.session.scalar(select(Election).where(Election.code == ELECTION_CODE))
    if election is None:
        raise LookupError("the demo primary is not loaded: run `flask demo seed` first")
    demo = _Demo(election, count, now or core_db.utcnow())
    demo.plan()
    demo.run(on_batch)
    return demo.summary
