"""`lambda-connect standalone` with Kafka's own sample files (config/connect-standalone.properties,
connect-file-source.properties, connect-file-sink.properties, copied unmodified into kafka_config/): lines move from
the source file to the sink file, and a restart resumes without duplicates. Only what must differ on a shared machine
is rewritten in the test's copies: file paths, the broker address, the REST port and the topic name."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, Up, _free_port

pytestmark = pytest.mark.integration

KAFKA_CONFIG = Path(__file__).parent / "kafka_config"


def _rewrite(name: str, target: Path, **values: str) -> Path:
    """Kafka's sample file with the ``key=value`` lines of ``values`` replaced (or appended when absent), written
    into the directory ``target``."""
    text = (KAFKA_CONFIG / name).read_text(encoding="latin-1")
    for key, value in values.items():
        text, count = re.subn(rf"(?m)^{re.escape(key)}=.*$", f"{key}={value}", text)
        if not count:
            text += f"{key}={value}\n"
    path = target / name
    path.write_text(text, encoding="latin-1")
    return path


def _standalone(tmp_path: Path, *args: Path, file_roots: bool = True) -> subprocess.Popen[bytes]:
    """`lambda-connect standalone` run in ``tmp_path``; ``file_roots=False``: with its default file root."""
    environ = {name: value for name, value in os.environ.items()
               if not name.startswith("LAMBDA_CONNECT_") or name == "LAMBDA_CONNECT_KAFKA_PROPERTIES"}
    environ.update({"LAMBDA_CONNECT_RUN_DIR": str(tmp_path), "LAMBDA_CONNECT_LOCAL_TIME_BUDGET_MS": "3000",
                    "PYTHONPATH": str(ROOT)})
    if file_roots:
        environ["LAMBDA_CONNECT_FILE_ROOTS"] = str(tmp_path)
    log = (tmp_path / "up.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "connect_core.local.cli", "standalone", *map(str, args)],
                            cwd=tmp_path, env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen[bytes]) -> int:
    os.killpg(proc.pid, signal.SIGINT)
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise


def _sink_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_kafka_sample_files_move_lines_and_resume_without_duplicates(kafka_bootstrap: str, tmp_path: Path) -> None:
    port = _free_port()
    topic = f"standalone-{uuid.uuid4().hex[:8]}"
    source, sink = tmp_path / "test.txt", tmp_path / "test.sink.txt"
    worker = _rewrite("connect-standalone.properties", tmp_path, **{
        "bootstrap.servers": kafka_bootstrap, "offset.storage.file.filename": str(tmp_path / "connect.offsets"),
        "listeners": f"http://:{port}"})  # fmt: skip
    source_file = _rewrite("connect-file-source.properties", tmp_path, file=str(source), topic=topic)
    sink_file = _rewrite("connect-file-sink.properties", tmp_path, file=str(sink), topics=topic)
    source.write_text("one\ntwo\nthree\n")
    rest = Up(f"http://127.0.0.1:{port}", tmp_path, topic)

    proc = _standalone(tmp_path, worker, source_file, sink_file)
    try:
        rest.wait_for(lambda: _sink_lines(sink) == ["one", "two", "three"], "the first lines in the sink", 120)
        status, names = rest.http("GET", "/connectors")
        assert (status, sorted(names)) == (200, ["local-file-sink", "local-file-source"])
    finally:
        assert _stop(proc) == 0, "Ctrl-C must stop lambda-connect standalone cleanly"

    with source.open("a") as handle:
        handle.write("four\nfive\n")
    proc = _standalone(tmp_path, worker, source_file, sink_file)
    try:
        rest.wait_for(lambda: len(_sink_lines(sink)) >= 5, "the new lines after a restart", 120)
        time.sleep(8)  # several source ticks and sink batches: a re-read from the start would show by now
        assert _sink_lines(sink) == ["one", "two", "three", "four", "five"]
    finally:
        assert _stop(proc) == 0


def test_kafkas_quickstart_from_its_directory_reads_and_writes_files_there(kafka_bootstrap: str,
                                                                          tmp_path: Path) -> None:
    """Kafka's quickstart, run from Kafka's directory: `standalone config/connect-standalone.properties
    config/connect-file-source.properties config/connect-file-sink.properties` with `file=test.txt` and
    `file=test.sink.txt` as shipped, which Kafka resolves against the working directory (our default file root in
    standalone mode)."""
    config = tmp_path / "config"
    config.mkdir()
    topic = f"standalone-{uuid.uuid4().hex[:8]}"
    port = _free_port()
    _rewrite("connect-standalone.properties", config, **{
        "bootstrap.servers": kafka_bootstrap, "offset.storage.file.filename": str(tmp_path / "connect.offsets"),
        "listeners": f"http://:{port}"})  # fmt: skip
    source = _rewrite("connect-file-source.properties", config, topic=topic)
    _rewrite("connect-file-sink.properties", config, topics=topic)
    assert "\nfile=test.txt\n" in source.read_text()  # the relative name, as shipped
    (tmp_path / "test.txt").write_text("foo\nbar\n")
    rest = Up(f"http://127.0.0.1:{port}", tmp_path, topic)

    relative = [Path("config") / name for name in ("connect-standalone.properties", "connect-file-source.properties",
                                                   "connect-file-sink.properties")]
    proc = _standalone(tmp_path, *relative, file_roots=False)
    try:
        rest.wait_for(lambda: _sink_lines(tmp_path / "test.sink.txt") == ["foo", "bar"],
                      "the quickstart's lines in test.sink.txt beside test.txt", 120)
    finally:
        assert _stop(proc) == 0
    assert not (tmp_path / "data").exists()  # up's ./data root is not standalone's


def test_existing_kafka_offsets_file_is_refused(tmp_path: Path) -> None:
    offsets = tmp_path / "connect.offsets"
    offsets.write_bytes(b"\xac\xed\x00\x05sr\x00\x11java.util.HashMap")
    worker = _rewrite("connect-standalone.properties", tmp_path, **{"offset.storage.file.filename": str(offsets)})
    proc = _standalone(tmp_path, worker)
    assert proc.wait(timeout=60) == 2
    assert "written by Kafka Connect" in (tmp_path / "up.log").read_text()


def test_connector_error_stops_the_worker_with_kafkas_exit_code(kafka_bootstrap: str, tmp_path: Path) -> None:
    worker = _rewrite("connect-standalone.properties", tmp_path, **{
        "bootstrap.servers": kafka_bootstrap, "offset.storage.file.filename": str(tmp_path / "connect.offsets"),
        "listeners": f"http://:{_free_port()}"})  # fmt: skip
    connector = tmp_path / "bad.json"
    connector.write_text('{"name": "bad", "config": {"connector.class": "NoSuchConnector"}}')
    proc = _standalone(tmp_path, worker, connector)
    try:
        assert proc.wait(timeout=120) == 3
    finally:
        if proc.poll() is None:
            _stop(proc)
    log = (tmp_path / "up.log").read_text()
    assert "Failed to create connector for" in log and "NoSuchConnector" in log
