"""CloudFormation templates of deploy/cloudformation: cfn-lint clean, deployable in file order, and
holding the security properties the deployment guide promises (private TLS-only buckets, a
protected database, IRSA roles limited to the buckets and prefixes the pipeline uses)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

Templates = dict[str, dict[str, Any]]
RunTool = Callable[..., subprocess.CompletedProcess[str]]


def walk(node: Any) -> Iterator[Any]:
    """Every dict, list and scalar inside `node`, depth first."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def export_names(template: dict[str, Any]) -> set[str]:
    names = set()
    for output in template.get("Outputs", {}).values():
        if "Export" in output:
            names.add(output["Export"]["Name"]["Fn::Sub"])
    return names


def import_names(template: dict[str, Any]) -> set[str]:
    return {
        node["Fn::ImportValue"]["Fn::Sub"]
        for node in walk(template)
        if isinstance(node, dict) and "Fn::ImportValue" in node
    }


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


def substitute(text: str, values: dict[str, str]) -> str:
    """Fn::Sub's `${Name}` replacement, with every name required to be known."""

    def replace(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return re.sub(r"\$\{([A-Za-z0-9:]+)\}", replace, text)


BROKEN_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {Status: Sometimes}
      NoSuchProperty: true
"""


@pytest.fixture(scope="module")
def cfn_lint_findings(
    run_tool: RunTool, deploy_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[str]]:
    """cfn-lint's findings (errors and warnings) by file name: every template of the project and
    a broken one, in one run (cfn-lint takes seconds to start)."""
    broken = tmp_path_factory.mktemp("cfn") / "broken.yaml"
    broken.write_text(BROKEN_TEMPLATE)
    templates = sorted((deploy_dir / "cloudformation").glob("*.yaml"))
    result = run_tool("cfn-lint", "--format", "parseable", *templates, broken)
    assert not result.stderr.strip(), result.stderr
    findings: dict[str, list[str]] = {path.name: [] for path in [*templates, broken]}
    for line in result.stdout.splitlines():
        findings[Path(line.split(":", 1)[0]).name].append(line)
    return findings


@pytest.mark.xdist_group("deploy-cfn-lint")
def test_cfn_lint_passes_on_every_template(cfn_lint_findings: dict[str, list[str]]) -> None:
    reported = {name: lines for name, lines in cfn_lint_findings.items() if lines}
    assert set(reported) == {"broken.yaml"}, "\n".join(
        line for name, lines in reported.items() if name != "broken.yaml" for line in lines
    )


@pytest.mark.xdist_group("deploy-cfn-lint")
def test_cfn_lint_reports_a_broken_template(cfn_lint_findings: dict[str, list[str]]) -> None:
    output = "\n".join(cfn_lint_findings["broken.yaml"])
    assert ":E" in output, output
    assert "NoSuchProperty" in output
    assert "Sometimes" in output


def test_templates_are_numbered_in_deploy_order(cfn_templates: Templates) -> None:
    names = list(cfn_templates)
    assert [name[:3] for name in names] == [f"{i:02d}-" for i in range(1, len(names) + 1)]


def test_each_stack_imports_only_what_an_earlier_stack_exports(cfn_templates: Templates) -> None:
    exported: set[str] = set()
    for name, template in cfn_templates.items():
        missing = import_names(template) - exported
        assert not missing, f"{name} imports {sorted(missing)} before any stack exports them"
        exported |= export_names(template)


def test_every_stack_takes_the_same_project_parameter(cfn_templates: Templates) -> None:
    for name, template in cfn_templates.items():
        project = template["Parameters"]["Project"]
        assert project["Default"] == "flightdelays", name


def test_buckets_are_private_encrypted_versioned_and_logged(cfn_templates: Templates) -> None:
    storage = cfn_templates["03-storage.yaml"]
    buckets = resources(storage, "AWS::S3::Bucket")
    assert set(buckets) == {"RawBucket", "LakeBucket", "LogsBucket"}
    for name, bucket in buckets.items():
        block = bucket["PublicAccessBlockConfiguration"]
        assert len(block) == 4, name
        assert all(block[key] is True for key in block), name
        assert "AccessControl" not in bucket, name
        rules = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"aws:kms", "AES256"}
        assert bucket["VersioningConfiguration"]["Status"] == "Enabled", name
        assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    for name in ("RawBucket", "LakeBucket"):
        logging = buckets[name]["LoggingConfiguration"]
        assert logging["DestinationBucketName"] == {"Ref": "LogsBucket"}, name
        assert logging["LogFilePrefix"].startswith("s3-access-logs/"), name


def test_bucket_policies_refuse_plain_http_and_open_nothing(cfn_templates: Templates) -> None:
    storage = cfn_templates["03-storage.yaml"]
    policies = resources(storage, "AWS::S3::BucketPolicy")
    covered = set()
    for policy in policies.values():
        bucket = policy["Bucket"]["Ref"]
        covered.add(bucket)
        statements = policy["PolicyDocument"]["Statement"]
        deny_http = [
            s
            for s in statements
            if s["Effect"] == "Deny"
            and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert len(deny_http) == 1, bucket
        assert deny_http[0]["Action"] == "s3:*"
        assert deny_http[0]["Resource"] == [
            {"Fn::GetAtt": [bucket, "Arn"]},
            {"Fn::Sub": f"${{{bucket}.Arn}}/*"},
        ]
        for statement in statements:
            if statement["Effect"] == "Allow":
                assert statement["Principal"] != "*", f"{bucket} allows everyone"
                assert "AWS" not in statement["Principal"], f"{bucket} allows an account"
    assert covered == {"RawBucket", "LakeBucket", "LogsBucket"}


def test_database_is_multi_az_encrypted_private_and_protected(cfn_templates: Templates) -> None:
    template = cfn_templates["04-database.yaml"]
    (database,) = resources(template, "AWS::RDS::DBInstance").values()
    assert database["Engine"] == "postgres"
    assert database["MultiAZ"] is True
    assert database["StorageEncrypted"] is True
    assert database["PubliclyAccessible"] is False
    assert database["DeletionProtection"] is True
    assert database["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in database
    retention = template["Parameters"]["BackupRetentionDays"]
    assert database["BackupRetentionPeriod"] == {"Ref": "BackupRetentionDays"}
    assert retention["Default"] >= 7
    assert retention["MinValue"] >= 7
    assert template["Resources"]["Database"]["DeletionPolicy"] == "Snapshot"
    (parameters,) = resources(template, "AWS::RDS::DBParameterGroup").values()
    assert parameters["Parameters"]["rds.force_ssl"] == "1"


def test_database_and_efs_admit_only_the_nodes(cfn_templates: Templates) -> None:
    template = cfn_templates["02-security-groups.yaml"]
    ingress = resources(template, "AWS::EC2::SecurityGroupIngress")
    admitted = {
        (rule["GroupId"]["Ref"], rule["FromPort"], rule["SourceSecurityGroupId"]["Ref"])
        for rule in ingress.values()
    }
    assert admitted == {
        ("DatabaseSecurityGroup", 5432, "NodeSecurityGroup"),
        ("EfsSecurityGroup", 2049, "NodeSecurityGroup"),
    }
    for group in resources(template, "AWS::EC2::SecurityGroup").values():
        assert "SecurityGroupIngress" not in group


def test_nodes_require_imdsv2_so_pods_cannot_use_the_node_role(cfn_templates: Templates) -> None:
    template = cfn_templates["05-eks.yaml"]
    (launch,) = resources(template, "AWS::EC2::LaunchTemplate").values()
    metadata = launch["LaunchTemplateData"]["MetadataOptions"]
    assert metadata["HttpTokens"] == "required"
    assert metadata["HttpPutResponseHopLimit"] == 1
    (cluster,) = resources(template, "AWS::EKS::Cluster").values()
    assert cluster["EncryptionConfig"][0]["Resources"] == ["secrets"]
    assert cluster["ResourcesVpcConfig"]["PublicAccessCidrs"] == [{"Ref": "AdminCidr"}]
    assert "Default" not in template["Parameters"]["AdminCidr"]


def bucket_access(policy: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    """{bucket export: {(action, object path or "")}} of an IAM policy's S3 statements."""
    access: dict[str, set[tuple[str, str]]] = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        targets = statement["Resource"]
        targets = targets if isinstance(targets, list) else [targets]
        for target in targets:
            assert target != "*", f"statement {statement.get('Sid')} on every resource"
            if not all(action.startswith("s3:") for action in actions):
                continue
            pattern, names = target["Fn::Sub"]
            bucket = names["Bucket"]["Fn::ImportValue"]["Fn::Sub"].removeprefix("${Project}-")
            path = pattern.partition("${Bucket}")[2].lstrip("/")
            access.setdefault(bucket, set()).update((action, path) for action in actions)
    return access


def inline_policy(role: dict[str, Any]) -> dict[str, Any]:
    (policy,) = role["Policies"]
    return dict(policy["PolicyDocument"])


def test_worker_role_reads_raw_writes_lake_and_appends_logs(cfn_templates: Templates) -> None:
    roles = resources(cfn_templates["07-irsa.yaml"], "AWS::IAM::Role")
    access = bucket_access(inline_policy(roles["AirflowWorkerRole"]))
    assert access == {
        "RawBucketName": {("s3:ListBucket", ""), ("s3:GetObject", "raw/*")},
        "LakeBucketName": {
            ("s3:ListBucket", ""),
            ("s3:GetObject", "lake/*"),
            ("s3:PutObject", "lake/*"),
            ("s3:DeleteObject", "lake/*"),
        },
        "LogsBucketName": {
            ("s3:ListBucket", ""),
            ("s3:GetObject", "airflow-logs/*"),
            ("s3:PutObject", "airflow-logs/*"),
        },
    }


def test_api_server_role_only_reads_task_logs(cfn_templates: Templates) -> None:
    roles = resources(cfn_templates["07-irsa.yaml"], "AWS::IAM::Role")
    access = bucket_access(inline_policy(roles["AirflowApiServerRole"]))
    assert access == {"LogsBucketName": {("s3:ListBucket", ""), ("s3:GetObject", "airflow-logs/*")}}


def test_sagemaker_role_reaches_only_the_lakes_sagemaker_prefix(cfn_templates: Templates) -> None:
    roles = resources(cfn_templates["07-irsa.yaml"], "AWS::IAM::Role")
    role = roles["SageMakerExecutionRole"]
    policy = inline_policy(role)
    assert bucket_access(policy) == {
        "LakeBucketName": {
            ("s3:ListBucket", ""),
            ("s3:GetObject", "lake/sagemaker/*"),
            ("s3:PutObject", "lake/sagemaker/*"),
        }
    }
    (listing,) = [s for s in policy["Statement"] if s["Action"] == "s3:ListBucket"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "lake/sagemaker/*"}}
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]


