"""`sam build` of the IcebergLayer (infra/sam/layers.py): pyiceberg and pyarrow beside ConnectCoreLayer within Lambda's
limit of 262,144,000 bytes unzipped for a function and all its layers, and the sink's imports from the built
directories alone, with the Lambda runtime's Python (3.12). The sink itself runs from these layers on the deployed
stack: tests/integration/stack_iceberg."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SAM = Path(sys.executable).with_name("sam")
LAMBDA_UNZIPPED_LIMIT = 262_144_000  # "Unzipped size must be smaller than 262144000 bytes" (function + layers)

pytestmark = pytest.mark.integration


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _python312() -> str:
    """pyenv's newest 3.12 (as infra/sam/Makefile and LocalStack's executor pick it), else python3.12 on PATH."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = [*sorted(glob.glob(f"{root}/versions/3.12.*/bin/python3.12"), reverse=True), shutil.which("python3.12")]
    for candidate in found:
        if candidate and subprocess.run([candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 12)"],
                                        capture_output=True, check=False).returncode == 0:
            return candidate
    pytest.fail("no Python 3.12 on this machine (the template's runtime; LocalStack's executor needs it too)")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    result = subprocess.run(
        [str(SAM), "build", "--build-dir", str(build_dir), "--template-file", str(ROOT / "template.yaml")],
        cwd=ROOT, env={**os.environ, "SAM_CLI_TELEMETRY": "0", "LAMBDA_ARCHITECTURE": "x86_64"},
        capture_output=True, text=True, timeout=900, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return build_dir


def test_a_sink_function_with_both_layers_fits_lambdas_unzipped_limit(built: Path) -> None:
    core, iceberg = _size(built / "ConnectCoreLayer"), _size(built / "IcebergLayer")
    function = max(_size(built / name) for name in ("SinkTaskFunction", "SourceTaskFunction"))
    total = core + iceberg + function
    print(f"ConnectCoreLayer {core:,} + IcebergLayer {iceberg:,} + function {function:,} = {total:,} bytes "
          f"({LAMBDA_UNZIPPED_LIMIT - total:,} to spare)")
    assert total < LAMBDA_UNZIPPED_LIMIT


def test_the_iceberg_layer_holds_only_what_the_core_layer_lacks(built: Path) -> None:
    core = {p.name for p in (built / "ConnectCoreLayer" / "python").iterdir()}
    iceberg = {p.name for p in (built / "IcebergLayer" / "python").iterdir()} - {"__pycache__", "LICENSE", "NOTICE"}
    assert {"pyiceberg", "pyarrow", "pyiceberg_core"} <= iceberg
    assert core & iceberg == set()  # one version of each module in /opt/python, the core layer's pins
    pyarrow = built / "IcebergLayer" / "python" / "pyarrow"
    pruned = [*pyarrow.glob("libarrow_flight.so*"), *pyarrow.glob("_flight.*.so"), pyarrow / "include",
              pyarrow / "tests", *pyarrow.glob("*.pyx")]
    assert [str(p) for p in pruned if p.exists()] == []


def test_the_sinks_imports_load_from_the_built_function_and_layers_alone(built: Path) -> None:
    paths = [str(built / "SinkTaskFunction"), str(built / "ConnectCoreLayer" / "python"),
             str(built / "IcebergLayer" / "python")]
    code = (
        "import sys\n"
        f"sys.path[:0] = {paths!r}\n"
        "import functions.sink_task.app\n"
        "import pyarrow.dataset, pyarrow.parquet, pyarrow.compute\n"
        "from pyarrow.fs import S3FileSystem\n"
        "import pyiceberg.io.pyarrow, pyiceberg.catalog.sql, pyiceberg.catalog.rest, pyiceberg.catalog.glue\n"
        "from pyiceberg.transforms import BucketTransform, DayTransform\n"
        "from pyiceberg.types import LongType, TimestamptzType\n"
        "import pyarrow as pa\n"
        "assert BucketTransform(4).pyarrow_transform(LongType())(pa.array([1, 2])).to_pylist() is not None\n"
        "assert DayTransform().pyarrow_transform(TimestamptzType())(\n"
        "    pa.array([0], pa.timestamp('us', tz='UTC'))).to_pylist() == [0]\n"
        "from rich.console import Console\n"  # pyiceberg's schema mismatch message
        "import connect_core.connectors.iceberg.sink_task, psycopg2, sqlalchemy\n"
        "print(pyarrow.__file__, pyiceberg.__file__)\n"
    )
    # -I -S: no site-packages and no current directory, so nothing resolves from the project or its virtualenv
    result = subprocess.run([_python312(), "-I", "-S", "-c", code], capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    arrow_file, iceberg_file = result.stdout.split()
    assert arrow_file.startswith(str(built / "IcebergLayer")) and iceberg_file.startswith(str(built / "IcebergLayer"))
