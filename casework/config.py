"""Settings from the environment (CASEWORK_*), with embedded defaults for one machine.

A `.env` file in the working directory is read first if present; real environment
variables win over it. Every setting is listed in the README's configuration table.
"""

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from dotenv import load_dotenv
from sqlalchemy.engine import make_url

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


def _float(name: str, default: float) -> float:
    value = _env(name)
    try:
        return float(value) if value is not None else default
    except ValueError as exc:
        raise ConfigError(f"CASEWORK_{name} must be a number, got {value!r}") from exc


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (_env(name) or default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"CASEWORK_{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def load(instance_path: str) -> dict[str, Any]:
    """Build the Flask config mapping from the environment."""
    load_dotenv(Path.cwd() / ".env", override=False)
    env = _env("ENV", "production")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"CASEWORK_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    default_db = "sqlite:///" + str(Path(instance_path) / "casework.db")
    # `make run` sets it from its HOST and PORT, so links in the demo's mail work.
    public_url = _env("PUBLIC_URL", "http://127.0.0.1:5000")
    # Secure cookies (Secure, the __Host- prefix) and HSTS: on by default when the public
    # address is https, off for `make run` on plain HTTP; CASEWORK_SECURE_COOKIES wins.
    secure = _bool("SECURE_COOKIES", public_url.lower().startswith("https://"))
    max_file = _int("EVIDENCE_MAX_FILE_SIZE", 25 * 2**20)
    max_total = _int("EVIDENCE_MAX_TOTAL_SIZE", 100 * 2**20)
    public = urlsplit(public_url)
    # An IP address cannot be a WebAuthn relying party: a loopback address becomes "localhost".
    webauthn_host = ("localhost" if public.hostname in (None, "127.0.0.1", "::1")
                     else public.hostname)
    webauthn_origin = (f"{public.scheme}://{webauthn_host}"
                       + (f":{public.port}" if public.port else ""))
    return {
        "CASEWORK_ENV": env,
        "SECRET_KEY": _env("SECRET_KEY"),
        "SECRET_KEY_FILE": _env("SECRET_KEY_FILE", str(Path(instance_path) / "secret_key")),
        # The audit chain's HMAC key and the Ed25519 key that signs its checkpoints: files
        # outside the database, so that whoever can write the table cannot re-seal it.
        "CASEWORK_AUDIT_KEY": _env("AUDIT_KEY"),
        "CASEWORK_AUDIT_KEY_FILE": _env("AUDIT_KEY_FILE", str(Path(instance_path) / "audit_key")),
        # The data keys (AES-256-GCM) that encrypt complainants' personal data and evidence
        # files: a file outside the database, one key per line, the last one writing.
        "CASEWORK_DATA_KEYS": _env("DATA_KEYS", str(Path(instance_path) / "data_keys")),
        "CASEWORK_AUDIT_SIGNING_KEY_FILE": _env(
            "AUDIT_SIGNING_KEY_FILE", str(Path(instance_path) / "audit_signing_key")),
        "CASEWORK_AUDIT_CHECKPOINT_MINUTES": _int("AUDIT_CHECKPOINT_MINUTES", 15),
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
        # Strict: no cross-site request carries the staff session (the name gets the
        # __Host- prefix when secure, see accounts/sessions.py).
        "SESSION_COOKIE_SAMESITE": "Strict",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_NAME": "casework_session",
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        # Server-side sessions: an absolute lifetime from sign-in and an idle timeout.
        "PERMANENT_SESSION_LIFETIME": _int("SESSION_HOURS", 12) * 3600,
        "CASEWORK_SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": _int("CSRF_TIME_LIMIT", 8 * 3600),
        # Over https Flask-WTF would also demand a same-site Referer, which our no-referrer
        # policy never sends. The check guards against a cookie planted from a neighbouring
        # http host; the __Host- prefix of the session cookie already refuses such cookies.
        "WTF_CSRF_SSL_STRICT": False,
        # Bodies: a small cap for every request; the endpoints that take files (listed in
        # core/inbound.py) get room for every file at its limit plus the form fields.
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 2**20),
        "CASEWORK_UPLOAD_MAX_CONTENT_LENGTH": _int("UPLOAD_MAX_CONTENT_LENGTH", max_total + 2**20),
        # Each text part of a multipart body, and a whole urlencoded body (read and parsed at
        # once, so Werkzeug applies no form limit to it: core/inbound.py caps it here).
        "MAX_FORM_MEMORY_SIZE": _int("MAX_FORM_MEMORY_SIZE", 512 * 1024),
        "MAX_FORM_PARTS": _int("MAX_FORM_PARTS", 1000),
        "BABEL_DEFAULT_LOCALE": _env("DEFAULT_LOCALE", "kk"),
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "CASEWORK_ELECTION": _env("ELECTION"),
        # How long each process keeps its copy of the current election (elections/current.py):
        # another process's change to it shows within this time; 0 reads it on every request.
        "CASEWORK_ELECTION_CACHE_SECONDS": _int("ELECTION_CACHE_SECONDS", 2),
        # How long each process keeps the queue's counts per state (cases/queue_counts.py):
        # another member's change shows within this time, the user's own at once; 0: read on
        # every page.
        "CASEWORK_QUEUE_COUNTS_SECONDS": _int("QUEUE_COUNTS_SECONDS", 2),
        "CASEWORK_HOTLINE_PHONE": _env("HOTLINE_PHONE", "8 800 080 2020"),
        # The complaints mailbox shown on the home page; unset: the page shows none.
        "CASEWORK_PUBLIC_EMAIL": _env("PUBLIC_EMAIL"),
        "CASEWORK_LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "CASEWORK_LOGIN_WINDOW_SECONDS": _int("LOGIN_WINDOW_SECONDS", 60),
        # Argon2id parameters (RFC 9106 second recommended option by default).
        "CASEWORK_ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 3),
        "CASEWORK_ARGON2_MEMORY_KIB": _int("ARGON2_MEMORY_KIB", 65536),
        "CASEWORK_LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
        "CASEWORK_PUBLIC_URL": public_url,
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted.
        "CASEWORK_TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "CASEWORK_NARRATIVE_MIN_LENGTH": _int("NARRATIVE_MIN_LENGTH", 30),
        # Evidence: limits and storage (local folder outside static/, or S3-compatible).
        "CASEWORK_EVIDENCE_MAX_FILES": _int("EVIDENCE_MAX_FILES", 10),
        "CASEWORK_EVIDENCE_MAX_FILE_SIZE": max_file,
        "CASEWORK_EVIDENCE_MAX_TOTAL_SIZE": max_total,
        "CASEWORK_EVIDENCE_STORAGE": _env("EVIDENCE_STORAGE", "local"),
        "CASEWORK_EVIDENCE_DIR": _env("EVIDENCE_DIR", str(Path(instance_path) / "evidence")),
        # Pictures declaring more pixels are refused before anything decodes them.
        "CASEWORK_EVIDENCE_MAX_PIXELS": _int("EVIDENCE_MAX_PIXELS", 50_000_000),
        # Safe previews (the worker): longest side in pixels, files per round.
        "CASEWORK_EVIDENCE_PREVIEW_SIZE": _int("EVIDENCE_PREVIEW_SIZE", 480),
        "CASEWORK_EVIDENCE_PREVIEW_BATCH": _int("EVIDENCE_PREVIEW_BATCH", 5),
        # New evidence is refused (503) while the evidence disk has less free space than this.
        "CASEWORK_EVIDENCE_MIN_FREE_MB": _int("EVIDENCE_MIN_FREE_MB", 512),
        "CASEWORK_S3_BUCKET": _env("S3_BUCKET"),
        "CASEWORK_S3_ENDPOINT_URL": _env("S3_ENDPOINT_URL"),
        "CASEWORK_S3_REGION": _env("S3_REGION", "us-east-1"),
        "CASEWORK_S3_ACCESS_KEY_ID": _env("S3_ACCESS_KEY_ID"),
        "CASEWORK_S3_SECRET_ACCESS_KEY": _env("S3_SECRET_ACCESS_KEY"),
        # Antivirus: clamd over a UNIX socket, or TCP (host and port); none: nothing is scanned.
        # STREAM_MAX should match clamd's StreamMaxLength (its default: 25 MiB); a larger
        # file is marked failed, never clean. A scan clamd could not take is tried again
        # SCAN_MAX_ATTEMPTS times, waiting SCAN_BACKOFF_SECONDS, then twice as long each time.
        "CASEWORK_CLAMD_SOCKET": _env("CLAMD_SOCKET"),
        "CASEWORK_CLAMD_HOST": _env("CLAMD_HOST"),
        "CASEWORK_CLAMD_PORT": _int("CLAMD_PORT", 3310),
        "CASEWORK_CLAMD_TIMEOUT": _int("CLAMD_TIMEOUT", 60),
        "CASEWORK_CLAMD_STREAM_MAX": _int("CLAMD_STREAM_MAX", 25 * 2**20),
        "CASEWORK_SCAN_MAX_ATTEMPTS": _int("SCAN_MAX_ATTEMPTS", 6),
        "CASEWORK_SCAN_BACKOFF_SECONDS": _int("SCAN_BACKOFF_SECONDS", 60),
        # Outbox delivery.
        "CASEWORK_MAIL_DOMAIN": _env("MAIL_DOMAIN", "casework.local"),
        "CASEWORK_OUTBOX_BACKOFF_SECONDS": _int("OUTBOX_BACKOFF_SECONDS", 30),
        "CASEWORK_OUTBOX_MAX_ATTEMPTS": _int("OUTBOX_MAX_ATTEMPTS", 12),
        # A worker's claim on a message is a lease this long, renewed while it sends: a
        # claim not renewed in time (a killed worker, a job lost with Redis) is taken back.
        "CASEWORK_OUTBOX_CLAIM_SECONDS": _int("OUTBOX_CLAIM_SECONDS", 120),
        "CASEWORK_SMTP_TIMEOUT": _int("SMTP_TIMEOUT", 30),
        # SMS through Kannel (casework/sms): Kannel's sms-service posts each message to
        # /sms/kannel with this secret as the HTTP Basic password (none: the endpoint is off),
        # from these addresses only when set (comma-separated). Replies go out by the worker
        # through Kannel's sendsms URL as this sendsms-user, from this number.
        "CASEWORK_SMS_SECRET": _env("SMS_SECRET"),
        "CASEWORK_SMS_ALLOWED_IPS": _env("SMS_ALLOWED_IPS", ""),
        "CASEWORK_SMS_SENDSMS_URL": _env("SMS_SENDSMS_URL"),
        "CASEWORK_SMS_USERNAME": _env("SMS_USERNAME"),
        "CASEWORK_SMS_PASSWORD": _env("SMS_PASSWORD"),
        "CASEWORK_SMS_FROM": _env("SMS_FROM"),
        "CASEWORK_SMS_TIMEOUT": _int("SMS_TIMEOUT", 10),
        # Messages from one number within this many hours of its last one join its complaint.
        "CASEWORK_SMS_THREAD_HOURS": _int("SMS_THREAD_HOURS", 24),
        # Per number: beyond these, messages are still filed but not answered (flagged).
        "CASEWORK_SMS_LIMIT_HOUR": _int("SMS_LIMIT_HOUR", 10),
        "CASEWORK_SMS_LIMIT_DAY": _int("SMS_LIMIT_DAY", 40),
        # The endpoint's own rate limit per source address (Kannel is one address).
        "CASEWORK_SMS_RATE_LIMIT": _env("SMS_RATE_LIMIT", "600/minute"),
        # PostgreSQL's parallel workers per query (max_parallel_workers_per_gather) for this
        # app's connections; 0: none (casework/__init__.py says why).
        "CASEWORK_PG_PARALLEL_WORKERS": _int("PG_PARALLEL_WORKERS", 0),
        # Review deadlines; the decision is due by the election's decision deadline.
        "CASEWORK_DEADLINE_SCREENING_HOURS": _int("DEADLINE_SCREENING_HOURS", 24),
        "CASEWORK_DEADLINE_INVESTIGATION_HOURS": _int("DEADLINE_INVESTIGATION_HOURS", 72),
        "CASEWORK_DEADLINE_APPEAL_HOURS": _int("DEADLINE_APPEAL_HOURS", 72),
        "CASEWORK_DUE_SOON_HOURS": _int("DUE_SOON_HOURS", 12),
        # The legal clock's periods in days (casework/elections/legal_clock.py): the defaults
        # of `flask elections clock set`, and the filing limit and cure period of an
        # election with no clock set (counted in calendar days; the hours above then apply).
        "CASEWORK_LEGAL_FILING_DAYS": _int("LEGAL_FILING_DAYS", 7),
        "CASEWORK_LEGAL_SCREENING_DAYS": _int("LEGAL_SCREENING_DAYS", 3),
        "CASEWORK_LEGAL_DECISION_DAYS": _int("LEGAL_DECISION_DAYS", 5),
        "CASEWORK_LEGAL_APPEAL_DAYS": _int("LEGAL_APPEAL_DAYS", 3),
        "CASEWORK_LEGAL_CURE_DAYS": _int("LEGAL_CURE_DAYS", 3),
        "CASEWORK_DECISION_QUORUM": _int("DECISION_QUORUM", 3),
        # Sanctions: the days a sanctioned candidate has to appeal after enforcement, the
        # hours the committee has to decide the appeal, and the winning places per region.
        "CASEWORK_SANCTION_APPEAL_DAYS": _int("SANCTION_APPEAL_DAYS", 3),
        "CASEWORK_SANCTION_APPEAL_DECISION_HOURS": _int("SANCTION_APPEAL_DECISION_HOURS", 72),
        "CASEWORK_DEFAULT_SEATS": _int("DEFAULT_SEATS", 1),
        # Retention (casework/retention): days personal data is kept once a case is final,
        # and whether evidence files are kept or erased, after their own number of days.
        # Each election can override the three (`flask retention set`).
        "CASEWORK_RETENTION_DAYS": _int("RETENTION_DAYS", 365),
        # The results checks' defaults (an election may set its own: `flask results
        # thresholds`): a candidate's share of a station's votes that is a finding, the votes a
        # station needs before shares and identical votes count, and an hour of electronic
        # votes above this factor times the median of the hours before, by at least jump_min.
        # Pictures whose perceptual hashes differ in at most this many of 64 bits (up to 7)
        # are shown as the same or nearly the same picture.
        "CASEWORK_EVIDENCE_SIMILAR_BITS": _int("EVIDENCE_SIMILAR_BITS", 6),
        # Mass complaints: narratives whose estimated similarity (MinHash Jaccard over word
        # pairs) reaches this form one group.
        "CASEWORK_MASS_SIMILARITY": _float("MASS_SIMILARITY", 0.6),
        "CASEWORK_RESULTS_SHARE": _float("RESULTS_SHARE", 0.9),
        "CASEWORK_RESULTS_MIN_VOTES": _int("RESULTS_MIN_VOTES", 50),
        "CASEWORK_RESULTS_JUMP_FACTOR": _float("RESULTS_JUMP_FACTOR", 3.0),
        "CASEWORK_RESULTS_JUMP_MIN": _int("RESULTS_JUMP_MIN", 200),
        # The e-voting log's clusters (`flask results import-evote-log`): IINs on one phone
        # (the party's rule: one vote, one IIN, one mobile number, one IP), IINs from one IP,
        # and a burst of votes from one IP within some minutes.
        "CASEWORK_EVOTE_IINS_PER_PHONE": _int("EVOTE_IINS_PER_PHONE", 5),
        "CASEWORK_EVOTE_IINS_PER_IP": _int("EVOTE_IINS_PER_IP", 50),
        "CASEWORK_EVOTE_BURST_VOTES": _int("EVOTE_BURST_VOTES", 30),
        "CASEWORK_EVOTE_BURST_MINUTES": _int("EVOTE_BURST_MINUTES", 10),
        "CASEWORK_RETENTION_EVIDENCE": _choice("RETENTION_EVIDENCE", ("keep", "erase"), "keep"),
        "CASEWORK_RETENTION_EVIDENCE_DAYS": _int("RETENTION_EVIDENCE_DAYS", 365),
        # Cases examined per transaction by a retention run.
        "CASEWORK_RETENTION_BATCH": _int("RETENTION_BATCH", 100),
        # Reports: how old the dashboard's rollup may get before the worker refreshes it,
        # the XLSX export's row cap (CSV streams any size), a personal API token's lifetime.
        "CASEWORK_REPORTS_REFRESH_SECONDS": _int("REPORTS_REFRESH_SECONDS", 60),
        "CASEWORK_EXPORT_XLSX_MAX_ROWS": _int("EXPORT_XLSX_MAX_ROWS", 100000),
        "CASEWORK_API_TOKEN_DAYS": _int("API_TOKEN_DAYS", 90),
        # Acts that change outcomes need both factors proven again within this many seconds.
        "CASEWORK_STEP_UP_SECONDS": _int("STEP_UP_SECONDS", 300),
        # The identity custodian (cases/identity.py): how long an approved request shows the
        # requester a complainant's identity, and how long whoever typed one in still sees it.
        "CASEWORK_IDENTITY_REVEAL_DAYS": _int("IDENTITY_REVEAL_DAYS", 7),
        "CASEWORK_IDENTITY_ENTRY_MINUTES": _int("IDENTITY_ENTRY_MINUTES", 30),
        # The hotline's CTI hook (hotline/cti_views.py): the telephone system's shared secret
        # (the hook refuses every event while it is unset), the addresses it may call from
        # (comma-separated addresses or networks; empty: any) and its largest event body.
        "CASEWORK_CTI_SECRET": _env("CTI_SECRET"),
        "CASEWORK_CTI_ALLOWED_IPS": _env("CTI_ALLOWED_IPS", ""),
        "CASEWORK_CTI_MAX_BODY": _int("CTI_MAX_BODY", 4096),
        # How long an administrator's password reset link works (single use).
        "CASEWORK_PASSWORD_RESET_HOURS": _int("PASSWORD_RESET_HOURS", 24),
        # Passkeys (WebAuthn): the relying party is the site's host name and origin, by default
        # those of CASEWORK_PUBLIC_URL. Browsers offer passkeys only in a secure context:
        # https, or http on localhost. A challenge is valid once, for this many seconds.
        "CASEWORK_WEBAUTHN_RP_ID": _env("WEBAUTHN_RP_ID", webauthn_host),
        "CASEWORK_WEBAUTHN_RP_NAME": _env("WEBAUTHN_RP_NAME", "Casework"),
        "CASEWORK_WEBAUTHN_ORIGIN": _env("WEBAUTHN_ORIGIN", webauthn_origin),
        "CASEWORK_WEBAUTHN_CHALLENGE_SECONDS": _int("WEBAUTHN_CHALLENGE_SECONDS", 120),
        # Between the password and the code: how long the half-signed-in state lasts.
        "CASEWORK_SIGNIN_PENDING_SECONDS": _int("SIGNIN_PENDING_SECONDS", 300),
        # The name shown in authenticator apps next to the account.
        "CASEWORK_TOTP_ISSUER": _env("TOTP_ISSUER") or "Casework",
        # Inbound mail: piped to `mail ingest`, or fetched by `mail fetch` over IMAP.
        "CASEWORK_MAIL_MAX_SIZE": _int("MAIL_MAX_SIZE", 30 * 2**20),
        # Reading one message (parsing, decoding) may take this long in `mail ingest` and
        # `mail fetch`; beyond it, the message goes to quarantine. 0: no limit.
        "CASEWORK_MAIL_PARSE_SECONDS": _int("MAIL_PARSE_SECONDS", 20),
        "CASEWORK_IMAP_HOST": _env("IMAP_HOST"),
        "CASEWORK_IMAP_PORT": _int("IMAP_PORT", 0),  # 0: 993 for ssl, 143 otherwise
        "CASEWORK_IMAP_USER": _env("IMAP_USER"),
        "CASEWORK_IMAP_PASSWORD": _env("IMAP_PASSWORD"),
        "CASEWORK_IMAP_FOLDER": _env("IMAP_FOLDER", "INBOX"),
        "CASEWORK_IMAP_PROCESSED_FOLDER": _env("IMAP_PROCESSED_FOLDER", ""),
        "CASEWORK_IMAP_SECURITY": _env("IMAP_SECURITY", "ssl"),
        "CASEWORK_IMAP_CA_FILE": _env("IMAP_CA_FILE"),
        "CASEWORK_IMAP_TIMEOUT": _int("IMAP_TIMEOUT", 60),
        # Rate limits (Flask-Limiter syntax); counters live in Redis if set, else in the
        # database (shared by every worker): see ratelimit_storage_uri().
        "RATELIMIT_STORAGE_URI": _env("REDIS_URL"),
        # No X-RateLimit-*/Retry-After on every response: each one cost a second storage
        # round trip, and Retry-After belongs on 429 and 503 only (set by on_breach).
        "RATELIMIT_HEADERS_ENABLED": False,
        # Redis unreachable: casework+redis:// counts in each process's memory meanwhile
        # (core/ratelimit_redis.py); the database's counters fall back the same way, and any
        # other storage error lets the request through (logged) rather than answering 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Accepted sends only; refused ones (a field to correct) have their own allowance.
        "CASEWORK_LIMIT_SUBMIT": _env("LIMIT_SUBMIT", "5 per minute;30 per hour"),
        "CASEWORK_LIMIT_SUBMIT_REFUSED": _env("LIMIT_SUBMIT_REFUSED", "30 per minute;200 per hour"),
        "CASEWORK_LIMIT_TRACK": _env("LIMIT_TRACK", "10 per minute;60 per hour"),
        "CASEWORK_LIMIT_TRACK_GLOBAL": _env("LIMIT_TRACK_GLOBAL", "600 per minute"),
        # Sign-in attempts (password and second factor) per client, across accounts.
        "CASEWORK_LIMIT_LOGIN": _env("LIMIT_LOGIN", "20 per minute;100 per hour"),
    }