def test_sagemaker_launcher_passes_only_the_execution_role(cfn_templates: Templates) -> None:
    policies = resources(cfn_templates["07-irsa.yaml"], "AWS::IAM::ManagedPolicy")
    statements = policies["SageMakerLauncherPolicy"]["PolicyDocument"]["Statement"]
    (passing,) = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert passing["Resource"] == {"Fn::GetAtt": ["SageMakerExecutionRole", "Arn"]}


def trust_policy(role: dict[str, Any], namespace: str) -> dict[str, Any]:
    text, names = role["AssumeRolePolicyDocument"]["Fn::Sub"]
    assert set(names) == {"ProviderArn", "Issuer"}
    rendered = substitute(
        text,
        {
            "ProviderArn": "arn:aws:iam::ACCOUNT:oidc-provider/oidc.eks.example/id/X",
            "Issuer": "oidc.eks.example/id/X",
            "Namespace": namespace,
        },
    )
    return dict(json.loads(rendered))


@pytest.mark.parametrize(
    ("role", "subject"),
    [
        ("AirflowWorkerRole", "system:serviceaccount:airflow:airflow-worker"),
        ("AirflowApiServerRole", "system:serviceaccount:airflow:airflow-api-server"),
        ("SecretsReaderRole", "system:serviceaccount:airflow:flightdelays-secrets-reader"),
    ],
)
def test_each_irsa_role_trusts_one_service_account(
    cfn_templates: Templates, role: str, subject: str
) -> None:
    template = cfn_templates["07-irsa.yaml"]
    namespace = template["Parameters"]["Namespace"]["Default"]
    document = trust_policy(template["Resources"][role]["Properties"], namespace)
    (statement,) = document["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "oidc.eks.example/id/X:aud": "sts.amazonaws.com",
            "oidc.eks.example/id/X:sub": subject,
        }
    }


