"""AwsDeployer on LocalStack's real APIs: schedules (create, scale, pause, resume, stop, re-apply, delete), and a sink
connector's function + Kafka event source mapping, which our LocalStack extension polls (records delivered to the
cloned function, provisioned mode in the stack's poller group for error-handling controls, pause/resume, delete).
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from typing import TYPE_CHECKING

import boto3
import pytest

from connect_core.coordinator.aws.deployer import AwsDeployer, AwsDeployerSettings
from connect_core.coordinator.aws.schedules import ScheduleSettings
from connect_core.coordinator.aws.sink_functions import SinkFunctionSettings
from connect_core.storage.config_state import TargetState
from tests.integration.localstack_ext._functions import RecordingFunction, wait_for

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

pytestmark = pytest.mark.integration

SOURCE = {"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "lines"}


def _states(client: Any, group: str) -> dict[str, str]:
    names = [s["Name"] for s in client.list_schedules(GroupName=group)["Schedules"]]
    return {n: client.get_schedule(Name=n, GroupName=group)["State"] for n in sorted(names)}


def test_source_schedules_converge_on_localstack(scheduler: tuple[Any, str], aws_settings: dict[str, str]) -> None:
    client, group = scheduler
    settings = AwsDeployerSettings(
        ScheduleSettings(group, "arn:aws:lambda:us-east-1:000000000000:function:src",
                         "arn:aws:iam::000000000000:role/scheduler"),
        SinkFunctionSettings(template_function="unused"),
    )
    deployer = AwsDeployer(settings, scheduler=client, lambda_client=boto3.client("lambda", **aws_settings))

    deployer.apply("orders", SOURCE, 2, TargetState.STARTED)
    assert _states(client, group) == {"orders-0": "ENABLED", "orders-1": "ENABLED"}
    schedule = client.get_schedule(Name="orders-1", GroupName=group)
    assert schedule["ScheduleExpression"] == "rate(1 minute)"
    assert json.loads(schedule["Target"]["Input"]) == {"connector": "orders", "task": 1, "window_ms": 60_000,
                                                       "window_start": "<aws.scheduler.scheduled-time>"}

    deployer.apply("orders", SOURCE, 2, TargetState.STARTED)
    assert deployer.last_actions == []

    deployer.apply("orders", SOURCE, 3, TargetState.STARTED)
    assert deployer.last_actions == ["create orders-2"]
    deployer.apply("orders", SOURCE, 1, TargetState.PAUSED)
    assert _states(client, group) == {"orders-0": "DISABLED"}
    deployer.apply("orders", SOURCE, 1, TargetState.STARTED)
    assert _states(client, group) == {"orders-0": "ENABLED"}
    deployer.apply("orders", SOURCE, 0, TargetState.STOPPED)
    assert _states(client, group) == {"orders-0": "DISABLED"}

    deployer.remove("orders")
    assert _states(client, group) == {}


def _fetch_code(url: str) -> bytes:
    """GetFunction's Code.Location names localhost.localstack.cloud, which has no DNS on these machines."""
    with urllib.request.urlopen(url.replace("localhost.localstack.cloud", "127.0.0.1"), timeout=60) as response:
        return response.read()


