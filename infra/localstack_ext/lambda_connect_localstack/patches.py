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
