"""Phone numbers in one form (E.164), so a caller's number matches however it was typed."""

import phonenumbers

DEFAULT_REGION = "KZ"


def to_e164(text: str | None) -> str | None:
    """+77011234567 for '8 701 123 45 67'; None for an empty or invalid number."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
