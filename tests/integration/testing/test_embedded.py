"""The test kit itself (connect_core.testing.EmbeddedConnect) against the real broker: what it asserts can fail, and
it leaves no topic behind. The generated packages' tests (tests/integration/local/test_scaffold.py) use the rest."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from confluent_kafka.admin import AdminClient

from connect_core.testing import ConnectRestError, EmbeddedConnect

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

STRING = "org.apache.kafka.connect.storage.StringConverter"


def test_a_failed_task_fails_assert_running_with_its_trace_and_close_deletes_the_topics(
    tmp_path: Path, kafka_bootstrap: str,
) -> None:
    topic = f"kit-{uuid.uuid4().hex[:8]}"
    with EmbeddedConnect(kafka_bootstrap) as connect:
        connect.produce(topic, ["a", "b"])
        connect.create_connector("to-a-directory", {"connector.class": "FileStreamSink", "topics": topic,
                                                    "file": str(tmp_path), "value.converter": STRING})
        with pytest.raises(IsADirectoryError):  # the file is a directory: the invocation fails, as the function's
            connect.run_sink("to-a-directory")
        with pytest.raises(AssertionError, match="to-a-directory is not running.*IsADirectoryError"):
            connect.assert_running("to-a-directory")
        assert connect.offsets("to-a-directory") == []  # nothing was committed
        made = [connect.prefix + suffix for suffix in ("-configs", "-offsets", "-status")]
    remaining = AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=10).topics
    assert not {topic, *made} & set(remaining)


def test_rest_errors_carry_kafkas_status_and_message(kafka_bootstrap: str) -> None:
    with EmbeddedConnect(kafka_bootstrap) as connect:
        with pytest.raises(ConnectRestError) as missing:
            connect.status("nobody")
        assert (missing.value.status, missing.value.body["message"]) == (404, "No status found for connector nobody")
        assert connect.rest("GET", "/connectors") == (200, [])
