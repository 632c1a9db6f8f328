"""Casework: complaint and violation case management for a party control committee."""

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from casework import config as settings
from casework.core import crypto, redaction
from casework.core.db import private_sqlite_file
from casework.extensions import babel, csrf, db, login_manager, mail, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Config -> extensions -> blueprints -> CLI -> errors."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("CASEWORK_INSTANCE_PATH") or None,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(settings.load(app.instance_path))
    if config:
        app.config.update(config)
    app.config["SECRET_KEY"] = settings.resolve_secret_key(app.config)
    settings.resolve_audit_keys(app.config)
    data_keys = settings.resolve_data_keys(app.config)
    app.extensions["casework_keys"] = data_keys
    crypto.install(data_keys)  # for code that runs outside an app context (worker children)
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # Statement parameters (names, phones, narratives, hashes) never go into error messages
    # or logs.
    options.setdefault("hide_parameters", True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file has no connection to lose: the ping before each checkout only costs time.
        options["pool_pre_ping"] = False
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        arguments = dict(options.get("connect_args") or {"prepare_threshold": None})
        # Custom plans per query: generic prepared plans were 4x slower on scoped queue pages.
        # No parallel workers by default: a page's plan that walks an index and stops at 51
        # rows ran 3-6x slower split over workers (each walks ahead, and they start per
        # query), and on a small machine they take the cores other requests need.
        # No JIT: a walk of a few thousand cases that stops at its page (a search of common
        # words) is costed high enough to be compiled, 90 ms of compiling for 15 ms of work.
        workers = app.config["CASEWORK_PG_PARALLEL_WORKERS"]
        arguments.setdefault("options",
                             f"-c max_parallel_workers_per_gather={workers} -c jit=off")
        options["connect_args"] = arguments
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config["TESTING"] = app.config["CASEWORK_ENV"] == "testing" or app.config.get("TESTING")
    app.config["RATELIMIT_STORAGE_URI"] = settings.ratelimit_storage_uri(app.config, app.instance_path)
    hops = app.config["CASEWORK_TRUSTED_PROXIES"]
    if hops > 0:
        # The client's address, scheme and host as the trusted proxies saw them: rate limits
        # count per real client, and url_for/secure cookies know the request came over https.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.getLogger("casework").setLevel(app.config["CASEWORK_LOG_LEVEL"])
    redaction.install()
    # The instance folder holds the secret key, the SQLite database and evidence: its
    # owner's only, whatever the umask.
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    import casework.models  # noqa: F401 - every table on the metadata
    from casework.accounts import sessions
    from casework.accounts.services import load_user_from_cookie_id
    from casework.api import tokens as api_tokens
    from casework.core import denials, errors, i18n, inbound, outages, public, security
    from casework.core.db import configure_sqlite, is_sqlite
    from casework.elections.queries import election_defaults

    inbound.init_app(app)  # first: caps and text checks before anything reads the body
    db.init_app(app)
    if is_sqlite(app.config["SQLALCHEMY_DATABASE_URI"]):
        with app.app_context():
            configure_sqlite(db.engine)
    from casework.cases.models.search import include_name

    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"),
                     render_as_batch=True, compare_type=True, include_name=include_name)
    mail.init_app(app)
    public.init_app(app)  # before CSRF: anonymous requests are sent to login first
    api_tokens.init_app(app)  # the staff API's bearer tokens, checked before login
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   timezone_selector=i18n.select_timezone,
                   default_translation_directories=str(PROJECT_ROOT / "casework" / "translations"))
    from casework.core.ratelimit import limiter, on_breach

    app.config.setdefault("RATELIMIT_ON_BREACH_CALLBACK", on_breach)
    limiter.init_app(app)
    i18n.set_election_defaults_provider(election_defaults)
    i18n.init_app(app)

    sessions.init_app(app)  # server-side sessions: the cookie holds only a random id
    login_manager.init_app(app)
    # No "strong" protection: it hashed client-supplied headers (User-Agent, X-Forwarded-For),
    # which an attacker replays along with the cookie; the server-side session is the guard.
    login_manager.session_protection = None
    login_manager.login_view = "accounts.login"
    login_manager.user_loader(load_user_from_cookie_id)

    security.init_app(app)
    denials.init_app(app)  # 403/404 met by signed-in users, kept
    errors.init_app(app)
    outages.init_app(app)  # a part down answers 503 with Retry-After, never a bare 500


