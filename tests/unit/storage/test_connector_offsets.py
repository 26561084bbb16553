"""ConnectorOffsets: one connector's offsets from its snapshot plus the log's tail, always what a full read gives."""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING

from connect_core.storage.connector_offsets import METADATA_MAX_BYTES, ConnectorOffsets, snapshot_group
from connect_core.storage.offset_state import OffsetState
from tests.unit.storage.fakes import MemoryTopic, MemoryTopicLog, Topics

if TYPE_CHECKING:
    import pytest


def _full(topic: MemoryTopic, connector: str) -> dict[str, object]:
    state = OffsetState()
    for key, value in topic.records:
        state.apply(key, value)
    return {json.dumps(p, sort_keys=True): o for p, o in state.offsets(connector)}


def _seen(view: ConnectorOffsets) -> dict[str, object]:
    return {json.dumps(p, sort_keys=True): o for p, o in view.offsets()}


def test_a_cold_view_reads_only_what_follows_the_snapshot_and_agrees_with_a_full_read() -> None:
    topics = Topics()
    store = topics.offset_store()
    rng = random.Random(7)
    for round_ in range(20):
        for connector in ("src", "other", "src-2"):
            offsets = [({"file": f"/f{rng.randrange(8)}"}, None if rng.random() < 0.1 else {"line": round_})
                       for _ in range(30)]
            store.write(connector, offsets)
        warm = ConnectorOffsets(MemoryTopicLog(topics.offsets), "src", snapshot_after=100)
        warm.refresh()
        assert _seen(warm) == _full(topics.offsets, "src")
        cold = ConnectorOffsets(MemoryTopicLog(topics.offsets), "src", snapshot_after=100)
        cold.refresh()
        assert _seen(cold) == _full(topics.offsets, "src")
        assert cold.scanned < 100  # the snapshot the warm view just wrote: nothing of the history is read again
    assert snapshot_group("connect-offsets", "src") in topics.offsets.bookmarks


def test_lookups_are_by_exact_key_bytes_and_other_spacing_is_still_this_connectors() -> None:
    topics = Topics()
    topics.offsets.records += [
        (b'[ "src" , {"b": 1, "a": 2} ]', b'{"pos": 1}'),  # a writer with spaces: parsed, kept under its own bytes
        (b'["src",{"a":2,"b":1}]', b'{"pos": 2}'),
        (b'["srcx",{"a":2,"b":1}]', b'{"pos": 3}'),  # another connector sharing the prefix characters
        (b"not json", b"{}"),
        (None, b"{}"),
    ]
    view = ConnectorOffsets(MemoryTopicLog(topics.offsets), "src")
    assert view.offset({"a": 2, "b": 1}) == {"pos": 2}
    assert view.offset({"b": 1, "a": 2}) is None  # Kafka looks up exact key bytes: field order is identity
    assert sorted(o["pos"] for _, o in view.offsets() if o) == [1, 2]


def test_a_snapshot_beyond_the_log_end_is_ignored() -> None:
    topics = Topics()
    store = topics.offset_store()
    store.write("src", [({"f": "a"}, {"pos": 1})])
    group = snapshot_group(topics.offsets.name, "src")
    topics.offsets.bookmarks[group] = {0: (999, json.dumps([['["src",{"f":"a"}]', '{"pos":42}']]))}
    view = ConnectorOffsets(MemoryTopicLog(topics.offsets), "src")
    assert view.offset({"f": "a"}) == {"pos": 1}  # the re-created topic's record, not the stale snapshot


def test_an_unreadable_snapshot_means_a_full_read(caplog: pytest.LogCaptureFixture) -> None:
    topics = Topics()
    topics.offset_store().write("src", [({"f": "a"}, {"pos": 1})])

    class Refusing(MemoryTopicLog):
        def read_bookmarks(self, group: str) -> dict[int, tuple[int, str]]:
            raise RuntimeError("not authorized to describe the group")

    view = ConnectorOffsets(Refusing(topics.offsets), "src")
    assert view.offset({"f": "a"}) == {"pos": 1}
    assert "reading the offsets topic from its start" in caplog.text
    topics.offsets.bookmarks["x"] = {}
    garbled = ConnectorOffsets(MemoryTopicLog(topics.offsets), "src")
    topics.offsets.bookmarks[garbled.group] = {0: (1, "not a snapshot")}
    assert garbled.offset({"f": "a"}) == {"pos": 1}


