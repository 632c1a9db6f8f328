"""SMS fixtures: a real Kannel for the module (skipped with a reason when it is not
installed, a failure under CASEWORK_REQUIRE_KANNEL=1), the app served for it to post to."""

import pytest

from tests.sms.kannel import AppServer, Kannel, require_kannel


@pytest.fixture(autouse=True)
def _english(english):
    pass


@pytest.fixture
def sms_settings(app):
    """set(**settings): app settings for one test, restored after it."""
    saved: dict = {}

    def set_(**settings) -> None:
        for key, value in settings.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield set_
    app.config.update(saved)


@pytest.fixture(scope="module")
def kannel(app, tmp_path_factory):
    require_kannel()
    gateway = Kannel(tmp_path_factory.mktemp("kannel"))
    server = AppServer(app, gateway.app_port)
    gateway.start()
    yield gateway
    gateway.stop()
    server.stop()


@pytest.fixture
def gateway(kannel, sms_settings):
    """Kannel up, the app pointed at it, short retries; anything left queued is drained."""
    if kannel.bearerbox is None:
        kannel.start()
    sms_settings(**kannel.settings, CASEWORK_OUTBOX_BACKOFF_SECONDS=0)
    yield kannel
    if kannel.bearerbox is None:
        kannel.start()
    kannel.replies(wait=0.5)
