"""Helm values for the official Airflow chart (deploy/helm/values.yaml).

The chart cannot be downloaded here, so `helm template` and the chart's values.schema.json are
out of reach. What is checked instead: the values parse; every key path is in
deploy/helm/chart-keys.txt, a hand-kept excerpt of the keys the chart's parameters reference
documents (so a misspelt or invented key fails, but the excerpt itself is only as right as its
last review); and the values wire the pipeline as designed: KubernetesExecutor, DAGs from git,
connections and the database from Secrets, remote logs to S3, IRSA roles on the right
service accounts, no credential anywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


@pytest.fixture(scope="module")
def values(deploy_dir: Path) -> dict[str, Any]:
    data = yaml.safe_load((deploy_dir / "helm" / "values.yaml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def chart_keys(deploy_dir: Path) -> set[str]:
    lines = (deploy_dir / "helm" / "chart-keys.txt").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def leaf_paths(node: Any, prefix: str = "") -> Iterator[str]:
    """Dotted paths of the values' leaves; a list is a leaf (the chart takes lists whole)."""
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from leaf_paths(value, f"{prefix}{key}.")
    else:
        yield prefix.rstrip(".")


def undocumented(values: dict[str, Any], documented: set[str]) -> list[str]:
    """Leaf paths of `values` that are neither listed nor below a listed `prefix.*`."""
    wildcards = tuple(key.removesuffix("*") for key in documented if key.endswith(".*"))
    return [
        path
        for path in leaf_paths(values)
        if path not in documented and not (path + ".").startswith(wildcards)
    ]


def test_values_use_only_documented_chart_keys(
    values: dict[str, Any], chart_keys: set[str]
) -> None:
    assert undocumented(values, chart_keys) == []


def test_key_check_flags_misspelt_and_invented_keys(chart_keys: set[str]) -> None:
    wrong = {
        "dags": {"gitsync": {"enabled": True}},
        "workers": {"kubernetes": {"serviceAccount": {"nmae": "x"}}},
        "executer": "KubernetesExecutor",
        "config": {"logging": {"remote_logging": "True"}},
    }
    assert sorted(undocumented(wrong, chart_keys)) == [
        "dags.gitsync.enabled",
        "executer",
        "workers.kubernetes.serviceAccount.nmae",
    ]


def test_chart_keys_file_names_the_chart_version(deploy_dir: Path) -> None:
    text = (deploy_dir / "helm" / "chart-keys.txt").read_text()
    assert "chart version 1.22.0" in text
    assert "docs/helm-chart/1.22.0/parameters-ref.html" in text


def test_tasks_run_one_pod_each_with_dags_from_git(values: dict[str, Any]) -> None:
    assert values["executor"] == "KubernetesExecutor"
    assert values["airflowVersion"] == "3.3.2"
    git = values["dags"]["gitSync"]
    assert git["enabled"] is True
    assert git["subPath"] == "dags"
    assert git["repo"] == "${DAGS_GIT_REPO}"
    assert values["postgresql"]["enabled"] is False
    assert values["redis"]["enabled"] is False
    assert values["createUserJob"]["enabled"] is False


def test_pipeline_settings_and_connections(values: dict[str, Any]) -> None:
    env = {item["name"]: item["value"] for item in values["env"]}
    assert env["FLIGHTDELAYS_RAW_URL"] == "s3://${RAW_BUCKET}/raw"
    assert env["FLIGHTDELAYS_LAKE_URL"] == "s3://${LAKE_BUCKET}/lake"
    aws = yaml.safe_load(env["AIRFLOW_CONN_FLIGHTDELAYS_AWS"])
    assert aws == {"conn_type": "aws", "extra": {"region_name": "${AWS_REGION}"}}
    from_secrets = {item["envName"]: item for item in values["secret"]}
    assert set(from_secrets) == {"AIRFLOW_CONN_FLIGHTDELAYS_POSTGRES", "FLIGHTDELAYS_DATABASE_URL"}
    for name, item in from_secrets.items():
        assert item == {
            "envName": name,
            "secretName": "flightdelays-database",
            "secretKey": name,
        }


