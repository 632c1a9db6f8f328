from tests.intake.conftest import demo, fresh_limits  # noqa: F401 - shared fixtures
