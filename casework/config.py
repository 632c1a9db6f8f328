"""Settings from the environment (CASEWORK_*), with embedded defaults for one machine.

A `.env` file in the working directory is read first if present; real environment
variables win over it. Every setting is listed in the README's configuration table.
"""

import os
import secrets
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

ENVIRONMENTS = ("production", "development", "testing")


class ConfigError(RuntimeError):
    """The application cannot start with these settings."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"CASEWORK_{name}")
    return value if value not in (None, "") else default


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(name: str, default: int) -> int:
    value = _env(name)
    try:
        return int(value) if value is not None else default
    except ValueError as exc:
        raise ConfigError(f"CASEWORK_{name} must be an integer, got {value!r}") from exc


def load(instance_path: str) -> dict[str, Any]:
    """Build the Flask config mapping from the environment."""
    load_dotenv(Path.cwd() / ".env", override=False)
    env = _env("ENV", "production")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"CASEWORK_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    default_db = "sqlite:///" + str(Path(instance_path) / "casework.db")
    secure = _bool("SECURE_COOKIES", False)
    return {
        "CASEWORK_ENV": env,
        "SECRET_KEY": _env("SECRET_KEY"),
        "SECRET_KEY_FILE": _env("SECRET_KEY_FILE", str(Path(instance_path) / "secret_key")),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", default_db),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": _env("REDIS_URL"),
        "MAIL_SERVER": _env("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": _env("MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": _env("MAIL_DEFAULT_SENDER", "casework@localhost"),
        "MAIL_SUPPRESS_SEND": _bool("MAIL_SUPPRESS_SEND", False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_NAME": "casework_session",
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "PERMANENT_SESSION_LIFETIME": _int("SESSION_HOURS", 12) * 3600,
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": _int("CSRF_TIME_LIMIT", 8 * 3600),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 64 * 1024 * 1024),
        "BABEL_DEFAULT_LOCALE": _env("DEFAULT_LOCALE", "kk"),
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "CASEWORK_ELECTION": _env("ELECTION"),
        "CASEWORK_HOTLINE_PHONE": _env("HOTLINE_PHONE", "8 800 080 2020"),
        "CASEWORK_PUBLIC_EMAIL": _env("PUBLIC_EMAIL", "complaints@localhost"),
        "CASEWORK_LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "CASEWORK_LOGIN_WINDOW_SECONDS": _int("LOGIN_WINDOW_SECONDS", 60),
        # Argon2id parameters (RFC 9106 second recommended option by default).
        "CASEWORK_ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 3),
        "CASEWORK_ARGON2_MEMORY_KIB": _int("ARGON2_MEMORY_KIB", 65536),
        "CASEWORK_LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
    }


def resolve_secret_key(config: dict[str, Any]) -> str:
    """The secret key from the setting or its file; production refuses to run without one."""
    key = config.get("SECRET_KEY")
    if key:
        return key
    key_file = config.get("SECRET_KEY_FILE")
    if key_file and os.path.exists(key_file):
        key = Path(key_file).read_text(encoding="utf-8").strip()
        if key:
            return key
    if config.get("CASEWORK_ENV") == "production":
        raise ConfigError(
            "No secret key: set CASEWORK_SECRET_KEY or write one to "
            f"{key_file} (`make secret` does this for a local demo)."
        )
    # Development and tests get a throw-away key: sessions end with the process.
    return secrets.token_hex(32)


def write_secret_key(path: str) -> bool:
    """Create a random secret key file readable by its owner only; False if it exists."""
    target = Path(path)
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return True
