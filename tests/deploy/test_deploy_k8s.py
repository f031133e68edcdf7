"""Kubernetes manifests of deploy/k8s: valid against the Kubernetes OpenAPI schemas of the EKS
version the cluster stack deploys (kubernetes-validate, strict: unknown fields are errors), with
their ${PLACEHOLDERS} filled as docs/deploy.md fills them. The External Secrets custom resources
have no schema offline; their cross-references and templates are checked here instead."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

RunTool = Callable[..., subprocess.CompletedProcess[str]]

PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")

# What the deployment guide substitutes, with stand-ins of the same shape.
STAND_INS = {
    "AWS_REGION": "eu-west-1",
    "EFS_FILE_SYSTEM_ID": "fs-0123456789abcdef0",
    "DATABASE_HOST": "flightdelays.abcdefghijkl.eu-west-1.rds.amazonaws.com",
    "DATABASE_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:ACCOUNT:secret:rds!db-x",
    "SECRETS_READER_ROLE_ARN": "arn:aws:iam::ACCOUNT:role/flightdelays-secrets-reader",
}

CUSTOM_KINDS = {
    ("external-secrets.io/v1", "SecretStore"),
    ("external-secrets.io/v1", "ExternalSecret"),
}


def manifests(deploy_dir: Path) -> list[Path]:
    paths = sorted((deploy_dir / "k8s").glob("*.yaml"))
    assert paths, "no manifests under deploy/k8s"
    return paths


def render(text: str) -> str:
    return PLACEHOLDER.sub(lambda match: STAND_INS[match.group(1)], text)


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(render(path.read_text())) if doc]


@pytest.fixture(scope="module")
def kubernetes_version(deploy_dir: Path) -> str:
    """The cluster stack's default Kubernetes version, as kubernetes-validate names it."""
    text = (deploy_dir / "cloudformation" / "05-eks.yaml").read_text()
    match = re.search(r'KubernetesVersion:\n(?:\s+.*\n)*?\s+Default: "(1\.\d+)"', text)
    assert match, "KubernetesVersion default not found in 05-eks.yaml"
    return f"{match.group(1)}.0"


