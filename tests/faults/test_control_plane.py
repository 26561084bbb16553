"""Control-plane faults on LocalStack: a coordinator process killed at an AWS call of a deploy, then one heartbeat.

For each case (create or delete, of a source or a sink connector) the fault points are enumerated from a clean run
of the same request (``aws.<operation>.before/after``, n-th call); at each, a real coordinator process answering the
REST request is killed with ``SIGKILL`` right there (``LAMBDA_CONNECT_FAULT``), and then the heartbeat's reconcile
pass runs. It must converge: exactly the desired schedules, function and one event source mapping (or nothing after
a delete), no orphan of the stack, and a created sink delivers every record produced before the kill. ``make test``
runs one point per case; ``make faults`` runs every point and prints the tally.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from connect_core.coordinator.aws.deployer import AwsDeployer
from connect_core.coordinator.factory import coordinator_from_settings
from connect_core.runtime import env
from tests.faults._coordinator_driver import fetch_code
from tests.faults.conftest import BIG, function_env, run_function
from tests.integration.localstack_ext._functions import RecordingFunction, wait_for

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from connect_core.coordinator.rest.service import Coordinator
    from tests.faults.conftest import Tally
    from tests.integration.runtime.conftest import Cluster

pytestmark = pytest.mark.integration

SOURCE_FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:faults-source"
# One point per case in `make test`: the ones that leave the most half-done (a resource without its partner).
SMALL = {"create-source": ("aws.create_schedule.after", 1), "create-sink": ("aws.create_function.after", 1),
         "delete-source": ("aws.delete_schedule.after", 1), "delete-sink": ("aws.delete_function.before", 1)}


class ControlPlane:
    """The test's stack on LocalStack: schedule group, sink template function, function prefix, internal topics."""

    def __init__(self, cluster: Cluster, aws: dict[str, str], group: str, template: RecordingFunction,
                 prefix: str) -> None:
        self.cluster, self.aws, self.group, self.template, self.prefix = cluster, aws, group, template, prefix
        self.lam = boto3.client("lambda", **aws)
        self.scheduler = boto3.client("scheduler", **aws)
        self.environment = function_env(cluster, **{
            env.DEPLOYER: "aws", env.SCHEDULE_GROUP: group, env.SOURCE_FUNCTION_ARN: SOURCE_FUNCTION,
            env.SCHEDULER_ROLE_ARN: "arn:aws:iam::000000000000:role/scheduler", env.SINK_FUNCTION_NAME: template.name,
            env.FUNCTION_PREFIX: prefix, env.KAFKA_VPC_SUBNETS: "subnet-0local",
            env.KAFKA_VPC_SECURITY_GROUPS: "sg-0local", env.STACK_NAME: prefix,
            "AWS_ENDPOINT_URL": aws["endpoint_url"], "AWS_DEFAULT_REGION": aws["region_name"],
            "AWS_ACCESS_KEY_ID": aws["aws_access_key_id"], "AWS_SECRET_ACCESS_KEY": aws["aws_secret_access_key"],
        })

    def coordinator(self, on_step: Callable[[str], None] | None = None) -> Coordinator:
        """An in-process coordinator on the same topics and stack (the heartbeat's, or a recording one)."""
        saved = dict(os.environ)
        os.environ.update({k: v for k, v in self.environment.items() if k.startswith("LAMBDA_CONNECT_")})
        try:
            deployer = AwsDeployer(scheduler=self.scheduler, lambda_client=self.lam, fetch_code=fetch_code,
                                   on_step=on_step)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return coordinator_from_settings(self.cluster.worker, deployer)

    def request(self, method: str, path: str, body: Any = None, fault: str | None = None) -> int:
        """Answer one REST request in a coordinator process (killed at ``fault``): its status, -9 when killed."""
        environment = dict(self.environment)
        if fault:
            environment[env.FAULT] = fault
        args = [method, path] + ([] if body is None else [json.dumps(body)])
        code, answer, stderr = run_function("tests.faults._coordinator_driver", args, environment, timeout_s=300)
        if code != 0:
            return code
        assert answer is not None, stderr
        return int(answer["status"])

    def deployed(self, name: str) -> dict[str, Any]:
        """What the stack holds for ``name``: its schedules (name -> state) and mappings per function."""
        schedules = {}
        for page in self.scheduler.get_paginator("list_schedules").paginate(GroupName=self.group, NamePrefix=name):
            schedules.update({s["Name"]: s["State"] for s in page["Schedules"]})
        function = f"{self.prefix}{name}"
        try:
            self.lam.get_function(FunctionName=function)
            mappings = [m for m in self.lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
                        if m.get("State") not in ("Deleting",)]
            functions = {function: len(mappings)}
        except self.lam.exceptions.ResourceNotFoundException:
            functions = {}
        return {"schedules": schedules, "functions": functions}


