"""One shape for a business rule's refusal: a code, a translated message, the field at fault."""

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class Refusal(ValueError):
    """Raised by services; views map `code` to a status and show `message` by `field`."""

    def __init__(self, code: str, message: LazyString | str, *, field: str | None = None):
        super().__init__(code, field)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


def required_text(value: object, field: str, missing: LazyString | str, limit: int,
                  error: type[Refusal] = Refusal) -> str:
    """The stripped text, or `error` "missing" when empty and "invalid" when too long."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise error("missing", missing, field=field)
    if len(text) > limit:
        raise error("invalid", _l("The text is too long (at most %(n)d characters).", n=limit),
                    field=field)
    return text


def selected_ids(values: Iterable[Any] | None, field: str,
                 error: type[Refusal] = Refusal) -> list[int]:
    """The chosen ids as integers, in order and without repeats; `error` "invalid" for
    anything that is not a number."""
    ids: list[int] = []
    for value in values or ():
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise error("invalid", _l("Unknown selection."), field=field) from None
        if number not in ids:
            ids.append(number)
    return ids
