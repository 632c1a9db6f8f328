"""Run the checks and open one case per new finding (the caller commits)."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask_babel import force_locale, format_decimal, format_percent, gettext
from sqlalchemy import select

from casework.cases.models import Category
from casework.core import audit
from casework.elections.importers import evote_hours_imported, results_imported
from casework.elections.models import Election, Region
from casework.evidence.services import attach, store_generated
from casework.extensions import db
from casework.intake.models import Channel
from casework.intake.services import ComplaintDraft, submit_complaint
from casework.results.findings import checks, evote_checks
from casework.results.findings.checks import Found
from casework.results.findings.models import FindingKind, ResultFinding, thresholds_of

SOURCE = Channel.OWN_FINDING.value


def run_checks(election: Election, actor: Any = None) -> list[ResultFinding]:
    """Every check on the election's results; a case for each finding not seen before."""
    known = set(db.session.scalars(select(ResultFinding.key).where(
        ResultFinding.election_id == election.id)))
    limits = thresholds_of(election)
    found = [*checks.run_all(election, limits), *evote_checks.run(election, limits)]
    opened = [open_case(election, item, actor) for item in found if item.key not in known]
    audit.record("results.checked", actor=actor, object_type="election",
                 object_id=election.code,
                 details={"found": len(found), "opened": len(opened)})
    return opened


def open_case(election: Election, item: Found, actor: Any = None) -> ResultFinding:
    region = db.session.get(Region, item.region_id) if item.region_id else None
    draft = ComplaintDraft(
        election=election, category=_category(item).value,
        region_code=region.code if region else "", station_code=item.station_code,
        narrative=narrative(election, item), anonymous=True,
        accused_codes=item.candidate_codes, language=_language(election),
        submission_key=f"results-finding:{election.id}:{item.key}", relaxed=True)
    submission = submit_complaint(draft, [], channel=Channel.OWN_FINDING, recorded_by=actor)
    stored = store_generated(report_csv(item), f"{item.kind.value}.csv", "text/csv", "document")
    attach(submission.case, stored, complaint=submission.complaint, source=SOURCE, actor=actor)
    finding = ResultFinding(election_id=election.id, kind=item.kind, key=item.key,
                            case_id=submission.case.id, numbers=item.numbers)
    db.session.add(finding)
    db.session.flush()
    audit.record("results.finding", actor=actor, object_type="case",
                 object_id=submission.case.reference,
                 details={"kind": item.kind.value, "key": item.key, "evidence": stored.sha256})
    return finding


def _category(item: Found) -> Category:
    return (Category.EVOTING_IRREGULARITY if item.electronic
            else Category.PAPER_BALLOT_IRREGULARITY)


def _language(election: Election) -> str:
    return getattr(election, "default_locale", None) or "ru"


def report_csv(item: Found) -> bytes:
    """The figures behind the finding; a cell that a spreadsheet would take for a formula is
    quoted as text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in item.csv_rows:
        writer.writerow([_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: spreadsheets read UTF-8


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def narrative(election: Election, item: Found) -> str:
    """What was found, in the election's language, with the figures."""
    numbers = item.numbers
    with force_locale(_language(election)):
        def num(value: Any) -> str:
            return format_decimal(value)

        if item.kind is FindingKind.OVER_REGISTERED:
            text = gettext(
                "Results check: polling station %(station)s counted %(votes)s votes, but only "
                "%(registered)s voters are registered there.",
                station=numbers["station"], votes=num(numbers["votes"]),
                registered=num(numbers["registered"]))
        elif item.kind is FindingKind.DOMINANT_SHARE:
            text = gettext(
                "Results check: at polling station %(station)s candidate %(candidate)s received "
                "%(votes)s of %(total)s votes (%(share)s), at or above the election's threshold "
                "of %(threshold)s.",
                station=numbers["station"], candidate=numbers["candidate"],
                votes=num(numbers["votes"]), total=num(numbers["total"]),
                share=format_percent(numbers["share"], "#,##0.0%"),
                threshold=format_percent(numbers["threshold"], "#,##0.0%"))
        elif item.kind is FindingKind.IDENTICAL_VOTES:
            text = gettext(
                "Results check: polling stations %(stations)s of district %(district)s reported "
                "exactly the same votes for every candidate (%(votes)s).",
                stations=", ".join(numbers["stations"]), district=numbers["district"],
                votes="; ".join(f"{code}: {num(v)}" for code, v in numbers["votes"].items()))
        elif item.kind in (FindingKind.SHARED_PHONE, FindingKind.SHARED_IP):
            text = gettext(
                "E-voting log: %(iins)s different voters' IINs voted with one phone number "
                "(hash %(hash)s); %(votes)s of these votes went to candidate %(candidate)s.",
                iins=num(numbers["iins"]), hash=numbers["hash"],
                votes=num(numbers["votes_for_candidate"]), candidate=numbers["candidate"],
            ) if item.kind is FindingKind.SHARED_PHONE else gettext(
                "E-voting log: %(iins)s different voters' IINs voted from one IP address "
                "(hash %(hash)s); %(votes)s of these votes went to candidate %(candidate)s.",
                iins=num(numbers["iins"]), hash=numbers["hash"],
                votes=num(numbers["votes_for_candidate"]), candidate=numbers["candidate"])
        elif item.kind is FindingKind.BURST:
            text = gettext(
                "E-voting log: %(votes)s votes from one IP address (hash %(hash)s) within "
                "%(minutes)s minutes from %(start)s UTC; %(gained)s of them went to candidate "
                "%(candidate)s.",
                votes=num(numbers["votes"]), hash=numbers["hash"],
                minutes=num(numbers["minutes"]), start=numbers["from_utc"].replace("T", " "),
                gained=num(numbers["votes_for_candidate"]), candidate=numbers["candidate"])
        elif item.kind is FindingKind.OUTSIDE_HOURS:
            text = gettext(
                "E-voting log: %(votes)s votes for candidate %(candidate)s were cast outside the "
                "voting hours (%(opens)s to %(closes)s UTC).",
                votes=num(numbers["votes"]), candidate=numbers["candidate"],
                opens=numbers["opens_utc"].replace("T", " "),
                closes=numbers["closes_utc"].replace("T", " "))
        else:
            text = gettext(
                "Results check: %(votes)s electronic votes in the hour from %(hour)s UTC, "
                "against a median of %(median)s in the %(hours)s hours before.",
                votes=num(numbers["votes"]), hour=numbers["hour_utc"].replace("T", " "),
                median=num(numbers["median_before"]), hours=checks.BASELINE_HOURS)
        return text + " " + gettext(
            "The figures are attached as a CSV file. The results stay in the totals until the "
            "committee decides.")


def _on_import(election: Election, actor: Any = None, **_: Any) -> None:
    run_checks(election, actor)


def connect() -> None:
    """Called once by create_app: every results or hourly import runs the checks."""
    results_imported.connect(_on_import, weak=False)
    evote_hours_imported.connect(_on_import, weak=False)