@pytest.fixture
def plane(cluster: Cluster, aws_settings: dict[str, str], tmp_path: Path) -> Iterator[ControlPlane]:
    scheduler = boto3.client("scheduler", **aws_settings)
    group = f"faults-{uuid.uuid4().hex[:8]}"
    scheduler.create_schedule_group(Name=group)
    lam = boto3.client("lambda", **aws_settings)
    template = RecordingFunction(lam, tmp_path, "faults-sink-template")
    prefix = f"f{uuid.uuid4().hex[:6]}-"
    plane = ControlPlane(cluster, aws_settings, group, template, prefix)
    yield plane
    deployer = plane.coordinator().herder.deployer
    assert isinstance(deployer, AwsDeployer)
    for name in deployer.connectors():
        deployer.remove(name)
    template.delete()
    scheduler.delete_schedule_group(Name=group)


def _topic(bootstrap: str, name: str, values: list[str]) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, 1, 1)])[name].result(30)
    producer = Producer({"bootstrap.servers": bootstrap})
    for value in values:
        producer.produce(name, value=value.encode())
    producer.flush(30)


def _config(kind: str, name: str) -> dict[str, str]:
    if kind == "source":
        return {"name": name, "connector.class": "FileStreamSource", "file": "/tmp/faults-in.txt", "topic": name}
    return {"name": name, "connector.class": "FileStreamSink", "file": "/tmp/faults-out.txt", "topics": name}


def _points(plane: ControlPlane, action: str, kind: str) -> list[tuple[str, int]]:
    """Every fault point of the request, from a clean in-process run of it."""
    seen: list[str] = []
    name = f"rec-{uuid.uuid4().hex[:6]}"
    coordinator = plane.coordinator(on_step=seen.append)
    if kind == "sink":
        _topic(plane.cluster.worker.kafka.bootstrap_servers, name, [])
    if action == "delete":
        plane.coordinator().herder.put_connector_config(name, _config(kind, name), allow_replace=False)
        seen.clear()
        coordinator.herder.delete_connector(name)
    else:
        coordinator.herder.put_connector_config(name, _config(kind, name), allow_replace=False)
        plane.coordinator().herder.delete_connector(name)
    counts: Counter[str] = Counter()
    points = []
    for step in seen:
        counts[step] += 1
        points.append((step, counts[step]))
    return points


@pytest.mark.parametrize("case", sorted(SMALL))
def test_a_coordinator_killed_at_any_aws_call_converges_on_the_next_heartbeat(
        plane: ControlPlane, case: str, tally: Tally) -> None:
    action, kind = case.split("-")
    points = _points(plane, action, kind) if BIG else [SMALL[case]]
    passes: list[int] = []
    produced: list[str] = []
    bootstrap = plane.cluster.worker.kafka.bootstrap_servers
    for step, nth in points:
        name = f"c{uuid.uuid4().hex[:8]}"
        values = [f"{name}-{i}" for i in range(3)]
        produced += values
        if kind == "sink":
            _topic(bootstrap, name, values)
        body = {"name": name, "config": _config(kind, name)}
        if action == "create":
            assert plane.request("POST", "/connectors", body, fault=f"{step}:{nth}") == -9, (step, nth)
        else:
            assert plane.request("POST", "/connectors", body) == 201
            assert plane.request("DELETE", f"/connectors/{name}", fault=f"{step}:{nth}") == -9, (step, nth)
        if kind == "source":
            desired: dict[str, Any] = {"schedules": {f"{name}-0": "ENABLED"}, "functions": {}}
        else:
            desired = {"schedules": {}, "functions": {f"{plane.prefix}{name}": 1}}
        if action == "delete":
            desired = {"schedules": {}, "functions": {}}
        beats = 0

        def converged() -> bool:
            nonlocal beats
            beats += 1
            plane.coordinator().heartbeat()
            return plane.deployed(name) == desired  # noqa: B023 - evaluated inside this iteration

        wait_for(converged, f"{case} at {step}:{nth} to converge", timeout_s=120)
        passes.append(beats)
        deployer = plane.coordinator().herder.deployer
        assert isinstance(deployer, AwsDeployer)
        plane.coordinator().herder.configs.refresh()
        assert deployer.connectors() <= set(plane.coordinator().herder.connectors()), "an orphan is left"
        if kind == "sink" and action == "create":
            wait_for(lambda: set(values) <= {v for vs in plane.template.values() for v in vs},  # noqa: B023
                     f"the records of {name} delivered")
    tally.runs = len(points)
    tally.notes.update(points=len(points), max_heartbeats=max(passes), heartbeats=sum(passes))
    if kind == "sink" and action == "create":
        arrived = [v for vs in plane.template.values() for v in vs if v in set(produced)]
        tally.count(produced, arrived)
