"""A worker file as the stack's template parameters: every variable it sets has its parameter in template.yaml."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from connect_core.local.cli import main
from connect_core.local.stack_parameters import PARAMETERS, stack_parameters
from connect_core.local.worker_file import read_worker_file
from tests.unit.infra._template import load_template

if TYPE_CHECKING:
    import pytest

KAFKA_CONFIG = Path(__file__).parents[2] / "e2e" / "kafka_config"


def test_every_parameter_is_the_templates_and_sets_its_variable() -> None:
    template = load_template()
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    for name, parameter in PARAMETERS.items():
        assert parameter in template["Parameters"], parameter
        assert variables[name] == {"Ref": parameter}, name


def test_kafkas_sample_distributed_file_as_parameters(tmp_path: Path) -> None:
    text = (KAFKA_CONFIG / "connect-distributed.properties").read_text()
    path = tmp_path / "worker.properties"
    path.write_text(text + "value.converter=io.confluent.connect.avro.AvroConverter\n"
                           "value.converter.schema.registry.url=http://registry:8081\n")
    parameters, notes = stack_parameters(read_worker_file(path, standalone=False))
    assert parameters["KafkaBootstrapServers"] == "localhost:9092"
    assert (parameters["GroupId"], parameters["ConfigTopic"], parameters["OffsetTopic"], parameters["StatusTopic"]) \
        == ("connect-cluster", "connect-configs", "connect-offsets", "connect-status")
    assert json.loads(parameters["WorkerConverters"])["value.converter.schema.registry.url"] == "http://registry:8081"
    assert any(note.startswith("listeners") for note in notes)


def test_the_command_prints_parameter_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stack-parameters", str(KAFKA_CONFIG / "connect-distributed.properties")]) == 0
    words = dict(word.split("=", 1) for word in shlex.split(capsys.readouterr().out))
    assert words["GroupId"] == "connect-cluster"
    assert json.loads(words["WorkerConverters"])["key.converter.schemas.enable"] == "true"


def test_a_key_the_stack_cannot_honour_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "worker.properties"
    path.write_text("sasl.mechanism=GSSAPI\n")
    assert main(["stack-parameters", str(path)]) == 2
    assert "sasl.mechanism" in capsys.readouterr().err


def test_the_local_stack_takes_the_files_parameters_but_its_own_broker(tmp_path: Path) -> None:
    from infra.local.stack import worker_parameters

    path = tmp_path / "worker.properties"
    path.write_text((KAFKA_CONFIG / "connect-distributed.properties").read_text() + "plugin.path=/opt/plugins\n")
    parameters, plugins, notes = worker_parameters(path)
    assert "KafkaBootstrapServers" not in parameters and parameters["GroupId"] == "connect-cluster"
    assert plugins == ["/opt/plugins"]
    assert any(note.startswith("bootstrap.servers") for note in notes)


def test_the_local_stack_keeps_a_file_naming_the_local_three_broker_cluster(tmp_path: Path) -> None:
    """`make stack WORKER_CONFIG=...` against the cluster on MSK's defaults: its address stays, and the internal
    topics take its default replication factor (3) unless the file names one."""
    from infra.local import kafka_cluster
    from infra.local.stack import worker_parameters

    path = tmp_path / "worker.properties"
    text = (KAFKA_CONFIG / "connect-distributed.properties").read_text()
    dropped = ("bootstrap.servers", "offset.storage.replication", "config.storage.replication",
               "status.storage.replication")
    text = "\n".join(line for line in text.splitlines() if not line.startswith(dropped))
    path.write_text(text + f"\nbootstrap.servers={kafka_cluster.address()}\n")
    parameters, _plugins, notes = worker_parameters(path)
    assert parameters["KafkaBootstrapServers"] == kafka_cluster.address()
    assert parameters["ReplicationFactor"] == "-1"
    assert any("three-broker cluster" in note for note in notes)
    path.write_text(text + "\nbootstrap.servers=127.0.0.1:29092,127.0.0.1:39999\n")  # not all of it is the cluster
    assert "KafkaBootstrapServers" not in worker_parameters(path)[0]


def test_a_json_parameter_reaches_sam_deploy_whole() -> None:
    """A worker file's converters go to the stack as JSON (WorkerConverters): sam's --parameter-overrides parser
    takes quotes off unescaped words, which left the functions failing with 'is not JSON'."""
    from samcli.cli.types import CfnParameterOverridesType

    from infra.local.stack import _override

    converters = '{"key.converter": "org.apache.kafka.connect.json.JsonConverter", "a": "b c"}'
    words = (_override("WorkerConverters", converters), _override("GroupId", "lc"))
    assert CfnParameterOverridesType().convert(words, None, None) == {"WorkerConverters": converters, "GroupId": "lc"}
