"""The stack on the three-broker cluster: the cluster's fixture (shared with tests/e2e/cluster) and one stack deployed
on it for this directory's tests, as `make stack KAFKA=cluster WORKER_CONFIG=<file naming the cluster>` does."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from infra.local import stack
from tests.e2e.cluster.conftest import msk_cluster  # noqa: F401 - re-exported fixture
from tests.e2e.test_standalone import _rewrite

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def cluster_stack(msk_cluster: dict[str, str], aws_settings: dict[str, str],  # noqa: F811 - the fixture above
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The stack on the cluster's SASL_SSL/SCRAM listeners (login and CA in Secrets Manager, as MSK serves a
    function), its parameters from a Kafka worker file naming those listeners: the file's bootstrap servers and
    converters kept, the internal topics at the cluster's replication factor (3). Destroyed after the last test."""
    name = f"lc-msk-{uuid.uuid4().hex[:6]}"
    worker = _rewrite("connect-distributed.properties", tmp_path_factory.mktemp("worker"), **{
        "bootstrap.servers": msk_cluster["sasl.bootstrap.servers"], "group.id": name,
        "value.converter.schemas.enable": "true"})
    text = "\n".join(line for line in worker.read_text().splitlines() if ".storage." not in line)
    worker.write_text(text + "\n")  # the stack's own internal topic names
    overrides, _plugins, _notes = stack.worker_parameters(worker)
    assert (overrides["KafkaBootstrapServers"], overrides["ReplicationFactor"]) == (
        msk_cluster["sasl.bootstrap.servers"], "-1"), overrides
    try:
        stack.deploy(name, cluster=True, overrides=overrides)
    except stack.StackError as error:
        stack.destroy(name)
        pytest.fail(str(error), pytrace=False)
    try:
        yield name
    finally:
        stack.destroy(name)
