"""`make stack KAFKA=cluster` + `make demo-stack KAFKA=cluster`: the seed scenario through a deployed stack whose
functions and event source mappings reach the three-broker cluster (auto-creation off, RF 3, min ISR 2) on its
SASL_SSL/SCRAM listeners, as MSK serves a function (conftest.py's stack); the sources create their topics through
KIP-158."""

from __future__ import annotations

import pytest

from demo import postgres_cdc, seed_scenario, stack_scenario
from infra.local import stack
from tests.e2e.cluster.conftest import replication

pytestmark = pytest.mark.integration


def test_the_seed_scenario_runs_through_the_stack_on_the_clusters_sasl_listeners(
    cluster_stack: str, msk_cluster: dict[str, str],
) -> None:
    described = stack.client("cloudformation").describe_stacks(StackName=cluster_stack)["Stacks"][0]
    given = {p["ParameterKey"]: p.get("ParameterValue", "") for p in described["Parameters"]}
    assert (given["KafkaBootstrapServers"], given["KafkaAuth"]) == (msk_cluster["sasl.bootstrap.servers"],
                                                                     "SASL_SCRAM_512")

    assert stack_scenario.main(["--cluster", cluster_stack]) == 0

    bootstrap = msk_cluster["bootstrap.servers"]
    created = [*seed_scenario.DATA_TOPICS, postgres_cdc.TOPIC]  # by the sources' topic.creation.default.* keys
    internal = [f"{cluster_stack}-{kind}" for kind in ("configs", "offsets", "status", "status-runs")]
    assert {t: replication(bootstrap, t) for t in [*created, *internal]} == dict.fromkeys([*created, *internal], {3})
