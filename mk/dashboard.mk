# Superset dashboard (issue 6). Superset 6.1 lives in its own pinned environment, .venv-superset
# (SQLAlchemy 1.4; the project's Airflow needs 2.x). `make dashboard` installs it, provisions
# Superset against the project's PostgreSQL, imports dashboard/bundle/ and serves it; `make test`
# installs it and Debian's Chromium (TEST_NEEDS) for the end-to-end test in tests/dashboard/.
SUPERSET_VENV := .venv-superset
CHROMIUM := /usr/bin/chromium
SUPERSET_HOST ?= 127.0.0.1
SUPERSET_PORT ?= 8088

$(SUPERSET_VENV)/.installed: requirements/superset.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')" \
		$(SUPERSET_VENV)
	$(UV) pip install --quiet --python $(SUPERSET_VENV)/bin/python -r requirements/superset.txt
	touch $@

# Debian's Chromium for the headless check (never a browser download).
$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core

TEST_NEEDS += $(SUPERSET_VENV)/.installed $(CHROMIUM)

.PHONY: dashboard dashboard-setup dashboard-check superset-requirements

# Provision (idempotent: metadata, admin, read-only role, bundle import by UUID) and serve.
dashboard: $(SUPERSET_VENV)/.installed $(VENV)/.installed
	$(SUPERSET_VENV)/bin/python dashboard/provision.py --serve --host $(SUPERSET_HOST) --port $(SUPERSET_PORT)

# Provision only (no server left running).
dashboard-setup: $(SUPERSET_VENV)/.installed $(VENV)/.installed
	$(SUPERSET_VENV)/bin/python dashboard/provision.py --host $(SUPERSET_HOST) --port $(SUPERSET_PORT)

dashboard-check: $(SUPERSET_VENV)/.installed $(CHROMIUM) $(VENV)/.installed
	FLIGHTDELAYS_SCREENSHOT=$(CURDIR)/docs/img/dashboard.png $(BIN)/pytest -p no:cacheprovider tests/dashboard

superset-requirements: | $(UV)
	$(UV) pip compile --quiet --no-header --python-version 3.11 requirements/superset.in \
		-o requirements/superset.txt
