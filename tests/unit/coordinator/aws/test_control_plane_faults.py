"""Control-plane faults with moto: a REST write whose deploy stops at any AWS call converges on the next heartbeat.

Every fault point of a create and a delete (``aws.<operation>.before/after`` for each call the deployer makes,
enumerated from a clean run) is hit once: the REST answer still reflects the config topic, the tasks whose resource
is missing are UNASSIGNED with a trace naming it, and one reconcile pass later the stack holds exactly the desired
resources (no orphan, no duplicate mapping) and no trace is left. The same cases kill a real coordinator process on
LocalStack in ``tests/faults/test_control_plane.py``.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from moto import mock_aws

from connect_core.coordinator.aws.deployer import AwsDeployer
from connect_core.coordinator.cluster.info import StaticClusterInfo
from connect_core.coordinator.herder.reconciler import NOT_DEPLOYED
from connect_core.coordinator.rest.http import Request
from connect_core.coordinator.rest.service import Coordinator
from connect_core.storage.config_state import TargetState
from connect_core.storage.status_state import State
from tests.unit.coordinator.aws.test_deployer import REGION, Aws
from tests.unit.coordinator.fakes import SPLITTING_SOURCE, MemoryConsumerGroups
from tests.unit.storage.fakes import Topics

if TYPE_CHECKING:
    from collections.abc import Callable

SOURCE = {"connector.class": SPLITTING_SOURCE, "file": "/tmp/in.txt", "topic": "lines", "tasks.max": "2"}
SINK = {"connector.class": "FileStreamSink", "file": "/tmp/out.txt", "topics": "lines"}


class InjectedCrash(Exception):
    """The coordinator 'dies' here: for AWS's state, the call happened (after) or did not (before)."""


class Armed:
    """``on_step`` that records every step and raises at the n-th arrival of the armed one."""

    def __init__(self, step: str | None = None, nth: int = 1) -> None:
        self.step, self.nth = step, nth
        self.seen: list[str] = []
        self.fired = False

    def __call__(self, step: str) -> None:
        self.seen.append(step)
        if step == self.step and self.seen.count(step) == self.nth:
            self.fired = True
            raise InjectedCrash(step)

    def points(self) -> list[tuple[str, int]]:
        """Every (step, n) this run passed, in order."""
        counts: Counter[str] = Counter()
        points = []
        for step in self.seen:
            counts[step] += 1
            points.append((step, counts[step]))
        return points


class Stack:
    """moto AWS, in-memory topics, and a coordinator per call (as every Lambda request may get a fresh one)."""

    def __init__(self, aws: Aws) -> None:
        self.aws = aws
        self.topics = Topics()
        self.groups = MemoryConsumerGroups()

    def coordinator(self, on_step: Callable[[str], None] | None = None) -> Coordinator:
        deployer = AwsDeployer(self.aws.settings, scheduler=self.aws.scheduler, lambda_client=self.aws.lam,
                               fetch_code=lambda _url: b"", on_step=on_step)
        deployer.sinks._fetch_code = self.aws._fetch  # the template's code
        return Coordinator(self.topics.config_store(), self.topics.offset_store(), self.topics.status_store(),
                           deployer=deployer, groups=self.groups, cluster=StaticClusterInfo("c"),
                           worker_id="coordinator:8083", version="0.1.0", commit="abc")

    def call(self, method: str, path: str, body: Any = None, on_step: Callable[[str], None] | None = None) -> int:
        raw = None if body is None else json.dumps(body)
        request = Request.build(method, path, "", {"Content-Type": "application/json", "Host": "localhost"}, raw)
        return self.coordinator(on_step).handle(request).status

    def inventory(self) -> dict[str, Any]:
        """What the stack holds: schedules (name -> state), functions by connector, mappings per function."""
        deployer = self.coordinator().herder.deployer
        assert isinstance(deployer, AwsDeployer)
        functions = {c: deployer.sinks.function_name(c) for c in deployer.sinks.connectors()}
        return {
            "schedules": {name: s["State"] for name, s in self.aws.schedules().items()},
            "functions": sorted(functions),
            "mappings": Counter(m["FunctionArn"].rsplit(":", 1)[1] for m in self.aws.mappings()),
            "connectors": deployer.connectors(),
        }

    def traces(self, name: str) -> dict[int, str | None]:
        statuses = self.topics.status_store()
        statuses.refresh()
        return {s.task: s.trace for s in statuses.task_statuses(name) if s.state is State.UNASSIGNED}


SOURCE_DEPLOYED = {"schedules": {"src-0": "ENABLED", "src-1": "ENABLED"}, "functions": [],
                   "mappings": Counter(), "connectors": {"src"}}
