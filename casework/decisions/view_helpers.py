"""Small helpers the decision and sanction pages share: a refusal shown on its form field,
and times between UTC (stored) and the election's zone (entered and shown)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from casework.cases.models import Case
from casework.core.refusal import Refusal


def show_errors(form, error: Refusal) -> list[str]:
    """Put a refusal on its form field; return it for the top of the form otherwise."""
    field = form._fields.get(error.field or "")
    if field is None:
        return [str(error.message)]
    field.errors = [*field.errors, str(error.message)]
    return []


def local_time(case: Case, value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(case.election.timezone))


def utc_time(case: Case, local: datetime) -> datetime:
    zoned = local.replace(tzinfo=ZoneInfo(case.election.timezone))
    return zoned.astimezone(UTC).replace(tzinfo=None)
