"""The fault suite: the real `flightdelays run` as a process, a fault injected, invariants checked.

Each probe runs the command on a small generated year against the suite's own servers (a
PostgreSQL from pgserver that probes may stop, moto's S3 server, a fault-injecting proxy in
front of it, a small tmpfs for a full disk), injects its fault, then checks what a user relies
on: the documented exit status, one `error: …` line and no traceback, the year's rows absent or
exactly one copy of a clean run's, no partial file in the lake, no process of the run left
behind, and a re-run that restores exactly one copy. `python -m faults` runs every probe and
writes docs/reliability.md; `--short` runs a few trials of each family (what `make test` runs).
"""
