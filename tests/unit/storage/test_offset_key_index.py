"""The offsets key index and a new connector's first snapshot: an empty snapshot only for a name the topic never
held, and whatever the history, the connector's cold read then equals a full read of the topic."""

from __future__ import annotations

import json
import random

from connect_core.storage.connector_offsets import ConnectorOffsets, first_snapshot, snapshot_group
from connect_core.storage.offset_key_index import OffsetKeyIndex, index_group
from connect_core.storage.offset_state import OffsetState
from tests.unit.storage.fakes import MemoryTopic, MemoryTopicLog, Topics


def _full(topic: MemoryTopic, connector: str) -> list[str]:
    state = OffsetState()
    for key, value in topic.records:
        state.apply(key, value)
    return sorted(json.dumps([p, o], sort_keys=True) for p, o in state.offsets(connector))


def test_random_histories_a_first_snapshot_is_written_only_for_new_names_and_reads_stay_exact() -> None:
    rng = random.Random(11)
    for _ in range(30):
        topics = Topics()
        store = topics.offset_store()
        names = [f"c{i}" for i in range(6)]
        for name in rng.sample(names, 3):  # connectors that existed (and maybe were deleted), offsets kept
            offsets = [({"f": rng.randrange(4)}, {"n": rng.randrange(100)}) for _ in range(rng.randrange(1, 20))]
            store.write(name, offsets)
        log = MemoryTopicLog(topics.offsets)
        for name in names:
            outcome = first_snapshot(log, name, OffsetKeyIndex(log, max_records=rng.choice((5, 50, 1000))))
            held = bool(_full(topics.offsets, name))
            assert outcome in ("written", "history", "unknown")
            assert outcome != "written" or not held  # never an empty snapshot over existing offsets
            assert outcome != "history" or held
            store.write(name, [({"f": 9}, {"n": 1})])  # its first task commits
            cold = ConnectorOffsets(MemoryTopicLog(topics.offsets), name)
            cold.refresh()
            assert sorted(json.dumps([p, o], sort_keys=True) for p, o in cold.offsets()) == _full(topics.offsets, name)
            if outcome == "written":
                assert cold.scanned <= 2 * len(names)  # the tail only
            assert first_snapshot(log, name, OffsetKeyIndex(log)) in ("kept", "history")


def test_a_budget_builds_the_index_over_several_advances_from_where_the_last_stopped() -> None:
    topics = Topics()
    store = topics.offset_store()
    store.write("a", [({"f": i}, {"n": i}) for i in range(25)])
    log = MemoryTopicLog(topics.offsets)
    reads = []
    while True:
        index = OffsetKeyIndex(log, max_records=10)  # a new container each time: only the commits are kept
        done = index.advance()
        reads.append(index.scanned)
        if done:
            break
    assert reads == [10, 10, 5]
    assert index.has_history("a") is True and index.has_history("b") is False
    assert first_snapshot(log, "b", OffsetKeyIndex(log, max_records=10)) == "written"
    assert topics.offsets.bookmarks[snapshot_group("connect-offsets", "b")] == {0: (25, "[]")}


def test_no_answer_without_a_complete_index() -> None:
    topics = Topics()
    topics.offset_store().write("a", [({"f": i}, {"n": i}) for i in range(25)])
    log = MemoryTopicLog(topics.offsets)
    assert first_snapshot(log, "b", OffsetKeyIndex(log, max_records=10)) == "unknown"
    assert snapshot_group("connect-offsets", "b") not in topics.offsets.bookmarks
    assert OffsetKeyIndex(log).has_history("a") is None  # never advanced: cannot tell


def test_many_names_every_one_held_is_a_maybe_and_new_ones_almost_always_a_no() -> None:
    topics = Topics()
    store = topics.offset_store()
    for i in range(1500):
        store.write(f"held-{i}", [({"f": 0}, {"n": 0})])
    log = MemoryTopicLog(topics.offsets)
    index = OffsetKeyIndex(log)
    assert index.advance() is True
    assert all(index.has_history(f"held-{i}") for i in range(1500))  # a Bloom filter has no false "no"
    maybes = sum(bool(index.has_history(f"new-{i}")) for i in range(2000))
    assert maybes <= 10  # 24,000 bits for one partition, 1,500 names: about 0.07% false "maybe"
    metadata = topics.offsets.bookmarks[index_group("connect-offsets")][0][1]
    assert len(metadata) <= 4096  # Kafka's offset.metadata.max.bytes default


def test_an_index_beyond_the_log_end_is_rebuilt_and_an_unreadable_one_ignored() -> None:
    topics = Topics()
    topics.offset_store().write("a", [({"f": 0}, {"n": 0})])
    log = MemoryTopicLog(topics.offsets)
    topics.offsets.bookmarks[index_group("connect-offsets")] = {0: (99, "")}  # the topic was re-created
    assert first_snapshot(log, "a", OffsetKeyIndex(log)) == "history"
    topics.offsets.bookmarks[index_group("connect-offsets")] = {0: (1, "bloom1:tag:not base64")}
    index = OffsetKeyIndex(log)
    assert index.advance() is True and index.scanned == 1 and index.has_history("a") is True  # rebuilt


def test_chunks_of_different_commits_are_no_index() -> None:
    import base64

    from connect_core.storage.offset_key_index import CHUNK_BYTES, _chunks

    chunk = base64.b64encode(bytes(CHUNK_BYTES)).decode()
    assert _chunks({0: (5, f"bloom1:t1:{chunk}"), 1: (7, f"bloom1:t1:{chunk}")}, [0, 1]) is not None
    assert _chunks({0: (5, f"bloom1:t1:{chunk}"), 1: (7, f"bloom1:t2:{chunk}")}, [0, 1]) is None  # written in part
    assert _chunks({0: (5, f"bloom1:t1:{chunk}")}, [0, 1]) is None  # a partition added to the topic since
