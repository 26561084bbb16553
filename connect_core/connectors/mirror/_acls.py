"""Topic ACL sync of ``MirrorSourceConnector`` (Kafka's ``syncTopicAcls``, ``sync.topic.acls.enabled``).

The source cluster's literal topic ACLs of replicated topics are created again for their remote topics on the target,
except ALLOW WRITE (only MirrorMaker 2 writes a remote topic) and with ALLOW ALL narrowed to ALLOW READ. A source
cluster without an authorizer answers SECURITY_DISABLED: Kafka logs it once and syncs nothing, so do we. ACLs are only
ever added on the target, never removed, as Kafka's.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import RetriableError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["sync_topic_acls", "target_bindings"]

log = logging.getLogger(__name__)


def target_bindings(bindings: list[Any], should_replicate: Callable[[str], bool],
                    remote: Callable[[str], str]) -> list[Any]:
    """The target's ACL bindings for the source's ``bindings`` (Kafka ``shouldReplicateAcl`` and
    ``targetAclBinding``)."""
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    out = []
    for binding in bindings:
        if binding.restype != ResourceType.TOPIC or binding.resource_pattern_type != ResourcePatternType.LITERAL:
            continue
        allow = binding.permission_type == AclPermissionType.ALLOW
        if (allow and binding.operation == AclOperation.WRITE) or not should_replicate(binding.name):
            continue
        operation = AclOperation.READ if allow and binding.operation == AclOperation.ALL else binding.operation
        out.append(AclBinding(ResourceType.TOPIC, remote(binding.name), ResourcePatternType.LITERAL,
                              binding.principal, binding.host, operation, binding.permission_type))
    return out


def sync_topic_acls(source_admin: Any, target_admin: Any, should_replicate: Callable[[str], bool],
                    remote: Callable[[str], str], *, source_alias: str, timeout_s: float) -> int:
    """Create the target's ACLs for the source's topic ACLs; the number of bindings sent (0 without an authorizer).

    Raises:
        RetriableError: the source's ACLs could not be listed (any error but SECURITY_DISABLED).
    """
    from confluent_kafka import KafkaError
    from confluent_kafka.admin import (
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    # None matches any name, principal and host (confluent-kafka's docs; its annotations say str)
    any_topic_acl = AclBindingFilter(ResourceType.TOPIC, None, ResourcePatternType.ANY,  # type: ignore[arg-type]
                                     None, None, AclOperation.ANY, AclPermissionType.ANY)  # type: ignore[arg-type]
    try:
        bindings = source_admin.describe_acls(any_topic_acl, request_timeout=timeout_s).result(timeout=timeout_s)
    except Exception as error:
        cause = error.args[0] if error.args else None
        if getattr(cause, "code", lambda: None)() == KafkaError.SECURITY_DISABLED:
            log.info("No ACL authorizer is configured on the source Kafka cluster %s, so no topic ACL syncing will "
                     "take place. Consider disabling topic ACL syncing by setting sync.topic.acls.enabled to "
                     "'false'.", source_alias)
            return 0
        raise RetriableError(f"Could not describe ACLs on {source_alias} cluster: {error}") from error
    wanted = target_bindings(list(bindings), should_replicate, remote)
    if not wanted:
        return 0
    log.info("Syncing %d topic ACL bindings.", len(wanted))
    for binding, future in target_admin.create_acls(wanted, request_timeout=timeout_s).items():
        try:
            future.result(timeout=timeout_s)
        except Exception as error:  # Kafka logs each binding it could not create and goes on
            log.warning("Could not sync ACL of topic %s: %s", binding.name, error)
    return len(wanted)
