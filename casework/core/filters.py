"""Template filters: times in the election's zone, names in the page's language, numbers and
sizes in the page's digits and units."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as babel_datetime
from babel.dates import (
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
    tokenize_pattern,
)
from flask import Flask
from flask_babel import (
    format_datetime,
    format_decimal,
    format_timedelta,
    get_locale,
    get_timezone,
    ngettext,
)
from flask_babel import gettext as _

from casework.core.labels import label_of
from casework.core.timezones import zone_of

KB, MB, GB = 2**10, 2**20, 2**30


def filesize(value: int | None) -> str:
    """Bytes in the page's language and units: 156 байт, 12 КБ, 1,5 МБ."""
    if value is None:
        return "—"
    if value < KB:
        # Translators: a file size in bytes; keep %(num)s (the number).
        return ngettext("%(num)s byte", "%(num)s bytes", value)
    if value < MB:
        # Translators: a file size in kilobytes (1024 bytes); Russian and Kazakh: КБ.
        return _("%(n)s KB", n=format_decimal(value / KB, "#,##0" if value >= 10 * KB else "#,##0.#"))
    if value < GB:
        # Translators: a file size in megabytes; Russian and Kazakh: МБ.
        return _("%(n)s MB", n=format_decimal(value / MB, "#,##0.#"))
    # Translators: a file size in gigabytes; Russian and Kazakh: ГБ.
    return _("%(n)s GB", n=format_decimal(value / GB, "#,##0.0"))


def number(value, pattern: str | None = None) -> str:
    """A whole or decimal number with the page's separators: 1 805 in kk and ru."""
    if value is None:
        return "—"
    return format_decimal(value, pattern) if pattern else format_decimal(value)


NAMED_FORMATS = ("full", "long", "medium", "short")


MINUTE_FIELDS = set("HhKkma")  # a time pattern of these shows nothing finer than the minute


class DateTimeFormat:
    """babel.dates.format_datetime(value, fmt, tzinfo=zone, locale=locale) for one language,
    zone and format, its patterns looked up once: a queue page formats 100 times. A named
    format is the locale's frame "{1}, {0}" around a date and a time: the date part is kept
    per day, and the time part per minute when its pattern shows no seconds or zone."""

    def __init__(self, fmt: str, zone, locale: Locale):
        # zoneinfo converts in C; pytz (flask_babel's) gives the same offsets, slowly.
        self.zone = ZoneInfo(zone.zone) if getattr(zone, "zone", None) else zone
        self.locale, self.named = locale, fmt in NAMED_FORMATS
        self.days: dict[date, str] = {}
        self.minutes: dict[tuple[int, int], str] | None = None
        if self.named:
            self.frame = get_datetime_format(fmt, locale=locale).replace("'", "")
            time_pattern = get_time_format(fmt, locale=locale)
            self.time = parse_pattern(time_pattern)
            self.date = parse_pattern(get_date_format(fmt, locale=locale))
            fields = {value[0] for kind, value in tokenize_pattern(str(time_pattern))
                      if kind == "field"}
            if fields <= MINUTE_FIELDS:
                self.minutes = {}
        else:
            self.pattern = parse_pattern(fmt)

    def __call__(self, value: datetime) -> str:
        local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(self.zone)
        if not self.named:
            return self.pattern.apply(local, self.locale)
        day = local.date()
        day_text = self.days.get(day)
        if day_text is None:
            if len(self.days) > 4096:
                self.days.clear()
            day_text = self.days[day] = self.date.apply(day, self.locale)
        if self.minutes is None:
            time_text = self.time.apply(local.timetz(), self.locale, reference_date=day)
        else:
            minute = (local.hour, local.minute)
            time_text = self.minutes.get(minute)
            if time_text is None:
                time_text = self.minutes[minute] = self.time.apply(
                    local.timetz(), self.locale, reference_date=day)
        return self.frame.replace("{0}", time_text).replace("{1}", day_text)


_FORMATS: dict[tuple, DateTimeFormat] = {}


def datetime_format(fmt: str = "medium") -> Callable[[datetime | None], str]:
    """The page's `local_dt` for one format as a function, its language and zone looked up
    once: `{% set when = datetime_format("short") %}` … `{{ when(row.at) }}`."""
    locale, zone = get_locale(), get_timezone()
    if locale is None or zone is None:
        return lambda value: format_datetime(value, fmt) if value else "—"
    key = (locale, zone, fmt)
    formatter = _FORMATS.get(key)
    if formatter is None:
        if len(_FORMATS) > 256:
            _FORMATS.clear()
        formatter = _FORMATS[key] = DateTimeFormat(fmt, zone, locale)
    return lambda value: formatter(value) if value else "—"


def local_dt(value, fmt: str = "medium"):
    """A stored (UTC) time in the page's zone and language: flask_babel's format_datetime,
    with one prepared format per (language, zone, format) instead of lookups per call."""
    return datetime_format(fmt)(value) if value else "—"


def init_app(app: Flask) -> None:
    app.add_template_filter(label_of, "label")  # an enum member's translated label
    app.add_template_filter(filesize, "filesize")
    app.add_template_filter(number, "number")

    app.add_template_filter(local_dt, "local_dt")
    app.add_template_global(datetime_format, "datetime_format")
    @app.template_filter("zoned_dt")
    def zoned_dt(value, where, fmt: str = "d MMM y, HH:mm"):
        """A stored (UTC) time in the zone of `where` (an election), whatever the page's."""
        if not value:
            return "—"
        return babel_datetime(value.replace(tzinfo=UTC), fmt, tzinfo=zone_of(where),
                              locale=str(get_locale() or "en"))

    @app.template_filter("age")
    def age(value):
        return format_timedelta(value, threshold=1.5) if value is not None else "—"

    @app.template_filter("lname")
    def localized_name(obj):
        return obj.name(str(get_locale())) if obj is not None else "—"
