"""The shared test scaffolding, registered once as pytest plugins by tests/conftest.py.

One module per subject; fixtures are available to every test without an import:

- app:      the app on SQLite or PostgreSQL, empty tables per test, `client`, `english`, `login`
- staff:    `election` (T2020 with Karaganda, Balkhash, Almaty), `make_user`, `committee`, `outsider`
- cases:    `make_case`, `case`, `finding`, `decided_case`, `declare_conflict`
- results:  `results_world` (candidates, stations and known votes; VOTES)
- demo:     `demo` (the seeded demo election)
- limits:   `fresh_limits` (autouse: rate limits start empty in every test)
- evidence: `evidence_dir` (files stored in the test's own folder)
- mail:     `smtp_server` (a real SMTP server Flask-Mail sends to)
- clamd:    `clamd` (a real clamd with an EICAR signature, on a UNIX socket; start/stop)
- services: `own_redis` (a redis-server of the test's own), `gunicorn_server` (the app in gunicorn)

Plain helpers are imported: sample texts and files, the CSRF token, a free port and a row
count from tests/plugin/data.py; the one query counter from tests/plugin/queries.py; the
browser harness from tests/plugin/browser.py. Model builders live in tests/factories.py.
"""