def ratelimit_storage_uri(config: dict[str, Any], instance_path: str = ".") -> str:
    """Where rate-limit counters live: the configured URI (Redis), else shared by every
    worker (memory:// would give each gunicorn worker its own budget): beside an SQLite
    database, which means one host, in a small SQLite file of their own
    (core/ratelimit_local.py, "casework+local://<database>.limits": a tenth of the cost of
    the database's table, and never behind its write lock); on PostgreSQL, in its table
    (core/ratelimit_storage.py, "casework+app://"), which every host shares. An in-memory
    SQLite database is one per connection: memory:// then."""
    uri = config.get("RATELIMIT_STORAGE_URI")
    if uri and uri.startswith(("redis://", "rediss://")):
        return "casework+" + uri  # Redis with a per-process fallback (core/ratelimit_redis)
    if uri:
        return uri
    database = config["SQLALCHEMY_DATABASE_URI"]
    if database in ("sqlite://", "sqlite:///:memory:"):
        return "memory://"
    if database.startswith("sqlite:///"):
        path = make_url(database).database
        if path and not path.startswith("file:"):
            # A relative path is the instance folder's, as Flask-SQLAlchemy reads it.
            return f"casework+local://{os.path.join(instance_path, path)}.limits"
    return "casework+app://"


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