def test_sink_function_and_kafka_mapping_converge_and_deliver_on_localstack(
        aws_settings: dict[str, str], kafka_bootstrap: str, tmp_path: Path) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    lam = boto3.client("lambda", **aws_settings)
    template = RecordingFunction(lam, tmp_path, "it-sink-template")  # the clone writes to the same record file
    name = f"it-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(name, 1, 1)])[name].result(30)
    producer = Producer({"bootstrap.servers": kafka_bootstrap})

    def produce(*values: str) -> None:
        for value in values:
            producer.produce(name, value=value.encode())
        producer.flush(30)

    settings = AwsDeployerSettings(
        ScheduleSettings("unused", "arn:aws:lambda:us-east-1:000000000000:function:src", "arn:aws:iam::0:role/s"),
        SinkFunctionSettings(template_function=template.name, function_prefix=f"{name}-",
                             bootstrap_servers=(kafka_bootstrap,), vpc_subnets=("subnet-0local",),
                             vpc_security_groups=("sg-0local",), poller_group=f"{name}-sinks"),
    )
    deployer = AwsDeployer(settings, scheduler=boto3.client("scheduler", **aws_settings), lambda_client=lam,
                           fetch_code=_fetch_code)
    sink = {"connector.class": "FileStreamSink", "file": "/tmp/unused", "topics": name, "lambda.batch.size": "2",
            "lambda.memory.size": "256"}
    function = f"{name}-{name}"
    try:
        produce("a", "b", "c")
        deployer.apply(name, sink, 1, TargetState.STARTED)
        [mapping] = lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
        wait_for(lambda: lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled", "Enabled")
        wait_for(lambda: {"a", "b", "c"} <= {v for vs in template.values() for v in vs}, "the records")
        configuration = lam.get_function(FunctionName=function)["Configuration"]
        assert (configuration["Environment"]["Variables"]["CONNECTOR_NAME"], configuration["MemorySize"]) == (name, 256)

        deployer.apply(name, {**sink, "lambda.maximum.retry.attempts": "2"}, 1, TargetState.STARTED)
        updated = lam.get_event_source_mapping(UUID=mapping["UUID"])
        assert (updated["MaximumRetryAttempts"], updated["ProvisionedPollerConfig"]) == (
            2, {"MinimumPollers": 1, "MaximumPollers": 20, "PollerGroupName": f"{name}-sinks"})

        def settled_pass_is_quiet() -> bool:
            """The group as LocalStack returns it is no drift: a pass over the Enabled mapping changes nothing. A
            pass that reads the mapping while LocalStack still says Updating re-sends Enabled (a pause must not be
            lost then) and nothing else."""
            if lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] != "Enabled":
                return False
            deployer.apply(name, {**sink, "lambda.maximum.retry.attempts": "2"}, 1, TargetState.STARTED)
            assert all(action.endswith(": Enabled") for action in deployer.last_actions), deployer.last_actions
            return deployer.last_actions == []

        wait_for(settled_pass_is_quiet, "a quiet pass over the Enabled mapping")

        deployer.apply(name, sink, 1, TargetState.PAUSED)
        wait_for(lambda: lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Disabled", "Disabled")
        produce("while-paused")
        time.sleep(4)
        assert "while-paused" not in [v for vs in template.values() for v in vs]
        deployer.apply(name, sink, 1, TargetState.STARTED)
        wait_for(lambda: "while-paused" in [v for vs in template.values() for v in vs], "delivery after resume")
    finally:
        deployer.remove(name)
        template.delete()
    wait_for(lambda: not lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"],
             "the mapping to be deleted (asynchronously, as on AWS)")
    assert function not in [f["FunctionName"] for f in lam.list_functions()["Functions"]]


def _vpc_sink_deployer(aws_settings: dict[str, str], lam: Any, template: str, name: str, kafka_bootstrap: str, *,
                       source_function: str = "arn:aws:lambda:us-east-1:000000000000:function:src") -> AwsDeployer:
    """A deployer cloning ``template`` into ``<name>-<connector>`` functions whose mappings reach the local Kafka
    "through a VPC" (LocalStack ignores the ids; AWS needs a VPC or authentication)."""
    settings = AwsDeployerSettings(
        ScheduleSettings("unused", source_function, "arn:aws:iam::0:role/s"),
        SinkFunctionSettings(template_function=template, function_prefix=f"{name}-",
                             bootstrap_servers=(kafka_bootstrap,), vpc_subnets=("subnet-0local",),
                             vpc_security_groups=("sg-0local",)),
    )
    return AwsDeployer(settings, scheduler=boto3.client("scheduler", **aws_settings), lambda_client=lam,
                       fetch_code=_fetch_code)


def test_hold_disables_a_poisoned_sinks_mapping_keeping_its_batch_and_apply_replays_it_on_localstack(
        aws_settings: dict[str, str], kafka_bootstrap: str, tmp_path: Path) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    lam = boto3.client("lambda", **aws_settings)
    template = RecordingFunction(lam, tmp_path, "it-poison-template")  # fails every batch holding "poison"
    name = f"it-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(name, 1, 1)])[name].result(30)
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    producer.produce(name, value=b"poison")
    producer.flush(30)
    deployer = _vpc_sink_deployer(aws_settings, lam, template.name, name, kafka_bootstrap)
    sink = {"connector.class": "FileStreamSink", "file": "/tmp/unused", "topics": name}
    function = f"{name}-{name}"

    def attempts() -> int:
        return sum(values.count("poison") for values in template.values())

    def committed() -> int | None:
        from confluent_kafka import ConsumerGroupTopicPartitions

        request = [ConsumerGroupTopicPartitions(f"connect-{name}")]
        result = admin.list_consumer_group_offsets(request)[f"connect-{name}"].result(30)
        offsets = [tp.offset for tp in result.topic_partitions if tp.topic == name and tp.offset >= 0]
        return offsets[0] if offsets else None

    try:
        deployer.apply(name, sink, 1, TargetState.STARTED)  # on-demand: retries the poison batch without end
        [mapping] = lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
        wait_for(lambda: attempts() >= 2, "the poison batch retried")

        deployer.hold(name)  # what the heartbeat does once the sink's breaker is open
        assert deployer.last_actions == [f"disable mapping {mapping['UUID']}"]
        wait_for(lambda: lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Disabled", "Disabled")
        time.sleep(2)  # an invocation already under way may still end
        held = attempts()
        time.sleep(5)
        assert attempts() == held, "a disabled mapping must not invoke the function again"
        assert committed() in (None, 0), "the failed batch must stay uncommitted"

        deployer.apply(name, sink, 1, TargetState.STARTED)  # a REST restart / resume / config update
        wait_for(lambda: lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled", "Enabled")
        wait_for(lambda: attempts() > held, "the kept batch replayed")
    finally:
        deployer.remove(name)
        template.delete()


def test_start_invokes_each_task_once_on_localstack(aws_settings: dict[str, str], kafka_bootstrap: str,
                                                    tmp_path: Path) -> None:
    """The coordinator's start (runtime/task_start.py): every source and pull-mode sink task gets the source
    function's start event, and a mapping's sink its own function's event with no records, right after its function
    was created (a function still Pending is waited for)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    lam = boto3.client("lambda", **aws_settings)
    source_function = RecordingFunction(lam, tmp_path, "it-source-fn")
    template = RecordingFunction(lam, tmp_path, "it-sink-template")
    name = f"it-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    admin.create_topics([NewTopic(name, 1, 1)])[name].result(30)
    deployer = _vpc_sink_deployer(aws_settings, lam, template.name, name, kafka_bootstrap,
                                  source_function=source_function.arn)
    sink = {"connector.class": "FileStreamSink", "file": "/tmp/unused", "topics": name}
    try:
        deployer.start("src", SOURCE, 2)
        deployer.start("pull", {**sink, "tasks.max": "2"}, 2)
        wait_for(lambda: len(source_function.events()) == 4, "four start invocations")
        assert sorted(source_function.events(), key=lambda e: (e["connector"], e["task"])) == [
            {"connector": "pull", "task": 0, "kind": "sink", "start": True},
            {"connector": "pull", "task": 1, "kind": "sink", "start": True},
            {"connector": "src", "task": 0, "start": True}, {"connector": "src", "task": 1, "start": True}]

        deployer.apply(name, sink, 1, TargetState.STARTED)
        deployer.start(name, sink, 1)
        wait_for(lambda: {"eventSource": "aws:kafka", "records": {}} in template.events(), "the sink's start")
    finally:
        deployer.remove(name)
        template.delete()
        source_function.delete()
