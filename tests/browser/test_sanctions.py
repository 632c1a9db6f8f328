"""A confirmed case leads to a proposed removal from registration and a proposed annulment;
the chair sees the impact and approves both; the public register and the standings change;
an appeal reverses the annulment and the standings return. Then the trail is followed in
the browser: register entry -> sanction -> decision -> findings -> evidence, and back."""

import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.accounts.models import Role, User
from casework.cases.models import Case, CaseState, Category
from casework.cases.services import open_case
from casework.core.db import utcnow
from casework.decisions import services
from casework.elections.models import (
    Candidate,
    CandidateStatus,
    Election,
    PollingStation,
    Region,
    Result,
    StationKind,
)
from casework.elections.standings import standings
from casework.evidence.models import EvidenceItem
from casework.extensions import db
from casework.intake.models import Channel, Complaint
from casework.sanctions.models import Sanction, SanctionStatus, SanctionType
from tests.plugin.browser import context_page, sign_in

pytestmark = pytest.mark.browser

PASSWORDS = {Role.SECRETARY: "secretary-demo-2020", Role.CHAIR: "chair-demo-2020"}
EVIDENCE_LABEL = "video-at-the-entrance.mp4"


def demo_user(role: Role) -> User:
    return db.session.scalar(select(User).where(User.role == role, User.email.like("%@example.kz")))


@pytest.fixture
def decided(demo):
    """A Karaganda case, decided confirmed, accusing the region's leader, at the paper station
    where the runner-up has the most votes (so annulling it changes who wins)."""
    election = db.session.scalar(select(Election))
    kar = db.session.scalar(select(Region).where(Region.code == "KZ-KAR"))
    table = standings(kar)
    leader, runner_up = table.ranked[0].candidate, table.ranked[1].candidate
    station_id = db.session.scalar(
        select(Result.station_id).join(PollingStation).where(
            Result.candidate_id == runner_up.id, PollingStation.kind == StationKind.PAPER)
        .order_by(Result.votes.desc()).limit(1))
    station = db.session.get(PollingStation, station_id)
    case = open_case(election=election, region=station.region, category=Category.VOTE_BUYING,
                     station=station, accused=[leader])
    db.session.add(Complaint(case_id=case.id, channel=Channel.WEB,
                             submission_key=secrets.token_hex(16),
                             tracking_hash=secrets.token_hex(32), anonymous=False,
                             name="Gulmira Witness-Marker", email="gulmira@example.org",
                             language="en", category=case.category,
                             narrative="Money was handed out at the entrance at 10:30.",
                             links=[]))
    item = EvidenceItem(case_id=case.id, sha256=secrets.token_hex(32), size=1000,
                        content_type="video/mp4", label=EVIDENCE_LABEL, source="web")
    db.session.add(item)
    case.state = CaseState.FINDINGS_READY  # set-up: the investigation happened
    db.session.flush()
    reviewer, secretary, chair = (demo_user(r) for r in (Role.REVIEWER, Role.SECRETARY,
                                                         Role.CHAIR))
    services.add_finding(case, reviewer, allegation="Money was offered to voters.",
                         conclusion="confirmed", reasoning="The video shows it.",
                         evidence_ids=[item.id])
    members = (reviewer, secretary, chair)
    services.record_decision(case, secretary, meeting_at=utcnow() - timedelta(hours=1),
                             present_ids=[m.id for m in members],
                             votes={m.id: "for" for m in members}, outcome="confirmed",
                             reasons="The video and two witnesses show money offered.")
    db.session.commit()
    return {"case": case, "leader": leader, "runner_up": runner_up, "station": station,
            "region": kar, "before": {row.candidate.code: row.votes for row in table.rows}}


def log_in_as(page, live_server, role: Role) -> None:
    sign_in(page, live_server, f"{role.value}@example.kz", PASSWORDS[role])
    page.wait_for_url(re.compile(r"/staff$"))


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def propose(page, live_server, case, kind: str, summary: str, **choices) -> int:
    page.goto(f"{live_server}/cases/{case.reference}/findings")
    submit(page, f'a[href="/cases/{case.reference}/sanctions/new"]')
    page.check(f'input[name="kind"][value="{kind}"]')
    page.locator('input[name="finding_ids"]').first.check()
    if "candidate" in choices:
        page.select_option('select[name="candidate_id"]', str(choices["candidate"]))
    if "station" in choices:
        page.check(f'input[name="station_ids"][value="{choices["station"]}"]')
    page.fill('textarea[name="summary"]', summary)
    submit(page, ".sanction-form button[type=submit]")
    match = re.search(r"/sanctions/(\d+)$", page.url)
    assert match, page.inner_text("main")
    return int(match.group(1))


def standings_row(page, table: str, code: str) -> list[str]:
    cells = page.locator(f'#{table} tr[data-candidate="{code}"] td').all_inner_texts()
    return [cell.strip() for cell in cells]


def votes(text: str) -> int:
    return 0 if text.strip() in ("—", "") else int(re.sub(r"\D", "", text))


