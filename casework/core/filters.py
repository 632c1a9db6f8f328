"""Template filters: times in the election's zone, names in the page's language."""

from flask import Flask
from flask_babel import format_datetime, format_decimal, format_timedelta, get_locale
from flask_babel import gettext as _

from casework.core.labels import label_of


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

    app.add_template_filter(format_decimal, "number")  # 1 234 in the page's language

    @app.template_filter("age")
    def age(value):
        return format_timedelta(value, threshold=1.5) if value is not None else "—"

    @app.template_filter("lname")
    def localized_name(obj):
        return obj.name(str(get_locale())) if obj is not None else "—"
