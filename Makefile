# Casework: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
WORKERS ?= 2
THREADS ?= 2
# The demo's local mail catcher (aiosmtpd): every outgoing mail lands in instance/mail/new/.
MAIL_CATCHER_PORT ?= 8025
export FLASK_APP := casework

.PHONY: run test axe-core bench-intake bench-intake-cpu bench-queue bench-reports bench-login bench-cti bench-faults bench-mail bench-crypto bench-compare bench-evote bench-video install translations secret migrate seed lint extract-messages update-messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@

install: $(VENV)/.installed translations

# Catalogs are compiled by the set-up, never committed.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d casework/translations

# The session key, the audit chain's HMAC key, its checkpoint signing key and the data keys
# that encrypt personal data and evidence (each 0600, never replaced).
secret:
	@$(BIN)/python -c "from casework.config import write_secret_key as w; import sys; \
	  print('created instance/secret_key' if w('instance/secret_key') else 'instance/secret_key exists')"
	@$(BIN)/python -c "from casework.config import write_secret_key as w; \
	  print('created instance/audit_key' if w('instance/audit_key') else 'instance/audit_key exists')"
	@$(BIN)/python -c "from casework.config import write_audit_signing_key as w; \
	  print('created instance/audit_signing_key' if w('instance/audit_signing_key') else 'instance/audit_signing_key exists')"
	@$(BIN)/python -c "from casework.core.crypto import write_keys_file as w; \
	  print('created instance/data_keys (back it up apart from the database)' if w('instance/data_keys') else 'instance/data_keys exists')"

migrate: install secret
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask demo seed
	$(BIN)/flask demo cases

# Threads as well as processes: intake waits on fsync, so sync workers alone leave CPUs idle.
# Measured for intake (bench/intake.py, SQLite, 200 KB photo, 16 clients, 2 shared cores, three
# quiet passes): 2 workers x 2 threads 60-69/s with p99 0.5-0.9 s; 2 sync workers 28-81/s (p99
# 0.3-0.8 s); 3 sync workers 62-71/s; 4 threads 43-56/s and 8 threads 41-61/s, both with p99
# 1.5-3 s (a thread waiting on the GIL holds SQLite's write lock longer).
# The mail worker runs beside the web server, is started again if it dies (as systemd's
# Restart=always would), and stops with it. Links in mail point at the address served here,
# and mail goes to a local catcher (a Maildir in instance/mail) unless CASEWORK_MAIL_SERVER
# is set: without one the demo's mail would wait forever.
# No access log: it would record the addresses of anonymous complainants.
run: export CASEWORK_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: export CASEWORK_PUBLIC_EMAIL ?= complaints@example.kz
run: seed
	@echo "Casework demo on http://$(HOST):$(PORT)/  (accounts: see README.md)"
	catcher=; if [ -z "$$CASEWORK_MAIL_SERVER" ]; then \
	    mkdir -p instance/mail/tmp instance/mail/new instance/mail/cur; \
	    $(BIN)/python -m aiosmtpd -n -u -l 127.0.0.1:$(MAIL_CATCHER_PORT) \
	      -c aiosmtpd.handlers.Mailbox instance/mail & catcher=$$!; \
	    export CASEWORK_MAIL_SERVER=127.0.0.1 CASEWORK_MAIL_PORT=$(MAIL_CATCHER_PORT); \
	    echo "Outgoing mail is caught in instance/mail/new/ (SMTP 127.0.0.1:$(MAIL_CATCHER_PORT))"; \
	  fi; \
	( trap 'kill $$w 2>/dev/null; exit 0' INT TERM; \
	  while :; do $(BIN)/flask worker & w=$$!; wait $$w; \
	    echo "mail worker exited (status $$?); starting it again in 2 s" >&2; sleep 2; done ) & \
	  loop=$$!; trap 'kill $$loop $$catcher 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) --threads $(THREADS) wsgi:app

test: install axe-core
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# axe-core for the browser tests' accessibility checks (tests/browser/package.json, pinned in
# its lock file; node_modules is never committed). Without npm those tests skip and say why.
AXE := tests/browser/node_modules/axe-core/axe.min.js
axe-core:
	@[ -f $(AXE) ] || if command -v npm >/dev/null 2>&1; then \
	  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error); \
	else echo "npm not found: the axe accessibility tests will be skipped (apt-get install npm)"; fi

# Load test of the intake API through gunicorn (never part of `make test`).
bench-intake: install
	$(BIN)/python bench/intake.py $(BENCH_ARGS)

# CPU per submission of the same API request in-process (no server): the application's own cost.
bench-intake-cpu: install
	$(BIN)/python bench/intake_cpu.py $(BENCH_ARGS)

# The staff queue and its search on 1,000,000 seeded cases in PostgreSQL (never in `make test`);
# BENCH_ARGS="--cases 100000" for a quick run, "--explain" for the query plans; it ends with
# mass complaints: 10,000 fresh ones grouped (--new-cases, --intake-rate) and the folded queue.
bench-queue: install
	$(BIN)/python bench/staff_queue.py $(BENCH_ARGS)

# A generated 300,000-vote e-voting log imported (keyed hashes) and checked for clusters;
# BENCH_ARGS="--postgres" on PostgreSQL, "--votes 1000000" for more.
bench-evote: install
	$(BIN)/python bench/evote.py $(BENCH_ARGS)

# Key frames of generated 720p/1080p/2160p videos hashed in the preview child: CPU, wall, memory.
bench-video: install
	$(BIN)/python bench/video_frames.py $(BENCH_ARGS)

bench-reports: install
	$(BIN)/python bench/reports.py $(BENCH_ARGS)

bench-login: install
	$(BIN)/python bench/login.py $(BENCH_ARGS)

bench-cti: install
	$(BIN)/python bench/cti.py $(BENCH_ARGS)

# Complaints under load while Redis, PostgreSQL, SMTP, the mail worker, a web worker and the
# evidence disk fail in turn; then receipts = rows = files and one mail per complainant.
bench-faults: install
	$(BIN)/python bench/faults.py $(BENCH_ARGS)

# Ordinary mail per second through `services.receive`, and the time each hostile message
# (huge References, thousands of parts, deep nesting...) costs: BENCH_ARGS="--messages 1000".
bench-mail: install
	$(BIN)/python bench/mail.py $(BENCH_ARGS)

# CPU per intake and per case page with the personal data sealed and with a no-op keyring.
bench-crypto: install
	$(BIN)/python bench/crypto_cost.py $(BENCH_ARGS)

# Casework beside a bare-Flask baseline (bench/baseline_app.py), both under gunicorn with 2 sync
# workers on 127.0.0.1, driven by wrk (Debian's `wrk`; only this target needs it): req/s,
# p50/p95/p99, server CPU per request and the ratio per scenario, then the workers' RSS.
# Seeds 100,000 cases once into instance/bench-compare/; BENCH_ARGS="--quick" for 3 s runs.
bench-compare: install
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/compare.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check casework tests migrations

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -c Translators: --no-location --sort-output \
	  --project Casework -o casework/translations/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update -i casework/translations/messages.pot -d casework/translations \
	  --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
