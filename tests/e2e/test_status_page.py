"""The status page in a real browser: `lambda-connect up` with a FileStream pair, Debian's Chromium headless.

The page loads from the REST port, shows both connectors with their tasks, its Pause button pauses a connector
(checked through the REST status), and a screenshot is written to `.run/status-page.png`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e._chromium import Browser, chromium_path

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / ".run" / "status-page.png"


@pytest.fixture
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: `make browser` installs Debian's chromium")
        pytest.skip("Chromium is not installed: `make browser` installs Debian's chromium")
    running = Browser(executable)
    yield running
    running.close()


def test_the_page_shows_the_connectors_and_pauses_one(up: Up, browser: Browser) -> None:
    source_file = up.run_dir / "in.txt"
    source_file.write_text("one\ntwo\n")
    topic = f"{up.prefix}-lines"
    source, sink = "file-source", f"{up.prefix}-sink"
    for body in (
        {"name": source, "config": {"connector.class": "FileStreamSource", "file": "in.txt", "topic": topic,
                                    "poll.interval.ms": "500"}},
        {"name": sink, "config": {"connector.class": "FileStreamSink", "file": "out.txt", "topics": topic,
                                  "lambda.maximum.batching.window.ms": "100", "errors.tolerance": "all",
                                  "errors.deadletterqueue.topic.name": f"{up.prefix}-dlq",
                                  "errors.deadletterqueue.topic.replication.factor": "1"}},
    ):
        assert up.http("POST", "/connectors", body)[0] == 201
    up.wait_for(lambda: (up.run_dir / "out.txt").exists()
                and (up.run_dir / "out.txt").read_text().splitlines() == ["one", "two"], "lines in the sink file")

    browser.goto(up.url + "/ui")
    browser.wait_for("document.body.dataset.loaded === 'true'", "the page loaded its data")
    names = "|".join(sorted([sink, source]))
    browser.wait_for(
        "[...document.querySelectorAll('[data-connector]')].map(e => e.dataset.connector).sort().join('|')"
        f" === {json.dumps(names)}", f"both connectors ({names}) on the page")
    browser.wait_for(
        "[...document.querySelectorAll('[data-connector] tr[data-task] .state')].every("
        "s => s.dataset.state === 'RUNNING') && document.querySelectorAll('[data-connector] tr[data-task]').length"
        " === 2", "both tasks RUNNING with a last run")
    browser.wait_for(f"document.querySelector('[data-connector=\"{sink}\"] table.lag') !== null", "the sink's lag")
    assert browser.evaluate(f"document.querySelector('[data-connector=\"{source}\"]').textContent").count(
        "records") >= 1
    browser.screenshot(SCREENSHOT)

    browser.evaluate(f"document.querySelector('[data-connector=\"{source}\"] [data-action=\"pause\"]').click()")
    up.wait_for(lambda: up.http("GET", f"/connectors/{source}/status")[1]["connector"]["state"] == "PAUSED",
                "the Pause button paused the connector")
    browser.wait_for(f"document.querySelector('[data-connector=\"{source}\"] [data-action=\"resume\"]') !== null",
                     "the page offers Resume")
    assert SCREENSHOT.stat().st_size > 10_000
