"""Kafka event source mappings that poll: LocalStack community stores SelfManagedKafka and MSK mappings and never
reads Kafka.

The delivery semantics are the project's one implementation, ``connect_core.local.kafka_trigger``
(``KafkaEventSourceMapping``: consumer group, BatchSize, MaximumBatchingWindowInSeconds, StartingPosition, commit
after success, MaximumRetryAttempts, BisectBatchOnFunctionError, ReportBatchItemFailures, MaximumRecordAgeInSeconds,
Lambda's event format); this module only plugs it into LocalStack's event source mapping worker, which already does
the mapping lifecycle (Creating -> Enabled, Update = new worker, Disable, Delete):

- ``lambda_set_event_source_config_defaults`` hook: Kafka's defaults (BatchSize 100, the mapping's UUID as consumer
  group when none is given);
- ``lambda_create_event_source_poller`` hook: a :class:`KafkaPoller` that runs the mapping against LocalStack's
  Lambda service (RequestResponse invocations, so the function runs in LocalStack's runtime executor);
- two patches applied at start (``on_infra_start``): ``validate_event_source_mapping`` also enforces AWS's Kafka
  rules LocalStack skips — one topic, a StartingPosition, a known MSK cluster and, per AWS's "Configuring error
  handling controls for Kafka event sources", error-handling controls only in provisioned mode
  (ProvisionedPollerConfig), and the limits of a poller group (``PollerGroupName``: at most 100 mappings and 2000
  MaximumPollers in all, ``poller_groups.py``); and ``EsmWorker.stop/delete`` interrupt a poller waiting between
  retries. LocalStack itself stores and returns ``ProvisionedPollerConfig`` with its ``PollerGroupName`` as given.

MSK clusters do not exist locally: ``LAMBDA_CONNECT_MSK_BOOTSTRAP_SERVERS`` (JSON, cluster ARN -> bootstrap
servers, ``"*"`` for any cluster) says where each one's brokers are.

SourceAccessConfigurations are applied as Lambda's poller does (AWS, "Configuring cluster authentication methods in
Lambda"): ``BASIC_AUTH`` (SASL/PLAIN), ``SASL_SCRAM_256_AUTH``, ``SASL_SCRAM_512_AUTH`` (``{"username",
"password"}``) and ``CLIENT_CERTIFICATE_TLS_AUTH`` (``{"certificate", "privateKey"}``) secrets, over TLS, trusting
the ``SERVER_ROOT_CA_CERTIFICATE`` secret's CA (``{"certificate": PEM}``); VPC entries change nothing locally. The
secrets are read from LocalStack's Secrets Manager each time the poller connects, so a corrected secret is picked up
at the next attempt. A refused login or TLS handshake is not retried by the client in a loop: the poller sets the
mapping's ``LastProcessingResult`` to ``PROBLEM: <what failed>: <the broker's message>`` (the failure names of AWS's
"Troubleshooting Kafka event source mapping errors"), disconnects, and tries again after a backoff that doubles from
2 s to 60 s.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any

from localstack.runtime import hooks
from localstack.services.lambda_ import hooks as lambda_hooks
from localstack.services.lambda_.event_source_mapping.pollers.poller import Poller

from lambda_connect_localstack.poller_groups import poller_group, poller_group_problem

LOG = logging.getLogger(__name__)
MSK_BOOTSTRAP_ENV = "LAMBDA_CONNECT_MSK_BOOTSTRAP_SERVERS"
DEFAULT_BATCH_SIZE = 100
DEFAULT_BATCHING_WINDOW_MS = 500  # Lambda's Kafka default when MaximumBatchingWindowInSeconds is not set
INVOKE_TIMEOUT_S = 905  # 900 s (Lambda's maximum) + 5 s, as LocalStack's own ESM sender
ERROR_HANDLING_DOC = "https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html"
PROBLEM_BACKOFF_INITIAL_S = 2.0  # a refused connection waits this long before the next attempt, doubling ...
PROBLEM_BACKOFF_MAX_S = 60.0  # ... up to this (a wrong secret is no retry storm, a fixed one is picked up in a minute)

__all__ = ["ConnectionProblem", "KafkaPoller", "connection_problem", "error_handling_controls", "is_kafka",
           "kafka_mapping_problem", "read_secret_json"]


def is_kafka(mapping: dict[str, Any]) -> bool:
    """A SelfManagedKafka or MSK (``arn:aws:kafka:``) mapping."""
    return "SelfManagedEventSource" in mapping or ":kafka:" in str(mapping.get("EventSourceArn") or "")


def msk_bootstrap_servers(cluster_arn: str) -> str | None:
    """Where a cluster's brokers are, from ``LAMBDA_CONNECT_MSK_BOOTSTRAP_SERVERS``."""
    try:
        clusters = json.loads(os.environ.get(MSK_BOOTSTRAP_ENV) or "{}")
    except ValueError:
        LOG.warning("%s is not a JSON object of cluster ARN -> bootstrap servers", MSK_BOOTSTRAP_ENV)
        return None
    return clusters.get(cluster_arn) or clusters.get("*")


