"""KIP-158 topic creation for source connectors, as a Kafka Connect worker does it before a topic's first record.

Kafka's ``SourceConnectorConfig`` (its ``enrich``ed ``ConfigDef``), ``TopicCreationConfig``, ``TopicCreationGroup``,
``util/TopicCreation`` and ``AbstractWorkerSourceTask.maybeCreateTopic``: with the worker's ``topic.creation.enable``
(default true) and any ``topic.creation.*`` key in the connector config, the default group
(``topic.creation.default.replication.factor`` and ``.partitions`` required, -1 for the broker's default) and the groups
``topic.creation.groups`` names (``include``/``exclude`` regex lists, the first matching group wins, the default group
last) decide how a missing topic is created; every other ``topic.creation.<group>.<key>`` is a topic config passed
through (``cleanup.policy``, ``compression.type``, ...). A task checks each topic once: the topics it found or created
are cached, so the hot path only looks a topic up in a set.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.config import config_error, parse_type
from connect_core.api.errors import ConfigError, ConnectError, RetriableError
from connect_core.api.kafka_client_keys import librdkafka_settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from confluent_kafka.admin import AdminClient

__all__ = [
    "DEFAULT_GROUP",
    "TOPIC_CREATION_GROUPS_CONFIG",
    "TOPIC_CREATION_PREFIX",
    "TopicCreation",
    "TopicCreationGroup",
    "check_source_config",
    "parse_groups",
    "uses_topic_creation",
]

log = logging.getLogger(__name__)
# A describe that timed out is tried again after this backoff, doubled up to the cap, while the invocation's time
# lasts: Kafka's AbstractWorkerSourceTask retries a RetriableException from maybeCreateTopic after 100 ms
# (SEND_FAILED_BACKOFF_MS) until the task stops; an attempt waits at most ATTEMPT_S, so that one slow answer leaves
# time for the next.
RETRY_BACKOFF_S: Final = 0.1
RETRY_BACKOFF_MAX_S: Final = 1.0
ATTEMPT_S: Final = 10.0

TOPIC_CREATION_PREFIX: Final = "topic.creation."
TOPIC_CREATION_GROUPS_CONFIG: Final = "topic.creation.groups"
DEFAULT_GROUP: Final = "default"
INCLUDE: Final = "include"
EXCLUDE: Final = "exclude"
REPLICATION_FACTOR: Final = "replication.factor"
PARTITIONS: Final = "partitions"
NO_PARTITIONS: Final = -1  # TopicAdmin.NO_PARTITIONS: the broker's num.partitions
NO_REPLICATION_FACTOR: Final = -1  # TopicAdmin.NO_REPLICATION_FACTOR: the broker's default.replication.factor
ADMIN_OVERRIDE_PREFIX: Final = "admin.override."
DEFAULT_ADMIN_TIMEOUT_S: Final = 30.0
_GROUP_KEYS: Final = (INCLUDE, EXCLUDE, REPLICATION_FACTOR, PARTITIONS)
_RF_MESSAGE: Final = ("Replication factor must be positive and not larger than the number of brokers in the Kafka "
                      "cluster, or -1 to use the broker's default")
_PARTITIONS_MESSAGE: Final = "Number of partitions must be positive, or -1 to use the broker's default"


def uses_topic_creation(props: Mapping[str, Any]) -> bool:
    """Kafka's ``SourceConnectorConfig.usesTopicCreation``: any key starting with ``topic.creation.``."""
    return any(key.startswith(TOPIC_CREATION_PREFIX) for key in props)


@dataclass(frozen=True)
class TopicCreationGroup:
    """Kafka's ``TopicCreationGroup``: which topics a group creates, and how."""

    name: str
    include: re.Pattern[str]
    exclude: re.Pattern[str]
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)

    def matches(self, topic: str) -> bool:
        """Not excluded and included (whole-name matches, as Java's ``Matcher.matches``)."""
        return self.exclude.fullmatch(topic) is None and self.include.fullmatch(topic) is not None

    def describe(self, topic: str) -> str:
        """Kafka's ``NewTopic.toString`` of ``topic`` created by this group (log lines and errors)."""
        configs = ", ".join(f"{key}={value}" for key, value in self.configs.items())
        return (f"(name={topic}, numPartitions={self.partitions}, replicationFactor={self.replication_factor}, "
                f"replicasAssignments=null, configs={{{configs}}})")


