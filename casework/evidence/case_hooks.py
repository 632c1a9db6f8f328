"""What evidence adds to cases (casework.cases.channels): its items move on a merge, appear
on the timeline (and so in the case page's list), and are downloaded from the case page."""

import functools
from typing import Any

from flask import redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from casework.cases import channels
from casework.cases.channels import CaseHooks, TimelineEntry
from casework.cases.models import Case
from casework.cases.timeline import source_label
from casework.evidence.models import EvidenceItem, ScanStatus
from casework.evidence.scanning import scan_summary
from casework.evidence.services import download_response
from casework.extensions import db


def move_evidence(case: Case, target: Case) -> dict[str, int]:
    result = db.session.execute(update(EvidenceItem).where(EvidenceItem.case_id == case.id)
                                .values(case_id=target.id)
                                .execution_options(synchronize_session=False))
    if result.rowcount:
        target.has_evidence = True
    return {EvidenceItem.__tablename__: result.rowcount}


def evidence_entries(case: Case, locale: str | None) -> list[TimelineEntry]:
    items = db.session.scalars(_items_of_case(), {"case_id": case.id})
    entries = []
    for item in items:
        scan, scan_text = scan_summary(item)
        entries.append(TimelineEntry(
            item.created_at, "evidence", _l("Evidence added: %(label)s", label=item.label), None,
            {"id": item.id, "sha256": item.sha256, "size": item.size,
             "source": source_label(item.source), "scan": scan, "scan_text": scan_text},
            record=item))
        if item.scan_status is ScanStatus.INFECTED and item.scanned_at is not None:
            # Its own entry, so the timeline says when and why the file was quarantined.
            entries.append(TimelineEntry(
                item.scanned_at, "quarantine",
                _l("Virus found in %(label)s: %(signature)s. The file is quarantined.",
                   label=item.label, signature=item.scan_detail or "?")))
    return entries


@functools.cache
def _items_of_case():
    """Built once: composing it costs as much as running it (the case page asks each time)."""
    return (select(EvidenceItem).where(EvidenceItem.case_id == bindparam("case_id"))
            .options(joinedload(EvidenceItem.facts))  # one-to-one: no extra query
            .order_by(EvidenceItem.created_at, EvidenceItem.id))


def download(case: Case, item_id: int, user: Any) -> ResponseReturnValue | None:
    item = db.session.get(EvidenceItem, item_id)
    if item is None or item.case_id != case.id:
        return None
    if item.active_content and item.can_download(user):  # a plain link never serves it
        return redirect(url_for("evidence.confirm_download", reference=case.reference,
                                item_id=item.id))
    return download_response(item, user)


def connect() -> None:
    channels.register(CaseHooks(name="evidence", move_rows=move_evidence,
                                timeline=evidence_entries, timeline_table=EvidenceItem.__table__,
                                download=download))
