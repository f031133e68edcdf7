"""The deployment guide (docs/deploy.md), the QuickSight manifest, the image definition and the
deploy tool pins agree with the files they describe, and nothing under deploy/ holds an account
id, a key or a path of one machine."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from flightdelays.schema import TABLE_COLUMNS


@pytest.fixture(scope="module")
def guide(repo_root: Path) -> str:
    return (repo_root / "docs" / "deploy.md").read_text()


def test_guide_deploys_every_stack_in_file_order(guide: str, deploy_dir: Path) -> None:
    templates = [path.name for path in sorted((deploy_dir / "cloudformation").glob("*.yaml"))]
    deployed = re.findall(
        r"aws cloudformation deploy --stack-name flightdelays-([\w-]+) \\\n"
        r"\s+--template-file deploy/cloudformation/([\w.-]+)",
        guide,
    )
    assert [template for _, template in deployed] == templates
    stacks = [stack for stack, _ in deployed]
    assert [template[3:].removesuffix(".yaml") for template in templates] == stacks
    # Tear-down deletes the same stacks, newest first.
    teardown = re.search(r"for stack in ([\w -]+); do", guide)
    assert teardown, "no stack deletion loop in the guide"
    assert teardown.group(1).split() == stacks[::-1]


def test_guide_names_the_capabilities_each_stack_needs(guide: str, deploy_dir: Path) -> None:
    for path in sorted((deploy_dir / "cloudformation").glob("*.yaml")):
        text = path.read_text()
        command = re.search(
            rf"--template-file deploy/cloudformation/{re.escape(path.name)}([^\n]*)", guide
        )
        assert command, path.name
        if re.search(r"^\s+(RoleName|ManagedPolicyName):", text, flags=re.MULTILINE):
            assert "CAPABILITY_NAMED_IAM" in command.group(1), path.name
        elif "AWS::IAM::Role" in text:
            assert "CAPABILITY_IAM" in command.group(1), path.name


def test_guide_sets_every_placeholder_it_substitutes(guide: str, deploy_dir: Path) -> None:
    placeholders = set()
    for path in [*deploy_dir.glob("k8s/*.yaml"), deploy_dir / "helm" / "values.yaml"]:
        placeholders |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", path.read_text()))
    placeholders.discard("NAME")  # values.yaml's header speaks of "${NAME} placeholders"
    exported = set(re.findall(r"export ([A-Z][A-Z0-9_]*)=", guide))
    assert placeholders <= exported, f"never set: {sorted(placeholders - exported)}"


def table_columns(migration: Path, table: str) -> list[str]:
    body = re.search(rf"CREATE TABLE {table} \((.*?)\n\);", migration.read_text(), re.DOTALL)
    assert body, f"no CREATE TABLE {table}"
    columns = []
    for line in body.group(1).splitlines():
        match = re.match(r"\s+([a-z_0-9]+)\s+(text|date|smallint|integer|double|boolean)", line)
        if match:
            columns.append(match.group(1))
    return columns


def test_quicksight_manifest_reads_the_yearly_exports(guide: str, deploy_dir: Path) -> None:
    manifest = json.loads((deploy_dir / "quicksight" / "manifest.json").read_text())
    assert manifest["fileLocations"] == [{"URIPrefixes": ["s3://${LAKE_BUCKET}/lake/exports/"]}]
    settings = manifest["globalUploadSettings"]
    assert settings == {
        "format": "CSV",
        "delimiter": ",",
        "textqualifier": '"',
        "containsHeader": "true",
    }
    assert "lake/quicksight/manifest.json" in guide
    assert "envsubst '${LAKE_BUCKET}' < deploy/quicksight/manifest.json" in guide


def test_guide_gives_the_export_header_of_the_table(guide: str, repo_root: Path) -> None:
    migration = repo_root / "src/flightdelays/warehouse/migrations/001_daily_airport_delays.sql"
    columns = table_columns(migration, "daily_airport_delays")
    assert len(columns) == 17
    assert set(columns) <= set(TABLE_COLUMNS)  # 002 adds the cause and explanation columns
    quicksight = (repo_root / "docs" / "quicksight.md").read_text()
    assert ",".join(TABLE_COLUMNS) in guide.splitlines()
    assert ",".join(TABLE_COLUMNS) in quicksight.splitlines()


def test_image_extends_official_airflow_with_the_pinned_constraints(
    deploy_dir: Path, repo_root: Path
) -> None:
    dockerfile = (deploy_dir / "airflow" / "Dockerfile").read_text()
    instructions = [
        line.split()[0] for line in dockerfile.splitlines() if line and line[0].isalpha()
    ]
    assert instructions[0] == "FROM"
    assert re.search(r"^FROM apache/airflow:3\.3\.2-python3\.11$", dockerfile, re.MULTILINE)
    assert "--constraint /opt/flightdelays/requirements/constraints.txt" in dockerfile
    assert "COPY --chown=airflow:0 requirements/constraints.txt " in dockerfile
    assert (repo_root / "requirements" / "constraints.txt").is_file()
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}
    assert "HEALTHCHECK" in instructions


def test_deploy_tools_are_pinned_without_index_urls(repo_root: Path) -> None:
    pins = (repo_root / "requirements" / "deploy.txt").read_text()
    for tool in ("cfn-lint", "checkov", "kubernetes-validate", "pyyaml"):
        assert re.search(rf"^{tool}==[\d.]+$", pins, re.MULTILINE), tool
    assert not re.search(r"^\s*-(-index-url|-extra-index-url|i)\b", pins, re.MULTILINE)
    assert "://" not in pins


ACCOUNT_ID = re.compile(r"(?<![\d.])\d{12}(?![\d.])")
ACCESS_KEY = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
MACHINE_PATH = re.compile(r"(^|[\s'\"=(])(/work/|/home/|/root/|/Users/|[A-Z]:\\)")


def shared_files(repo_root: Path) -> list[Path]:
    files = [path for path in (repo_root / "deploy").rglob("*") if path.is_file()]
    extra = ["docs/deploy.md", "mk/deploy.mk", "requirements/deploy.in"]
    tests = [path for path in Path(__file__).parent.glob("*.py") if path != Path(__file__)]
    return files + [repo_root / name for name in extra] + sorted(tests)


def test_no_account_id_key_or_machine_path_in_deploy_files(repo_root: Path) -> None:
    problems = []
    for path in shared_files(repo_root):
        text = path.read_text()
        for pattern in (ACCOUNT_ID, ACCESS_KEY, MACHINE_PATH):
            for match in pattern.finditer(text):
                problems.append(f"{path.relative_to(repo_root)}: {match.group().strip()}")
        if "PRIVATE KEY-----" in text:
            problems.append(f"{path.relative_to(repo_root)}: a private key")
    assert problems == []


def test_the_leak_patterns_match_what_they_should() -> None:
    assert ACCOUNT_ID.search("arn:aws:iam::" + "4" * 12 + ":role/x")
    assert not ACCOUNT_ID.search("rds.force_ssl 1.0 10.20.0.0/16")
    assert ACCESS_KEY.search("AKIA" + "ABCDEFGHIJKLMNOP")
    assert MACHINE_PATH.search("cd /" + "home/someone/flightdelays")
