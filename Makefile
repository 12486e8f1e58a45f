# Conveyor: `make run` starts it on the embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
FRONTEND_SOURCES := $(shell find frontend/src frontend/index.html frontend/vite.config.ts frontend/package.json -type f 2>/dev/null)

.PHONY: run test test-fast install frontend lint pytest worker clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[test]"
	touch $@

# conveyor-step-drop (designer/engine/step_drop.c): how a root server's steps drop root.
# Static, so that it starts without the dynamic loader. Without a C compiler steps use
# util-linux's setpriv, about 1.5 ms slower per step (docs/security.md).
STEP_DROP := $(VENV)/libexec/conveyor-step-drop
STEP_DROP_CFLAGS := -O2 -Wall -Wextra -D_FORTIFY_SOURCE=2
$(STEP_DROP): designer/engine/step_drop.c $(VENV)/.installed
	@mkdir -p $(@D)
	@$(CC) $(STEP_DROP_CFLAGS) -static -o $@ $< 2>/dev/null || $(CC) $(STEP_DROP_CFLAGS) -o $@ $< \
		|| { rm -f $@; echo "note: $(STEP_DROP) not built (no C compiler?): steps use setpriv"; }

install: $(VENV)/.installed $(STEP_DROP)

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run build

frontend: frontend/dist/index.html

run: install frontend
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

worker: install
	$(PY) manage.py worker --processes 1 --threads $${CONVEYOR_WORKER_THREADS:-4}  # restarts on crash

lint: install frontend/node_modules/.package-lock.json
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	cd frontend && npm run typecheck && npm run lint  # eslint (with the lint zones), then prettier --check

pytest: install frontend
	cd frontend && npm test
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint pytest

# Pure and database tests only: no browser, no services, no step processes or sandboxes.
FAST_MARKERS := not browser and not live and not postgres and not redis and not rabbitmq and not faults
FAST_SKIP := browser faults live sandbox zygote environments templates
test-fast: install frontend/node_modules/.package-lock.json
	cd frontend && npx vitest run
	$(VENV)/bin/pytest tests -q -p no:cacheprovider -m "$(FAST_MARKERS)" $(FAST_SKIP:%=--ignore=tests/%) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist var/test-*.sqlite3*
