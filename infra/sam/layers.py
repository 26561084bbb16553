"""What `sam build` runs to keep the layers under Lambda's size limit: ``strip`` for ConnectCoreLayer, ``iceberg``
builds the IcebergLayer of template.yaml (pyiceberg and pyarrow for the Iceberg sink, beside ConnectCoreLayer).

Lambda allows 250 MB unzipped for a function and its layers together. pyiceberg with pyarrow and pyiceberg-core is
301 MB installed (pyarrow alone 171 MB), so this layer holds only what ConnectCoreLayer lacks, resolved against the
versions that layer pins (pip's dry-run report of infra/sam/requirements.txt as constraints), and drops what the sink
never loads: Arrow Flight, the Substrait/ORC/HDFS/GCS/Azure/CUDA modules, C++ headers, Cython sources, pyarrow's own
tests, the copies of versioned libraries the dynamic linker does not open (it opens the soname), zstandard's second
(cffi) backend, pyiceberg's Hive client and rich's syntax highlighting. What stays is what pyiceberg's PyArrowFileIO,
``pyarrow.dataset``/``parquet``/``compute`` and ``pyarrow.fs.S3FileSystem`` load; tests/integration/stack_iceberg
runs the sink from the built layers alone.

Shared objects lose their symbol tables (``strip --strip-unneeded``: what the dynamic linker needs stays), in both
layers: 11 MB of ConnectCoreLayer (SQLAlchemy's Cython modules) and 64 MB of pyarrow. Libraries auditwheel grafted
(``*.libs/``) are left as they are: patchelf rewrote them, and strip is known to break such files.

The pip installs (``core``: ConnectCoreLayer's requirements; ``iceberg``: the whole layer but its byte-code) come
from layer_cache.py's content-addressed cache when an earlier build made them with the same inputs.

Usage: python infra/sam/layers.py strip DIR
       python infra/sam/layers.py core DIR --requirements FILE [pip target options] [-- PLUGIN_WHEEL...]
       python infra/sam/layers.py iceberg DIR --core-requirements FILE --requirements FILE [pip target options]
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import layer_cache  # beside this file: sys.path[0] when run by path, as `sam build` does

# Paths under the layer's python/ directory that the sink never loads (globs, relative).
PRUNED = (
    "pyarrow/include", "pyarrow/includes", "pyarrow/src", "pyarrow/tests", "pyarrow/**/*.pyx", "pyarrow/**/*.pxd",
    "pyarrow/**/*.pxi", "pyarrow/libarrow_flight.so*", "pyarrow/libarrow_python_flight.so*", "pyarrow/_flight.*.so",
    "pyarrow/_substrait.*.so", "pyarrow/_pyarrow_cpp_tests.*.so", "pyarrow/_orc.*.so", "pyarrow/_dataset_orc.*.so",
    "pyarrow/_hdfs.*.so", "pyarrow/_gcsfs.*.so", "pyarrow/_azurefs.*.so", "pyarrow/_cuda.*.so",
    "pyarrow/libarrow_python.so", "pyarrow/libarrow_python.so.*.*", "pyarrow/libarrow_python_parquet_encryption.so",
    "pyarrow/libarrow_python_parquet_encryption.so.*.*",
    "zstandard/_cffi.*.so", "zstandard/backend_cffi.py", "**/*.pyi", "bin",
    "hive_metastore", "fb303",  # pyiceberg's Hive catalog client (Thrift stubs): config.py refuses that catalog
)
# Whole distributions the sink never imports: rich's syntax highlighting and Markdown (pyiceberg renders a schema
# mismatch with rich's Console and Table only).
PRUNED_DISTRIBUTIONS = ("pygments", "markdown-it-py", "mdurl")


def _pip(*args: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]


def core_pins(core_requirements: Path, pip_target: list[str]) -> dict[str, str]:
    """Normalised name -> version of every distribution ConnectCoreLayer installs (pip's dry-run report)."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        subprocess.run(_pip("install", "--quiet", "--dry-run", "--ignore-installed", "--report", str(report),
                            *pip_target, "--target", str(Path(scratch) / "t"), "-r", str(core_requirements)),
                       check=True)
        installed = json.loads(report.read_text())["install"]
    return {_normalise(item["metadata"]["name"]): item["metadata"]["version"] for item in installed}


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def remove_distributions(python: Path, names: set[str]) -> list[str]:
    """Delete every file (by its RECORD) of the installed distributions named; returns their names."""
    removed = []
    for dist_info in sorted(python.glob("*.dist-info")):
        name = _normalise(dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0])
        if name not in names:
            continue
        record = dist_info / "RECORD"
        for line in record.read_text().splitlines() if record.is_file() else ():
            path = (python / line.split(",", 1)[0]).resolve()
            if path.is_relative_to(python.resolve()) and path.is_file():
                path.unlink()
        shutil.rmtree(dist_info, ignore_errors=True)
        removed.append(name)
    for directory in sorted((p for p in python.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(directory.iterdir()):
            directory.rmdir()
    return removed


def prune(python: Path) -> None:
    """Remove the PRUNED paths."""
    for pattern in PRUNED:
        for path in python.glob(pattern):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()


def strip_shared_objects(python: Path) -> None:
    """``strip --strip-unneeded`` every ELF file outside ``*.libs/``. GNU strip reads only this machine's
    architectures: an object it cannot read (arm64 built on x86_64) goes to ``llvm-strip``, which reads all of them;
    without it the object keeps its symbols, with a warning."""
    tools = [tool for tool in (shutil.which("strip"), shutil.which("llvm-strip")) if tool]
    if not tools:
        print("warning: no strip on this machine: the layer keeps its symbol tables", file=sys.stderr)
        return
    for path in sorted(python.rglob("*.so*")):
        grafted = any(part.endswith(".libs") for part in path.relative_to(python).parts)
        if grafted or not path.is_file() or path.is_symlink() or not _is_elf(path):
            continue
        errors = []
        for tool in tools:
            result = subprocess.run([tool, "--strip-unneeded", str(path)], capture_output=True, text=True,
                                    check=False)
            if result.returncode == 0:
                break
            errors.append(result.stderr.strip())
        else:
            print(f"warning: {path.name} keeps its symbols: {'; '.join(errors)}", file=sys.stderr)


def _is_elf(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(4) == b"\x7fELF"


def size(root: Path) -> int:
    """Bytes of the files under ``root``: what Lambda counts of an unzipped layer."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _cache_key(command: str, pip_target: list[str], *files: Path) -> list[str | bytes]:
    """What decides a cached install besides the files' contents: pip's version, configuration and target options,
    the interpreter running it (markers such as platform_machine are read from it) and this build's source."""
    here = Path(__file__).resolve().parent
    return [command, *pip_target, importlib.metadata.version("pip"), sys.version, sys.platform, platform.machine(),
            *layer_cache.pip_environment(), (here / "layers.py").read_bytes(), (here / "layer_cache.py").read_bytes(),
            *(path.read_bytes() for path in files)]


def build_core(target: Path, requirements: Path, wheels: list[str], pip_target: list[str]) -> bool:
    """ConnectCoreLayer's third-party packages into ``target``; returns whether they came from the cache. Plugin
    wheels resolve in the same pip run (their dependencies with lambda-connect's), which is then not cached."""
    def install(into: Path) -> None:
        subprocess.run(_pip("install", "--quiet", "--no-compile", *pip_target, "--target", str(into),
                            "-r", str(requirements), *wheels), check=True)

    if wheels:
        install(target)
        return False
    return layer_cache.install("ConnectCoreLayer", _cache_key("core", pip_target, requirements), target, install)


def build_iceberg(target: Path, core_requirements: Path, requirements: Path, pip_target: list[str]) -> bool:
    """The IcebergLayer's files, without byte-code, into ``target``; returns whether they came from the cache."""
    strip_tools = [subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout
                   for tool in (shutil.which("strip"), shutil.which("llvm-strip")) if tool]
    parts = [*_cache_key("iceberg", pip_target, core_requirements, requirements), *strip_tools]
    return layer_cache.install("IcebergLayer", parts, target,
                               lambda into: _build_iceberg(into, core_requirements, requirements, pip_target))


def _build_iceberg(target: Path, core_requirements: Path, requirements: Path, pip_target: list[str]) -> None:
    pins = core_pins(core_requirements, pip_target)
    with tempfile.TemporaryDirectory() as scratch:
        constraints = Path(scratch) / "constraints.txt"
        constraints.write_text("".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))
        subprocess.run(_pip("install", "--quiet", "--no-compile", *pip_target, "--target", str(target),
                            "-c", str(constraints), "-r", str(requirements)), check=True)
    remove_distributions(target, set(pins) | set(PRUNED_DISTRIBUTIONS))
    prune(target)
    strip_shared_objects(target)


def main(argv: list[str]) -> int:
    argv, wheels = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    if len(argv) < 2 or argv[0] not in ("strip", "core", "iceberg"):
        print(__doc__, file=sys.stderr)
        return 2
    command, target = argv[0], Path(argv[1])
    if command == "strip":
        strip_shared_objects(target)
        return 0
    options = {"--core-requirements", "--requirements"}
    given = {arg: Path(argv[i + 1]) for i, arg in enumerate(argv) if arg in options}
    rest = [arg for i, arg in enumerate(argv[2:], 2) if arg not in options and argv[i - 1] not in options]
    if command == "core":
        cached = build_core(target, given["--requirements"], wheels, rest)
        print(f"ConnectCoreLayer: third-party packages {'from the cache' if cached else 'installed'}", file=sys.stderr)
        return 0
    cached = build_iceberg(target, given["--core-requirements"], given["--requirements"], rest)
    print(f"IcebergLayer: {size(target) / 1e6:.1f} MB unzipped in {target}{' (from the cache)' if cached else ''}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PIP_NO_INPUT", "1")
    sys.exit(main(sys.argv[1:]))
