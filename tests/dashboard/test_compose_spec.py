"""compose.yaml against the Compose Specification's JSON schema (Docker cannot run here).

tests/dashboard/compose-spec.json is the Compose Specification schema (compose-spec/compose-spec,
`schema/compose-spec.json`, Apache-2.0, licence in compose-spec.LICENSE) as vendored in the PyPI
package check-jsonschema 0.39.0 (`check_jsonschema/builtin_schemas/vendor/compose-spec.json`,
sha256 d549057e...0e64). Besides the schema, the test checks the wiring: every service that runs
the package gets the same settings, no secret is written in the file, ports stay on 127.0.0.1.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
SCHEMA = Path(__file__).with_name("compose-spec.json")
SCHEMA_SHA256 = "d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64"
SETTINGS = (
    "FLIGHTDELAYS_RAW_URL",
    "FLIGHTDELAYS_LAKE_URL",
    "FLIGHTDELAYS_DATABASE_URL",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
)


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    raw = SCHEMA.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256
    schema = json.loads(raw)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def errors(validator: jsonschema.protocols.Validator, document: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_compose_file_follows_the_compose_specification(
    validator: jsonschema.protocols.Validator, compose: dict[str, Any]
) -> None:
    assert errors(validator, compose) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("services", "superset", "ports"), "127.0.0.1:8088:8088"),  # a list, not a string
        (("services", "postgres", "restart_policy"), "always"),  # no such service key
        (("services", "airflow", "depends_on", "postgres", "condition"), "when_ready"),
    ],
)
def test_the_schema_check_catches_mistakes(
    validator: jsonschema.protocols.Validator,
    compose: dict[str, Any],
    path: tuple[str, ...],
    value: str,
) -> None:
    broken = copy.deepcopy(compose)
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert errors(validator, broken)


def test_the_stack_has_its_four_parts(compose: dict[str, Any]) -> None:
    assert {"postgres", "minio", "airflow", "superset"} <= compose["services"].keys()


def test_airflow_gets_every_setting_and_superset_the_same_database(
    compose: dict[str, Any],
) -> None:
    airflow = compose["services"]["airflow"]["environment"]
    superset = compose["services"]["superset"]["environment"]
    assert set(SETTINGS) <= airflow.keys()
    assert superset["FLIGHTDELAYS_DATABASE_URL"] == airflow["FLIGHTDELAYS_DATABASE_URL"]
    assert airflow["AWS_ENDPOINT_URL"] == "http://minio:9000"
    assert airflow["FLIGHTDELAYS_DATABASE_URL"].endswith("@postgres:5432/flightdelays")


def test_no_secret_is_written_in_the_file(compose: dict[str, Any]) -> None:
    """Credentials are `${VARIABLE}` references to .env, in plain settings, URLs and connections."""
    secret_names = re.compile(r"PASSWORD|SECRET|ACCESS_KEY|ROOT_USER")
    checked = 0
    for service in compose["services"].values():
        for name, value in service.get("environment", {}).items():
            text = str(value)
            if secret_names.search(name):
                assert text.startswith("${"), name
                checked += 1
            if name.startswith("AIRFLOW_CONN_"):
                connection = json.loads(text)
                assert connection["password"].startswith("${"), name
                checked += 1
            if "://" in text and "@" in text:
                password = text.split("://", 1)[1].split("@", 1)[0].partition(":")[2]
                assert password.startswith("${"), name
                checked += 1
    assert checked >= 8


def test_ports_are_published_on_the_loopback_only(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)