def error_handling_controls(mapping: dict[str, Any]) -> list[str]:
    """The error-handling fields a mapping sets away from their defaults (AWS allows them in provisioned mode only)."""
    controls = []
    if mapping.get("MaximumRetryAttempts") not in (None, -1):
        controls.append("MaximumRetryAttempts")
    if mapping.get("BisectBatchOnFunctionError"):
        controls.append("BisectBatchOnFunctionError")
    if "ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []):
        controls.append("FunctionResponseTypes")
    if mapping.get("MaximumRecordAgeInSeconds") not in (None, -1):
        controls.append("MaximumRecordAgeInSeconds")
    if (mapping.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination"):
        controls.append("DestinationConfig")
    return controls


def kafka_mapping_problem(mapping: dict[str, Any]) -> str | None:
    """What AWS would refuse in a Kafka mapping (create request, or the mapping an update results in)."""
    topics = mapping.get("Topics") or []
    if len(topics) != 1:
        return f"A Kafka event source mapping needs exactly one topic in Topics, got {topics}."
    if mapping.get("StartingPosition") not in ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"):
        return ("StartingPosition is required for Kafka event source mappings "
                "(TRIM_HORIZON, LATEST or AT_TIMESTAMP).")
    controls = error_handling_controls(mapping)
    if controls and not mapping.get("ProvisionedPollerConfig"):
        return (f"{', '.join(controls)} can only be set on a Kafka event source mapping in provisioned mode: set "
                f"ProvisionedPollerConfig (MinimumPollers, MaximumPollers). See {ERROR_HANDLING_DOC}")
    arn = mapping.get("EventSourceArn")
    if arn and "SelfManagedEventSource" not in mapping and msk_bootstrap_servers(arn) is None:
        return (f"MSK cluster {arn} is not known locally: map it to a bootstrap address in {MSK_BOOTSTRAP_ENV} "
                '(JSON, e.g. {"' + arn + '": "127.0.0.1:9092"} or {"*": "127.0.0.1:9092"}).')
    return None


def _group_id(mapping: dict[str, Any]) -> str:
    for key in ("SelfManagedKafkaEventSourceConfig", "AmazonManagedKafkaEventSourceConfig"):
        group = (mapping.get(key) or {}).get("ConsumerGroupId")
        if group:
            return str(group)
    return str(mapping["UUID"])  # Lambda's default consumer group is the mapping's UUID


def _trigger_config(mapping: dict[str, Any]) -> Any:
    from connect_core.runtime.trigger_config import KafkaTriggerConfig

    window_s = mapping.get("MaximumBatchingWindowInSeconds")
    record_age_s = mapping.get("MaximumRecordAgeInSeconds")
    starting = mapping.get("StartingPosition") or "LATEST"
    if starting == "AT_TIMESTAMP":
        LOG.warning("mapping %s: AT_TIMESTAMP is read as TRIM_HORIZON locally", mapping.get("UUID"))
        starting = "TRIM_HORIZON"
    return KafkaTriggerConfig.model_validate({
        "batch_size": mapping.get("BatchSize") or DEFAULT_BATCH_SIZE,
        "batching_window_ms": DEFAULT_BATCHING_WINDOW_MS if window_s is None else int(window_s) * 1000,
        "maximum_retry_attempts": -1 if mapping.get("MaximumRetryAttempts") is None
        else mapping["MaximumRetryAttempts"],
        "bisect_batch_on_function_error": bool(mapping.get("BisectBatchOnFunctionError")),
        "report_batch_item_failures": "ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []),
        "maximum_record_age_ms": -1 if record_age_s in (None, -1) else int(record_age_s) * 1000,
        "starting_position": starting,
    })


class FunctionInvocationError(Exception):
    """The function returned an error (``X-Amz-Function-Error``): the batch is retried."""


class ConnectionProblem(Exception):
    """The poller cannot connect as its access configurations say (bad secret, refused login, untrusted broker);
    the text is the mapping's LastProcessingResult."""


def connection_problem(errors: list[Any]) -> str | None:
    """The LastProcessingResult for librdkafka's errors when one of them means "retrying will not help"."""
    from confluent_kafka import KafkaError

    for error in errors:
        if error.code() == KafkaError._AUTHENTICATION:
            return f"PROBLEM: SASL authentication failed: {error.str()}"
        if error.code() == KafkaError._SSL:
            return f"PROBLEM: Lambda failed to authenticate server: {error.str()}"
    return None


def read_secret_json(arn: str) -> dict[str, Any]:
    """A secret's JSON object from LocalStack's own Secrets Manager (the account and region of its ARN)."""
    from localstack.services.lambda_.event_source_mapping.pipe_utils import get_internal_client

    raw = get_internal_client(arn=arn).get_secret_value(SecretId=arn).get("SecretString")
    try:
        value = json.loads(raw or "")
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ConnectionProblem(f"PROBLEM: The secret {arn} is not a JSON object in SecretString.")
    return value


class KafkaPoller(Poller):
    """LocalStack's poller interface around ``KafkaEventSourceMapping``; the worker's thread calls
    :meth:`poll_events` (which drains while records flow) and :meth:`close`."""

    def __init__(self, mapping: dict[str, Any], client: Any, processor: Any = None) -> None:
        from connect_core.kafka.settings import KafkaClientSettings
        from connect_core.local.kafka_trigger import KafkaEventSourceMapping

        arn = mapping.get("EventSourceArn")
        super().__init__(source_arn=arn, source_parameters={}, source_client=client, processor=processor)
        self.mapping_config = mapping
        self.function_arn = mapping["FunctionArn"]
        self.stopping = threading.Event()
        self._lambda = _lambda_client(self.function_arn, processor)
        if "SelfManagedEventSource" in mapping:
            servers = ",".join(mapping["SelfManagedEventSource"]["Endpoints"]["KAFKA_BOOTSTRAP_SERVERS"])
            self._event_source, arn = "SelfManagedKafka", ""
        else:
            servers = msk_bootstrap_servers(arn) or ""
            self._event_source = "aws:kafka"
        self._servers = servers
        self._access = list(mapping.get("SourceAccessConfigurations") or [])
        self._errors: list[Any] = []  # librdkafka's error_cb: a refused login arrives here, not as a message
        self._connected = False
        self._backoff_s = 0.0
        self.mapping = KafkaEventSourceMapping(
            mapping["UUID"], list(mapping["Topics"]), _group_id(mapping), _trigger_config(mapping), self._invoke,
            settings=KafkaClientSettings(bootstrap_servers=servers), event_source=self._event_source,
            event_source_arn=arn or "", stopping=self.stopping,
        )

    def event_source(self) -> str:
        return self._event_source

    def poll_events(self) -> None:
        """Deliver batches until one comes back empty; never raises (LocalStack's error path needs an ARN). A
        connection its access configurations cannot make ends in LastProcessingResult and a growing backoff."""
        try:
            if not self._connected:
                self.mapping.settings = self._client_settings()  # secrets read again at every (re)connection
                self._connected = True
            while not self.stopping.is_set():
                delivered = self.mapping.poll_once()
                self._check_connection()
                if not delivered:
                    break
                self._backoff_s = 0.0
                self._set_result("OK")
        except ConnectionProblem as problem:
            LOG.warning("Kafka event source mapping %s: %s", self.mapping.name, problem)
            self._set_result(str(problem))
            self._disconnect()
            self._backoff_s = min(max(self._backoff_s * 2, PROBLEM_BACKOFF_INITIAL_S), PROBLEM_BACKOFF_MAX_S)
            self.stopping.wait(self._backoff_s)
        except Exception:
            LOG.exception("Kafka event source mapping %s: polling failed; reconnecting", self.mapping.name)
            self._disconnect()

    def close(self) -> None:
        self.stopping.set()
        self._disconnect()

    def _disconnect(self) -> None:
        self.mapping.close()
        self._connected = False
        self._errors.clear()

    def _client_settings(self) -> Any:
        """The bootstrap servers plus what the access configurations say (secrets read now)."""
        from connect_core.api.errors import ConfigError
        from connect_core.kafka.auth import access_configuration_properties
        from connect_core.kafka.settings import KafkaClientSettings

        try:
            props = access_configuration_properties(self._access, read_secret_json)
        except ConnectionProblem:
            raise
        except ConfigError as error:
            raise ConnectionProblem(f"PROBLEM: {error}") from error
        except Exception as error:  # Secrets Manager's own answer (no such secret, access denied) is the problem
            raise ConnectionProblem(f"PROBLEM: The secret could not be read: {error}") from error
        return KafkaClientSettings(bootstrap_servers=self._servers,
                                   overrides={**props, "error_cb": self._errors.append})

    def _check_connection(self) -> None:
        errors, self._errors[:] = list(self._errors), []
        problem = connection_problem(errors)
        if problem:
            raise ConnectionProblem(problem)
        for error in errors:
            LOG.debug("Kafka event source mapping %s: %s", self.mapping.name, error)

    def _set_result(self, text: str) -> None:
        """The mapping's LastProcessingResult in LocalStack's store (what GetEventSourceMapping returns)."""
        from localstack.services.lambda_.invocation.models import lambda_stores
        from localstack.utils.aws.arns import parse_arn

        function = parse_arn(self.function_arn)
        stored = lambda_stores[function["account"]][function["region"]].event_source_mappings.get(
            self.mapping_config["UUID"])
        if stored is not None:
            stored["LastProcessingResult"] = text

    def _invoke(self, event: dict[str, Any]) -> Any:
        result = self._lambda.invoke(FunctionName=self.function_arn, InvocationType="RequestResponse",
                                     Payload=json.dumps(event))
        body = result["Payload"].read()
        if result.get("FunctionError"):
            raise FunctionInvocationError(body.decode(errors="replace")[:2000])
        return json.loads(body) if body else None


def _lambda_client(function_arn: str, processor: Any) -> Any:
    """The worker's own Lambda client (no retries, 905 s read timeout) when it has one."""
    sender = getattr(processor, "sender", None)
    if getattr(sender, "target_client", None) is not None:
        return sender.target_client
    import botocore.config
    from localstack.services.lambda_.event_source_mapping.pipe_utils import get_internal_client

    return get_internal_client(arn=function_arn, client_config=botocore.config.Config(
        retries={"total_max_attempts": 1}, read_timeout=INVOKE_TIMEOUT_S, tcp_keepalive=True))


@lambda_hooks.set_event_source_config_defaults()
def kafka_event_source_defaults(defaults: dict[str, Any], request: dict[str, Any], service: str) -> None:
    """Lambda's defaults for a Kafka mapping (only BatchSize; the rest stays as requested)."""
    if is_kafka(request):
        defaults["BatchSize"] = DEFAULT_BATCH_SIZE
        key = "SelfManagedKafkaEventSourceConfig" if "SelfManagedEventSource" in request \
            else "AmazonManagedKafkaEventSourceConfig"
        defaults[key] = {"ConsumerGroupId": defaults["UUID"]}


@lambda_hooks.create_event_source_poller()
def create_kafka_poller(holder: Any, service: str, mapping: dict[str, Any]) -> None:
    """Kafka mappings get a KafkaPoller."""
    if is_kafka(mapping):
        holder.create_poller_fn = lambda arn=None, client=None, processor=None: KafkaPoller(mapping, client, processor)


_PATCHED = False


@hooks.on_infra_start()
def patch_kafka_event_source_mappings() -> None:
    """Validation of Kafka mappings, and stop/delete that interrupt a poller between retries."""
    global _PATCHED  # patches are applied once per process
    if _PATCHED:
        return
    _PATCHED = True
    from localstack.aws.api.lambda_ import InvalidParameterValueException
    from localstack.services.lambda_.event_source_mapping.esm_worker import EsmWorker
    from localstack.services.lambda_.provider import LambdaProvider
    from localstack.utils.patch import patch

    @patch(LambdaProvider.validate_event_source_mapping)
    def validate_event_source_mapping(fn: Any, self: Any, context: Any, request: dict[str, Any]) -> Any:
        if is_kafka(request) and (problem := kafka_mapping_problem(request)):
            raise InvalidParameterValueException(problem, Type="User")
        if is_kafka(request) and poller_group(request):
            from localstack.services.lambda_.invocation.models import lambda_stores

            existing = lambda_stores[context.account_id][context.region].event_source_mappings.values()
            if problem := poller_group_problem(request, list(existing)):
                raise InvalidParameterValueException(problem, Type="User")
        return fn(self, context, request)

    def interrupting(name: str) -> None:
        @patch(getattr(EsmWorker, name))
        def interrupt(fn: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
            stopping = getattr(self.poller, "stopping", None)
            if isinstance(stopping, threading.Event):
                stopping.set()
            return fn(self, *args, **kwargs)

    for method in ("stop", "delete", "stop_for_shutdown"):
        interrupting(method)
