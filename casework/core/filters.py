"""Template filters: times in the election's zone, names in the page's language."""

from datetime import UTC

from babel.dates import format_datetime as babel_datetime
from babel.units import format_unit
from flask import Flask
from flask_babel import format_datetime, format_decimal, format_timedelta, get_locale
from flask_babel import gettext as _

from casework.core.labels import label_of
from casework.core.timezones import zone_of


def byte_size(value: int | None, locale: str) -> str:
    """A file's size with its unit, as the language writes it: 820 B, 12,3 kB, 1,5 MB."""
    if value is None:
        return "—"
    for unit, scale in (("digital-megabyte", 10**6), ("digital-kilobyte", 10**3)):
        if value >= scale:
            return format_unit(value / scale, unit, length="short", format="#,##0.#",
                               locale=locale)
    return format_unit(value, "digital-byte", length="short", locale=locale)


def init_app(app: Flask) -> None:
    app.add_template_filter(label_of, "label")  # an enum member's translated label

    @app.template_filter("local_dt")
    def local_dt(value, fmt: str = "medium"):
        return format_datetime(value, fmt) if value else "—"

    @app.template_filter("filesize")
    def filesize(value):
        """Bytes in the page's language: 1,5 GB, 820 MB."""
        if value is None:
            return "—"
        if value >= 2**30:
            return _("%(n)s GB", n=format_decimal(value / 2**30, "#,##0.0"))
        return _("%(n)s MB", n=format_decimal(value / 2**20, "#,##0"))

    @app.template_filter("zoned_dt")
    def zoned_dt(value, where, fmt: str = "d MMM y, HH:mm"):
        """A stored (UTC) time in the zone of `where` (an election), whatever the page's."""
        if not value:
            return "—"
        return babel_datetime(value.replace(tzinfo=UTC), fmt, tzinfo=zone_of(where),
                              locale=str(get_locale() or "en"))

    @app.template_filter("bytes")
    def bytes_filter(value):
        return byte_size(value, str(get_locale() or "en"))

    app.add_template_filter(format_decimal, "number")  # 1 234 in the page's language

    @app.template_filter("age")
    def age(value):
        return format_timedelta(value, threshold=1.5) if value is not None else "—"

    @app.template_filter("lname")
    def localized_name(obj):
        return obj.name(str(get_locale())) if obj is not None else "—"
