"""Bad settings: each fails at once (or after the retries, for an unreachable server) with one
error line naming the setting, no traceback, no password printed, nothing loaded or written."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from faults import checks
from faults.lab import YEAR, Lab, Place
from faults.probe import Outcome, Probe, Trial

SECRET = "sentinel-Pw-91"
"""The password of the bad URLs: it must never be printed."""
SECRET_ROLE = "fault_secret_role"


@dataclass(frozen=True)
class BadSetting:
    label: str
    statuses: frozenset[int]
    quick: bool
    """Fails without waiting for retries (the short suite runs these)."""


def _bad_environment(lab: Lab, place: Place, setting: str) -> dict[str, str]:
    """The variables that make `setting` bad in `place`."""
    pg = lab.postgres
    socket_url = pg.url(place.database)
    socket_folder = socket_url.rsplit("host=", 1)[-1]
    by_setting = {
        "FLIGHTDELAYS_CHART_WORKERS=abc": {"FLIGHTDELAYS_CHART_WORKERS": "abc"},
        "lake URL is a file": {"FLIGHTDELAYS_LAKE_URL": (lab.raw_dir / f"{YEAR}.csv").as_uri()},
        "raw URL of an unknown kind": {"FLIGHTDELAYS_RAW_URL": "ftp://example.invalid/raw"},
        "database mysql://": {"FLIGHTDELAYS_DATABASE_URL": f"mysql://etl:{SECRET}@db:3306/x"},
        "database that does not exist": {
            "FLIGHTDELAYS_DATABASE_URL": f"postgresql://postgres:{SECRET}@/no_such_db"
            f"?host={socket_folder}"
        },
        "database wrong password": {
            "FLIGHTDELAYS_DATABASE_URL": f"postgresql://{SECRET_ROLE}:{SECRET}@/{place.database}"
            f"?host={socket_folder}"
        },
        "database host typo": {
            "FLIGHTDELAYS_DATABASE_URL": f"postgresql://postgres:{SECRET}@no-such-host.invalid/x"
        },
        "database bad port": {
            "FLIGHTDELAYS_DATABASE_URL": f"postgresql://postgres:{SECRET}@127.0.0.1:1/x"
        },
    }
    return by_setting[setting]


SETTINGS = (
    BadSetting("FLIGHTDELAYS_CHART_WORKERS=abc", frozenset({2}), quick=True),
    BadSetting("lake URL is a file", frozenset({2}), quick=True),
    BadSetting("raw URL of an unknown kind", frozenset({2}), quick=False),
    BadSetting("database mysql://", frozenset({2}), quick=True),
    BadSetting("database that does not exist", frozenset({2}), quick=True),
    BadSetting("database wrong password", frozenset({2}), quick=True),
    BadSetting("database host typo", frozenset({2, 3}), quick=False),
    BadSetting("database bad port", frozenset({3}), quick=False),
)


def require_password(lab: Lab) -> None:
    """A role that must log in with a password (pgserver trusts every local login otherwise)."""
    pg = lab.postgres
    hba = pg.folder / "pg_hba.conf"
    line = f"local all {SECRET_ROLE} scram-sha-256\n"
    if line not in hba.read_text():
        pg.execute("postgres", f"CREATE ROLE {SECRET_ROLE} LOGIN PASSWORD 'another-{SECRET}'")
        hba.write_text(line + hba.read_text())
        pg.execute("postgres", "SELECT pg_reload_conf()")


def setting_trial(lab: Lab, bad: BadSetting) -> Outcome:
    place = lab.place()
    if "password" in bad.label:
        require_password(lab)
    bad_place = Place(
        place.lake_url,
        place.lake_dir,
        place.database,
        place.raw_url,
        _bad_environment(lab, place, bad.label),
    )
    finished = lab.run(bad_place)
    problems = checks.ended_as(finished, set(bad.statuses)) + checks.one_error_line(finished)
    problems += checks.no_strays(finished)
    if any(SECRET in line for line in finished.stderr):
        problems.append("the password is printed")
    if lab.rows(place).rows:
        problems.append("rows were loaded")
    if place.lake_dir is not None:
        written = [p.name for p in place.lake_dir.rglob("*") if p.is_file()]
        if written:
            problems.append(f"the lake was written: {written[:3]}")
    lab.discard(place)
    return Outcome(problems, finished.last_line[:150])


def probes(short: bool) -> list[Probe]:
    chosen = [bad for bad in SETTINGS if bad.quick or not short]
    return [
        Probe(
            "settings",
            "bad settings",
            "exit 2 (3 for a server that does not answer, after the retries), one error line"
            " naming the setting, no traceback, no password printed, nothing loaded or written",
            tuple(Trial(bad.label, partial(setting_trial, bad=bad)) for bad in chosen),
        )
    ]
