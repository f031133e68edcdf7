"""checkov over deploy/: no failed check in the CloudFormation templates, the Kubernetes manifests
or the Dockerfile; every skipped check is skipped in the file itself, with a reason; and the same
scan does fail on insecure files, so a green run means something."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunTool = Callable[..., subprocess.CompletedProcess[str]]

FRAMEWORKS = ("cloudformation", "kubernetes", "dockerfile")

# checkov takes ~10-30 s a run: the three tests sharing the module's report stay on one xdist
# worker (one run), the insecure-files scan may run on the other.
SHARED_REPORT = pytest.mark.xdist_group("deploy-checkov-report")


def checkov(run_tool: RunTool, directory: Path, workdir: Path) -> dict[str, dict[str, Any]]:
    """checkov's JSON report on `directory`, by framework. It runs from an empty `workdir`, so
    no .checkov.yaml can add skips, and offline (--skip-download)."""
    result = run_tool(
        "checkov",
        "--directory",
        directory,
        "--framework",
        *FRAMEWORKS,
        "--skip-download",
        "--output",
        "json",
        cwd=workdir,
    )
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads(result.stdout)
    reports = data if isinstance(data, list) else [data]
    return {report["check_type"]: report for report in reports}


@pytest.fixture(scope="module")
def report(
    run_tool: RunTool, deploy_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    return checkov(run_tool, deploy_dir, tmp_path_factory.mktemp("checkov"))


@SHARED_REPORT
def test_checkov_scanned_templates_manifests_and_dockerfile(
    report: dict[str, dict[str, Any]],
) -> None:
    assert set(report) == set(FRAMEWORKS)
    for framework, framework_report in report.items():
        summary = framework_report["summary"]
        assert summary["parsing_errors"] == 0, framework
        assert summary["resource_count"] > 0, framework
        assert summary["passed"] > 0, framework


@SHARED_REPORT
def test_checkov_reports_no_failed_check(report: dict[str, dict[str, Any]]) -> None:
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for framework_report in report.values()
        for check in framework_report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)


@SHARED_REPORT
def test_every_skip_is_inline_and_explained(report: dict[str, dict[str, Any]]) -> None:
    for framework_report in report.values():
        for check in framework_report["results"]["skipped_checks"]:
            reason = check["check_result"].get("suppress_comment") or ""
            assert len(reason) > 20, f"{check['check_id']} skipped without a reason"
            source = Path(check["file_abs_path"]).read_text()
            assert check["check_id"] in source, f"{check['check_id']} not skipped in its file"


INSECURE_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  PublicBucket:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: PublicRead
"""

INSECURE_DOCKERFILE = """\
FROM python:latest
RUN pip install flightdelays
"""

INSECURE_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: root
spec:
  containers:
    - name: shell
      image: busybox
      securityContext:
        privileged: true
"""


@pytest.mark.xdist_group("deploy-checkov-insecure")
def test_checkov_fails_insecure_files(run_tool: RunTool, tmp_path: Path) -> None:
    insecure = tmp_path / "insecure"
    insecure.mkdir()
    (insecure / "bucket.yaml").write_text(INSECURE_TEMPLATE)
    (insecure / "Dockerfile").write_text(INSECURE_DOCKERFILE)
    (insecure / "pod.yaml").write_text(INSECURE_POD)
    found = checkov(run_tool, insecure, tmp_path)
    failed = {
        check["check_id"]
        for framework_report in found.values()
        for check in framework_report["results"]["failed_checks"]
    }
    expected = {
        "CKV_AWS_20",  # bucket readable by everyone
        "CKV_AWS_53",  # public ACLs not blocked
        "CKV_DOCKER_2",  # no HEALTHCHECK
        "CKV_DOCKER_3",  # runs as root
        "CKV_DOCKER_7",  # latest tag
        "CKV_K8S_16",  # privileged container
    }
    assert expected <= failed, f"missing {sorted(expected - failed)}"