def _read_key_file(path: str | None) -> str | None:
    if path and os.path.exists(path):
        return Path(path).read_text(encoding="utf-8").strip() or None
    return None


def resolve_audit_keys(config: dict[str, Any]) -> None:
    """Fill CASEWORK_AUDIT_KEY (HMAC) and CASEWORK_AUDIT_SIGNING_KEY (Ed25519, PEM) from the
    settings or their files. Production refuses to run without them; development writes them
    to the instance folder; tests get throw-away keys."""
    hmac_key = config.get("CASEWORK_AUDIT_KEY") or _read_key_file(
        config.get("CASEWORK_AUDIT_KEY_FILE"))
    signing = config.get("CASEWORK_AUDIT_SIGNING_KEY") or _read_key_file(
        config.get("CASEWORK_AUDIT_SIGNING_KEY_FILE"))
    production = config.get("CASEWORK_ENV") == "production"
    if config.get("CASEWORK_ENV") == "development" and not (hmac_key and signing):
        # Development keeps its keys in the instance folder, so its chain verifies tomorrow.
        write_secret_key(config["CASEWORK_AUDIT_KEY_FILE"])
        write_audit_signing_key(config["CASEWORK_AUDIT_SIGNING_KEY_FILE"])
        hmac_key = _read_key_file(config["CASEWORK_AUDIT_KEY_FILE"])
        signing = _read_key_file(config["CASEWORK_AUDIT_SIGNING_KEY_FILE"])
    if production and not (hmac_key and signing):
        raise ConfigError(
            "No audit keys: write them to CASEWORK_AUDIT_KEY_FILE "
            f"({config.get('CASEWORK_AUDIT_KEY_FILE')}) and CASEWORK_AUDIT_SIGNING_KEY_FILE "
            f"({config.get('CASEWORK_AUDIT_SIGNING_KEY_FILE')}); `make secret` does this.")
    config["CASEWORK_AUDIT_KEY"] = hmac_key or secrets.token_hex(32)
    config["CASEWORK_AUDIT_SIGNING_KEY"] = signing or _new_signing_key().decode("ascii")


