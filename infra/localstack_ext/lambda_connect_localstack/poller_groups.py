"""Lambda's limits on provisioned poller groups, which LocalStack stores without checking.

AWS Lambda API reference, ``ProvisionedPollerConfig.PollerGroupName`` (Amazon MSK and self-managed Apache Kafka):
"You can group up to 100 ESMs per poller group and aggregate maximum pollers across all ESMs in a group cannot
exceed 2000"; the name is a string of at most 128 characters matching ``[a-zA-Z0-9-_]*``. A mapping without
``MaximumPollers`` counts Lambda's default, 200. Kept free of LocalStack imports so unit tests can load it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["MAX_GROUP_MAPPINGS", "MAX_GROUP_POLLERS", "poller_group", "poller_group_problem"]

MAX_GROUP_MAPPINGS = 100
MAX_GROUP_POLLERS = 2000
DEFAULT_MAXIMUM_POLLERS = 200
_NAME = re.compile(r"[a-zA-Z0-9_-]{0,128}")
DOC = "https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html"


def poller_group(mapping: dict[str, Any]) -> str | None:
    """The mapping's poller group name (None: dedicated pollers)."""
    name = (mapping.get("ProvisionedPollerConfig") or {}).get("PollerGroupName")
    return str(name) if name else None


def _maximum(mapping: dict[str, Any]) -> int:
    return int((mapping.get("ProvisionedPollerConfig") or {}).get("MaximumPollers") or DEFAULT_MAXIMUM_POLLERS)


def poller_group_problem(mapping: dict[str, Any], existing: Iterable[dict[str, Any]]) -> str | None:
    """What Lambda would refuse in ``mapping``'s poller group, given the ``existing`` mappings of the account and
    region (the mapping itself, on an update, is recognised by its UUID and not counted twice)."""
    config = mapping.get("ProvisionedPollerConfig") or {}
    name = config.get("PollerGroupName")
    if name is None or name == "":
        return None
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return (f"PollerGroupName {name!r} is invalid: at most 128 characters of letters, digits, '-' and '_'. "
                f"See {DOC}")
    members = [other for other in existing
               if poller_group(other) == name and other.get("UUID") != mapping.get("UUID")]
    if len(members) >= MAX_GROUP_MAPPINGS:
        return (f"The poller group {name} already holds {len(members)} event source mappings, the most a group can "
                f"hold ({MAX_GROUP_MAPPINGS}). See {DOC}")
    pollers = sum(_maximum(other) for other in members) + _maximum(mapping)
    if pollers > MAX_GROUP_POLLERS:
        return (f"The MaximumPollers of the event source mappings in the poller group {name} would add up to "
                f"{pollers}, more than {MAX_GROUP_POLLERS}. See {DOC}")
    return None