def _group_list(props: Mapping[str, Any]) -> list[str]:
    """``topic.creation.groups`` parsed and checked as ``SourceConnectorConfig.configDef`` does."""
    raw = props.get(TOPIC_CREATION_GROUPS_CONFIG)
    groups: list[str] = parse_type(TOPIC_CREATION_GROUPS_CONFIG, raw, "LIST") if raw is not None else []
    if len(groups) > len(set(groups)):
        raise config_error(TOPIC_CREATION_GROUPS_CONFIG, groups, "Duplicate alias provided.")
    return groups


def _number(props: Mapping[str, Any], key: str, kind: str, default: int | None) -> int:
    raw = props.get(key)
    if raw is None:
        if default is None:
            raise ConfigError(f'Missing required configuration "{key}" which has no default value.')
        return default
    value: int = parse_type(key, raw, "SHORT" if kind == REPLICATION_FACTOR else "INT")
    if value != -1 and value < 1:  # an embedded ConfigDef's validator names the key without its group prefix
        raise config_error(kind, value, _RF_MESSAGE if kind == REPLICATION_FACTOR else _PARTITIONS_MESSAGE)
    return value


def _patterns(props: Mapping[str, Any], prefix: str, kind: str) -> re.Pattern[str]:
    raw = props.get(prefix + kind)
    regexes: list[str] = [] if raw is None else parse_type(prefix + kind, raw, "LIST")
    try:
        for regex in regexes:
            re.compile(regex)
        return re.compile("|".join(regexes))
    except re.error as error:  # named without the group prefix, as the other validators
        raise config_error(kind, regexes, f"Syntax error in regular expression: {error}") from None


def _other_configs(props: Mapping[str, Any], group: str) -> dict[str, str]:
    prefix = f"{TOPIC_CREATION_PREFIX}{group}."
    return {key[len(prefix):]: str(value) for key, value in props.items()
            if key.startswith(prefix) and key[len(prefix):] not in _GROUP_KEYS and value is not None}


def parse_groups(props: Mapping[str, Any]) -> tuple[TopicCreationGroup, list[TopicCreationGroup]]:
    """The default group and the other groups in their listed order, as Kafka's enriched ``SourceConnectorConfig``
    parses them (keys in its ``ConfigDef`` order: the first error is the one raised).

    Raises:
        ConfigError: Kafka's message for the first invalid or missing key.
    """
    groups = _group_list(props)
    prefix = f"{TOPIC_CREATION_PREFIX}{DEFAULT_GROUP}."
    # the default group's include/exclude are ignored (Kafka drops them): it takes every topic no other group takes
    default_rf = _number(props, prefix + REPLICATION_FACTOR, REPLICATION_FACTOR, None)
    default_partitions = _number(props, prefix + PARTITIONS, PARTITIONS, None)
    default = TopicCreationGroup(DEFAULT_GROUP, re.compile(".*"), re.compile(""), default_partitions, default_rf,
                                 _other_configs(props, DEFAULT_GROUP))
    if DEFAULT_GROUP in groups:
        log.warning("'%s' topic creation group always exists and does not need to be listed explicitly", DEFAULT_GROUP)
    others: list[TopicCreationGroup] = []
    for name in dict.fromkeys(g for g in groups if g != DEFAULT_GROUP):
        group_prefix = f"{TOPIC_CREATION_PREFIX}{name}."
        include = _patterns(props, group_prefix, INCLUDE)
        exclude = _patterns(props, group_prefix, EXCLUDE)
        rf = _number(props, group_prefix + REPLICATION_FACTOR, REPLICATION_FACTOR, default_rf)
        partitions = _number(props, group_prefix + PARTITIONS, PARTITIONS, default_partitions)
        others.append(TopicCreationGroup(name, include, exclude, partitions, rf, _other_configs(props, name)))
    return default, others


def check_source_config(props: Mapping[str, Any], *, enabled: bool | None = None) -> None:
    """Kafka's ``Worker.startConnector`` building a ``SourceConnectorConfig``: with the worker's
    ``topic.creation.enable`` (``enabled``; None reads ``LAMBDA_CONNECT_TOPIC_CREATION_ENABLE``) and a
    ``topic.creation.*`` key, the groups must parse, or the connector fails to start.

    Raises:
        ConfigError: Kafka's message for the first invalid or missing key.
    """
    if enabled is None:
        from connect_core.runtime import env

        enabled = env.resolve_bool(env.TOPIC_CREATION_ENABLE, True)
    if enabled and uses_topic_creation(props):
        parse_groups(props)