def test_manifests_validate_against_kubernetes_schemas(
    run_tool: RunTool, deploy_dir: Path, tmp_path: Path, kubernetes_version: str
) -> None:
    rendered = []
    for path in manifests(deploy_dir):
        target = tmp_path / path.name
        target.write_text(render(path.read_text()))
        rendered.append(target)
    result = run_tool(
        "kubernetes-validate", "--strict", "--kubernetes-version", kubernetes_version, *rendered
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ERROR" not in output, output
    passed = re.findall(r"passed for resource (\S+)", output)
    skipped = re.findall(r"Couldn't find schema for kind (\w+) with api version (\S+)", output)
    core = [doc for path in manifests(deploy_dir) for doc in documents(path)]
    custom = [doc for doc in core if (doc["apiVersion"], doc["kind"]) in CUSTOM_KINDS]
    assert len(passed) == len(core) - len(custom), output
    assert {(version, kind) for kind, version in skipped} == CUSTOM_KINDS


def test_kubernetes_validate_rejects_an_invalid_manifest(
    run_tool: RunTool, tmp_path: Path, kubernetes_version: str
) -> None:
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(
        "apiVersion: storage.k8s.io/v1\n"
        "kind: StorageClass\n"
        "metadata: {name: x}\n"
        "provisioner: efs.csi.aws.com\n"
        "reclaimPolicy: Sometimes\n"
        "mountOption: [tls]\n"
    )
    result = run_tool(
        "kubernetes-validate", "--strict", "--kubernetes-version", kubernetes_version, invalid
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "mountOption" in output


def test_namespaced_objects_live_in_the_airflow_namespace(deploy_dir: Path) -> None:
    for path in manifests(deploy_dir):
        for doc in documents(path):
            if doc["kind"] in {"Namespace", "StorageClass"}:
                assert "namespace" not in doc["metadata"], path.name
            else:
                assert doc["metadata"]["namespace"] == "airflow", f"{path.name} {doc['kind']}"


def test_each_manifest_names_its_placeholders_in_its_render_command(deploy_dir: Path) -> None:
    for path in manifests(deploy_dir):
        text = path.read_text()
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        used = set(PLACEHOLDER.findall(body))
        if not used:
            continue
        command = re.search(r"envsubst '([^']*)'", text)
        assert command, f"{path.name} has placeholders but no envsubst command"
        assert set(PLACEHOLDER.findall(command.group(1))) == used, path.name


def by_kind(path: Path) -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in documents(path)}


def test_external_secret_resources_reference_each_other(deploy_dir: Path) -> None:
    objects = by_kind(deploy_dir / "k8s" / "external-secrets.yaml")
    account, store, secret = (
        objects["ServiceAccount"],
        objects["SecretStore"],
        objects["ExternalSecret"],
    )
    aws = store["spec"]["provider"]["aws"]
    assert aws["service"] == "SecretsManager"
    assert aws["auth"]["jwt"]["serviceAccountRef"]["name"] == account["metadata"]["name"]
    assert "eks.amazonaws.com/role-arn" in account["metadata"]["annotations"]
    assert secret["spec"]["secretStoreRef"] == {
        "kind": "SecretStore",
        "name": store["metadata"]["name"],
    }
    # The RDS-managed secret is JSON with keys username and password.
    remote = {item["secretKey"]: item["remoteRef"] for item in secret["spec"]["data"]}
    assert {name: ref["property"] for name, ref in remote.items()} == {
        "username": "username",
        "password": "password",
    }
    assert {ref["key"] for ref in remote.values()} == {STAND_INS["DATABASE_SECRET_ARN"]}


def fill_template(text: str, username: str, password: str) -> str:
    """What External Secrets' v2 template engine makes of the three functions used here."""
    values = {"username": username, "password": password}

    def replace(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        if match.group(2) == "toJson":
            return json.dumps(value)
        assert match.group(2) == "urlquery"
        return re.sub(r"[^A-Za-z0-9_.~-]", lambda c: f"%{ord(c.group()):02X}", value)

    rendered = re.sub(r"\{\{ \.(\w+) \| (\w+) \}\}", replace, text)
    assert "{{" not in rendered, rendered
    return rendered


def test_database_secret_template_makes_the_three_keys_airflow_reads(deploy_dir: Path) -> None:
    secret = by_kind(deploy_dir / "k8s" / "external-secrets.yaml")["ExternalSecret"]
    target = secret["spec"]["target"]
    assert target["name"] == "flightdelays-database"
    assert target["template"]["engineVersion"] == "v2"
    data = {
        key: fill_template(value, "admin", 'p@ss:w/rd"1')
        for key, value in target["template"]["data"].items()
    }
    assert set(data) == {
        "connection",
        "AIRFLOW_CONN_FLIGHTDELAYS_POSTGRES",
        "FLIGHTDELAYS_DATABASE_URL",
    }
    host = STAND_INS["DATABASE_HOST"]
    escaped = "p%40ss%3Aw%2Frd%221"
    assert data["connection"] == f"postgresql://admin:{escaped}@{host}:5432/airflow?sslmode=require"
    assert data["FLIGHTDELAYS_DATABASE_URL"] == (
        f"postgresql://admin:{escaped}@{host}:5432/flightdelays?sslmode=require"
    )
    connection = json.loads(data["AIRFLOW_CONN_FLIGHTDELAYS_POSTGRES"])
    assert connection == {
        "conn_type": "postgres",
        "host": host,
        "port": 5432,
        "schema": "flightdelays",
        "login": "admin",
        "password": 'p@ss:w/rd"1',
        "extra": {"sslmode": "require"},
    }


def test_database_job_reads_the_url_from_a_mounted_secret(deploy_dir: Path) -> None:
    job = by_kind(deploy_dir / "k8s" / "create-airflow-database.yaml")["Job"]
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert "env" not in container
    assert "envFrom" not in container
    (volume,) = pod["volumes"]
    assert volume["secret"]["secretName"] == "flightdelays-database"
    assert "/secrets/FLIGHTDELAYS_DATABASE_URL" in container["args"][0]