def test_secrets_come_from_the_kubernetes_secrets_the_guide_creates(
    values: dict[str, Any], deploy_dir: Path
) -> None:
    external = next(
        doc
        for doc in yaml.safe_load_all((deploy_dir / "k8s" / "external-secrets.yaml").read_text())
        if doc and doc["kind"] == "ExternalSecret"
    )
    target = external["spec"]["target"]
    assert values["data"]["metadataSecretName"] == target["name"]
    assert "connection" in target["template"]["data"]
    for item in values["secret"]:
        assert item["secretKey"] in target["template"]["data"]
    for key in ("fernetKeySecretName", "apiSecretKeySecretName", "jwtSecretName"):
        assert values[key] == "flightdelays-airflow-keys"
    guide = (deploy_dir.parent / "docs" / "deploy.md").read_text()
    assert "flightdelays-airflow-keys" in guide
    for key in ("fernet-key", "api-secret-key", "jwt-secret"):
        assert f"--from-literal={key}=" in guide


CREDENTIAL_KEY = re.compile(
    r"(^|\.)(pass|password|fernetKey|apiSecretKey|jwtSecret|webserverSecretKey|sshKey|"
    r"brokerUrl|metadataConnection)$"
)


def test_no_credential_is_written_in_the_values(values: dict[str, Any], deploy_dir: Path) -> None:
    leaked = [path for path in leaf_paths(values) if CREDENTIAL_KEY.search(path)]
    assert leaked == []
    text = (deploy_dir / "helm" / "values.yaml").read_text()
    assert not re.search(r"postgres(ql)?://[^\s/]*:[^\s/]*@", text), "a URL with a password"
    assert not re.search(r"AKIA[0-9A-Z]{16}", text)
    assert "aws_secret_access_key" not in text.lower()


def test_task_logs_go_to_the_logs_bucket(values: dict[str, Any]) -> None:
    logging = values["config"]["logging"]
    assert logging["remote_logging"] == "True"
    assert logging["remote_base_log_folder"] == "s3://${LOGS_BUCKET}/airflow-logs"
    assert logging["remote_log_conn_id"] == "flightdelays_aws"
    assert values["logs"]["persistence"]["enabled"] is True


def test_log_volume_uses_the_efs_storage_class(values: dict[str, Any], deploy_dir: Path) -> None:
    storage_class = yaml.safe_load((deploy_dir / "k8s" / "storageclass-efs.yaml").read_text())
    assert values["logs"]["persistence"]["storageClassName"] == storage_class["metadata"]["name"]


@pytest.mark.parametrize(
    ("section", "account", "role_arn"),
    [
        (("workers", "kubernetes"), "airflow-worker", "${AIRFLOW_WORKER_ROLE_ARN}"),
        (("apiServer",), "airflow-api-server", "${AIRFLOW_API_SERVER_ROLE_ARN}"),
    ],
)
def test_irsa_roles_annotate_the_service_accounts_they_trust(
    values: dict[str, Any],
    deploy_dir: Path,
    section: tuple[str, ...],
    account: str,
    role_arn: str,
) -> None:
    node = values
    for key in section:
        node = node[key]
    service_account = node["serviceAccount"]
    assert service_account["name"] == account
    assert service_account["annotations"] == {"eks.amazonaws.com/role-arn": role_arn}
    trust = (deploy_dir / "cloudformation" / "07-irsa.yaml").read_text()
    assert f"system:serviceaccount:${{Namespace}}:{account}" in trust


def test_placeholders_are_the_ones_the_header_lists(deploy_dir: Path) -> None:
    text = (deploy_dir / "helm" / "values.yaml").read_text()
    listed = set(re.findall(r"^#   - \$\{([A-Z_]+)\}$", text, flags=re.MULTILINE))
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert set(PLACEHOLDER.findall(body)) == listed