def test_a_partition_too_big_for_the_metadata_keeps_its_previous_snapshot() -> None:
    topics = Topics()
    store = topics.offset_store()
    big = [({"table": f"t{i}" * 20}, {"id": i}) for i in range(60)]
    store.write("src", big)
    view = ConnectorOffsets(MemoryTopicLog(topics.offsets), "src", snapshot_after=1)
    view.refresh()
    assert sum(len(k or b"") + len(v or b"") for k, v in topics.offsets.records) > METADATA_MAX_BYTES
    assert not topics.offsets.bookmarks.get(snapshot_group(topics.offsets.name, "src"))  # did not fit: none written
    cold = ConnectorOffsets(MemoryTopicLog(topics.offsets), "src")
    assert _seen(cold) == _full(topics.offsets, "src")
    assert cold.scanned == 60


def test_tombstones_after_the_snapshot_delete_what_it_holds() -> None:
    topics = Topics()
    store = topics.offset_store()
    store.write("src", [({"f": "a"}, {"pos": 1}), ({"f": "b"}, {"pos": 2})])
    ConnectorOffsets(MemoryTopicLog(topics.offsets), "src", snapshot_after=1).refresh()
    store.log.send(store.offset_records("src", [({"f": "a"}, None)]))  # as a JVM worker writes it
    cold = ConnectorOffsets(MemoryTopicLog(topics.offsets), "src")
    assert cold.offsets() == [({"f": "b"}, {"pos": 2})]
    assert cold.scanned == 1


def _compact(topic: MemoryTopic, connector: str) -> None:
    """What the log cleaner leaves once ``delete.retention.ms`` has passed: per key only its latest record, and no
    tombstone at all (a removed record stays a position nobody's record holds)."""
    latest = {key: at for at, (key, _value) in enumerate(topic.records)}
    topic.records = [(key, value) if key is not None and latest[key] == at and value is not None else (None, None)
                     for at, (key, value) in enumerate(topic.records)]


def test_a_reset_records_its_tombstones_in_the_snapshot_so_compaction_cannot_bring_offsets_back() -> None:
    """DELETE /offsets writes tombstones; once compacted away, a snapshot from before them would answer the old
    offsets to the task and to GET /offsets. The write reads them back into the snapshot at once."""
    topics = Topics()
    store = topics.offset_store()
    store.write("src", [({"f": "a"}, {"pos": 1}), ({"f": "b"}, {"pos": 2})])
    ConnectorOffsets(MemoryTopicLog(topics.offsets), "src", snapshot_after=1).refresh()  # a task's snapshot
    store.write("src", [({"f": "a"}, None), ({"f": "b"}, None)])  # the reset

    _compact(topics.offsets, "src")

    assert ConnectorOffsets(MemoryTopicLog(topics.offsets), "src").offsets() == []


def test_a_reader_of_a_tombstone_writes_a_snapshot_past_it_whatever_the_record_count() -> None:
    topics = Topics()
    store = topics.offset_store()
    store.write("src", [({"f": "a"}, {"pos": 1}), ({"f": "b"}, {"pos": 2})])
    ConnectorOffsets(MemoryTopicLog(topics.offsets), "src", snapshot_after=1).refresh()
    store.log.send(store.offset_records("src", [({"f": "a"}, None)]))  # a JVM worker's (or a task's) tombstone
    ConnectorOffsets(MemoryTopicLog(topics.offsets), "src", snapshot_after=500).refresh()

    _compact(topics.offsets, "src")

    assert ConnectorOffsets(MemoryTopicLog(topics.offsets), "src").offsets() == [({"f": "b"}, {"pos": 2})]


def test_a_snapshot_never_moves_back_and_an_old_warm_view_starts_again_from_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm view that read before the tombstones does not overwrite the snapshot that records them, and once it
    has not read for WARM_MAX_AGE_S it reads from that snapshot instead of reading on past compacted tombstones."""
    from connect_core.storage import connector_offsets

    topics = Topics()
    store = topics.offset_store()
    store.write("src", [({"f": "a"}, {"pos": 1})] + [({"f": f"x{i}"}, {"pos": i}) for i in range(3)])
    stale = ConnectorOffsets(MemoryTopicLog(topics.offsets), "src", snapshot_after=1)
    stale.refresh()
    store.write("src", [({"f": "a"}, None)])
    further = dict(topics.offsets.bookmarks[snapshot_group("connect-offsets", "src")])
    stale._save_snapshot()  # the stale reader's own position lies before the reset's snapshot
    assert topics.offsets.bookmarks[snapshot_group("connect-offsets", "src")] == further

    _compact(topics.offsets, "src")
    monkeypatch.setattr(connector_offsets, "WARM_MAX_AGE_S", 0.0)
    stale.refresh()
    assert {json.dumps(p) for p, _ in stale.offsets()} == {json.dumps({"f": f"x{i}"}) for i in range(3)}
