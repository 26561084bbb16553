"""The status page in a real browser: `lambda-connect up` with a FileStream pair, Debian's Chromium headless.

The page loads from the REST port, shows both connectors with their tasks and their last hour's charts (records per
second, a sink's lag; a chart left empty while records flow fails the test, read from the screenshot's pixels), its
Pause button pauses a connector (checked through the REST status), and a screenshot is written to
`.run/status-page.png`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e._chromium import Browser, chromium_path, png_pixels

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.e2e.conftest import Up

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / ".run" / "status-page.png"
CHART_SHOT = ROOT / ".run" / "status-page-chart.png"


def drawn_rows(png: bytes) -> int:
    """Rows of a chart's picture, above its bottom fifth, holding the line's blue: a chart whose data are all zero
    draws only its baseline, at the bottom."""
    rows = png_pixels(png)
    top = rows[: len(rows) * 4 // 5]
    return sum(any(b > 150 and b - r > 60 and b - g > 30 for r, g, b in row) for row in top)


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
    chart = f"document.querySelector('[data-connector=\"{source}\"] svg.chart[data-series=\"records\"]')"
    browser.wait_for(f"Number({chart}.dataset.max) > 0 && Number({chart}.dataset.points) > 0",
                     "the source's records/s chart has the records of the last minute")
    browser.wait_for(f"document.querySelector('[data-connector=\"{sink}\"] svg.chart[data-series=\"lag\"]')"
                     " !== null", "the sink's lag chart")
    box = browser.evaluate(f"(() => {{ {chart}.scrollIntoView(); const r = {chart}.getBoundingClientRect();"
                           " return {x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width,"
                           " height: r.height}; })()")
    assert drawn_rows(browser.screenshot(CHART_SHOT, box)) >= 3, f"the records/s chart looks empty: {CHART_SHOT}"
    broken = f"{up.prefix}-broken"  # a sink whose file cannot be opened: its failed runs are marked on the time line
    assert up.http("POST", "/connectors", {"name": broken, "config": {
        "connector.class": "FileStreamSink", "file": "no-such-directory/out.txt", "topics": topic}})[0] == 201
    browser.wait_for(f"document.querySelectorAll('[data-connector=\"{broken}\"] svg.chart line.failure').length > 0",
                     "the broken sink's failed runs marked on its charts", timeout_s=90)
    browser.screenshot(SCREENSHOT)

    browser.evaluate(f"document.querySelector('[data-connector=\"{source}\"] [data-action=\"pause\"]').click()")
    up.wait_for(lambda: up.http("GET", f"/connectors/{source}/status")[1]["connector"]["state"] == "PAUSED",
                "the Pause button paused the connector")
    browser.wait_for(f"document.querySelector('[data-connector=\"{source}\"] [data-action=\"resume\"]') !== null",
                     "the page offers Resume")
    assert SCREENSHOT.stat().st_size > 10_000
