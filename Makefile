# Hotline: the two commands are `make run` and `make test` (see README.md).
PY := .venv/bin/python
# Workers for the tests without Asterisk: one per core.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
export PYTHONPATH := $(CURDIR)

.PHONY: deps run up down demo-call sandbox-reset security test test-unit test-integration check lint typecheck imports coverage bench bench-sip bench-acd bench-amd bench-dialer bench-knowledge clean migration

deps:
	@bash scripts/install-deps.sh

run: deps
	$(PY) -m hotline.cli run

up: deps
	$(PY) -m hotline.cli up

# Dials DID 8000, presses 1 and says whether an agent answered (see README).
demo-call: deps
	$(PY) -m ari_apps.demo_call

# Stops everything and empties the sandbox Asterisk's astdb, spool and logs.
sandbox-reset: deps
	$(PY) -m hotline.cli reset

down:
	@if [ -x $(PY) ]; then $(PY) -m hotline.cli down; else bash asterisk/sandbox.sh stop; fi

# The tests without Asterisk on every core (pytest-xdist; PostgreSQL's
# share one worker and its throwaway cluster) at the lowest CPU priority,
# alongside the real-call tests (marked asterisk), which run one at a time:
# they share one sandbox Asterisk.  Both run to the end, so one report says
# everything, and each names its slowest tests (scripts/run-tests.sh).
test: deps
	@TEST_WORKERS=$(TEST_WORKERS) bash scripts/run-tests.sh

# The negative security tests (the same tests as in make test, by marker).
security: deps
	$(PY) -m pytest -q -m security tests

# Everything that needs no Asterisk (unit, bench, the PostgreSQL cluster).
test-unit: deps
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup -m "not asterisk" tests

test-integration: deps
	$(PY) -m pytest -q -m asterisk tests/integration

lint: deps
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: deps
	.venv/bin/mypy hotline ari_apps agi_scripts admin_ui voice_prompts vm fax tests

# The layers (pyproject.toml, [tool.importlinter]; README: Architecture).
imports: deps
	.venv/bin/lint-imports --no-cache

# Unit-test coverage of the project's packages (pyproject.toml,
# [tool.coverage]), with a floor that only ever rises.
coverage: deps
	$(PY) -m pytest -q -n $(TEST_WORKERS) --cov --cov-report=term:skip-covered tests/unit

check: lint typecheck imports coverage test

# After a model change: writes hotline/migrations/NNNN_<NAME>.py from the
# difference between the models and the migrations (README: Migrations).
migration: deps
	@test -n "$(NAME)" || { echo "usage: make migration NAME=add_something" >&2; exit 2; }
	$(PY) -m hotline.migrations_cli make $(NAME)

bench: deps
	$(PY) -m tests.bench.run_bench

# The same benchmark with real-SIP callers: SIPp over UDP/RTP through the
# sandbox's demo inbound trunk, the digit as an RFC 4733 event.
bench-sip: deps
	$(PY) -m tests.bench.run_bench --callers sip

# The pure ACD core's routing decision at size (500 waiting, 200 agents, 20 queues).
bench-acd: deps
	$(PY) -m tests.bench.acd_core

# The dialer's adaptive pacing against the best fixed dial level, simulated.
bench-dialer: deps
	$(PY) -m tests.bench.dialer

# Searching 10,000 knowledge articles (Chinese and English) against 200 ms.
bench-knowledge: deps
	$(PY) -m tests.bench.knowledge

# Answering-machine detection on real calls through the simulated PSTN: how
# often people are taken for machines and machines for people.
bench-amd: deps
	$(PY) -m tests.bench.amd

clean: down
	rm -rf var
