"""The Kafka Connect REST API as plain request -> response logic over Kafka Connect's internal topics.

Importing this package does not import ``confluent_kafka``; the stores and admin helpers do on first use.
"""

from __future__ import annotations

from connect_core.coordinator.factory import coordinator_from_env, coordinator_from_settings
from connect_core.coordinator.herder.deployer import Deployer, DeployerCall, RecordingDeployer
from connect_core.coordinator.rest.http import Request, Response, RestError
from connect_core.coordinator.rest.service import Coordinator

__all__ = [
    "Coordinator",
    "Deployer",
    "DeployerCall",
    "RecordingDeployer",
    "Request",
    "Response",
    "RestError",
    "coordinator_from_env",
    "coordinator_from_settings",
]
