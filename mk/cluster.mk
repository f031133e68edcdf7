# Airflow with the CeleryExecutor on this machine (issue 13): `make cluster` starts a Redis broker
# (or uses FLIGHTDELAYS_REDIS_URL), PostgreSQL metadata (embedded, or
# FLIGHTDELAYS_AIRFLOW_DATABASE_URL), the api-server on $(CLUSTER_PORT), scheduler, dag-processor
# and $(WORKERS) Celery workers; runs $(YEARS) as one backfill, prints the summary and which worker
# ran each task with its time in and outside its step, then stops everything (Ctrl-C too).
#   make cluster-check   the cluster's test only (two workers, a worker killed mid-run)
WORKERS ?= 2
CLUSTER_PORT ?= 8080

.PHONY: cluster cluster-check

cluster: $(VENV)/.installed
	$(BIN)/flightdelays airflow cluster --years $(YEARS) --scale $(SCALE) \
		--workers $(WORKERS) --port $(CLUSTER_PORT)

cluster-check: $(VENV)/.installed
	$(BIN)/pytest -p no:cacheprovider tests/local/test_cluster.py
