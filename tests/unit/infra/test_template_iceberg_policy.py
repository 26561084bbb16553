"""template.yaml's Iceberg sink policy: only with a warehouse bucket, on both roles a sink runs as (its own function,
and the source function in pull mode), objects scoped to the warehouse prefix, Glue only with a database."""

from __future__ import annotations

from typing import Any

from tests.unit.infra._template import load_template


def _policy() -> dict[str, Any]:
    return load_template()["Resources"]["IcebergSinkPolicy"]


def test_the_policy_exists_only_with_a_warehouse_bucket_and_reaches_the_sink_and_pull_mode_roles() -> None:
    template = load_template()
    policy = _policy()
    assert policy["Type"] == "AWS::IAM::ManagedPolicy" and policy["Condition"] == "HasIcebergWarehouse"
    assert template["Conditions"]["HasIcebergWarehouse"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "IcebergWarehouseBucket"}, ""]}]}
    assert policy["Properties"]["Roles"] == [{"Ref": "SinkTaskRole"}, {"Ref": "SourceTaskRole"}]
    assert {name: template["Parameters"][name]["Default"] for name in (
        "IcebergWarehouseBucket", "IcebergWarehousePrefix", "IcebergGlueDatabase")} == {
        "IcebergWarehouseBucket": "", "IcebergWarehousePrefix": "", "IcebergGlueDatabase": ""}


def test_objects_are_scoped_to_the_warehouse_prefix_and_glue_to_the_database() -> None:
    statements = _policy()["Properties"]["PolicyDocument"]["Statement"]
    objects, listing, glue = statements
    assert objects["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${IcebergWarehouseBucket}/"
                                              "${IcebergWarehousePrefix}*"}
    assert sorted(objects["Action"]) == ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject",
                                         "s3:PutObject"]
    assert listing["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${IcebergWarehouseBucket}"}
    assert listing["Action"] == "s3:ListBucket"
    condition, statement, otherwise = glue["Fn::If"]
    assert (condition, otherwise) == ("HasIcebergGlue", {"Ref": "AWS::NoValue"})
    assert [r["Fn::Sub"].rpartition(":")[2] for r in statement["Resource"]] == [
        "catalog", "database/${IcebergGlueDatabase}", "table/${IcebergGlueDatabase}/*"]
    assert statement["Action"] == ["glue:GetDatabase", "glue:CreateDatabase", "glue:GetTable", "glue:CreateTable",
                                   "glue:UpdateTable"]