SINK_DEPLOYED = {"schedules": {}, "functions": ["snk"], "mappings": Counter({"lc-snk": 1}), "connectors": {"snk"}}
NOTHING = {"schedules": {}, "functions": [], "mappings": Counter(), "connectors": set()}


def _create(name: str, config: dict[str, str]) -> Callable[[Stack, Armed | None], int]:
    def run(stack: Stack, armed: Armed | None) -> int:
        return stack.call("POST", "/connectors", {"name": name, "config": config}, armed)
    return run


def _delete(name: str, config: dict[str, str]) -> Callable[[Stack, Armed | None], int]:
    def run(stack: Stack, armed: Armed | None) -> int:
        if armed is not None or not stack.inventory()["connectors"]:
            assert stack.call("POST", "/connectors", {"name": name, "config": config}) == 201
        return stack.call("DELETE", f"/connectors/{name}", None, armed)
    return run


CASES = {
    "create-source": (_create("src", SOURCE), 201, SOURCE_DEPLOYED),
    "create-sink": (_create("snk", SINK), 201, SINK_DEPLOYED),
    "delete-source": (_delete("src", SOURCE), 204, NOTHING),
    "delete-sink": (_delete("snk", SINK), 204, NOTHING),
}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", REGION)):
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.usefixtures("aws_env")
def test_every_fault_point_of_a_rest_write_converges_on_the_next_heartbeat(case: str) -> None:
    run, status, desired = CASES[case]
    with mock_aws() as mock:
        aws = Aws()  # clients built once (the slow part); the state is reset for every point
        clean = Stack(aws)
        recorder = Armed()
        assert run(clean, recorder) == status
        assert clean.inventory() == desired
        points = recorder.points()
        assert len(points) >= 4, points
        for step, nth in points:
            mock.reset()
            aws.seed()
            stack = Stack(aws)
            armed = Armed(step, nth)
            assert run(stack, armed) == status, (step, nth)  # the config topic is written: the answer stands
            assert armed.fired
            name = next(iter(desired["connectors"]), "src" if "source" in case else "snk")
            if desired is not NOTHING and stack.inventory() != desired:
                traces = stack.traces(name)
                assert any((t or "").startswith(NOT_DEPLOYED) for t in traces.values()), (step, traces)
            stack.coordinator().heartbeat()
            assert stack.inventory() == desired, (step, nth)
            assert not any((t or "").startswith(NOT_DEPLOYED) for t in stack.traces(name).values()), (step, nth)
            stack.coordinator().heartbeat()  # idempotent: a converged stack is left alone
            assert stack.inventory() == desired, (step, nth)


@pytest.mark.usefixtures("aws_env")
def test_a_pass_removes_orphans_and_leaves_the_stacks_own_schedules_alone() -> None:
    with mock_aws():
        stack = Stack(Aws())
        assert stack.call("POST", "/connectors", {"name": "src", "config": SOURCE}) == 201
        deployer = stack.coordinator().herder.deployer
        assert isinstance(deployer, AwsDeployer)
        # resources of connectors the config topic does not name: a deploy whose delete never ran
        deployer.apply("gone", SOURCE, 1, TargetState.STARTED)
        deployer.apply("gone-sink", SINK, 1, TargetState.STARTED)
        target = {"Arn": stack.aws.settings.schedules.source_function_arn, "RoleArn": "arn:aws:iam::1:role/r"}
        stack.aws.scheduler.create_schedule(  # the stack's static source schedule (template.yaml): no description
            Name="stack-static-source-0", GroupName="default", ScheduleExpression="rate(1 minute)",
            FlexibleTimeWindow={"Mode": "OFF"}, Target={**target, "Input": '{"connector": "x", "task": 0}'})
        stack.aws.scheduler.create_schedule(  # the coordinator's heartbeat: another target
            Name="stack-coordinator-heartbeat", GroupName="default", ScheduleExpression="rate(1 minute)",
            FlexibleTimeWindow={"Mode": "OFF"}, Target={**target, "Arn": "arn:aws:lambda:us-east-1:1:function:c"})
        assert stack.inventory()["connectors"] == {"src", "gone", "gone-sink"}

        coordinator = stack.coordinator()
        coordinator.heartbeat()

        assert coordinator.last_pass is not None
        assert (coordinator.last_pass.converged, sorted(coordinator.last_pass.removed)) == (
            ["src"], ["gone", "gone-sink"])
        assert stack.inventory() == {**SOURCE_DEPLOYED, "schedules": {
            "src-0": "ENABLED", "src-1": "ENABLED", "stack-static-source-0": "ENABLED",
            "stack-coordinator-heartbeat": "ENABLED"}}