def test_sanctions_change_the_register_and_standings_and_an_appeal_restores_them(
        browser, live_server, decided):
    case, leader, runner_up = decided["case"], decided["leader"], decided["runner_up"]
    public_context, public = context_page(browser)
    secretary_context, secretary = context_page(browser)
    chair_context, chair = context_page(browser)
    try:
        # The secretary proposes a removal of the leader and an annulment at the station.
        log_in_as(secretary, live_server, Role.SECRETARY)
        removal = propose(secretary, live_server, case, "candidate_disqualification",
                          "Vote buying by the candidate's staff, confirmed by video.",
                          candidate=leader.id)
        assert "Proposed" in secretary.inner_text("main")
        assert secretary.locator('form[action$="/approve"]').count() == 0  # not own
        annulment = propose(secretary, live_server, case, "vote_annulment",
                            "Ballots at this station were bought.",
                            station=decided["station"].id)

        # The chair opens the annulment, sees the standings before and after, and approves.
        log_in_as(chair, live_server, Role.CHAIR)
        chair.goto(f"{live_server}/sanctions?status=proposed")
        submit(chair, f'a[href="/sanctions/{annulment}"]')
        impact = chair.locator(".sanction-impact")
        assert impact.is_visible()
        assert decided["region"].name_en in impact.inner_text()
        assert "Margin between the last winning and the first losing candidate" in \
            impact.inner_text()
        # Signed in with password and code minutes ago: the proof is fresh, no confirmation.
        assert chair.locator(".stepup-needed").count() == 0
        submit(chair, 'form[action$="/approve"] button[type=submit]')
        assert "Enforced" in chair.inner_text("main")
        chair.goto(f"{live_server}/sanctions/{removal}")
        assert chair.locator(".sanction-moved-out").count() >= 1  # the leader leaves
        submit(chair, 'form[action$="/approve"] button[type=submit]')

        db.session.expire_all()
        assert db.session.get(Candidate, leader.id).status is CandidateStatus.DISQUALIFIED
        annulled = db.session.scalar(select(Sanction).where(Sanction.id == annulment))
        assert annulled.status is SanctionStatus.ENFORCED

        # The public register lists both, and the standings changed.
        public.goto(live_server + "/decisions")
        rows = public.locator("#register tr[data-sanction]")
        assert rows.count() == 2
        register_text = public.inner_text("#register")
        assert case.reference in register_text
        assert "Witness-Marker" not in public.content()  # never the complainant
        public.goto(f"{live_server}/standings/KZ-KAR")
        assert public.locator(f'#disqualified tr[data-candidate="{leader.code}"]').count() == 1
        annulled_votes = votes(standings_row(public, "standings", runner_up.code)[3])
        assert annulled_votes > 0
        assert votes(standings_row(public, "standings", runner_up.code)[2]) == \
            decided["before"][runner_up.code] - annulled_votes

        # The leader appeals the annulment; the chair reverses it.
        secretary.goto(f"{live_server}/sanctions/{annulment}")
        secretary.fill('textarea[name="appeal-grounds"]', "The observers saw no buying.")
        submit(secretary, 'form[action$="/appeal"] button[type=submit]')
        chair.goto(f"{live_server}/sanctions/{annulment}")
        assert chair.locator(".sanction-impact").count() >= 1  # the reversal's preview
        chair.check('input[name="decide-outcome"][value="reversed"]')
        chair.fill('textarea[name="decide-reasons"]', "A recount found no irregularity.")
        submit(chair, 'form[action$="/appeal/decision"] button[type=submit]')
        assert "Reversed on appeal" in chair.inner_text("main")

        # The standings return; the register keeps the entry, marked reversed. (A new
        # visitor: the first one's browser may keep the public pages for a minute.)
        public_context.close()
        public_context, public = context_page(browser)
        public.goto(f"{live_server}/standings/KZ-KAR")
        row = standings_row(public, "standings", runner_up.code)
        assert votes(row[2]) == decided["before"][runner_up.code] and votes(row[3]) == 0
        public.goto(live_server + "/decisions")
        assert public.locator(f'#register tr[data-sanction="{annulment}"].register-reversed') \
            .count() == 1

        # The trail, in the browser: register entry -> sanction -> decision -> findings ->
        # evidence; and forward from the case to the sanction and its register entry.
        chair.goto(f"{live_server}/decisions/{removal}")
        submit(chair, f'a[href="/sanctions/{removal}"]')
        submit(chair, f'a[href^="/cases/{case.reference}/decisions/"]')
        assert "Confirmed" in chair.inner_text("main")
        chair.goto(f"{live_server}/sanctions/{removal}")
        submit(chair, f'a[href^="/cases/{case.reference}/findings"]')
        assert EVIDENCE_LABEL in chair.inner_text("main")
        chair.goto(f"{live_server}/cases/{case.reference}")
        assert EVIDENCE_LABEL in chair.inner_text("main")
        chair.goto(f"{live_server}/cases/{case.reference}/findings")
        submit(chair, f'a[href="/sanctions/{removal}"]')
        submit(chair, f'a[href="/decisions/{removal}"]')
        assert leader.code in chair.inner_text("main")
    finally:
        for context in (public_context, secretary_context, chair_context):
            context.close()
    db.session.expire_all()
    assert db.session.get(Candidate, leader.id).status is CandidateStatus.DISQUALIFIED
    assert db.session.scalar(select(Case.state).where(Case.id == case.id)) is CaseState.DECIDED
    assert {s.kind for s in db.session.scalars(select(Sanction))} == {
        SanctionType.CANDIDATE_DISQUALIFICATION, SanctionType.VOTE_ANNULMENT}
