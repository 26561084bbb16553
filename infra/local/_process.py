"""Shared plumbing for a locally started service: run folder, pid files, logs, health waits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_DIR = Path(os.environ.get("LAMBDA_CONNECT_RUN_DIR", REPO_ROOT / ".run")).resolve()
CACHE_DIR = Path(os.environ.get("LAMBDA_CONNECT_CACHE_DIR", Path.home() / ".cache" / "lambda-connect")).resolve()
PORT_WAIT_S = 60.0  # how long a start waits for a port that is briefly busy before it fails naming the holder
# The local services' JVMs (brokers, OpenSearch, the registry) compile with C1 only: C2 spent ~28 CPU-s per broker in
# its first minutes on a 2-core machine whose tests wait for CPU. Never a measured JVM (bench/'s worker keeps C2).
SERVICE_JVM_FLAGS = ("-XX:TieredStopAtLevel=1",)


class ServiceError(RuntimeError):
    """A service could not be installed or did not become healthy; the message names it and shows its log."""


@dataclass
class ServiceStatus:
    """One line of `make services`."""

    name: str
    address: str
    state: str
    pid: int | None = None
    settings: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        pid = f" (pid {self.pid})" if self.pid else ""
        return f"{self.name:<11} {self.address:<22} {self.state}{pid}"


def service_dir(name: str) -> Path:
    path = RUN_DIR / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_server_port(low: int = 20_000, high: int = 28_000) -> int:
    """A port nothing holds now, below the ephemeral range (32768-60999) so no client connection takes it later.

    A restarted broker must bind the same port again; one from the ephemeral range may by then be the local end of
    some other process's connection ('Address already in use').
    """
    import random

    for _ in range(200):
        port = random.randrange(low, high)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        if not port_open("127.0.0.1", port, timeout=0.2):
            return port
    raise ServiceError(f"no free port between {low} and {high}")


def read_pid(name: str) -> int | None:
    pid_file = service_dir(name) / "pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid


def spawn(
    name: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None,
    user: tuple[int, int] | None = None,
) -> int:
    """Start a detached process in its own session, log to <run>/<name>/<name>.log, record its pid.

    ``user`` is a (uid, gid) to run as, for servers that refuse to run as root.
    """
    directory = service_dir(name)
    log = open(directory / f"{name}.log", "ab")  # handed to the child
    full_env = {**os.environ, **(env or {})}
    ids = {"user": user[0], "group": user[1], "extra_groups": []} if user else {}
    proc = subprocess.Popen(
        list(argv), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        cwd=cwd or directory, env=full_env, start_new_session=True, **ids,
    )
    log.close()
    (directory / "pid").write_text(str(proc.pid))
    return proc.pid


def await_port(
    name: str, host: str, ports: Sequence[int], healthy: Callable[[], bool], timeout: float = PORT_WAIT_S,
) -> bool:
    """Just before spawning a server: wait while one of its ports is taken (a previous instance still stopping,
    or the same service being started by another checkout or test session).

    True when a healthy service answers meanwhile (nothing to start); False once the ports are free; a
    ServiceError naming the service, the port and the process holding it when it stays taken."""
    deadline = time.monotonic() + timeout
    while True:
        busy = [port for port in ports if port_open(host, port)]
        if not busy:
            return False
        if healthy():
            return True
        if time.monotonic() >= deadline:
            holder = listening_pid(busy[0])
            what = f"pid {holder}: {cmdline(holder)[:200]}" if holder else "an unknown process"
            raise ServiceError(f"{name}: port {host}:{busy[0]} is still taken after {timeout:.0f}s by {what}, which "
                               f"is not a healthy {name}; stop it or free the port")
        time.sleep(1.0)


def log_tail(name: str, lines: int = 40) -> str:
    log = service_dir(name) / f"{name}.log"
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_healthy(name: str, check: Callable[[], bool], timeout: float, pid: int | None = None) -> None:
    """Poll a real health check until it passes; fail with the service's log tail otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if pid is not None and read_pid(name) is None:
            raise ServiceError(f"{name}: process {pid} exited during start-up. Log tail:\n{log_tail(name)}")
        time.sleep(0.5)
    raise ServiceError(f"{name}: not healthy after {timeout:.0f}s. Log tail:\n{log_tail(name)}")


def stop_pid(name: str, timeout: float = 30.0) -> bool:
    """Stop the process group this project started for `name` (by pid file); True if one was running."""
    pid = read_pid(name)
    pid_file = service_dir(name) / "pid"
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    _stop_group(pid, lambda: read_pid(name) is not None, timeout)
    pid_file.unlink(missing_ok=True)
    return True


def stop_foreign_pid(name: str, pid: int, timeout: float = 30.0) -> None:
    """Stop a service's process group that another checkout started (its pid file is not ours)."""
    _stop_group(pid, lambda: Path(f"/proc/{pid}").exists(), timeout)
    if Path(f"/proc/{pid}").exists():
        raise ServiceError(f"{name}: process {pid} did not stop")


def _stop_group(pid: int, alive: Callable[[], bool], timeout: float) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and alive():
            _reap(pid)
            time.sleep(0.2)
        if not alive():
            break


def listening_pid(port: int) -> int | None:
    """The pid of the process listening on a local TCP port (from /proc), or None."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                inodes.add(fields[9])
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd).removeprefix("socket:[").removesuffix("]") in inodes for fd in fd_dir.iterdir()):
                return int(fd_dir.parent.name)
        except OSError:
            continue
    return None


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def peak_rss_mib(pid: int | str = "self") -> float | None:
    """A process's peak resident memory since its exec (VmHWM): ``ru_maxrss`` keeps the forking parent's peak on
    Linux, so a child of a large pytest process would report the parent's size."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def run(
    argv: Sequence[str], *, name: str, cwd: Path | None = None, env: Mapping[str, str] | None = None,
    user: tuple[int, int] | None = None,
) -> str:
    """Run a set-up command to completion; a failure names the service and shows the output."""
    ids = {"user": user[0], "group": user[1], "extra_groups": []} if user else {}
    result = subprocess.run(
        list(argv), cwd=cwd or "/", env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False,
        **ids,
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-40:]
        raise ServiceError(f"{name}: `{' '.join(argv[:3])} ...` failed ({result.returncode}):\n" + "\n".join(output))
    return result.stdout


def maven_classpath(name: str, pom_dir: Path, properties: Mapping[str, str]) -> str:
    """Resolve a pom's runtime classpath with Maven, cached per versions (jars stay in ~/.m2)."""
    from infra.local.versions import MAVEN_DEPENDENCY_PLUGIN

    key = "-".join(f"{v}" for v in properties.values())
    cp_file = CACHE_DIR / "classpath" / f"{name}-{key}.txt"
    if cp_file.exists():
        classpath = cp_file.read_text().strip()
        if classpath and all(Path(p).exists() for p in classpath.split(os.pathsep)):
            return classpath
    cp_file.parent.mkdir(parents=True, exist_ok=True)
    argv = ["mvn", "-q", "-B", f"{MAVEN_DEPENDENCY_PLUGIN}:build-classpath", f"-Dmdep.outputFile={cp_file}",
            "-Dmdep.includeScope=runtime", *(f"-D{k}={v}" for k, v in properties.items())]
    run(argv, name=name, cwd=pom_dir)
    return cp_file.read_text().strip()
