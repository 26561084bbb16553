"""The MirrorMaker 2 connectors' keys as Kafka defines them: ``GET /connector-plugins/<class>/config`` of our
coordinator and of the Kafka Connect worker running connect-mirror (the oracle's release) give every MM2 key the same
type and default, so a config written for Kafka's MM2 means the same here. (This found the 4.1 ``topics.exclude``
default and 4.3's ``config.properties.exclude``.)

The differences allowed, each for a reason:
- keys of the worker's framework that are not MM2's (KIP-891 plugin versions, topic creation groups, transaction
  boundaries; README "What differs"), and their definitions: MM2's ConfigDef embeds the plain framework definitions,
  so the worker shows ``connector.plugin.version`` without the default its other connectors get (their newest
  version), where ours shows the framework's, as for every connector;
- the top-level client security keys and ``metric.reporters`` Kafka declares for its dedicated MirrorMaker driver: on
  a Connect cluster its clients take only the prefixed keys (``source.cluster.*``, ``consumer.*``, ...), so they
  change nothing there either, and ours accepts them as any unknown key; likewise ``config.providers`` and
  ``metric.names.formats``, which Kafka 4.3 declares there too (on a Connect cluster the worker's config providers
  resolve connector configs, and our functions publish no JMX metric names; ours accepts both without effect);
- keys Kafka reads from the same props outside the connector's ConfigDef, which ours declares so that they are
  validated and documented: ``use.defaults.from`` (DefaultConfigPropertyFilter), ``topics`` / ``topics.exclude``
  of the checkpoint connector (DefaultTopicFilter), its ``emit.offset-syncs.enabled`` (MirrorCheckpointConfig's
  validate); and our own ``lambda.*`` keys.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.compat.connect_worker.conftest import ConnectWorker
    from tests.integration.connectors.mirror._mm2 import LambdaWorker

pytestmark = pytest.mark.integration

FRAMEWORK = {"connector.plugin.version", "key.converter.plugin.version", "value.converter.plugin.version",
             "header.converter.plugin.version", "topic.creation.groups", "transaction.boundary.interval.ms"}
DRIVER_CLIENT_KEYS = re.compile(r"security\.protocol|metric\.reporters|ssl\..+|sasl\..+|config\.providers"
                                r"|metric\.names\.formats")
READ_OUTSIDE_THE_CONFIG_DEF = {
    "MirrorSourceConnector": {"use.defaults.from"},
    "MirrorCheckpointConnector": {"topics", "topics.exclude", "emit.offset-syncs.enabled"},
    "MirrorHeartbeatConnector": set(),
}


def _definitions(body: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {d["name"]: (d["type"], d["default_value"]) for d in body}


@pytest.mark.parametrize("connector", sorted(READ_OUTSIDE_THE_CONFIG_DEF))
def test_our_keys_types_and_defaults_are_kafkas(mirror_worker: ConnectWorker, lambda_worker: LambdaWorker,
                                                connector: str) -> None:
    path = f"/connector-plugins/org.apache.kafka.connect.mirror.{connector}/config"
    status, theirs = mirror_worker.rest("GET", path)
    assert status == 200, theirs
    status, ours = lambda_worker.rest("GET", path)
    assert status == 200, ours
    jvm, mine = _definitions(theirs), _definitions(ours)
    assert sorted(k for k in set(jvm) - set(mine) if k not in FRAMEWORK and not DRIVER_CLIENT_KEYS.fullmatch(k)) == []
    assert sorted(k for k in set(mine) - set(jvm) if not k.startswith("lambda.")) == \
        sorted(READ_OUTSIDE_THE_CONFIG_DEF[connector])
    assert {k: (mine[k], jvm[k]) for k in sorted(set(jvm) & set(mine)) if mine[k] != jvm[k] and k not in FRAMEWORK} \
        == {}
    assert len(set(jvm) & set(mine)) >= 25  # the comparison covers the connector's own keys (and the framework's)
