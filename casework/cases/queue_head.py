"""The queue's filter form and its links per state (templates/cases/_queue_head.html),
rendered once and kept per process for the pages staff open most: only known filter
values and search words in the address.

Ten labelled fields, eleven links with their counts in the page's number format: a fifth of
a queue page's cost when rendered on each request (issue 16). The key holds everything the
fragment shows: the options' key (`queue_filters.fill_choices`: election, its data's
fingerprint, language, region scope), the address's filters in their order (each a value of
its field's options, so the key holds nothing typed; search words stand in it as a mark) and
the counts per state. A page with a value outside the options, invalid words or any other
parameter is rendered as before.
"""

from collections.abc import Callable

from flask import render_template, url_for
from markupsafe import Markup, escape

from casework.cases.queue_filters import FIELDS, QueueFilterForm
from casework.core.cache import app_cache

TEMPLATE = "cases/_queue_head.html"
KEPT_HEADS = 128  # scopes × languages × common filters × counts; ~12 KB each: ~1.5 MB


# Search words stand in the kept fragment as this mark (letters and digits: written the same
# in an attribute and in an address), replaced by the page's own words when it is shown.
WORDS_MARK = "qx7queueheadwordsx7q"


def _keepable(form: QueueFilterForm, args: dict[str, str]) -> bool:
    """Only filters, each set to one of its options (WTForms marks that option chosen), and
    valid search words."""
    return not form.q.errors and all(
        name == "q" or name in FIELDS and any(
            value == option for option, _plain, _chosen in getattr(form, name).prepared.options)
        for name, value in args.items())


def queue_head(form: QueueFilterForm, choices_key: tuple, args: dict[str, str],
               counts: dict | None, render: Callable[[dict[str, str]], str]) -> Markup:
    """The fragment for this page: `render(args)` (the template with the page's values) once
    per key, or every time when the page is not one of those kept. Search words are kept as
    WORDS_MARK and put back here: in the box as WTForms writes a value, in the links as
    url_for writes an address (searches were a tenth of their page in this fragment)."""
    if not _keepable(form, args):
        return Markup(render(args))  # noqa: S704 - our template, escaped by Jinja
    words = args.get("q")
    shown = {**args, "q": WORDS_MARK} if words else args
    key = (choices_key, tuple(shown.items()),
           None if counts is None else tuple(counts.values()))

    def make() -> str:
        typed = form.q.data
        form.q.data = WORDS_MARK if words else typed
        try:
            return render(shown)
        finally:
            form.q.data = typed

    html = app_cache("cases.queue_head", size=KEPT_HEADS).get_or_make(key, make)
    if words:
        in_address = url_for("queue.queue", q=words).partition("?q=")[2]
        html = html.replace(f'value="{WORDS_MARK}"', f'value="{escape(form.q._value())}"')
        html = html.replace(f"q={WORDS_MARK}", f"q={escape(in_address)}")
    return Markup(html)  # noqa: S704 - as above; the words escaped as Jinja does


def render_head(**context) -> str:
    return render_template(TEMPLATE, **context)