def _register_blueprints(app: Flask) -> None:
    from casework.accounts import factor_views  # noqa: F401 - its pages join the accounts blueprint
    from casework.accounts.passkey_views import bp as passkeys_bp
    from casework.accounts.password_views import bp as passwords_bp
    from casework.accounts.privileged_views import bp as account_changes_bp
    from casework.accounts.session_views import bp as account_sessions_bp
    from casework.accounts.token_views import bp as account_bp
    from casework.accounts.views import bp as accounts_bp
    from casework.accounts.views import signin_refused_page
    from casework.api.staff_views import bp as staff_api_bp
    from casework.api.views import bp as api_bp
    from casework.cases import (
        claim_views,  # noqa: F401 - claim and release join the cases blueprint
        mass_views,  # noqa: F401 - a mass complaint group joins the cases blueprint
    )
    from casework.cases.identity_views import bp as identity_bp  # also the case page's request
    from casework.cases.queue_views import bp as queue_bp
    from casework.cases.views import bp as cases_bp
    from casework.core import ratelimit
    from casework.decisions.views import bp as decisions_bp
    from casework.evidence.views import bp as evidence_bp
    from casework.hotline import state_views  # noqa: F401 - the console's polling joins hotline
    from casework.hotline.cti_views import bp as cti_bp
    from casework.hotline.views import bp as hotline_bp
    from casework.intake.staff_views import bp as intake_staff_bp
    from casework.intake.views import bp as intake_bp
    from casework.mailin.views import bp as mailin_bp
    from casework.notifications.inbox_views import bp as inbox_bp
    from casework.notifications.views import bp as outbox_bp
    from casework.register.views import bp as register_bp
    from casework.reports.export_views import bp as exports_bp
    from casework.reports.views import bp as reports_bp
    from casework.results.views import bp as results_bp
    from casework.sanctions import late_results
    from casework.sanctions.views import bp as sanctions_bp
    from casework.site import health  # noqa: F401 - /healthz and /readyz join the site blueprint
    from casework.site.views import bp as site_bp
    from casework.sms import views as sms_views

    app.register_blueprint(site_bp)
    app.register_blueprint(queue_bp)
    app.register_blueprint(accounts_bp)
    ratelimit.set_signin_page(signin_refused_page)
    app.register_blueprint(intake_bp)
    app.register_blueprint(intake_staff_bp)
    app.register_blueprint(mailin_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(hotline_bp)
    app.register_blueprint(cti_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(identity_bp)
    app.register_blueprint(evidence_bp)
    app.register_blueprint(decisions_bp)
    app.register_blueprint(sanctions_bp)
    app.register_blueprint(register_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(passwords_bp)
    app.register_blueprint(account_changes_bp)
    app.register_blueprint(passkeys_bp)
    app.register_blueprint(account_sessions_bp)
    app.register_blueprint(staff_api_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(sms_views.bp)
    # Kannel posts without a session or a form: its shared secret guards the endpoint.
    csrf.exempt(sms_views.kannel)
    _connect_case_hooks()
    from casework.evidence import cleanup, uploads

    cleanup.init_app(app)  # a request that is not kept leaves no new evidence file behind
    uploads.init_app(app)  # large uploads spooled encrypted, never in plaintext on a disk
    csrf.exempt(api_bp)  # no cookies on the API: CSRF cannot apply; the rate limits do
    # The staff API accepts a bearer token only, never the session cookie (see its views),
    # so a forged cross-site request carries no credentials and CSRF cannot apply either.
    csrf.exempt(staff_api_bp)
    csrf.exempt(cti_bp)  # the telephone system sends no cookie: its shared secret guards it
    # An enforced annulment extends to the results imported after it (importer's signal).
    late_results.connect()
    # Every results import runs the results checks, which open the committee's own cases.
    from casework.results.findings import services as findings

    findings.connect()
    from casework.core import filters

    filters.init_app(app)


def _connect_case_hooks() -> None:
    """Each channel moves its own rows on a merge and adds its own timeline entries: cases
    calls them through casework.cases.channels and imports no channel."""
    from casework.evidence import case_hooks as evidence_hooks
    from casework.hotline import case_hooks as hotline_hooks
    from casework.intake import case_hooks as intake_hooks
    from casework.mailin import case_hooks as mailin_hooks
    from casework.sms import case_hooks as sms_hooks
    from casework.sms import gateway as sms_gateway

    for hooks in (intake_hooks, hotline_hooks, mailin_hooks, sms_hooks, evidence_hooks):
        hooks.connect()
    sms_gateway.connect()  # the outbox's "sms" transport


def _register_cli(app: Flask) -> None:
    from casework.cli import register

    register(app)
