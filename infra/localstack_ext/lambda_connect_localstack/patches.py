"""Fixes for LocalStack 4.13.1 bugs that the deployed stack hits; each names the bug and what it broke."""

from __future__ import annotations

import re
from typing import Any

from localstack.runtime import hooks

LIST_TYPE = re.compile(r"CommaDelimitedList|List<[^>]+>")


@hooks.on_infra_start()
def patch_cloudformation_list_parameters() -> None:
    """CloudFormation v2 engine: a stack update resolves a list parameter's new value to a list but leaves the
    previous value a string, so `!Join ["", !Ref SubnetIds]` (template.yaml's HasVpc) fails every update with
    "Invalid arguments list definition for Fn::Join". Resolve the previous value the same way."""
    from localstack.services.cloudformation.engine.v2.change_set_model_preproc import (
        ChangeSetModelPreproc,
        PreprocEntityDelta,
    )
    from localstack.utils.patch import patch

    @patch(ChangeSetModelPreproc.visit_node_parameter)
    def visit_node_parameter(fn: Any, self: ChangeSetModelPreproc, node_parameter: Any) -> PreprocEntityDelta:
        delta = fn(self, node_parameter)
        type_ = self.visit(node_parameter.type_).before
        if isinstance(delta.before, str) and isinstance(type_, str) and LIST_TYPE.fullmatch(type_):
            return PreprocEntityDelta(before=[item.strip() for item in delta.before.split(",")], after=delta.after)
        return delta


@hooks.on_infra_start()
def patch_cloudformation_reference_cycles() -> None:
    """CloudFormation v2 engine: every update of a SAM template failed with "maximum recursion depth exceeded"
    (CreateChangeSet => 500) when its resources reference each other *before* the SAM transform, as template.yaml's
    do: CoordinatorFunction's ScheduleV2 event names ``!GetAtt HeartbeatRole.Arn`` and HeartbeatRole's policy
    ``!GetAtt CoordinatorFunction.Arn``. After the transform that is no cycle (the event becomes a schedule resource
    of its own), and AWS runs transforms first; LocalStack 4.13.1 models the untransformed template too, and on an
    update (a Ref or GetAtt whose arguments did not change) ``ChangeSetModel._retrieve_or_visit_resource`` visits
    the referenced resource to learn whether it changed, remembering a resource only once its visit is done, so the
    two visit each other until Python's limit. A create asks no such question, hence only the second deploy failed.

    A resource reached again while its own visit is under way is answered from its raw definitions (created,
    removed, modified when they differ, else unchanged) instead of being visited again."""
    from types import SimpleNamespace

    from localstack.services.cloudformation.engine.v2.change_set_model import ChangeSetModel, ChangeType
    from localstack.utils.patch import patch

    @patch(ChangeSetModel._retrieve_or_visit_resource)
    def _retrieve_or_visit_resource(fn: Any, self: ChangeSetModel, resource_name: str) -> Any:
        visiting: set[str] = self.__dict__.setdefault("_lambda_connect_visiting", set())
        if resource_name not in visiting:
            visiting.add(resource_name)
            try:
                return fn(self, resource_name)
            finally:
                visiting.discard(resource_name)
        before = _resource_definition(self._before_template, resource_name)
        after = _resource_definition(self._after_template, resource_name)
        if before is None:
            change = ChangeType.CREATED
        elif after is None:
            change = ChangeType.REMOVED
        else:
            change = ChangeType.UNCHANGED if before == after else ChangeType.MODIFIED
        # what the callers (a Ref's and a GetAtt's change type) read of a NodeResource
        return SimpleNamespace(name=resource_name, change_type=change, properties=SimpleNamespace(properties=[]))


def _resource_definition(template: Any, name: str) -> Any:
    resources = template.get("Resources") if isinstance(template, dict) else None
    return resources.get(name) if isinstance(resources, dict) else None


@hooks.on_infra_start()
def patch_delete_of_disabled_event_source_mappings() -> None:
    """Event source mappings: deleting a disabled one leaves it in "Deleting" for ever, because only a running
    poller loop removes a deleted mapping from the store (and it only does so when the mapping is enabled). AWS
    deletes disabled mappings like any other; so does this, once the stopped poller loop has ended."""
    import threading

    from localstack.services.lambda_.event_source_mapping.esm_worker import EsmWorker
    from localstack.utils.patch import patch

    @patch(EsmWorker.delete)
    def delete(fn: Any, self: EsmWorker) -> None:
        fn(self)
        if self.enabled:
            return  # the running poller loop ends and removes it

        def remove_when_stopped() -> None:
            thread = self._poller_thread
            if thread is not None:
                thread.join(timeout=60)
            self.delete_esm_in_store()

        threading.Thread(target=remove_when_stopped, name=f"esm-delete-{self.uuid}", daemon=True).start()


# AWS's SQS pollers long-poll without pause and scale out, so a delayed message (a source task's next tick) reaches
# its function about a second after it becomes visible. LocalStack's poller of a mapping sleeps a second after every
# batch and backs an empty queue off up to 10 s; with BatchSize 1 (template.yaml: one tick, one task) the ticks of all
# a stack's source tasks then queued behind each other at one a second, and every poll.interval.ms tick came 6-17 s
# after the last (an update took 8 s to reach the CRM, 2.4 s on `up`).
EMPTY_POLL_BACKOFF_S = 1.0
POLL_INTERVAL_S = 0.05
_BACKOFF_VARIABLE = "LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_EMPTY_POLL_SEC"
_INTERVAL_VARIABLE = "LAMBDA_EVENT_SOURCE_MAPPING_POLL_INTERVAL_SEC"


@hooks.on_infra_start()
def patch_event_source_poll_cadence() -> None:
    """Poll an event source (the tick queue) again at once after a batch and at most a second apart when it is
    empty, as AWS does, unless the user set LocalStack's own variables."""
    import os

    from localstack.services.lambda_.event_source_mapping import esm_worker

    if not os.environ.get(_BACKOFF_VARIABLE):
        esm_worker.LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_EMPTY_POLL_SEC = EMPTY_POLL_BACKOFF_S
    if not os.environ.get(_INTERVAL_VARIABLE):
        esm_worker.LAMBDA_EVENT_SOURCE_MAPPING_POLL_INTERVAL_SEC = POLL_INTERVAL_S


def poll_cadence_s() -> dict[str, float]:
    """The pollers' wait after a batch and longest wait on an empty source, as they see them (the health route)."""
    from localstack.services.lambda_.event_source_mapping import esm_worker

    return {"after_batch": float(esm_worker.LAMBDA_EVENT_SOURCE_MAPPING_POLL_INTERVAL_SEC),
            "empty_backoff_max": float(esm_worker.LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_EMPTY_POLL_SEC)}
