"""The queue's rows, each rendered once and kept (issue 16: Jinja and gettext were most of
a queue page's cost).

A row's markup is kept in the app's cache under a key holding every value the row shows
(reference, state, region and accused names, category, assignee's name, due time and its
overdue/paused flags, evidence, arrival, the count of the mass-complaint group it stands
for) and what it is shown in (language, time zone, the case link's prefix, the viewer's
unread mark): when any of them changes the key does, so a kept row is never stale, and a
viewer's own mark is part of the key, never of another's row.
The key holds no complaint text; the value is the markup staff already see.
"""

from flask import current_app, url_for
from flask_babel import get_timezone
from markupsafe import Markup

from casework.cases.queue_lines import QueueLine
from casework.core.cache import app_cache

ROW_TEMPLATE = "cases/_queue_row.html"
CACHED_ROWS = 4096  # ~0.6 KB each: a few MB per worker


def _key(row: QueueLine, unread: bool, locale: str, zone: str, case_path: str) -> tuple:
    return (row.id, row.reference, row.state, row.category, row.has_evidence,
            row.created_at, row.region.name(locale) if row.region else None,
            tuple(c.name(locale) for c in row.accused), row.assignee_name,
            row.due_at, row.overdue, row.paused, unread, locale, zone, case_path,
            row.group_size, row.kind)


def rows_html(rows: list[QueueLine], unread: set[int], locale: str) -> Markup:
    """The <tr> of each row, in order (made on a miss, taken from the cache on a hit)."""
    cache = app_cache("queue_rows", size=CACHED_ROWS)
    zone = str(get_timezone())
    # References are A-Z, 0-9 and _.- (elections/importers.py CODE_RE): nothing to quote.
    case_path = url_for("cases.case_page", reference="-")[:-1]
    template = None
    parts = []
    for row in rows:
        key = _key(row, row.id in unread, locale, zone, case_path)

        def make(row=row, key=key) -> Markup:
            nonlocal template
            template = template or current_app.jinja_env.get_template(ROW_TEMPLATE)
            return Markup(template.render(  # noqa: S704 - the template escapes its values
                row=row, unread=key[12], region_name=key[6], accused=key[7],
                case_path=case_path))
        parts.append(cache.get_or_make(key, make))
    return Markup("\n  ").join(parts)
