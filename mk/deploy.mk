# Deploy to AWS (issue 7): the IaC checkers live in their own environment, .venv-deploy, because
# checkov's dependency pins clash with Airflow's. `make test` installs it (TEST_NEEDS) and runs
# tests/deploy; `make deploy-check` runs just those checks.
DEPLOY_VENV := .venv-deploy

$(DEPLOY_VENV)/.installed: requirements/deploy.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')" \
		$(DEPLOY_VENV)
	$(UV) pip install --quiet --python $(DEPLOY_VENV)/bin/python -r requirements/deploy.txt
	touch $@

TEST_NEEDS += $(DEPLOY_VENV)/.installed

.PHONY: deploy-check deploy-requirements

deploy-check: $(DEPLOY_VENV)/.installed $(VENV)/.installed
	$(BIN)/pytest tests/deploy

deploy-requirements: | $(UV)
	$(UV) pip compile --quiet --no-header --python-version 3.11 requirements/deploy.in \
		-o requirements/deploy.txt
