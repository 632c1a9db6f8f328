"""Template filters: times in the election's zone, names in the page's language."""

from flask import Flask
from flask_babel import format_datetime, get_locale

from casework.core.labels import label_of


def init_app(app: Flask) -> None:
    app.add_template_filter(label_of, "label")  # an enum member's translated label

    @app.template_filter("local_dt")
    def local_dt(value, fmt: str = "medium"):
        return format_datetime(value, fmt) if value else "—"

    @app.template_filter("lname")
    def localized_name(obj):
        return obj.name(str(get_locale())) if obj is not None else "—"
