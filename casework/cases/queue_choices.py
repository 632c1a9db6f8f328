"""The queue filters' options, made and rendered once per (election data, language, scope).

The filter form has about 150 options (regions, candidates, assignees, states...). Rendering
them one by one through WTForms and rebuilding them from the database on every page cost a
fifth of the queue page. Here they are built once per key and process, each option rendered
in both forms (chosen or not), and a select only strings its options together.

The key names everything the options depend on: the election and its reference stamp
(a new one for any change of its regions and candidates: elections/stamp.py), a digest of
the assignable staff (one small aggregate query per page: a new member changes it), the
language and the user's region scope. No value holds anything of one user's (the "me"
option is the same text for everyone).
"""

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import String, cast, func, literal, select
from wtforms import SelectChoice
from wtforms.fields.choices import Choice
from wtforms.widgets import Select, html_params

from casework.accounts.models import User
from casework.accounts.queries import active_committee_member
from casework.core.cache import app_cache
from casework.extensions import db

Options = tuple[tuple[str, Markup, Markup], ...]  # (value, option, option chosen)


@dataclass(frozen=True)
class FieldChoices:
    choices: list[SelectChoice]
    options: Options


def _text(*columns) -> object:
    parts = [func.coalesce(cast(c, String), "") for c in columns]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.op("||")(literal("\x1f")).op("||")(part)
    return joined


@functools.cache
def _members_statement():
    """Built once: composing it cost more than running it."""
    rows = (select(_text(User.id, User.full_name).label("t"))
            .where(active_committee_member()).subquery())
    return select(func.aggregate_strings(rows.c.t, "\x1e"))


def fingerprint(election) -> str:
    """What the options are made of: the election's regions and candidates, named by its
    reference stamp (read with the election, which every page loads anyway), and a digest
    of the active committee members (a few dozen short rows; users have no stamp)."""
    # A Core statement on the session's connection: the ORM's execution path cost a third.
    summary = db.session.connection().scalar(_members_statement())
    members = hashlib.blake2b((summary or "").encode(), digest_size=16).hexdigest()
    return f"{election.reference_stamp}:{members}"


def rendered(choices: list[SelectChoice]) -> FieldChoices:
    """The choices with each option rendered as WTForms renders it, plain and chosen."""
    options = []
    for choice in choices:
        plain = Select.render_option(Choice(choice.value, choice.label, False, choice.render_kw))
        chosen = Select.render_option(Choice(choice.value, choice.label, True, choice.render_kw))
        options.append((str(choice.value), plain, chosen))
    return FieldChoices(choices, tuple(options))


class PreparedSelect(Select):
    """A select that strings together its field's pre-rendered options (`field.prepared`,
    a FieldChoices) when it has them: the same HTML as WTForms' Select."""

    def __call__(self, field, **kwargs):
        prepared = getattr(field, "prepared", None)
        if prepared is None or self.multiple:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = getattr(flags, name)
        data = field.data
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        html += [chosen if data is not None and value == data else plain
                 for value, plain, chosen in prepared.options]
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 - escaped by html_params and render_option


def cached(key: tuple, make: Callable[[], dict[str, FieldChoices]]) -> dict[str, FieldChoices]:
    """The options for `key`, made by `make` once per process (bounded: a few languages ×
    scopes × data versions; old versions of the data and unused scopes go first)."""
    return app_cache("cases.queue_filter_choices", size=64).get_or_make(key, make)
