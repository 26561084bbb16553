"""The whole system through `lambda-connect up`: REST calls drive schedules and Kafka triggers with Lambda's
semantics; pause, resume, stop, restart and delete act on the running functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _append(path: Path, *lines: str) -> None:
    with path.open("a") as handle:
        handle.writelines(f"{line}\n" for line in lines)


def _create_file_pair(up: Up) -> tuple[Path, Path]:
    """`file-source` and `<prefix>-sink` (sink names are consumer groups, shared across test runs on the broker)."""
    source, sink = up.run_dir / "in.txt", up.run_dir / "out.txt"
    source.write_text("")
    topic = f"{up.prefix}-lines"
    for body in (
        {"name": "file-source", "config": {"connector.class": "FileStreamSource", "file": "in.txt", "topic": topic,
                                            "poll.interval.ms": "300"}},
        {"name": f"{up.prefix}-sink", "config": {"connector.class": "FileStreamSink", "file": "out.txt",
                                                  "topics": topic, "lambda.maximum.batching.window.ms": "100"}},
    ):
        status, answer = up.http("POST", "/connectors", body)
        assert status == 201, answer
    return source, sink


def test_lines_flow_and_pause_resume_stop_delete_act_on_the_functions(up: Up) -> None:
    source, sink = _create_file_pair(up)
    _append(source, "a", "b")
    up.wait_for(lambda: _lines(sink) == ["a", "b"], "first lines in the sink file")
    statuses = up.wait_for(
        lambda: (s := up.http("GET", "/connectors?expand=status")[1])
        and all(t["state"] == "RUNNING" for c in s.values() for t in c["status"]["tasks"])
        and len(s) == 2 and s, "both connectors RUNNING",
    )
    assert statuses["file-source"]["status"]["type"] == "source"
    assert statuses[f"{up.prefix}-sink"]["status"]["type"] == "sink"

    assert up.http("PUT", "/connectors/file-source/pause")[0] == 202
    up.wait_for(lambda: up.http("GET", "/connectors/file-source/status")[1]["connector"]["state"] == "PAUSED",
                "source PAUSED")
    import time

    time.sleep(2)  # let the local deployment notice the pause
    _append(source, "while-paused")
    time.sleep(3)
    assert _lines(sink) == ["a", "b"], "a paused source must not produce"

    assert up.http("PUT", "/connectors/file-source/resume")[0] == 202
    up.wait_for(lambda: _lines(sink) == ["a", "b", "while-paused"], "the paused line after resume")

    assert up.http("PUT", f"/connectors/{up.prefix}-sink/stop")[0] == 204
    time.sleep(2)
    _append(source, "while-sink-stopped")
    time.sleep(3)
    assert _lines(sink) == ["a", "b", "while-paused"], "a stopped sink must not consume"
    assert up.http("PUT", f"/connectors/{up.prefix}-sink/resume")[0] == 202
    up.wait_for(lambda: _lines(sink)[-1:] == ["while-sink-stopped"], "the sink resumes where its group stopped")
    assert _lines(sink) == ["a", "b", "while-paused", "while-sink-stopped"], "no duplicates after resume"

    assert up.http("POST", "/connectors/file-source/restart?includeTasks=true")[0] == 202
    _append(source, "after-restart")
    up.wait_for(lambda: _lines(sink)[-1:] == ["after-restart"], "lines after a restart, from the stored offset")
    assert _lines(sink).count("a") == 1

    assert up.http("DELETE", "/connectors/file-source")[0] == 204
    assert up.http("GET", "/connectors/file-source")[0] == 404
    time.sleep(2)
    _append(source, "after-delete")
    time.sleep(3)
    assert "after-delete" not in _lines(sink)


def test_offsets_api_for_a_source_and_a_sink_connector(up: Up) -> None:
    source, sink = _create_file_pair(up)
    _append(source, "x", "y")
    up.wait_for(lambda: _lines(sink) == ["x", "y"], "lines in the sink file")

    status, offsets = up.http("GET", "/connectors/file-source/offsets")
    assert status == 200
    assert offsets == {"offsets": [{"partition": {"filename": "in.txt"}, "offset": {"position": 4}}]}
    status, sink_offsets = up.http("GET", f"/connectors/{up.prefix}-sink/offsets")
    assert status == 200
    [entry] = sink_offsets["offsets"]
    assert entry["partition"] == {"kafka_topic": f"{up.prefix}-lines", "kafka_partition": 0}
    assert entry["offset"] == {"kafka_offset": 2}

    status, answer = up.http("PATCH", "/connectors/file-source/offsets", {"offsets": [
        {"partition": {"filename": "in.txt"}, "offset": {"position": 0}}]})
    assert status == 400 and "STOPPED" in answer["message"]
    assert up.http("PUT", "/connectors/file-source/stop")[0] == 204
    status, answer = up.http("PATCH", "/connectors/file-source/offsets", {"offsets": [
        {"partition": {"filename": "in.txt"}, "offset": {"position": 0}}]})
    assert status == 200, answer
    assert up.http("PUT", "/connectors/file-source/resume")[0] == 202
    up.wait_for(lambda: _lines(sink) == ["x", "y", "x", "y"], "the file re-read from the rewound offset")


def test_a_regex_sink_with_two_tasks_runs_as_pull_mode_tasks_and_reads_a_topic_created_later(
        up: Up, kafka_bootstrap: str) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    sink = up.run_dir / "regex.txt"
    producer.produce(f"{up.prefix}-r1", b"one")
    producer.flush(30)
    body = {"name": f"{up.prefix}-regex", "config": {
        "connector.class": "FileStreamSink", "file": "regex.txt", "topics.regex": f"{up.prefix}-r.*",
        "tasks.max": "2", "value.converter": "org.apache.kafka.connect.storage.StringConverter"}}
    status, answer = up.http("POST", "/connectors", body)
    assert status == 201, answer
    up.wait_for(lambda: _lines(sink) == ["one"], "the first topic's record")
    producer.produce(f"{up.prefix}-r2", b"two")  # a new matching topic: no REST call
    producer.flush(30)
    up.wait_for(lambda: sorted(_lines(sink)) == ["one", "two"], "the later topic's record")
    tasks = up.wait_for(
        lambda: (t := up.http("GET", f"/connectors/{up.prefix}-regex/status")[1]["tasks"])
        and [s["state"] for s in t] == ["RUNNING", "RUNNING"] and t, "both sink tasks RUNNING")
    assert [t["id"] for t in tasks] == [0, 1]
    [first, second] = sorted(up.http("GET", f"/connectors/{up.prefix}-regex/offsets")[1]["offsets"],
                             key=lambda o: o["partition"]["kafka_topic"])
    assert (first["partition"]["kafka_topic"], first["offset"]) == (f"{up.prefix}-r1", {"kafka_offset": 1})
    assert (second["partition"]["kafka_topic"], second["offset"]) == (f"{up.prefix}-r2", {"kafka_offset": 1})
