"""Argon2id password hashing with parameters from the settings."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_PASSWORD_LENGTH = 10


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
