"""A plugin's logs on `lambda-connect up` as on a Kafka worker: its `log.info` reaches the function's log at the
default level (Kafka's `connect-log4j.properties`: root INFO), and `PUT /admin/loggers/<its package>` (worker scope:
`up` is one worker) sets the level in the function processes that run its tasks."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from connect_core.local.cli import main
from tests.e2e.conftest import start_up

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

POLL_LOGS = '''
import logging as _logging

_log = _logging.getLogger(__name__)
_poll = UpChattySourceTask.poll


def _logged_poll(self):
    _log.info("chatty poll at INFO")
    _log.debug("chatty poll at DEBUG")
    return _poll(self)


UpChattySourceTask.poll = _logged_poll
'''


def _function_logs(run_dir: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in sorted((run_dir / "up" / "logs").glob("*.log")))


def test_a_plugins_info_logs_appear_and_admin_loggers_sets_its_level(
        kafka_bootstrap: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    packages = tmp_path_factory.mktemp("packages")
    assert main(["new", "connector", "up-chatty", "--source", "--directory", str(packages)]) == 0
    task = packages / "up-chatty" / "up_chatty" / "task.py"
    task.write_text(task.read_text() + POLL_LOGS)
    name = f"chatty-{uuid.uuid4().hex[:8]}"
    with start_up(kafka_bootstrap, tmp_path, "--plugins", str(packages)) as up:
        status, answer = up.http("PUT", f"/connectors/{name}/config", {
            "connector.class": "UpChattySource", "topic": f"{name}-out", "max.records": "3",
            "batch.size": "1", "poll.interval.ms": "500"})
        assert status == 201, answer
        up.wait_for(lambda: "INFO up_chatty.task: chatty poll at INFO" in _function_logs(tmp_path),
                    "the plugin's log.info in its function's log")
        assert "chatty poll at DEBUG" not in _function_logs(tmp_path)

        status, changed = up.http("PUT", "/admin/loggers/up_chatty", {"level": "DEBUG"})
        assert status == 200 and "up_chatty" in changed, changed  # the coordinator's loggers of the package
        up.wait_for(lambda: "DEBUG up_chatty.task: chatty poll at DEBUG" in _function_logs(tmp_path),
                    "the plugin's log.debug once its logger is at DEBUG")
