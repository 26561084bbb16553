"""The extension refuses what Lambda refuses in a poller group: a bad name, a 101st mapping, more than 2000
MaximumPollers in all; an update is not counted against itself."""

from __future__ import annotations

from typing import Any

from infra.localstack_ext.lambda_connect_localstack.poller_groups import poller_group_problem


def _mapping(uuid: str, group: str | None, maximum: int | None = 20) -> dict[str, Any]:
    config: dict[str, Any] = {"MinimumPollers": 1}
    if maximum is not None:
        config["MaximumPollers"] = maximum
    if group is not None:
        config["PollerGroupName"] = group
    return {"UUID": uuid, "Topics": ["t"], "ProvisionedPollerConfig": config}


def test_no_group_or_a_group_within_its_limits_is_accepted() -> None:
    existing = [_mapping(f"u{i}", "g") for i in range(99)]
    assert poller_group_problem(_mapping("new", None), existing) is None
    assert poller_group_problem({"UUID": "x", "Topics": ["t"]}, existing) is None
    assert poller_group_problem(_mapping("new", "g"), existing) is None  # the 100th: 100 x 20 = 2000 pollers


def test_a_bad_name_is_refused() -> None:
    assert "invalid" in (poller_group_problem(_mapping("new", "bad name!"), []) or "")
    assert "invalid" in (poller_group_problem(_mapping("new", "g" * 129), []) or "")
    assert poller_group_problem(_mapping("new", "Stack-1_sinks"), []) is None


def test_the_101st_mapping_is_refused_and_an_update_is_not_counted_twice() -> None:
    existing = [_mapping(f"u{i}", "g", maximum=1) for i in range(100)]
    assert "100" in (poller_group_problem(_mapping("new", "g", maximum=1), existing) or "")
    assert poller_group_problem(_mapping("u5", "g", maximum=1), existing) is None
    assert poller_group_problem(_mapping("new", "other", maximum=1), existing) is None


def test_more_than_2000_pollers_in_a_group_are_refused() -> None:
    existing = [_mapping(f"u{i}", "g", maximum=None) for i in range(10)]  # Lambda's default: 200 each
    problem = poller_group_problem(_mapping("new", "g", maximum=None), existing)
    assert problem is not None and "2200" in problem
    assert poller_group_problem(_mapping("u0", "g", maximum=None), existing) is None
