"""Enums that carry their own translatable labels, and the one Jinja filter that shows them.

    class Colour(LabelledEnum):
        RED = "red", _l("Red")

`Colour("red").label` is the lazy translated label; the value stays the plain string that is
stored in the database and sent by forms and the APIs.
"""

import enum
from typing import Any

from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice


class LabelledEnum(enum.StrEnum):
    """A string enum whose members are declared as `NAME = "value", _l("Label")`."""

    _label: LazyString | str

    def __new__(cls, value: str, label: LazyString | str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        return member

    @property
    def label(self) -> LazyString | str:
        return self._label

    @classmethod
    def choices(cls, members: Any = None) -> list[SelectChoice]:
        """The options of a select or radio field, in declaration order (or of `members`)."""
        return [SelectChoice(m.value, m.label) for m in (members if members is not None else cls)]


_TRANSLATED: dict[tuple, Markup] = {}


def label_of(value: Any) -> Any:
    """The label of an enum member; anything else unchanged (so `None` stays empty). A lazy
    label is translated once per language and member (the catalogs are fixed while the
    process runs; a page of 50 cases shows 100 labels), and shown as the lazy one is."""
    if value is None:
        return ""
    label = getattr(value, "label", value)
    if not isinstance(label, LazyString):
        return label
    locale = get_locale()
    if locale is None:
        return label
    key = (locale, type(value), value)
    shown = _TRANSLATED.get(key)
    if shown is None:
        shown = _TRANSLATED[key] = Markup(label.__html__())  # noqa: S704 - as Jinja shows it
    return shown
