"""A coordinator process for the control-plane fault suite: one REST request through the real coordinator.

``python -m tests.faults._coordinator_driver <METHOD> <path> [<json body>]`` builds the coordinator from the
environment (internal topics, the AWS deployer's ``LAMBDA_CONNECT_*`` settings, boto3 pointed at LocalStack by
``AWS_ENDPOINT_URL``), answers the request and prints ``{"status": ..}`` as one JSON line. The fault tests kill it
with ``LAMBDA_CONNECT_FAULT=aws.<operation>.before|after[:n]`` at that AWS call of the deploy.
"""

from __future__ import annotations

import json
import sys
import urllib.request

from connect_core.coordinator import Request, coordinator_from_env
from connect_core.coordinator.aws.deployer import AwsDeployer


def fetch_code(url: str) -> bytes:
    """GetFunction's Code.Location names localhost.localstack.cloud, which has no DNS on these machines."""
    with urllib.request.urlopen(url.replace("localhost.localstack.cloud", "127.0.0.1"), timeout=60) as response:
        return bytes(response.read())


def main(method: str, path: str, body: str | None) -> None:
    """Answer one request; print its status."""
    coordinator = coordinator_from_env(AwsDeployer(fetch_code=fetch_code))
    request = Request.build(method, path, "", {"Content-Type": "application/json", "Host": "localhost"}, body)
    response = coordinator.handle(request)
    sys.stdout.write(json.dumps({"status": response.status}) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