def test_efs_csi_role_trust_policy_is_valid_json(cfn_templates: Templates) -> None:
    role = cfn_templates["06-efs.yaml"]["Resources"]["EfsCsiDriverRole"]["Properties"]
    document = trust_policy(role, "unused")
    (statement,) = document["Statement"]
    assert statement["Condition"]["StringLike"] == {
        "oidc.eks.example/id/X:sub": "system:serviceaccount:kube-system:efs-csi-*"
    }


def test_secrets_reader_reads_only_the_database_secret(cfn_templates: Templates) -> None:
    roles = resources(cfn_templates["07-irsa.yaml"], "AWS::IAM::Role")
    statements = inline_policy(roles["SecretsReaderRole"])["Statement"]
    read, decrypt = statements
    assert read["Resource"] == {"Fn::ImportValue": {"Fn::Sub": "${Project}-DatabaseSecretArn"}}
    assert set(read["Action"]) == {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
    assert decrypt["Action"] == "kms:Decrypt"
    assert "kms:ViaService" in decrypt["Condition"]["StringEquals"]


def test_bucket_access_rejects_a_wildcard_resource() -> None:
    """bucket_access must reject `Resource: "*"`, or the role tests above prove nothing."""
    policy = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    with pytest.raises(AssertionError, match="every resource"):
        bucket_access(policy)
