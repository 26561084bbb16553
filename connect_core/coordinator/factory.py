"""Build the ``Coordinator`` from the environment, once per warm container.

The worker settings (bootstrap servers, internal topic names, worker id) come from the ``LAMBDA_CONNECT_*``
variables of ``connect_core.runtime.env``; stores and clients are created lazily, so a cold start imports no
Kafka client until the first request needs one.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from connect_core.api.version import package_version
from connect_core.coordinator.cluster.consumer_groups import KafkaConsumerGroups, KafkaTopicOffsets
from connect_core.coordinator.cluster.info import KafkaClusterInfo
from connect_core.coordinator.cluster.source_fencing import SourceTaskFencing
from connect_core.coordinator.health.overview import StatusOverview
from connect_core.coordinator.herder.deployer import RecordingDeployer
from connect_core.coordinator.rest.service import UNKNOWN_COMMIT, Coordinator
from connect_core.kafka.auth import KafkaAuthMode
from connect_core.kafka.shared_clients import SharedClients
from connect_core.runtime import env
from connect_core.runtime.worker import WorkerSettings
from connect_core.storage.config_store import ConfigStore
from connect_core.storage.offset_store import OffsetStore
from connect_core.storage.run_store import RunStore
from connect_core.storage.status_store import StatusStore

if TYPE_CHECKING:
    from connect_core.coordinator.herder.deployer import Deployer

__all__ = ["coordinator_from_env", "coordinator_from_settings", "deployer_from_env"]



def coordinator_from_settings(
    worker: WorkerSettings, deployer: Deployer | None = None, *, commit: str = UNKNOWN_COMMIT
) -> Coordinator:
    """A coordinator over the worker's cluster and internal topics.

    Args:
        worker: cluster connection, topic names and worker id.
        deployer: what applies changes to the platform; a ``RecordingDeployer`` (no-op) until the AWS and local
            deployers are wired.
        commit: the build's commit id for ``GET /``.
    """
    clients = SharedClients(worker.kafka)  # one admin, reader and producer for every store (first request: one set)
    configs = ConfigStore(worker.kafka, worker.storage, clients=clients)
    statuses = StatusStore(worker.kafka, worker.storage, clients=clients)
    groups = KafkaConsumerGroups(worker.kafka)
    overview = StatusOverview(
        configs, statuses, RunStore(worker.kafka, worker.storage, clients=clients), groups, KafkaTopicOffsets(groups),
        aws=env.resolve(env.DEPLOYER, "").strip().lower() == "aws",
    )
    return Coordinator(
        configs,
        OffsetStore(worker.kafka, worker.storage, clients=clients),
        statuses,
        deployer=deployer or RecordingDeployer(),
        groups=groups,
        cluster=KafkaClusterInfo(worker.kafka),
        worker_id=worker.worker_id,
        version=package_version(),
        commit=commit,
        overview=overview,
        login_check=None if worker.kafka.auth.mode is KafkaAuthMode.NONE else partial(_login_check, clients),
        topic_tracking=worker.topic_tracking,
        topic_tracking_allow_reset=worker.topic_tracking_allow_reset,
        fencing=SourceTaskFencing(worker.kafka, worker.transactional_id),
    )


def _login_check(clients: SharedClients) -> str | None:
    """The 503 message while the cluster refuses the worker's credentials (a wrong secret), else None."""
    refused = clients.refused_login()
    if refused is None:
        return None
    where = env.resolve(env.KAFKA_SECRET_ARN, "")
    return (f"Kafka refused this worker's login: {refused}. Correct the credentials"
            f"{f' in the secret {where}' if where else ''}; the next request logs in with them")


def deployer_from_env() -> Deployer:
    """``AwsDeployer`` when ``LAMBDA_CONNECT_DEPLOYER=aws`` (template.yaml), else a no-op one: locally the runtime
    reconciles schedules and Kafka triggers from the config topic itself."""
    if env.resolve(env.DEPLOYER, "").strip().lower() == "aws":
        from connect_core.coordinator.aws.deployer import AwsDeployer

        return AwsDeployer()
    return RecordingDeployer()


def coordinator_from_env(deployer: Deployer | None = None) -> Coordinator:
    """A coordinator configured from ``LAMBDA_CONNECT_*`` environment variables."""
    return coordinator_from_settings(WorkerSettings.from_env(), deployer or deployer_from_env())
