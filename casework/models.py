"""Imports every area's models so the metadata is complete (Alembic, create_all)."""

import casework.accounts.models  # noqa: F401
import casework.accounts.passkey_models  # noqa: F401
import casework.accounts.privileged_models  # noqa: F401
import casework.accounts.reset_models  # noqa: F401
import casework.accounts.session_models  # noqa: F401
import casework.accounts.token_models  # noqa: F401
import casework.cases.models  # noqa: F401 - the package holds every table of cases
import casework.core.audit  # noqa: F401
import casework.core.audit_checkpoints  # noqa: F401
import casework.core.audit_guard  # noqa: F401 - the append-only triggers after create_all
import casework.core.denials  # noqa: F401
import casework.core.ratelimit_storage  # noqa: F401
import casework.decisions.models  # noqa: F401
import casework.elections.legal_clock_models  # noqa: F401
import casework.elections.models  # noqa: F401
import casework.elections.stamp  # noqa: F401 - the reference stamp's triggers after create_all
import casework.evidence.models  # noqa: F401
import casework.hotline.models  # noqa: F401
import casework.intake.models  # noqa: F401
import casework.mailin.models  # noqa: F401
import casework.notifications.inbox_models  # noqa: F401
import casework.notifications.models  # noqa: F401
import casework.reports.models  # noqa: F401
import casework.results.findings.models  # noqa: F401
import casework.sanctions.models  # noqa: F401
import casework.sms.models  # noqa: F401
