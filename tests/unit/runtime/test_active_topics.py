"""KIP-558 active topics as the runners record them: once per topic, only when the status topic lacks it, nothing
when tracking is off, and again after a reset once the container re-checks."""

from __future__ import annotations

from connect_core.runtime.active_topics import RECHECK_S, ActiveTopics
from tests.unit.storage.fakes import Topics


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _records(topics: Topics) -> list[tuple[str, bytes | None]]:
    return [(k.decode(), v) for k, v in topics.statuses.records if k is not None]


def test_a_topic_is_recorded_once_with_kafkas_key_and_value() -> None:
    topics = Topics()
    active = ActiveTopics(topics.status_store())
    active.record("src", 1, {"lines", "other"})
    active.record("src", 0, {"lines"})  # known in this container: no read, no write
    keys = [k for k, _ in _records(topics)]
    assert keys == ["status-topic-lines:connector-src", "status-topic-other:connector-src"]
    value = dict(_records(topics))["status-topic-lines:connector-src"]
    assert value is not None and value.startswith(b'{"topic":{"name":"lines","connector":"src","task":1,'
                                                  b'"discoverTimestamp":')


def test_another_container_does_not_rewrite_what_the_status_topic_holds() -> None:
    topics = Topics()
    ActiveTopics(topics.status_store()).record("src", 0, {"lines"})
    ActiveTopics(topics.status_store()).record("src", 1, {"lines"})  # a cold container: reads, finds it, keeps it
    assert len(_records(topics)) == 1  # the first discoverTimestamp stays, as on a worker


def test_tracking_disabled_records_nothing() -> None:
    topics = Topics()
    ActiveTopics(topics.status_store(), enabled=False).record("src", 0, {"lines"})
    assert _records(topics) == []


def test_a_reset_topic_is_recorded_again_at_its_next_use_after_the_recheck() -> None:
    topics = Topics()
    clock = Clock()
    active = ActiveTopics(topics.status_store(), clock=clock)
    active.record("snk", 0, {"lines"})
    topics.status_store().delete_topic_status("snk", "lines")  # PUT /connectors/snk/topics/reset
    active.record("snk", 0, {"lines"})
    assert [v is None for _, v in _records(topics)] == [False, True]  # not seen yet: no read per batch
    clock.now += RECHECK_S
    active.record("snk", 0, {"lines"})
    status = topics.status_store()
    assert [t.topic for t in status.topics("snk")] == ["lines"]
