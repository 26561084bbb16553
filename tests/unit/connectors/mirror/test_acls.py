"""Which source topic ACLs MirrorSourceConnector creates for the remote topics (Kafka ``shouldReplicateAcl`` and
``targetAclBinding``); tests/compat/mirror/test_mirror_acls_compat.py compares the result with Kafka's on a cluster
with an authorizer."""

from __future__ import annotations

from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

from connect_core.connectors.mirror._acls import target_bindings

ALLOW, DENY = AclPermissionType.ALLOW, AclPermissionType.DENY


def _binding(name: str, operation: AclOperation, permission: AclPermissionType = ALLOW,
             pattern: ResourcePatternType = ResourcePatternType.LITERAL,
             restype: ResourceType = ResourceType.TOPIC) -> AclBinding:
    return AclBinding(restype, name, pattern, "User:u", "*", operation, permission)


def test_literal_acls_of_replicated_topics_without_allow_write_and_allow_all_read_only() -> None:
    source = [
        _binding("orders", AclOperation.READ),
        _binding("orders", AclOperation.WRITE),
        _binding("orders", AclOperation.WRITE, DENY),
        _binding("orders", AclOperation.ALL),
        _binding("orders", AclOperation.ALL, DENY),
        _binding("ord", AclOperation.READ, pattern=ResourcePatternType.PREFIXED),
        _binding("secret", AclOperation.READ),
        _binding("orders", AclOperation.READ, restype=ResourceType.GROUP),
    ]
    out = target_bindings(source, lambda topic: topic != "secret", lambda topic: f"a.{topic}")
    assert [(b.name, b.operation, b.permission_type, b.resource_pattern_type) for b in out] == [
        ("a.orders", AclOperation.READ, ALLOW, ResourcePatternType.LITERAL),
        ("a.orders", AclOperation.WRITE, DENY, ResourcePatternType.LITERAL),
        ("a.orders", AclOperation.READ, ALLOW, ResourcePatternType.LITERAL),
        ("a.orders", AclOperation.ALL, DENY, ResourcePatternType.LITERAL),
    ]
    assert all(b.principal == "User:u" and b.host == "*" for b in out)
