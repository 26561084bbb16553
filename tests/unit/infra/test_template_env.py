"""Every Environment variable template.yaml sets is a constant of connect_core/runtime/env.py (one home per name)."""

from __future__ import annotations

from typing import Any

from connect_core.runtime import env
from tests.unit.infra._template import load_template


def _environment_names(template: dict[str, Any]) -> dict[str, str]:
    """Variable name -> where it is set (Globals or the resource)."""
    found = {name: "Globals" for name in template["Globals"]["Function"]["Environment"]["Variables"]}
    for logical_id, resource in template["Resources"].items():
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        found.update({name: logical_id for name in variables})
    return found


def test_every_environment_variable_is_an_env_constant() -> None:
    constants = {value for name, value in vars(env).items() if name.isupper() and isinstance(value, str)}
    unknown = {name: where for name, where in _environment_names(load_template()).items() if name not in constants}
    assert unknown == {}


def test_every_env_constant_is_listed_in_all() -> None:
    constants = {value for name, value in vars(env).items()
                 if name.isupper() and not name.startswith("DEFAULT_") and isinstance(value, str)}
    assert constants == set(env.ALL)


def test_the_coordinator_gets_everything_the_aws_deployer_reads() -> None:
    variables = load_template()["Resources"]["CoordinatorFunction"]["Properties"]["Environment"]["Variables"]
    assert variables[env.DEPLOYER] == "aws"
    assert {env.SCHEDULE_GROUP, env.SCHEDULER_ROLE_ARN, env.SOURCE_FUNCTION_ARN, env.SINK_FUNCTION_NAME,
            env.SINK_ROLE_ARN, env.FUNCTION_PREFIX, env.MSK_CLUSTER_ARN, env.KAFKA_VPC_SUBNETS,
            env.KAFKA_VPC_SECURITY_GROUPS} <= set(variables)


def test_the_functions_get_the_worker_and_auth_settings() -> None:
    names = set(_environment_names(load_template()))
    assert {env.BOOTSTRAP_SERVERS, env.CONFIG_TOPIC, env.OFFSET_TOPIC, env.STATUS_TOPIC, env.GROUP_ID,
            env.KAFKA_AUTH, env.KAFKA_SECRET_ARN, env.CONNECTOR_NAME, env.POWERTOOLS_SERVICE_NAME,
            env.POWERTOOLS_METRICS_NAMESPACE, env.LOG_LEVEL} <= names
