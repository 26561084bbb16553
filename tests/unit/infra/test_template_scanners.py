"""template.yaml passes the scanners a security review runs on CloudFormation: checkov and cfn-lint.

A check that does not apply is skipped in its resource's Metadata (``checkov: skip: - id, comment``) with the reason;
a skip without one fails here as a failed check does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.local import checkov
from tests.unit.infra._template import ROOT, TEMPLATE, load_template

CFN_LINT = Path(sys.executable).with_name("cfn-lint")


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return checkov.scan(TEMPLATE)


def test_checkov_finds_no_failed_check(report: dict[str, Any]) -> None:
    failed = [f"{check['check_id']} {check['resource']}: {check['check_name']}"
              for check in report["results"]["failed_checks"]]
    assert not failed, "\n".join(failed)
    assert report["summary"]["passed"] > 50  # the scan ran over the template's resources


def test_every_skipped_check_says_why() -> None:
    for logical_id, resource in load_template()["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert skip.get("id") and str(skip.get("comment", "")).strip(), (logical_id, skip)


def test_cfn_lint_is_clean() -> None:
    result = subprocess.run([str(CFN_LINT), str(TEMPLATE)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_asynchronous_failures_land_in_one_encrypted_queue_every_function_may_send_to() -> None:
    template = load_template()
    function_globals = template["Globals"]["Function"]
    assert function_globals["DeadLetterQueue"] == {"Type": "SQS",
                                                   "TargetArn": {"Fn::GetAtt": ["FailedInvocationQueue", "Arn"]}}
    statements = template["Resources"]["FunctionBasePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert {"Sid": "FailedInvocations", "Effect": "Allow", "Action": "sqs:SendMessage",
            "Resource": {"Fn::GetAtt": ["FailedInvocationQueue", "Arn"]}} in statements
    for queue in ("SourceTickQueue", "FailedInvocationQueue"):
        props = template["Resources"][queue]["Properties"]
        assert props["SqsManagedSseEnabled"] == {"Fn::If": ["HasKmsKey", {"Ref": "AWS::NoValue"}, True]}
        assert props["KmsMasterKeyId"] == {"Fn::If": ["HasKmsKey", {"Ref": "KmsKeyArn"}, {"Ref": "AWS::NoValue"}]}
    assert function_globals["KmsKeyArn"] == {"Fn::If": ["HasKmsKey", {"Ref": "KmsKeyArn"}, {"Ref": "AWS::NoValue"}]}
    assert template["Parameters"]["KmsKeyArn"]["Default"] == ""


def test_reserved_concurrency_is_a_parameter_and_unreserved_by_default() -> None:
    template = load_template()
    assert template["Globals"]["Function"]["ReservedConcurrentExecutions"] == {
        "Fn::If": ["HasTaskConcurrency", {"Ref": "TaskReservedConcurrency"}, {"Ref": "AWS::NoValue"}]}
    coordinator = template["Resources"]["CoordinatorFunction"]["Properties"]
    assert coordinator["ReservedConcurrentExecutions"] == {
        "Fn::If": ["HasCoordinatorConcurrency", {"Ref": "CoordinatorReservedConcurrency"}, {"Ref": "AWS::NoValue"}]}
    assert template["Parameters"]["TaskReservedConcurrency"]["Default"] == ""
    assert template["Parameters"]["CoordinatorReservedConcurrency"]["Default"] == ""
