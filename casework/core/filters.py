"""Template filters: times in the election's zone, names in the page's language, numbers and
sizes in the page's digits and units."""

from datetime import UTC

from babel.dates import format_datetime as babel_datetime
from flask import Flask
from flask_babel import format_datetime, format_decimal, format_timedelta, get_locale, ngettext
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


def init_app(app: Flask) -> None:
    app.add_template_filter(label_of, "label")  # an enum member's translated label
    app.add_template_filter(filesize, "filesize")
    app.add_template_filter(number, "number")

    @app.template_filter("local_dt")
    def local_dt(value, fmt: str = "medium"):
        return format_datetime(value, fmt) if value else "—"

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
