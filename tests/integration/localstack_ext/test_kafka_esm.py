"""Kafka event source mappings on LocalStack with the extension, against the real broker: Creating -> Enabled,
Lambda's event format, commit after success, retries and bisect per the mapping, AWS's provisioned-mode rule for
error-handling controls, Disable/Enable/Delete, SourceAccessConfigurations on the SASL_SSL listener. The batching
arithmetic itself is tested through tests/integration/local/test_kafka_trigger.py (the same implementation)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from tests.integration._kafka import committed_offset
from tests.integration.localstack_ext._functions import RecordingFunction, wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

# LocalStack requires SourceAccessConfigurations on self-managed Kafka mappings; the local broker is plaintext, so
# only VPC entries (accepted, not applied).
ACCESS = [{"Type": "VPC_SUBNET", "URI": "subnet:subnet-0local"},
          {"Type": "VPC_SECURITY_GROUP", "URI": "security_group:sg-0local"}]
PROVISIONED = {"MinimumPollers": 1, "MaximumPollers": 1}
MSK_ARN = "arn:aws:kafka:us-east-1:000000000000:cluster/local/11111111-2222-3333-4444-555555555555-1"


@pytest.fixture
def lam(aws_settings: dict[str, str]) -> Any:
    return boto3.client("lambda", **aws_settings)


@pytest.fixture
def function(lam: Any, tmp_path: Path) -> Iterator[RecordingFunction]:
    recording = RecordingFunction(lam, tmp_path, "it-esm")
    yield recording
    for mapping in lam.list_event_source_mappings(FunctionName=recording.name)["EventSourceMappings"]:
        lam.delete_event_source_mapping(UUID=mapping["UUID"])
    recording.delete()


def _topic(bootstrap: str, values: list[str]) -> str:
    topic = f"esm-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    _produce(bootstrap, topic, values)
    return topic


def _produce(bootstrap: str, topic: str, values: list[str], timestamp_ms: int = 0) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for value in values:
        producer.produce(topic, key=b"k", value=value.encode(), headers=[("h", b"v")], timestamp=timestamp_ms)
    producer.flush(30)


def _mapping(lam: Any, function: RecordingFunction, bootstrap: str, topic: str, group: str, **extra: Any) -> str:
    return lam.create_event_source_mapping(
        FunctionName=function.name, Topics=[topic], StartingPosition="TRIM_HORIZON",
        SelfManagedEventSource={"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [bootstrap]}},
        SelfManagedKafkaEventSourceConfig={"ConsumerGroupId": group}, **{"SourceAccessConfigurations": ACCESS, **extra},
    )["UUID"]


def _state(lam: Any, mapping: str) -> str:
    return lam.get_event_source_mapping(UUID=mapping)["State"]


def _delivered(function: RecordingFunction) -> list[str]:
    return [value for values in function.values() for value in values]


def test_a_self_managed_mapping_delivers_lambdas_event_commits_and_stops_on_disable_and_delete(
        lam: Any, function: RecordingFunction, kafka_bootstrap: str) -> None:
    values = [f"r{i}" for i in range(5)]
    topic = _topic(kafka_bootstrap, values)
    group = f"it-{topic}"
    mapping = _mapping(lam, function, kafka_bootstrap, topic, group, BatchSize=2)

    wait_for(lambda: _state(lam, mapping) == "Enabled", "the mapping to go from Creating to Enabled")
    wait_for(lambda: len(_delivered(function)) >= len(values), "the records")
    wait_for(lambda: committed_offset(kafka_bootstrap, group, topic) == len(values), "the commit after success")
    assert _delivered(function) == values
    assert all(len(batch) <= 2 for batch in function.values())
    event = function.events()[0]
    assert (event["eventSource"], event["bootstrapServers"], list(event["records"])) == (
        "SelfManagedKafka", kafka_bootstrap, [f"{topic}-0"])
    record = event["records"][f"{topic}-0"][0]
    assert record["topic"] == topic and record["partition"] == 0 and record["offset"] == 0
    assert record["timestampType"] == "CREATE_TIME" and isinstance(record["timestamp"], int)
    assert (base64.b64decode(record["key"]), record["headers"]) == (b"k", [{"h": list(b"v")}])

    lam.update_event_source_mapping(UUID=mapping, Enabled=False)
    wait_for(lambda: _state(lam, mapping) == "Disabled", "the mapping to be disabled")
    _produce(kafka_bootstrap, topic, ["while-disabled"])
    time.sleep(4)  # several poll intervals
    assert "while-disabled" not in _delivered(function)

    lam.update_event_source_mapping(UUID=mapping, Enabled=True)
    wait_for(lambda: "while-disabled" in _delivered(function), "the record produced while disabled, after enabling")
    assert _delivered(function) == [*values, "while-disabled"]  # from the committed offset: nothing twice

    lam.delete_event_source_mapping(UUID=mapping)
    wait_for(lambda: not lam.list_event_source_mappings(FunctionName=function.name)["EventSourceMappings"],
             "the mapping to be deleted")
    _produce(kafka_bootstrap, topic, ["after-delete"])
    time.sleep(4)
    assert "after-delete" not in _delivered(function)


def test_error_handling_controls_need_provisioned_mode_then_retry_and_bisect(
        lam: Any, function: RecordingFunction, kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap, ["1", "2", "poison", "4", "fail-once"])
    group = f"it-{topic}"
    with pytest.raises(ClientError, match="provisioned mode") as refused:
        _mapping(lam, function, kafka_bootstrap, topic, group, MaximumRetryAttempts=2)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "MaximumRetryAttempts" in str(refused.value)

    mapping = _mapping(lam, function, kafka_bootstrap, topic, group, BatchSize=5, MaximumRetryAttempts=2,
                       BisectBatchOnFunctionError=True, ProvisionedPollerConfig=PROVISIONED)

    wait_for(lambda: committed_offset(kafka_bootstrap, group, topic) == 5, "the commit past the dropped poison record")
    batches = function.values()
    poison = [batch for batch in batches if "poison" in batch]
    assert len(poison) == 3  # the first attempt and MaximumRetryAttempts=2 retries, halving each time
    assert [len(batch) for batch in poison] == sorted((len(batch) for batch in poison), reverse=True)
    assert batches.count(["fail-once"]) in (1, 2) and _delivered(function).count("1") >= 1
    succeeded = {value for batch in batches if "poison" not in batch for value in batch}
    assert succeeded == {"1", "2", "4", "fail-once"}
    assert lam.get_event_source_mapping(UUID=mapping)["ProvisionedPollerConfig"] == PROVISIONED


def test_a_poller_group_is_returned_as_given_within_lambdas_limits(
        lam: Any, function: RecordingFunction, kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap, [])
    group = f"it-{topic}"
    full = {"MinimumPollers": 1, "MaximumPollers": 2000, "PollerGroupName": group}
    mapping = _mapping(lam, function, kafka_bootstrap, topic, f"it-{topic}", Enabled=False,
                       ProvisionedPollerConfig=full)
    assert lam.get_event_source_mapping(UUID=mapping)["ProvisionedPollerConfig"] == full
    with pytest.raises(ClientError, match="2001") as refused:  # a group's MaximumPollers add up to 2000 at most
        _mapping(lam, function, kafka_bootstrap, topic, f"it-{topic}-2", Enabled=False,
                 ProvisionedPollerConfig={**full, "MaximumPollers": 1})
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError, match="invalid"):
        lam.update_event_source_mapping(UUID=mapping, ProvisionedPollerConfig={**full, "PollerGroupName": "a b"})
    lam.update_event_source_mapping(UUID=mapping, ProvisionedPollerConfig={**full, "MaximumPollers": 1999})
    assert lam.get_event_source_mapping(UUID=mapping)["ProvisionedPollerConfig"]["MaximumPollers"] == 1999


def test_partial_batch_response_and_maximum_record_age(
        lam: Any, function: RecordingFunction, kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap, [])
    _produce(kafka_bootstrap, topic, ["too-old"], timestamp_ms=int(time.time() * 1000) - 3_600_000)
    _produce(kafka_bootstrap, topic, ["a", "report-once", "b"])
    group = f"it-{topic}"
    _mapping(lam, function, kafka_bootstrap, topic, group, BatchSize=10, MaximumBatchingWindowInSeconds=1,
             FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRecordAgeInSeconds=60,
             ProvisionedPollerConfig=PROVISIONED)

    wait_for(lambda: committed_offset(kafka_bootstrap, group, topic) == 4, "the commit of every record")
    batches = function.values()
    assert "too-old" not in _delivered(function)  # older than MaximumRecordAgeInSeconds: discarded, committed
    assert batches[0] == ["a", "report-once", "b"]
    assert batches[1] == ["report-once", "b"]  # retried from the first reported failure on


def test_update_to_error_handling_controls_without_provisioned_mode_is_refused(
        lam: Any, function: RecordingFunction, kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap, [])
    mapping = _mapping(lam, function, kafka_bootstrap, topic, f"it-{topic}")
    for change in ({"BisectBatchOnFunctionError": True}, {"FunctionResponseTypes": ["ReportBatchItemFailures"]},
                   {"MaximumRecordAgeInSeconds": 60}):
        with pytest.raises(ClientError, match="provisioned mode"):
            lam.update_event_source_mapping(UUID=mapping, **change)
    lam.update_event_source_mapping(UUID=mapping, MaximumRecordAgeInSeconds=60, ProvisionedPollerConfig=PROVISIONED)
    assert lam.get_event_source_mapping(UUID=mapping)["MaximumRecordAgeInSeconds"] == 60


def test_an_msk_mapping_reads_the_locally_mapped_cluster(
        lam: Any, function: RecordingFunction, kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap, ["m0", "m1"])
    lam.create_event_source_mapping(
        FunctionName=function.name, Topics=[topic], StartingPosition="TRIM_HORIZON", EventSourceArn=MSK_ARN,
        AmazonManagedKafkaEventSourceConfig={"ConsumerGroupId": f"it-{topic}"})

    wait_for(lambda: _delivered(function) == ["m0", "m1"], "the records from the MSK mapping")
    event = function.events()[0]
    assert (event["eventSource"], event["eventSourceArn"]) == ("aws:kafka", MSK_ARN)


def _last_result(lam: Any, mapping: str) -> str:
    return str(lam.get_event_source_mapping(UUID=mapping).get("LastProcessingResult") or "")


def test_a_sasl_ssl_mapping_reads_with_its_secrets_and_a_refused_login_is_its_last_processing_result(
        lam: Any, function: RecordingFunction, kafka_bootstrap: str, kafka_settings: dict[str, str],
        aws_settings: dict[str, str]) -> None:
    """SASL_SCRAM_512_AUTH + SERVER_ROOT_CA_CERTIFICATE secrets in Lambda's formats: a wrong password is the
    mapping's LastProcessingResult with the broker's message, nothing is invoked, and the corrected secret is read at
    the next attempt; without the CA secret the broker's certificate is refused."""
    secrets = boto3.client("secretsmanager", **aws_settings)
    run = uuid.uuid4().hex[:8]
    login = secrets.create_secret(Name=f"esm-login-{run}", SecretString=json.dumps(
        {"username": kafka_settings["sasl.username"], "password": "not-the-password"}))["ARN"]
    ca = secrets.create_secret(Name=f"esm-ca-{run}", SecretString=json.dumps(
        {"certificate": Path(kafka_settings["ssl.ca.location"]).read_text()}))["ARN"]
    try:
        topic = _topic(kafka_bootstrap, ["s0", "s1"])
        sasl = kafka_settings["sasl.bootstrap.servers"]
        login_access = [{"Type": "SASL_SCRAM_512_AUTH", "URI": login}]
        mapping = _mapping(lam, function, sasl, topic, f"it-{topic}",
                           SourceAccessConfigurations=[*login_access,
                                                       {"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": ca}])
        other = _topic(kafka_bootstrap, [])
        untrusted = _mapping(lam, function, sasl, other, f"it-{other}", SourceAccessConfigurations=login_access)

        wait_for(lambda: _last_result(lam, mapping).startswith("PROBLEM"), "the refused login in LastProcessingResult")
        assert _last_result(lam, mapping).startswith("PROBLEM: SASL authentication failed: ")
        assert ("Authentication failed during authentication due to invalid credentials with SASL mechanism "
                "SCRAM-SHA-512") in _last_result(lam, mapping)
        wait_for(lambda: _last_result(lam, untrusted).startswith("PROBLEM"), "the untrusted broker's problem")
        assert _last_result(lam, untrusted).startswith("PROBLEM: Lambda failed to authenticate server: ")
        assert "certificate verify failed" in _last_result(lam, untrusted)
        assert function.events() == []
        assert lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled"  # Lambda keeps trying, as here

        lam.delete_event_source_mapping(UUID=untrusted)
        secrets.put_secret_value(SecretId=login, SecretString=json.dumps(
            {"username": kafka_settings["sasl.username"], "password": kafka_settings["sasl.password"]}))
        wait_for(lambda: _delivered(function) == ["s0", "s1"], "the records once the secret is corrected")
        wait_for(lambda: _last_result(lam, mapping) == "OK", "LastProcessingResult OK after the delivered batch")
        assert function.events()[0]["bootstrapServers"] == sasl
    finally:
        for arn in (login, ca):
            secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