def admin_overrides(props: Mapping[str, Any]) -> dict[str, Any]:
    """The connector's ``admin.override.*`` as librdkafka admin settings, through the one client-key gate
    (``api/kafka_client_keys.py``: refused keys, file paths under the worker's file roots).

    Raises:
        ConfigError: naming the refused ``admin.override.*`` key.
    """
    from connect_core.runtime.file_roots import worker_file_roots

    java = {key[len(ADMIN_OVERRIDE_PREFIX):]: str(value) for key, value in props.items()
            if key.startswith(ADMIN_OVERRIDE_PREFIX) and value is not None}
    return librdkafka_settings(java, ADMIN_OVERRIDE_PREFIX, worker_file_roots()) if java else {}


class TopicCreation:
    """One task's topic creation (Kafka's ``TopicCreation``): its groups, its admin client and the topics it knows."""

    def __init__(self, default: TopicCreationGroup, groups: list[TopicCreationGroup],
                 admin_factory: Callable[[], AdminClient]) -> None:
        """Groups as :func:`parse_groups` gives them; ``admin_factory`` builds the admin client on first use."""
        self.default = default
        self.groups = groups
        self._admin_factory = admin_factory
        self._admin: AdminClient | None = None
        self.known: set[str] = set()  # topics found or created: never checked again by this task

    @classmethod
    def for_connector(cls, props: Mapping[str, Any], *, enabled: bool,
                      admin_factory: Callable[[dict[str, Any]], AdminClient]) -> TopicCreation | None:
        """The task's topic creation, or None when the worker's ``topic.creation.enable`` is off or the config has
        no ``topic.creation.*`` key (the broker's automatic creation, if any, then makes the topic).

        Raises:
            ConfigError: Kafka's message for an invalid ``topic.creation.*`` or ``admin.override.*`` key.
        """
        if not enabled or not uses_topic_creation(props):
            return None
        default, groups = parse_groups(props)
        overrides = admin_overrides(props)
        return cls(default, groups, lambda: admin_factory(overrides))

    def first_group(self, topic: str) -> TopicCreationGroup:
        """The first listed group matching ``topic``; the default group otherwise."""
        return next((group for group in self.groups if group.matches(topic)), self.default)

    def ensure(self, topics: Iterable[str], timeout_s: float = DEFAULT_ADMIN_TIMEOUT_S, *,
               sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        """``maybeCreateTopic`` for each of ``topics`` this task does not know yet, within ``timeout_s`` in all (the
        invocation's time): a describe that timed out is tried again after a backoff, as Kafka's ``sendRecords``
        retries a ``RetriableException``.

        Raises:
            RetriableError: the last describe timed out and no time is left for another.
            ConnectError: as :meth:`maybe_create`.
        """
        deadline = clock() + timeout_s
        for topic in topics:
            backoff = RETRY_BACKOFF_S
            while topic not in self.known:
                left = deadline - clock()
                try:
                    self.maybe_create(topic, max(0.1, min(ATTEMPT_S, left)))
                except RetriableError as error:
                    if deadline - clock() <= backoff:
                        raise
                    log.warning("Failed to prepare topic '%s': %s. Backing off before retrying", topic, error)
                    sleep(backoff)
                    backoff = min(backoff * 2, RETRY_BACKOFF_MAX_S)

    def maybe_create(self, topic: str, timeout_s: float = DEFAULT_ADMIN_TIMEOUT_S) -> None:
        """Kafka's ``AbstractWorkerSourceTask.maybeCreateTopic``: find the topic, else create it with its group.

        Raises:
            ConnectError: the topic could not be found or created (the task fails, as on a worker).
            RetriableError: describing the topic timed out (Kafka backs off and tries again).
        """
        log.info("The task will send records to topic '%s' for the first time. Checking whether topic exists", topic)
        if self._exists(topic, timeout_s):
            log.info("Topic '%s' already exists.", topic)
            self.known.add(topic)
            return
        log.info("Creating topic '%s'", topic)
        group = self.first_group(topic)
        log.debug("Topic '%s' matched topic creation group: %s", topic, group.name)
        outcome = self._create(topic, group, timeout_s)
        if outcome == "created":
            log.info("Created topic '%s' using creation group %s", group.describe(topic), group.name)
        elif outcome == "existing":
            log.info("Found existing topic '%s'", group.describe(topic))
        else:
            log.warning("Request to create new topic '%s' failed", topic)
            raise ConnectError(f"Task failed to create new topic {group.describe(topic)}. Ensure that the task is "
                               "authorized to create topics or that the topic exists and restart the task")
        self.known.add(topic)

    @property
    def admin(self) -> AdminClient:
        """The admin client, built with the connector's ``admin.override.*`` on first use."""
        if self._admin is None:
            self._admin = self._admin_factory()
        return self._admin

    def _exists(self, topic: str, timeout_s: float) -> bool:
        """Kafka's ``TopicAdmin.describeTopics`` of one topic."""
        from concurrent.futures import TimeoutError as FutureTimeout

        from confluent_kafka import KafkaError, KafkaException

        future = self.admin.describe_topics(_collection([topic]), request_timeout=timeout_s)[topic]
        try:
            future.result(timeout=timeout_s)
        except FutureTimeout as error:  # no answer at all within the attempt
            raise RetriableError(f"Timed out while describing topics '{topic}'") from error
        except KafkaException as error:
            code = error.args[0].code() if error.args else None
            if code == KafkaError.UNKNOWN_TOPIC_OR_PART:
                log.debug("Topic '%s' does not exist on the brokers", topic)
                return False
            if code in (KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.CLUSTER_AUTHORIZATION_FAILED):
                raise ConnectError(f"Not authorized to describe topic(s) '{topic}' on the brokers") from error
            if code in (KafkaError._TIMED_OUT, KafkaError.REQUEST_TIMED_OUT):
                raise RetriableError(f"Timed out while describing topics '{topic}'") from error
            raise ConnectError(f"Error while attempting to describe topics '{topic}'") from error
        return True

    def _create(self, topic: str, group: TopicCreationGroup, timeout_s: float) -> str:
        """Kafka's ``TopicAdmin.createOrFindTopics`` of one topic: ``created``, ``existing`` or ``none`` (not
        authorized: Kafka then assumes the broker creates it, and the task fails with its own message)."""
        from confluent_kafka import KafkaError, KafkaException
        from confluent_kafka.admin import NewTopic

        new_topic = NewTopic(topic, num_partitions=group.partitions, replication_factor=group.replication_factor,
                             config=dict(group.configs))
        future = self.admin.create_topics([new_topic], request_timeout=timeout_s, operation_timeout=timeout_s)[topic]
        try:
            future.result(timeout=timeout_s)
        except KafkaException as error:
            kafka_error = error.args[0] if error.args else None
            code = kafka_error.code() if kafka_error is not None else None
            if code == KafkaError.TOPIC_ALREADY_EXISTS:
                log.debug("Found existing topic '%s' on the brokers", topic)
                return "existing"
            if code in (KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.CLUSTER_AUTHORIZATION_FAILED,
                        KafkaError.UNSUPPORTED_VERSION):
                log.debug("Not authorized to create topic(s) '%s' upon the brokers. Falling back to assume topic(s) "
                          "exist or will be auto-created by the broker.", topic)
                return "none"
            if code in (KafkaError.INVALID_CONFIG, KafkaError.INVALID_REPLICATION_FACTOR):  # as a 4.3.1 worker
                reason = kafka_error.str() if kafka_error is not None else str(error)
                raise ConnectError(f"Unable to create topic(s) '{topic}': {reason}") from error
            if code in (KafkaError._TIMED_OUT, KafkaError.REQUEST_TIMED_OUT):
                raise ConnectError(f"Timed out while checking for or creating topic(s) '{topic}'. This could indicate "
                                   "a connectivity issue, unavailable topic partitions, or if this is your first use "
                                   "of the topic it may have taken too long to create.") from error
            raise ConnectError(f"Error while attempting to create/find topic(s) '{topic}'") from error
        log.info("Created topic %s on brokers", group.describe(topic))
        return "created"


def _collection(topics: list[str]) -> Any:
    """``describe_topics``' argument: a ``TopicCollection`` (confluent-kafka >= 2.3)."""
    from confluent_kafka import TopicCollection

    return TopicCollection(topics)
