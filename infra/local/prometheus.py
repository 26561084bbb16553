"""Prometheus for the metrics test: built once per version from its Go module (``go install``, a few minutes, cached
under the services' cache), then started per test with the test's own configuration and rules.

Usage: python -m infra.local.prometheus install
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from infra.local import _process as proc
from infra.local.versions import PROMETHEUS_MODULE, PROMETHEUS_VERSION

if TYPE_CHECKING:
    from pathlib import Path

NAME = "prometheus"
BUILD_TIMEOUT_S = 1800


def executable() -> Path:
    """The cached ``prometheus`` binary, built with ``go install <module>@<version>`` when missing."""
    bin_dir = proc.CACHE_DIR / f"prometheus-{PROMETHEUS_VERSION}" / "bin"
    binary = bin_dir / "prometheus"
    if binary.exists():
        return binary
    go = shutil.which("go") or ("/usr/local/go/bin/go" if os.path.exists("/usr/local/go/bin/go") else None)
    if go is None:
        raise proc.ServiceError(f"{NAME}: no Go toolchain to build {PROMETHEUS_MODULE}@{PROMETHEUS_VERSION}")
    building = bin_dir.with_name("bin.building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    result = subprocess.run(
        ["nice", "-n", "10", go, "install", f"{PROMETHEUS_MODULE}@{PROMETHEUS_VERSION}"],
        env={**os.environ, "GOBIN": str(building), "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"},
        capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False,
    )
    if result.returncode != 0:
        raise proc.ServiceError(f"{NAME}: go install failed ({result.returncode}):\n{result.stderr[-4000:]}")
    shutil.rmtree(bin_dir, ignore_errors=True)
    building.rename(bin_dir)  # only a whole build is ever found
    return binary


def start(config: Path, data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """A Prometheus on 127.0.0.1:``port`` with ``config``; the caller ends it (``stop``)."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(executable()), f"--config.file={config}", f"--storage.tsdb.path={data_dir}",
             f"--web.listen-address=127.0.0.1:{port}", "--web.enable-lifecycle"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    """End the process started by ``start``."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main(argv: list[str]) -> int:
    """``install``: build (or find) the binary and print its path."""
    if argv[:1] != ["install"]:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        print(executable())
    except proc.ServiceError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
