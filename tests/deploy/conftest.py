"""Fixtures for the checks of deploy/: where the files are, how to run the IaC tools, how to read
CloudFormation YAML.

The tools (cfn-lint, checkov, kubernetes-validate) live in their own environment, .venv-deploy
(`make .venv-deploy/.installed`), because checkov's pins clash with Airflow's. Without it the
checks skip on a developer's machine and fail in CI (CI=true).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
DEPLOY_BIN = REPO_ROOT / ".venv-deploy" / "bin"

RunTool = Callable[..., subprocess.CompletedProcess[str]]


class CfnLoader(yaml.SafeLoader):  # type: ignore[misc]
    """A YAML loader that reads CloudFormation short forms (`!Ref X`) as their long forms."""


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


CfnLoader.add_multi_constructor("!", _cfn_tag)


def load_cfn(path: Path) -> dict[str, Any]:
    """The template at `path` as plain data."""
    data = yaml.load(path.read_text(), Loader=CfnLoader)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def deploy_dir() -> Path:
    return DEPLOY


@pytest.fixture(scope="session")
def cfn_templates() -> dict[str, dict[str, Any]]:
    """Every CloudFormation template under deploy/cloudformation, by file name, in deploy order."""
    paths = sorted((DEPLOY / "cloudformation").glob("*.yaml"))
    assert paths, "no templates under deploy/cloudformation"
    return {path.name: load_cfn(path) for path in paths}


@pytest.fixture(scope="session")
def run_tool() -> RunTool:
    """Run a program of .venv-deploy/bin; skip locally, fail in CI, if it is not installed."""

    def run(
        name: str, *args: str | Path, cwd: Path | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        program = DEPLOY_BIN / name
        if not program.exists():
            message = f"{program} is missing: run `make .venv-deploy/.installed`"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(message)
            pytest.skip(message)
        return subprocess.run(
            [str(program), *map(str, args)],
            cwd=cwd or REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )

    return run
