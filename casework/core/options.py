"""Long `<select>` lists rendered once and reused.

WTForms renders a select option by option on every request; for lists that are the same for
every visitor (the election's regions, stations and candidates in one language) that is
most of a page's cost. `RenderedOptions` renders the options once, exactly as WTForms'
`Select` widget would, and keeps each option's markup unselected and selected, so a page
costs one join (nothing at all when none is selected). `PrerenderedSelect` is the widget of
a field whose `options` are set; without them it renders the field's `choices` as usual.
"""

from collections.abc import Iterable
from itertools import groupby

from markupsafe import Markup
from wtforms import SelectChoice
from wtforms.fields.choices import Choice
from wtforms.widgets import Select, html_params


class RenderedOptions:
    """The options of a select, rendered. Holds no visitor's data: what is selected is
    given at each render."""

    def __init__(self, choices: Iterable[SelectChoice]):
        choices = list(choices)
        # (value, unselected markup, selected markup), or (None, markup, markup) for the
        # optgroup tags around consecutive options of the same group, as WTForms groups them.
        parts: list[tuple[str | None, str, str]] = []
        grouped = any(c.optgroup is not None for c in choices)
        for group, members in groupby(choices, key=lambda c: c.optgroup) if grouped \
                else [(None, choices)]:
            if group is not None:
                tag = f"<optgroup {html_params(label=group)}>"
                parts.append((None, tag, tag))
            for c in members:
                parts.append((c.value, _option(c, False), _option(c, True)))
            if group is not None:
                parts.append((None, "</optgroup>", "</optgroup>"))
        self._parts = tuple(parts)
        self._plain = "".join(plain for _value, plain, _selected in parts)

    def html(self, selected: Iterable[str] = ()) -> str:
        chosen = set(selected)
        if not chosen:
            return self._plain
        return "".join(on if value is not None and value in chosen else off
                       for value, off, on in self._parts)


def _option(choice: SelectChoice, selected: bool) -> str:
    return str(Select.render_option(Choice(value=choice.value, label=choice.label,
                                           selected=selected, render_kw=choice.render_kw)))


class PrerenderedSelect(Select):
    """A select whose options come from the field's `options` (RenderedOptions) when set."""

    def __call__(self, field, **kwargs):
        options: RenderedOptions | None = getattr(field, "options", None)
        if options is None:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        data = field.data
        selected = ([str(v) for v in data or ()] if self.multiple
                    else [] if data is None else [str(data)])
        # The options were escaped when rendered; html_params escapes the attributes.
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>"  # noqa: S704
                      f"{options.html(selected)}</select>")
