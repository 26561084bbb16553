"""A Kafka Connect worker file as the stack's template parameters (``sam deploy --parameter-overrides``), so a
deployed stack takes the same ``connect-distributed.properties`` as ``lambda-connect up --worker-config``.

Each ``LAMBDA_CONNECT_*`` variable the worker file sets is one template parameter; the REST listener and its basic
auth have no counterpart (the deployed coordinator answers on its Function URL, signed with IAM), so they are left
out with a note, and ``plugin.path``'s packages are built into the layer (``sam build``), not a parameter.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final

from connect_core.runtime import env

if TYPE_CHECKING:
    from connect_core.local.worker_file import WorkerFile

__all__ = ["PARAMETERS", "stack_parameters"]

# The template parameter of each variable a worker file may set (template.yaml, Globals.Function.Environment).
PARAMETERS: Final = {
    env.BOOTSTRAP_SERVERS: "KafkaBootstrapServers",
    env.GROUP_ID: "GroupId",
    env.CONFIG_TOPIC: "ConfigTopic",
    env.OFFSET_TOPIC: "OffsetTopic",
    env.STATUS_TOPIC: "StatusTopic",
    env.REPLICATION_FACTOR: "ReplicationFactor",
    env.KAFKA_CLIENT_PROPERTIES: "KafkaClientProperties",
    env.CONFIG_PROVIDERS: "ConfigProviders",
    env.WORKER_CONVERTERS: "WorkerConverters",
    env.CLIENT_OVERRIDE_POLICY: "ClientOverridePolicy",
    env.CLIENT_OVERRIDE_ALLOWLIST: "ClientOverrideAllowlist",
}


def stack_parameters(worker: WorkerFile) -> tuple[dict[str, str], list[str]]:
    """The template parameters ``worker`` sets, and notes on what of it the stack takes otherwise.

    Raises:
        ValueError: the worker file sets a variable no template parameter carries (names it).
    """
    parameters: dict[str, str] = {}
    for name, value in worker.environment.items():
        if name not in PARAMETERS:
            raise ValueError(f"{name}: no template parameter carries this worker setting")
        parameters[PARAMETERS[name]] = value
    notes = ["listeners: the deployed coordinator answers on its Function URL (AWS_IAM auth), not on a listener"]
    if worker.basic_auth_extension:
        notes.append("rest.extension.classes: the Function URL's AWS_IAM auth replaces the basic-auth extension")
    if worker.plugins:
        packages = os.pathsep.join(part for part in worker.plugins.split(",") if part)
        notes.append("plugin.path: build its plugin packages into the layer: "
                     f"LAMBDA_CONNECT_PLUGIN_PACKAGES={packages} sam build")
    return parameters, notes
