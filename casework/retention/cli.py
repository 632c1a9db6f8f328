"""`flask retention report|run|set`: what will be erased and when, erase what is due now,
and an election's own policy (there is no election edit page: this is its one place)."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from casework.core import audit
from casework.core.db import utcnow
from casework.elections.models import Election, EvidenceRetention
from casework.extensions import db
from casework.retention import jobs
from casework.retention.policy import policy_of
from casework.retention.report import full_report

retention_cli = AppGroup("retention", help="Retention of personal data after a case is final.")

KINDS = ("complaints", "calls", "mails", "outbox")


def _policy_line(policy) -> str:
    evidence = (f"evidence files erased {policy.evidence_days} days after"
                if policy.erases_evidence else "evidence files kept")
    return f"personal data erased {policy.days} days after a case is final; {evidence}"


@retention_cli.command("report")
def report_command() -> None:
    """Per election and day (UTC): how many cases and rows will be erased. Counts only."""
    today = utcnow().date()
    for entry in full_report():
        click.echo(f"election {entry.election.code}: {_policy_line(entry.policy)}")
        if not entry.days:
            click.echo("  nothing to erase")
        for (day, part), counts in sorted(entry.days.items()):
            when = "due now" if day <= today else day.isoformat()
            if part == "personal":
                rows = " ".join(f"{kind}={counts[kind]}" for kind in KINDS)
                click.echo(f"  {when}: personal data of {counts['cases']} cases ({rows})")
            else:
                click.echo(f"  {when}: evidence of {counts['cases']} cases "
                           f"(files={counts['evidence_files']})")
        click.echo(f"  not final yet (an appeal or a sanction open): {entry.waiting} cases")


@retention_cli.command("run")
def run_command() -> None:
    """Erase now everything that is due, in batches; audited by counts."""
    started = utcnow()
    result = jobs.run(started)
    jobs.record_run(result, started)
    db.session.commit()
    rows = " ".join(f"{key}={value}" for key, value in sorted(result.counts.items()))
    click.echo(f"retention: {result.cases} cases erased" + (f" ({rows})" if rows else ""))


@retention_cli.command("set")
@click.argument("election_code")
@click.option("--days", type=click.IntRange(min=0), help="Days personal data is kept.")
@click.option("--evidence", type=click.Choice([e.value for e in EvidenceRetention]),
              help="Keep or erase evidence files.")
@click.option("--evidence-days", type=click.IntRange(min=0),
              help="Days evidence files are kept when erased.")
@click.option("--defaults", is_flag=True, help="Forget the election's own values first.")
def set_command(election_code: str, days, evidence, evidence_days, defaults: bool) -> None:
    """An election's own retention policy (unset values follow CASEWORK_RETENTION_*)."""
    election = db.session.scalar(select(Election).where(Election.code == election_code))
    if election is None:
        raise click.ClickException(f"no election {election_code}")
    if defaults:
        election.retention_days = election.retention_evidence = None
        election.retention_evidence_days = None
    if days is not None:
        election.retention_days = days
    if evidence is not None:
        election.retention_evidence = EvidenceRetention(evidence)
    if evidence_days is not None:
        election.retention_evidence_days = evidence_days
    audit.record("retention.policy_set", object_type="election", object_id=election.code,
                 details={"days": election.retention_days,
                          "evidence": getattr(election.retention_evidence, "value", None),
                          "evidence_days": election.retention_evidence_days})
    db.session.commit()
    click.echo(f"election {election.code}: {_policy_line(policy_of(election))}")
