"""Topic ACL sync (``sync.topic.acls.enabled``, Kafka's default) against Kafka's own MirrorSourceConnector: over a
cluster with an authorizer, both create the same ACLs for their remote topics (literal topic ACLs of replicated
topics, ALLOW WRITE left out, ALLOW ALL narrowed to READ; prefixed ACLs and other topics' ACLs left out).

The cluster is a throwaway single-node broker with Kafka's StandardAuthorizer (``infra.local.kafka.ThrowawayBroker``),
source and target at once: each side's remote topic ``<alias>.<topic>`` is outside the other's ``topics``. Only the
connectors' ``start`` (the coordinator's part) runs here: ACLs are synced there, not by the tasks.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    NewTopic,
    ResourcePatternType,
    ResourceType,
)

from infra.local.kafka import ThrowawayBroker
from tests.compat.mirror._jvm import JVM_TIMEOUT_S
from tests.integration.connectors.mirror._mm2 import mirror_config

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.compat.connect_worker.conftest import ConnectWorker
    from tests.integration.connectors.mirror._mm2 import LambdaWorker

pytestmark = pytest.mark.integration

_AUTHORIZER = """\
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS
"""


@pytest.fixture(scope="module")
def acl_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A single-node cluster with an authorizer (every plaintext client a super user, so ACLs only get listed)."""
    directory = tmp_path_factory.mktemp("kafka-acls")
    broker = ThrowawayBroker(directory)
    with (directory / "server.properties").open("a") as properties:
        properties.write(_AUTHORIZER)
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


def _acls(admin: AdminClient, topic: str) -> set[tuple[str, str, str, str]]:
    """(principal, host, operation, permission) of the literal ACLs of ``topic``."""
    found = admin.describe_acls(AclBindingFilter(ResourceType.TOPIC, topic, ResourcePatternType.LITERAL, None, None,
                                                 AclOperation.ANY, AclPermissionType.ANY)).result(30)
    return {(b.principal, b.host, b.operation.name, b.permission_type.name) for b in found}


def test_the_same_topic_acls_as_kafkas_mirror_source_connector(
    acl_cluster: str, mirror_worker: ConnectWorker, lambda_worker: LambdaWorker,
) -> None:
    run = uuid.uuid4().hex[:6]
    topic, other = f"acl-{run}-orders", f"acl-{run}-skipped"
    admin = AdminClient({"bootstrap.servers": acl_cluster})
    for name in (topic, other):
        admin.create_topics([NewTopic(name, 1, 1)])[name].result(30)

    def acl(name: str, principal: str, operation: AclOperation, permission: AclPermissionType = AclPermissionType.ALLOW,
            pattern: ResourcePatternType = ResourcePatternType.LITERAL) -> AclBinding:
        return AclBinding(ResourceType.TOPIC, name, pattern, principal, "*", operation, permission)

    source_acls = [
        acl(topic, "User:alice", AclOperation.READ),
        acl(topic, "User:bob", AclOperation.WRITE),  # only MirrorMaker 2 writes a remote topic: left out
        acl(topic, "User:carol", AclOperation.ALL),  # narrowed to READ
        acl(topic, "User:dave", AclOperation.WRITE, AclPermissionType.DENY),
        acl(topic, "User:erin", AclOperation.DESCRIBE_CONFIGS),
        acl(f"acl-{run}-", "User:frank", AclOperation.READ, pattern=ResourcePatternType.PREFIXED),  # left out
        acl(other, "User:grace", AclOperation.READ),  # not a replicated topic: left out
    ]
    for future in admin.create_acls(source_acls).values():
        future.result(30)
    expected = {("User:alice", "*", "READ", "ALLOW"), ("User:carol", "*", "READ", "ALLOW"),
                ("User:dave", "*", "WRITE", "DENY"), ("User:erin", "*", "DESCRIBE_CONFIGS", "ALLOW")}

    jvm, ours = f"aj{run}", f"ap{run}"
    jvm_config = {**mirror_config(jvm, acl_cluster, acl_cluster, topic), "tasks.max": "1",
                  "sync.topic.acls.interval.seconds": "1"}
    status, body = mirror_worker.rest("PUT", f"/connectors/{jvm}-source/config", jvm_config)
    assert status == 201, body
    try:
        mirror_worker.wait_for("the JVM's remote topic ACLs", lambda: _acls(admin, f"{jvm}.{topic}") == expected,
                               JVM_TIMEOUT_S)
    finally:
        mirror_worker.rest("DELETE", f"/connectors/{jvm}-source")

    # ours: the coordinator starts the connector at create, which syncs the ACLs
    lambda_worker.create(f"{ours}-source", mirror_config(ours, acl_cluster, acl_cluster, topic))
    assert _acls(admin, f"{ours}.{topic}") == expected == _acls(admin, f"{jvm}.{topic}")
    assert _acls(admin, f"{ours}.{other}") == set()
