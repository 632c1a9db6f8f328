"""One shape for a business rule's refusal: a code, a translated message, the field at fault."""

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
