"""Argon2id password hashing with parameters from the settings, and the rules for a new
password (ASVS 5 V6.2): at least 8 characters (15 recommended), up to 128 allowed, no
composition rules; refused when it is one of the 30,000 most common passwords (the list
shipped with zxcvbn, read offline, once) or when it is, or contains, the account's email
name or the person's name."""

import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

from casework.core.refusal import Refusal

MIN_PASSWORD_LENGTH = 8
RECOMMENDED_PASSWORD_LENGTH = 15
MAX_PASSWORD_LENGTH = 128
# Parts of the email's local part or of the name shorter than this are not looked for inside
# a password ("al" would refuse half the dictionary); the whole of them is still compared.
MIN_PERSONAL_PART = 4


@cache
def common_passwords() -> frozenset[str]:
    """The common-password list shipped by zxcvbn (no network), lower-cased, loaded once."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def _personal_words(email: str | None, name: str | None) -> set[str]:
    """What a password must not be nor contain: the email's local part and the name, whole
    (without separators) and their longer parts."""
    words: set[str] = set()
    for text in ((email or "").partition("@")[0], name or ""):
        parts = [p for p in re.split(r"[\W_]+", text.lower()) if p]
        whole = "".join(parts)
        if whole:
            words.add(whole)
        words.update(p for p in parts if len(p) >= MIN_PERSONAL_PART)
    return words


def password_problem(password: str | None, *, email: str | None = None,
                     name: str | None = None):
    """Why `password` may not be used as a new password (a translated message), or None."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("The password must have at least %(n)d characters (%(r)d or more is better: "
                  "a few unrelated words make a good one).", n=MIN_PASSWORD_LENGTH,
                  r=RECOMMENDED_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("The password may have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    folded = password.lower()
    if folded in common_passwords():
        return _l("This password is one of the most common passwords: choose another.")
    squashed = re.sub(r"[\W_]+", "", folded)
    for word in _personal_words(email, name):
        if word == squashed or (len(word) >= MIN_PERSONAL_PART and word in squashed):
            return _l("The password must not contain your email name or your name.")
    return None


def check_new_password(password: str | None, *, email: str | None, name: str | None,
                       field: str = "password") -> str:
    """The password if it may be set; refused ("invalid", on `field`) otherwise."""
    problem = password_problem(password, email=email, name=name)
    if problem is not None:
        raise Refusal("invalid", problem, field=field)
    return password or ""


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["CASEWORK_ARGON2_TIME_COST"],
        memory_cost=config["CASEWORK_ARGON2_MEMORY_KIB"],
        parallelism=1,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists (a dummy hash is checked instead)."""
    hasher = _hasher()
    target = stored_hash or _dummy_hash()
    try:
        ok = hasher.verify(target, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


_DUMMY: dict[tuple[int, int], str] = {}


def _dummy_hash() -> str:
    config = current_app.config
    key = (config["CASEWORK_ARGON2_TIME_COST"], config["CASEWORK_ARGON2_MEMORY_KIB"])
    if key not in _DUMMY:
        _DUMMY[key] = _hasher().hash("not a real password")
    return _DUMMY[key]
