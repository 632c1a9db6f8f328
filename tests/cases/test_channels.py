"""The channels hook into cases through casework.cases.channels: cases imports no channel,
every channel is connected, and on a merge each moves its own rows (and adds its own
timeline entries), including a channel cases has never heard of."""

import ast
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import casework.cases
from casework.accounts.models import Role
from casework.cases import channels
from casework.cases.channels import CaseHooks, TimelineEntry
from casework.cases.models import Case, CaseState, Category
from casework.cases.services import open_case
from casework.cases.timeline import timeline
from casework.cases.transitions import take_action
from casework.core.db import utcnow
from casework.elections.models import Region
from casework.extensions import db
from casework.hotline.models import Call, CallPurpose
from casework.mailin.models import InboundMail, InboundStatus
from tests import factories

CHANNELS = ("casework.intake", "casework.hotline", "casework.mailin", "casework.evidence")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_cases_imports_no_channel():
    package = Path(casework.cases.__file__).parent
    files = sorted(package.rglob("*.py"))
    assert len(files) > 20
    found = {(str(path.relative_to(package)), name) for path in files
             for name in imported_modules(path)
             if any(name == c or name.startswith(c + ".") for c in CHANNELS)}
    assert found == set()


def test_every_channel_is_connected(app):
    assert {hooks.name for hooks in channels.registered()} >= {
        "intake", "hotline", "mailin", "evidence"}


# -- merging -----------------------------------------------------------------------------------

def region(election, code: str) -> Region:
    return db.session.scalar(select(Region).where(Region.election_id == election.id,
                                                  Region.code == code))


@pytest.fixture
def two_cases(election):
    def make() -> Case:
        case = open_case(election=election, region=region(election, "KZ-KAR-BAL"),
                         category=Category.VOTE_BUYING, station=None, accused=[])
        case.state = CaseState.SCREENING  # test set-up only
        return case

    cases = make(), make()
    db.session.commit()
    return cases


def test_each_channel_moves_its_own_rows_on_a_merge(election, two_cases):
    gone, kept = two_cases
    operator = factories.user("operator", election=election, email="op@test.kz")
    chair = factories.user("chair", election=election, email="chair@test.kz")
    now = utcnow()
    db.session.add(Call(operator_id=operator.id, caller_number="+77011234567", started_at=now,
                        ended_at=now + timedelta(seconds=30), purpose=CallPurpose.FOLLOW_UP,
                        note="More detail", case_id=gone.id))
    db.session.add(InboundMail(message_key=secrets.token_hex(8), raw_sha256="0" * 64, size=10,
                               sender="voter@example.kz", subject="More facts", source="imap",
                               status=InboundStatus.FOLLOW_UP, case_id=gone.id))
    db.session.commit()

    take_action(gone, "merge", chair, into=kept.reference)
    db.session.commit()
    assert set(db.session.scalars(select(Call.case_id))) == {kept.id}
    assert set(db.session.scalars(select(InboundMail.case_id))) == {kept.id}
    kinds = {entry.kind for entry in timeline(db.session.get(Case, kept.id))}
    assert {"call", "mail"} <= kinds


def test_a_channel_cases_has_never_heard_of_is_called_too(election, two_cases, monkeypatch):
    gone, kept = two_cases
    chair = factories.user(Role.CHAIR.value, election=election, email="chair@test.kz")
    moved, at = [], utcnow()

    def move(case, target):
        moved.append((case.id, target.id))
        return {"pigeon_post": 2}

    def entries(case, locale):
        return [TimelineEntry(at, "pigeon", "A pigeon arrived", None, {"id": 1})]

    monkeypatch.setitem(channels._hooks, "pigeons",
                        CaseHooks(name="pigeons", move_rows=move, timeline=entries))
    take_action(gone, "merge", chair, into=kept.reference)
    assert moved == [(gone.id, kept.id)]
    assert [e.title for e in timeline(kept) if e.kind == "pigeon"] == ["A pigeon arrived"]
    db.session.rollback()


def test_a_merge_with_no_channel_connected_still_moves_the_case(election, two_cases,
                                                               monkeypatch):
    gone, kept = two_cases
    chair = factories.user(Role.CHAIR.value, election=election, email="chair@test.kz")
    monkeypatch.setattr(channels, "_hooks", {})
    take_action(gone, "merge", chair, into=kept.reference)
    assert gone.state is CaseState.MERGED and gone.merged_into_id == kept.id
    assert channels.complainants_of([gone.id, kept.id]) == []
    db.session.rollback()
