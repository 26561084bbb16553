"""The bench deletes the topics its run named, and nobody else's."""

from __future__ import annotations

import time
import uuid

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from bench import common, mapping

pytestmark = pytest.mark.integration


def test_a_finished_runs_topics_are_deleted_and_other_runs_topics_stay(kafka_bootstrap: str) -> None:
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    ours = [common.unique("rows"), f"{common.unique('dbzcdc')}.connect.bench_table"]
    other = f"bench-{uuid.uuid4().hex[:8]}-rows-{uuid.uuid4().hex[:6]}"
    for future in admin.create_topics([NewTopic(t, 1, 1) for t in [*ours, other]]).values():
        future.result(30)

    deleted = mapping.delete_run_topics(kafka_bootstrap)

    # (an earlier bench test in this process may have left topics of the same run: those go too)
    assert set(ours) <= set(deleted) and all(t.startswith(f"bench-{common.RUN_ID}-") for t in deleted)
    left = admin.list_topics(timeout=30).topics
    deadline = time.monotonic() + 30
    while set(ours) & set(left) and time.monotonic() < deadline:  # a busy broker's metadata lags a deletion a moment
        time.sleep(0.5)
        left = admin.list_topics(timeout=30).topics
    assert other in left and not set(ours) & set(left)
    mapping.delete_topics(kafka_bootstrap, [other])
