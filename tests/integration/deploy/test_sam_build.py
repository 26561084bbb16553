"""`sam build` builds the layer and the functions with the local Python and pip, and the result imports.

The deployed layer targets the template's Runtime (python3.12 wheels); to import the build in this interpreter, the
first build overrides the Makefile's LAMBDA_PYTHON with the local version (same code, same requirements, other
wheel ABI, byte-code of this interpreter). A second, layer-only build checks the default really produces wheels and
byte-code for the Lambda runtime.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SAM = Path(sys.executable).with_name("sam")
LOCAL_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
HANDLERS = {"CoordinatorFunction": "coordinator", "SourceTaskFunction": "source_task", "SinkTaskFunction": "sink_task"}

pytestmark = pytest.mark.integration


def _sam_build(build_dir: Path, *resources: str, python: str | None = None, python_bin: str | None = None,
               architecture: str | None = None) -> None:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    if architecture is not None:
        env["LAMBDA_ARCHITECTURE"] = architecture
    if python is not None:
        env["LAMBDA_PYTHON"] = python
    if python_bin is not None:
        env["LAMBDA_PYTHON_BIN"] = python_bin
    result = subprocess.run(
        [str(SAM), "build", *resources, "--build-dir", str(build_dir), "--template-file", str(ROOT / "template.yaml")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "Build Succeeded" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    _sam_build(build_dir, python=LOCAL_PYTHON, python_bin=sys.executable)
    return build_dir


def _assert_byte_code(root: Path, tag: str) -> None:
    """Every module under ``root`` has byte-code of ``tag`` (cpython-312...) that is used without checking the source
    (unchecked-hash: flags 0b01 in the header), and there is no byte-code of another interpreter."""
    sources = [p for p in root.rglob("*.py") if "__pycache__" not in p.parts]
    assert sources, root
    missing = [str(p) for p in sources if not (p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").is_file()]
    assert not missing, missing[:5]
    for cached in root.rglob("*.pyc"):
        assert cached.name.endswith(f".{tag}.pyc"), cached
    sample = root / "runtime" / "sink_runner.py" if (root / "runtime").is_dir() else sources[0]
    header = (sample.parent / "__pycache__" / f"{sample.stem}.{tag}.pyc").read_bytes()[:8]
    assert int.from_bytes(header[4:8], "little") == 0b01, header


def test_the_layer_holds_connect_core_and_its_dependencies(built: Path) -> None:
    python = built / "ConnectCoreLayer" / "python"
    for package in ("connect_core", "confluent_kafka", "pydantic", "boto3", "aws_lambda_powertools",
                    "aws_msk_iam_sasl_signer", "sqlalchemy", "pymysql", "pymysqlreplication"):
        assert (python / package).is_dir(), package
    # byte-code of this interpreter only: Lambda cannot write it in /opt, and every cold start would compile it
    _assert_byte_code(python / "connect_core", sys.implementation.cache_tag)
    _assert_byte_code(python / "pydantic", sys.implementation.cache_tag)
    assert importlib.util.MAGIC_NUMBER == (python / "connect_core" / "__pycache__" /
                                           f"__init__.{sys.implementation.cache_tag}.pyc").read_bytes()[:4]


def test_each_function_holds_only_its_handler_package(built: Path) -> None:
    for logical_id, name in HANDLERS.items():
        code = built / logical_id
        assert (code / "functions" / name / "app.py").is_file()
        assert sorted(p.name for p in (code / "functions").iterdir()) == ["__init__.py", "__pycache__", name]
        assert not (code / "connect_core").exists()  # the code comes from the layer
        _assert_byte_code(code / "functions", sys.implementation.cache_tag)


@pytest.mark.parametrize("logical_id", sorted(HANDLERS))
def test_the_built_handler_imports_from_the_layer_alone(built: Path, logical_id: str) -> None:
    code = (
        "import sys\n"
        f"sys.path[:0] = [{str(built / logical_id)!r}, {str(built / 'ConnectCoreLayer' / 'python')!r}]\n"
        f"import functions.{HANDLERS[logical_id]}.app as app\n"
        "assert callable(app.handler)\n"
        "import confluent_kafka, pydantic_core\n"
        "print(app.__file__, confluent_kafka.__file__)\n"
    )
    # -I -S: no site-packages and no current directory, so nothing resolves from the project or its virtualenv
    result = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    handler_file, kafka_file = result.stdout.split()
    assert handler_file.startswith(str(built / logical_id))
    assert kafka_file.startswith(str(built / "ConnectCoreLayer"))


def test_the_default_layer_build_targets_the_lambda_runtime(tmp_path: Path) -> None:
    _sam_build(tmp_path / "build", "ConnectCoreLayer")
    python = tmp_path / "build" / "ConnectCoreLayer" / "python"
    assert list((python / "pydantic_core").glob("*.cpython-312-x86_64-linux-gnu.so"))
    assert list((python / "confluent_kafka").glob("cimpl.cpython-312-x86_64-linux-gnu.so"))
    # made by a Python 3.12 of this machine (pyenv's, as LocalStack's executor runs the python3.12 functions with it)
    _assert_byte_code(python / "connect_core", "cpython-312")


ELF_MACHINES = {62: "x86_64", 183: "aarch64"}  # e_machine of an ELF header: EM_X86_64, EM_AARCH64


def _native_machines(python: Path) -> dict[str, set[str]]:
    """The ELF machine of every shared object under ``python``, and the platform tags every wheel's WHEEL file
    names, each as the set of what was found."""
    machines = {ELF_MACHINES.get(int.from_bytes(so.read_bytes()[18:20], "little"), "other")
                for so in python.rglob("*.so*") if so.is_file() and so.read_bytes()[:4] == b"\x7fELF"}
    tags = {line.split("-")[-1].strip() for wheel in python.glob("*.dist-info/WHEEL")
            for line in wheel.read_text().splitlines() if line.startswith("Tag:")}
    return {"elf": machines, "wheel tags": tags}


def test_the_layer_builds_for_graviton_offline_with_arm64_wheels_only(tmp_path: Path) -> None:
    _sam_build(tmp_path / "build", "ConnectCoreLayer", architecture="arm64")
    python = tmp_path / "build" / "ConnectCoreLayer" / "python"
    found = _native_machines(python)
    assert found["elf"] == {"aarch64"}, found
    assert {tag for tag in found["wheel tags"] if tag != "any"} and all(
        tag == "any" or tag.endswith("_aarch64") for tag in found["wheel tags"]), found
    assert list((python / "confluent_kafka").glob("cimpl.cpython-312-aarch64-linux-gnu.so"))
    assert list((python / "pydantic_core").glob("*.cpython-312-aarch64-linux-gnu.so"))
