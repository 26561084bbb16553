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
