"""Warm containers of one function on `lambda-connect up` (local/function_host.py): several processes, each
invocation handed to one picked at random, a dead one replaced alone; one process unless asked for more."""

from __future__ import annotations

import pytest

from connect_core.local.cli import build_parser
from connect_core.local.function_host import WARM_CONTAINERS_ENV, FunctionError, FunctionHost, warm_containers

HANDLER = "tests.unit.local._pid_function.handler"


def _pids(host: FunctionHost, invocations: int) -> list[int]:
    return [host.invoke({})["pid"] for _ in range(invocations)]


def test_invocations_go_to_several_warm_processes_picked_at_random() -> None:
    host = FunctionHost(HANDLER, containers=3)
    try:
        pids = _pids(host, 30)
    finally:
        host.close()
    assert len(set(pids)) == 3  # (1/3)^29 * 3 of all landing on one: each is picked, none is kept for ever
    assert pids != sorted(pids, key=pids.index)  # not one after the other: they come back interleaved


def test_one_warm_process_by_default_and_the_variable_sets_more() -> None:
    single = FunctionHost(HANDLER, {WARM_CONTAINERS_ENV: ""})
    several = FunctionHost(HANDLER, {WARM_CONTAINERS_ENV: "2"})
    try:
        assert len(set(_pids(single, 6))) == 1
        assert several.containers == 2 and len(set(_pids(several, 20))) == 2
    finally:
        single.close()
        several.close()


def test_a_dead_process_is_replaced_alone_by_a_cold_one() -> None:
    host = FunctionHost(HANDLER, containers=2)
    try:
        before = set(_pids(host, 20))
        with pytest.raises(FunctionError, match="exited with 3"):
            host.invoke({"die": True})
        after = set(_pids(host, 20))
    finally:
        host.close()
    assert len(before) == len(after) == 2 and len(before & after) == 1  # one survived warm, one started cold


def test_up_takes_warm_containers_of_at_least_one() -> None:
    parser = build_parser()
    assert parser.parse_args(["up", "--warm-containers", "3"]).warm_containers == 3
    assert parser.parse_args(["up"]).warm_containers is None
    with pytest.raises(SystemExit):
        parser.parse_args(["up", "--warm-containers", "0"])
    with pytest.raises(ValueError, match="at least 1"):
        warm_containers("0")


def test_a_process_whose_pipe_descriptors_are_past_1023_is_still_answered() -> None:
    """A long `lambda-connect up` holds many clients' descriptors: its function processes' pipes come past 1,023,
    which ``select`` refuses."""
    import os
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft <= 1200:
        pytest.skip(f"open files limited to {soft}")
    filler = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    host = FunctionHost(HANDLER)
    try:
        first = host.invoke({})
        assert host._procs[0] is not None and host._procs[0].stdout.fileno() > 1023
        assert host.invoke({})["pid"] == first["pid"]
    finally:
        host.close()
        for fd in filler:
            os.close(fd)
