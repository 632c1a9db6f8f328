"""The queue's filter form and its links per state (templates/cases/_queue_head.html),
rendered once and kept per process for the pages staff open most: no search words, and
only known filter values in the address.

Ten labelled fields, eleven links with their counts in the page's number format: a fifth of
a queue page's cost when rendered on each request (issue 16). The key holds everything the
fragment shows: the options' key (`queue_filters.fill_choices`: election, its data's
fingerprint, language, region scope), the address's filters in their order (each a value of
its field's options, so the key holds nothing typed) and the counts per state. A page with
search words, a value outside the options or any other parameter is rendered as before.
"""

from collections.abc import Callable

from flask import render_template
from markupsafe import Markup

from casework.cases.queue_filters import FIELDS, QueueFilterForm
from casework.core.cache import app_cache

TEMPLATE = "cases/_queue_head.html"
KEPT_HEADS = 128  # scopes × languages × common filters × counts; ~12 KB each: ~1.5 MB


def _keepable(form: QueueFilterForm, args: dict[str, str]) -> bool:
    """Only filters, each set to one of its options (WTForms marks that option chosen)."""
    return not form.q.data and not form.q.errors and all(
        name in FIELDS and any(value == option for option, _plain, _chosen
                               in getattr(form, name).prepared.options)
        for name, value in args.items())


def queue_head(form: QueueFilterForm, choices_key: tuple, args: dict[str, str],
               counts: dict | None, render: Callable[[], str]) -> Markup:
    """The fragment for this page: `render()` (the template with the page's values) once
    per key, or every time when the page is not one of those kept."""
    if not _keepable(form, args):
        return Markup(render())  # noqa: S704 - our template, escaped by Jinja
    key = (choices_key, tuple(args.items()),
           None if counts is None else tuple(counts.values()))
    return Markup(app_cache("cases.queue_head", size=KEPT_HEADS)  # noqa: S704 - as above
                  .get_or_make(key, render))


def render_head(**context) -> str:
    return render_template(TEMPLATE, **context)
