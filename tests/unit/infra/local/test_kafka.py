"""The local broker: empty data when its partitions would exhaust its open-files limit; valid cluster ids."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from infra.local import kafka

if TYPE_CHECKING:
    from pathlib import Path


def _partitions(data: Path, count: int) -> None:
    data.mkdir()
    for number in range(count):
        (data / f"topic-{number}-0").mkdir()
    (data / "meta.properties").write_text("version=1\n")


def test_a_crowded_data_directory_is_reset_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    _partitions(data, 6)
    assert kafka._reset_if_crowded(data, limit=5)
    assert not data.exists()
    assert "6 partitions on disk (limit 5" in capsys.readouterr().out


def test_data_within_the_limit_is_kept(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _partitions(data, 5)
    assert not kafka._reset_if_crowded(data, limit=5)
    assert len(list(data.iterdir())) == 6


def test_no_data_directory_yet(tmp_path: Path) -> None:
    assert not kafka._reset_if_crowded(tmp_path / "data")


def test_cluster_ids_never_start_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """kafka-storage refuses an id starting with "-", which a plain base64 of a random UUID gives 1 time in 64."""
    import uuid

    dashed = uuid.UUID(bytes=b"\xfb" + bytes(15))  # base64url "-w..."
    draws = iter([dashed, uuid.UUID(int=1)])
    monkeypatch.setattr(kafka.uuid, "uuid4", lambda: next(draws))
    assert kafka._cluster_id() == "AAAAAAAAAAAAAAAAAAAAAQ"


def test_the_running_brokers_release_is_read_from_its_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    classpath = "/root/.m2/repository/org/apache/kafka/kafka_2.13/4.1.1/kafka_2.13-4.1.1.jar:/x/kafka-clients-4.1.1.jar"
    monkeypatch.setattr(kafka.proc, "listening_pid", lambda port: 4242 if port == 9092 else None)
    monkeypatch.setattr(kafka.proc, "cmdline", lambda pid: f"java -Xmx768m -cp {classpath} kafka.Kafka x.properties")
    assert kafka.running_version(9092) == "4.1.1"
    assert kafka.running_version(9999) is None


def test_a_shared_broker_of_another_release_is_left_running_with_a_note(monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Every checkout shares the broker: an older checkout must not switch it back, so nothing restarts it."""
    monkeypatch.setattr(kafka, "running_version", lambda port: "4.1.1")
    monkeypatch.setattr(kafka, "KAFKA_VERSION", "4.3.1")
    kafka._note_version("kafka", 9092)
    out = capsys.readouterr().out
    assert "runs Kafka 4.1.1, this tree pins 4.3.1" in out
    assert "python -m infra.local.services down kafka kafka2 && make services" in out
    monkeypatch.setattr(kafka, "running_version", lambda port: "4.3.1")
    kafka._note_version("kafka", 9092)
    assert capsys.readouterr().out == ""


def test_a_moved_port_refuses_another_running_brokers_directory(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.local._process import ServiceError

    (tmp_path / "server.properties").write_text(
        "listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093\n")
    monkeypatch.setattr(kafka.proc, "read_pid", lambda name: 4242)
    kafka._refuse_foreign_directory("kafka", tmp_path, 9092)  # its own broker: fine
    with pytest.raises(ServiceError, match="needs its own LAMBDA_CONNECT_RUN_DIR"):
        kafka._refuse_foreign_directory("kafka", tmp_path, 29092)
    monkeypatch.setattr(kafka.proc, "read_pid", lambda name: None)
    kafka._refuse_foreign_directory("kafka", tmp_path, 29092)  # nothing runs there: the directory is reused


@pytest.mark.parametrize(("environment", "ports"), [
    ({}, "9092 9093 9094 19092 19093"),
    ({"LAMBDA_CONNECT_KAFKA_PORT": "29092", "LAMBDA_CONNECT_KAFKA2_PORT": "29192"}, "29092 29093 29094 29192 29193"),
])
def test_ports_move_together_by_environment(environment: dict[str, str], ports: str) -> None:
    import os
    import subprocess
    import sys

    moved = ("LAMBDA_CONNECT_KAFKA_PORT", "LAMBDA_CONNECT_KAFKA2_PORT")
    clean = {k: v for k, v in os.environ.items() if k not in moved}
    script = ("from infra.local import kafka, kafka2; "
              "print(kafka.PORT, kafka.CONTROLLER_PORT, kafka.SASL_PORT, kafka2.PORT, kafka2.CONTROLLER_PORT)")
    out = subprocess.run([sys.executable, "-c", script], env={**clean, **environment}, capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ports.split()
