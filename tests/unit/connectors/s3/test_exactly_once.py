"""Exactly once under retries with varying boundaries, cold and warm tasks and injected faults (moto)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.unit.connectors.s3._replay import (
    Replay,
    assert_exactly_once,
    assert_value_files_written_once,
    count_remembered_heads,
    make_stream,
    read_back,
    read_staged,
    scenario_configs,
)
from tests.unit.connectors.s3.conftest import BUCKET

SEEDS = [1, 42]  # and LocalStack's own seeds: tests/integration/connectors/s3/test_exactly_once_localstack.py


@pytest.mark.parametrize("scenario", ["default", "field", "hourly", "scheduled"])
@pytest.mark.parametrize("seed", SEEDS)
def test_replay_with_faults_writes_every_record_exactly_once(s3: Any, seed: int, scenario: str) -> None:
    rng = random.Random(seed)
    config = scenario_configs(BUCKET)[scenario]
    stream = make_stream(rng, partitions=3, length=150)
    replay = Replay(s3, config, rng, stream)
    replay.run()
    assert replay.failures >= 5  # the faults really happened
    assert_value_files_written_once(replay.writes)  # the faults really happened
    files = read_back(s3, BUCKET, f"{config['topics.dir']}/orders/")
    assert_exactly_once(files, read_staged(s3, BUCKET, config["topics.dir"], stream), stream, config)


def test_replay_without_faults_is_exactly_once_too(s3: Any) -> None:
    rng = random.Random(5)
    config = scenario_configs(BUCKET)["default"]
    stream = make_stream(rng, partitions=2, length=120)
    replay = Replay(s3, config, rng, stream, fault_rate=0.0)
    replay.run()
    assert replay.failures == 0
    assert_exactly_once(read_back(s3, BUCKET, "default/orders/"), read_staged(s3, BUCKET, "default", stream), stream,
                        config)


@pytest.mark.parametrize(("seed", "scenario"), [(1, "default"), (3, "field"), (3, "hourly"), (3, "scheduled")])
def test_warm_instances_that_remember_their_head_stay_exactly_once(s3: Any, seed: int, scenario: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Small batches over three warm containers and zombies: instances often serve a batch that continues the head
    they swapped (no GET) and as often one after another container or a zombie moved it on (they must read it)."""
    calls = count_remembered_heads(monkeypatch)
    rng = random.Random(seed)
    config = scenario_configs(BUCKET)[scenario]
    stream = make_stream(rng, partitions=3, length=400)
    replay = Replay(s3, config, rng, stream, fault_rate=0.1, max_batch=20)
    replay.run()
    assert replay.zombies >= 3
    if "rotate.schedule.interval.ms" in config:  # an idle tick elsewhere may move the head on: always read
        assert calls["head"] == calls["read"]
    else:
        assert calls["head"] - calls["read"] >= 5  # heads remembered and used
    assert_value_files_written_once(replay.writes)
    files = read_back(s3, BUCKET, f"{config['topics.dir']}/orders/")
    assert_exactly_once(files, read_staged(s3, BUCKET, config["topics.dir"], stream), stream, config)
