"""KIP-158 topic creation groups parsed as Kafka's enriched ``SourceConnectorConfig`` parses them (messages verbatim;
a 4.3.1 worker's are compared in tests/compat/connect_worker/test_topic_creation_compat.py)."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.runtime.topic_creation import TopicCreation, parse_groups, uses_topic_creation

BASE = {"topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "3"}


def test_a_config_without_topic_creation_keys_creates_nothing() -> None:
    props = {"connector.class": "FileStreamSource", "topic": "t"}
    assert not uses_topic_creation(props)
    assert TopicCreation.for_connector(props, enabled=True, admin_factory=_no_admin) is None


def test_the_worker_setting_off_creates_nothing() -> None:
    assert TopicCreation.for_connector(BASE, enabled=False, admin_factory=_no_admin) is None


def test_the_first_listed_group_that_matches_wins_and_the_default_group_takes_the_rest() -> None:
    props = {**BASE, "topic.creation.default.cleanup.policy": "compact",
             "topic.creation.groups": "compacted, big",
             "topic.creation.compacted.include": "orders.*", "topic.creation.compacted.exclude": "orders-raw",
             "topic.creation.compacted.partitions": "5", "topic.creation.compacted.compression.type": "gzip",
             "topic.creation.big.include": "orders.*, events.*", "topic.creation.big.replication.factor": "-1",
             "topic.creation.big.partitions": "10"}
    creation = TopicCreation.for_connector(props, enabled=True, admin_factory=_no_admin)
    assert creation is not None
    assert creation.first_group("orders").name == "compacted"
    assert creation.first_group("orders-raw").name == "big"  # excluded from the first, included by the second
    assert creation.first_group("events-1").name == "big"
    assert creation.first_group("xorders").name == "default"  # a whole-name match, as Java's Matcher.matches
    compacted = creation.first_group("orders")
    assert (compacted.partitions, compacted.replication_factor, compacted.configs) == (5, 1, {"compression.type":
                                                                                             "gzip"})
    assert creation.first_group("events-1").replication_factor == -1
    assert creation.default.configs == {"cleanup.policy": "compact"}
    assert compacted.describe("orders") == ("(name=orders, numPartitions=5, replicationFactor=1, "
                                            "replicasAssignments=null, configs={compression.type=gzip})")


def test_the_default_groups_include_and_exclude_are_ignored() -> None:
    default, _ = parse_groups({**BASE, "topic.creation.default.include": "nothing",
                               "topic.creation.default.exclude": ".*"})
    assert default.matches("anything") and default.configs == {}


def test_listing_the_default_group_is_allowed() -> None:
    default, others = parse_groups({**BASE, "topic.creation.groups": "default"})
    assert (default.name, others) == ("default", [])


@pytest.mark.parametrize(("props", "message"), [
    ({"topic.creation.default.partitions": "3"},
     'Missing required configuration "topic.creation.default.replication.factor" which has no default value.'),
    ({"topic.creation.default.replication.factor": "1"},
     'Missing required configuration "topic.creation.default.partitions" which has no default value.'),
    ({**BASE, "topic.creation.default.replication.factor": "0"},
     "Invalid value 0 for configuration replication.factor: Replication factor must be positive and not larger than "
     "the number of brokers in the Kafka cluster, or -1 to use the broker's default"),
    ({**BASE, "topic.creation.default.partitions": "-2"},
     "Invalid value -2 for configuration partitions: Number of partitions must be positive, or -1 to use the "
     "broker's default"),
    ({**BASE, "topic.creation.default.replication.factor": "x"},
     "Invalid value x for configuration topic.creation.default.replication.factor: Not a number of type SHORT"),
    ({**BASE, "topic.creation.default.replication.factor": "40000"},
     "Invalid value 40000 for configuration topic.creation.default.replication.factor: Not a number of type SHORT"),
    ({**BASE, "topic.creation.groups": "a,a"},
     "Invalid value [a, a] for configuration topic.creation.groups: Duplicate alias provided."),
    ({**BASE, "topic.creation.groups": "a", "topic.creation.a.partitions": "0"},
     "Invalid value 0 for configuration partitions: Number of partitions must be positive, or -1 to use the "
     "broker's default"),
])
def test_invalid_topic_creation_configs_get_kafkas_messages(props: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_groups(props)
    assert str(raised.value) == message


def test_a_groups_regex_that_does_not_compile_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^Invalid value \[\(\] for configuration include: Syntax error in "
                                          "regular expression: "):
        parse_groups({**BASE, "topic.creation.groups": "a", "topic.creation.a.include": "("})


def test_validate_reports_duplicate_groups_only_as_kafkas_herder_does() -> None:
    """The framework's key (runtime/connector_config.py) refuses duplicates at validate; a group's keys fail the
    connector at start, not validate."""
    from connect_core.coordinator.herder.validation import validate_connector_config

    source = {"connector.class": "FileStreamSource", "name": "s", "topic": "t"}

    def errors(extra: dict[str, str]) -> dict[str, list[str]]:
        infos = validate_connector_config({**source, **extra})
        return {c["value"]["name"]: c["value"]["errors"] for c in infos["configs"]
                if c["value"]["name"].startswith("topic.creation") and c["value"]["errors"]}

    assert errors({"topic.creation.groups": "a, a"}) == {
        "topic.creation.groups": ["Invalid value [a, a] for configuration topic.creation.groups: Duplicate alias "
                                  "provided."]}
    assert errors({"topic.creation.default.partitions": "3"}) == {}


def test_admin_overrides_reach_the_admin_client() -> None:
    built: list[dict[str, object]] = []
    props = {**BASE, "admin.override.request.timeout.ms": "7000", "admin.override.client.id": "mine"}
    creation = TopicCreation.for_connector(props, enabled=True, admin_factory=lambda o: built.append(o) or _no_admin(o))
    assert creation is not None and built == []  # built on first use only
    with pytest.raises(AssertionError):
        _ = creation.admin
    assert built == [{"request.timeout.ms": "7000", "client.id": "mine"}]


def _no_admin(*_args: object) -> object:
    raise AssertionError("no admin client is built here")


def test_a_source_connector_with_bad_groups_fails_to_start_and_a_sink_ignores_the_keys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object,
) -> None:
    from connect_core.coordinator.herder.task_configs import generate_task_configs
    from connect_core.runtime import env

    monkeypatch.setenv(env.FILE_ROOTS, str(tmp_path))
    source = {"name": "s", "connector.class": "FileStreamSource", "topic": "t", "file": f"{tmp_path}/in.txt",
              "topic.creation.default.partitions": "3"}
    with pytest.raises(ConfigError, match='^Missing required configuration "topic.creation.default.replication'):
        generate_task_configs("s", source)
    monkeypatch.setenv(env.TOPIC_CREATION_ENABLE, "false")  # the worker creates no topic: the keys are not read
    assert len(generate_task_configs("s", source)) == 1
    monkeypatch.delenv(env.TOPIC_CREATION_ENABLE)
    sink = {"name": "k", "connector.class": "FileStreamSink", "topics": "t", "file": f"{tmp_path}/out.txt",
            "topic.creation.default.partitions": "3"}
    assert len(generate_task_configs("k", sink)) == 1
