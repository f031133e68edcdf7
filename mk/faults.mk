# Fault suite (issue 12, item 4): the real `flightdelays run` against the suite's own PostgreSQL
# (pgserver), moto's S3 server behind a fault proxy and a small tmpfs, with SIGKILL/SIGTERM/
# Ctrl-C, a database stopped mid-load, S3 killed or failing, concurrent runs, bad settings and a
# corrupted-file corpus. `make faults` runs every trial (a few minutes) and writes
# docs/reliability.md; `make test` runs the short form (tests/faults/test_short_suite.py).
.PHONY: faults

faults: $(VENV)/.installed
	$(BIN)/python -m faults --out docs/reliability.md
