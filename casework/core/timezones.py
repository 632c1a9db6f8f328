"""Times are stored as naive UTC and shown in the election's time zone: the one set of helpers
that converts between the two (`zone` is a ZoneInfo, a zone name, or anything with a
`timezone` attribute such as an Election)."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from casework.core.db import utcnow


def zone_of(where: Any) -> ZoneInfo:
    """The time zone of an election (or of a zone name); UTC when none is set."""
    if isinstance(where, ZoneInfo):
        return where
    name = where if isinstance(where, str) else getattr(where, "timezone", None)
    return ZoneInfo(name or "UTC")


def to_local(value: datetime | None, zone: Any) -> datetime | None:
    """A stored (naive UTC) time as an aware time in `zone`."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(zone_of(zone))


def to_utc(local: datetime, zone: Any) -> datetime:
    """A time entered in `zone` (naive, or aware in any zone) as the stored naive UTC."""
    zoned = local if local.tzinfo is not None else local.replace(tzinfo=zone_of(zone))
    return zoned.astimezone(UTC).replace(tzinfo=None)


def local_today(zone: Any, now: datetime | None = None) -> date:
    """Today's date in `zone` (`now`: a stored naive UTC time, default the clock)."""
    return to_local(now or utcnow(), zone).date()


def day_start_utc(day: date, zone: Any) -> datetime:
    """The naive UTC instant at which `day` begins in `zone`."""
    return to_utc(datetime.combine(day, time()), zone)


def day_bounds(day: date, zone: Any) -> tuple[datetime, datetime]:
    """The local day as naive UTC [start, end)."""
    return day_start_utc(day, zone), day_start_utc(day + timedelta(days=1), zone)
