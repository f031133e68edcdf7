# The Airflow DAG (issue 3): dags/flight_delays.py, run by Airflow from the main environment
# (.venv, pinned by requirements/constraints.txt). Airflow's home is .data/airflow (SQLite).
#   make airflow           api-server, scheduler, dag-processor and triggerer on
#                          http://127.0.0.1:$(AIRFLOW_PORT) until Ctrl-C (login printed)
#   make airflow-backfill  the DAG's runs for $(YEARS) in one process, then the summary
#   make airflow-check     the DAG's tests only (integrity, real runs, a failing run)
AIRFLOW_PORT ?= 8080

.PHONY: airflow airflow-backfill airflow-check

airflow: $(VENV)/.installed
	$(BIN)/flightdelays airflow serve --port $(AIRFLOW_PORT)

airflow-backfill: $(VENV)/.installed
	$(BIN)/flightdelays airflow backfill --years $(YEARS) --scale $(SCALE)

airflow-check: $(VENV)/.installed
	$(BIN)/pytest -p no:cacheprovider tests/dags
