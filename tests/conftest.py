"""The shared fixtures, one module per subject in tests/plugin/ (see its docstring for what is
where); model builders in tests/factories.py. Package conftests hold only what is their own."""

pytest_plugins = [
    "tests.plugin.app",
    "tests.plugin.staff",
    "tests.plugin.cases",
    "tests.plugin.results",
    "tests.plugin.demo",
    "tests.plugin.limits",
    "tests.plugin.evidence",
    "tests.plugin.mail",
    "tests.plugin.services",
]
