"""Days of the election's time zone as the stored times (naive UTC) they begin and end at."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def day_start_utc(day: date, zone: ZoneInfo | str) -> datetime:
    """The naive UTC instant at which `day` begins in `zone`."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def day_bounds(day: date, zone: ZoneInfo | str) -> tuple[datetime, datetime]:
    """The local day as naive UTC [start, end)."""
    return day_start_utc(day, zone), day_start_utc(day + timedelta(days=1), zone)
