"""S3 goes wrong under a lake on moto's S3 server: the server killed mid-run, an endpoint where
nothing listens, and a proxy answering `503 Slow Down` to every third connection."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from functools import partial

from faults import checks
from faults.lab import YEAR, Lab, Place
from faults.probe import Outcome, Probe, Trial
from faults.proxy import FaultProxy
from faults.s3 import MotoServer, free_port


def _s3_place(lab: Lab, server: MotoServer, endpoint: str | None = None) -> Place:
    bucket = f"lake-{uuid.uuid4().hex[:10]}"
    server.create_bucket(bucket)
    place = lab.place(lake_url=f"s3://{bucket}/lake")
    return replace(place, extra=server.environment(endpoint))


def _restored_on(lab: Lab, place: Place) -> list[str]:
    """A re-run on a new server (a killed moto forgets its buckets) restores one copy."""
    server = MotoServer()
    try:
        fresh = _s3_place(lab, server)
        return checks.restored(lab, replace(fresh, database=place.database), YEAR)
    finally:
        server.kill()


def killed_server_trial(lab: Lab, *, after: str, delay: float) -> Outcome:
    server = MotoServer()
    place = _s3_place(lab, server)
    run = lab.start(place)
    reached = run.wait_for_line(f"] {after} ")
    time.sleep(delay)
    running = reached and run.running
    server.kill()
    finished = run.finish()
    expected = {3} if running else {0}
    problems = checks.ended_as(finished, expected) + checks.reported(finished)
    problems += checks.no_strays(finished) + checks.one_copy(lab, place, YEAR, or_none=True)
    problems += _restored_on(lab, place)
    return Outcome(problems, f"killed after {after} +{delay:.1f} s: {finished.last_line[:120]}")


def dead_endpoint_trial(lab: Lab) -> Outcome:
    server = MotoServer()
    try:
        place = _s3_place(lab, server, endpoint=f"http://127.0.0.1:{free_port()}")
        finished = lab.run(place)
        problems = checks.ended_as(finished, {3}) + checks.one_error_line(finished)
        problems += checks.no_strays(finished) + checks.one_copy(lab, place, YEAR, or_none=True)
        problems += checks.restored(lab, replace(place, extra=server.environment()), YEAR)
    finally:
        server.kill()
    return Outcome(problems, finished.last_line[:120])


def flaky_trial(lab: Lab, *, every: int) -> Outcome:
    server = MotoServer()
    proxy = FaultProxy(server.port, every)
    try:
        place = _s3_place(lab, server, endpoint=proxy.endpoint)
        finished = lab.run(place)
        problems = checks.ended_as(finished, {0}) + checks.no_traceback(finished)
        problems += checks.no_strays(finished) + checks.one_copy(lab, place, YEAR)
    finally:
        proxy.close()
        server.kill()
    note = f"{proxy.failed} of {proxy.connections} connections answered 503"
    return Outcome(problems, note)


def probes(short: bool) -> list[Probe]:
    kills = () if short else (("aggregate", 0.0), ("detect", 0.3))
    probes = [
        Probe(
            "s3",
            "S3 answers 503 to every 3rd connection (fault proxy)",
            "the retries carry the run: exit 0 with one copy",
            (Trial("every 3rd", partial(flaky_trial, every=3)),),
        ),
        Probe(
            "s3",
            "S3 server killed mid-run",
            "exit 3 after the retries, one error line naming the object, rows absent or one"
            " copy, no process left; re-run on a new server restores one copy",
            tuple(
                Trial(f"after {step} +{d:.1f} s", partial(killed_server_trial, after=step, delay=d))
                for step, d in kills
            ),
        ),
    ]
    if not short:
        probes.append(
            Probe(
                "s3",
                "S3 endpoint where nothing listens",
                "exit 3 after the retries, one error line, nothing loaded; re-run with the"
                " right endpoint restores one copy",
                (Trial("closed port", dead_endpoint_trial),),
            )
        )
    return probes