_TEST_KEYRING: Any = None


def resolve_data_keys(config: dict[str, Any]) -> Any:
    """The keyring from CASEWORK_DATA_KEYS. Production refuses to run without the file;
    development writes it to the instance folder; tests without a file share one throw-away
    keyring per process (an app made later in a test reads what an earlier one wrote)."""
    from casework.core import crypto

    global _TEST_KEYRING
    path = config.get("CASEWORK_DATA_KEYS")
    env = config.get("CASEWORK_ENV")
    if path and Path(path).exists():
        return crypto.load_keys(path)
    if env == "development" and path:
        crypto.write_keys_file(path)
        return crypto.load_keys(path)
    if env == "testing":
        if _TEST_KEYRING is None:
            _TEST_KEYRING = crypto.parse_keys(crypto.new_key_line("test1"))
        return _TEST_KEYRING
    raise ConfigError(
        f"No data keys: CASEWORK_DATA_KEYS ({path}) does not exist; `make secret` writes one. "
        "Without the keys nothing encrypted can be read: restore the file from its backup.")


def _new_signing_key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())


def write_audit_signing_key(path: str) -> bool:
    """Create an Ed25519 private key (PEM) readable by its owner only; False if it exists."""
    target = Path(path)
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    pem = _new_signing_key()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return True


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
