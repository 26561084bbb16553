"""Every environment variable lambda-connect reads, and the one rule to resolve them.

Rule (as Powertools): an explicit argument wins, then the environment variable, then the default constant.
"""

from __future__ import annotations

import os

BOOTSTRAP_SERVERS = "LAMBDA_CONNECT_BOOTSTRAP_SERVERS"
CONFIG_TOPIC = "LAMBDA_CONNECT_CONFIG_TOPIC"
OFFSET_TOPIC = "LAMBDA_CONNECT_OFFSET_TOPIC"
STATUS_TOPIC = "LAMBDA_CONNECT_STATUS_TOPIC"
GROUP_ID = "LAMBDA_CONNECT_GROUP_ID"
REPLICATION_FACTOR = "LAMBDA_CONNECT_REPLICATION_FACTOR"
KAFKA_CLIENT_PROPERTIES = "LAMBDA_CONNECT_KAFKA_PROPERTIES"
CONNECTOR_NAME = "CONNECTOR_NAME"
WORKER_ID = "LAMBDA_CONNECT_WORKER_ID"
SAFETY_MARGIN_MS = "LAMBDA_CONNECT_SAFETY_MARGIN_MS"
LOCAL_TIME_BUDGET_MS = "LAMBDA_CONNECT_LOCAL_TIME_BUDGET_MS"
# The SQS queue a source invocation sends its next, delayed tick to (connect_core.runtime.source_ticks); unset: none.
SOURCE_TICK_QUEUE_URL = "LAMBDA_CONNECT_SOURCE_TICK_QUEUE_URL"
# The fault suite's test seam (connect_core.runtime.fault_points): kill the process at a step. Never set in production.
FAULT = "LAMBDA_CONNECT_FAULT"
# The same seam on a deployed stack: a directory whose arming files name the step to kill at. Set only by the local
# LocalStack stack (infra/local/stack.py, template parameter FaultPointDir); empty on AWS.
FAULT_DIR = "LAMBDA_CONNECT_FAULT_DIR"
# Kafka authentication (connect_core.kafka.auth): mode, the Secrets Manager secret holding credentials, signing region.
KAFKA_AUTH = "LAMBDA_CONNECT_KAFKA_AUTH"
KAFKA_SECRET_ARN = "LAMBDA_CONNECT_KAFKA_SECRET_ARN"
KAFKA_REGION = "LAMBDA_CONNECT_KAFKA_REGION"
KAFKA_SSL_CA_LOCATION = "LAMBDA_CONNECT_KAFKA_SSL_CA_LOCATION"
# The brokers' root CA as a Secrets Manager secret ({"certificate": PEM}): the functions' ssl.ca.pem and the sink
# mappings' SERVER_ROOT_CA_CERTIFICATE access configuration.
KAFKA_SERVER_ROOT_CA_SECRET_ARN = "LAMBDA_CONNECT_KAFKA_SERVER_ROOT_CA_SECRET_ARN"
# What the AWS deployer may touch: the stack's schedule group, function name prefix and the roles it passes on.
SCHEDULE_GROUP = "LAMBDA_CONNECT_SCHEDULE_GROUP"
SCHEDULER_ROLE_ARN = "LAMBDA_CONNECT_SCHEDULER_ROLE_ARN"
SOURCE_FUNCTION_ARN = "LAMBDA_CONNECT_SOURCE_FUNCTION_ARN"
SINK_FUNCTION_NAME = "LAMBDA_CONNECT_SINK_FUNCTION_NAME"
SINK_ROLE_ARN = "LAMBDA_CONNECT_SINK_ROLE_ARN"
FUNCTION_PREFIX = "LAMBDA_CONNECT_FUNCTION_PREFIX"
# The stack's name: every taggable resource the deployer creates carries it (lambda-connect:stack), see reconciler.
STACK_NAME = "LAMBDA_CONNECT_STACK_NAME"
# The coordinator's deployer ("aws" on AWS; anything else: none, the local runtime reconciles from the config topic),
# and where sink event source mappings read from: an MSK cluster ARN, else the bootstrap servers (self-managed).
DEPLOYER = "LAMBDA_CONNECT_DEPLOYER"
MSK_CLUSTER_ARN = "LAMBDA_CONNECT_MSK_CLUSTER_ARN"
KAFKA_VPC_SUBNETS = "LAMBDA_CONNECT_KAFKA_VPC_SUBNETS"
KAFKA_VPC_SECURITY_GROUPS = "LAMBDA_CONNECT_KAFKA_VPC_SECURITY_GROUPS"
# The poller group (PollerGroupName) of the sink mappings in provisioned mode: empty = "<stack>-sinks", "none" = none.
SINK_POLLER_GROUP = "LAMBDA_CONNECT_SINK_POLLER_GROUP"
# Set by the AWS deployer on a sink function to force new execution environments (connector restart).
RESTART_TOKEN = "LAMBDA_CONNECT_RESTART_TOKEN"
# Worker-level config providers (Kafka's config.providers*): "env,secretsmanager" or a JSON object of those keys.
CONFIG_PROVIDERS = "LAMBDA_CONNECT_CONFIG_PROVIDERS"
# Extra plugins beyond the built-in manifest (Kafka's plugin.path): a comma list of "module:Class". Worker level only.
PLUGINS = "LAMBDA_CONNECT_PLUGINS"
# Directories appended to sys.path before plugins are looked up (runtime/plugin_path.py): a comma list; `up --plugins
# <package>` installs packages into one. A deployed stack needs none: plugin packages are built into the layer, older
# versions into its lambda-connect-plugins directory, which the plugin path always holds.
PLUGIN_PATH = "LAMBDA_CONNECT_PLUGIN_PATH"
# Host directories connector configs may name files in (FileStream's `file`, `jdbc:sqlite:<path>`): a comma list.
# Unset or empty: none, and the FileStream connectors are not offered (Kafka took them off the default plugin path).
FILE_ROOTS = "LAMBDA_CONNECT_FILE_ROOTS"
# The isolation level of the local and LocalStack event source mappings (connect_core.local.kafka_trigger); on a sink
# function, "read_committed" tells ``lambda.sink.read.committed=auto`` that its mapping hides aborted transactions.
ESM_ISOLATION_LEVEL = "LAMBDA_CONNECT_ESM_ISOLATION_LEVEL"
# How many started tasks (each a task object, a transactional producer or consumer, often a database connection) one
# warm container of the scheduled task function keeps; the least recently run is stopped first.
MAX_STARTED_TASKS = "LAMBDA_CONNECT_MAX_STARTED_TASKS"
# The worker's converters (a worker file's key.converter, value.converter, header.converter and their prefixed keys) as
# a JSON object: what a connector that names no converter of its own gets, as on a Kafka worker. Unset: JsonConverter
# with schemas, and SimpleHeaderConverter (runtime/connector_config.py).
WORKER_CONVERTERS = "LAMBDA_CONNECT_WORKER_CONVERTERS"
# Kafka's worker settings topic.tracking.enable and topic.tracking.allow.reset (KIP-558; both default true): tasks
# record the topics they use in the status topic, GET /connectors/<n>/topics shows them, PUT .../topics/reset empties.
TOPIC_TRACKING_ENABLE = "LAMBDA_CONNECT_TOPIC_TRACKING_ENABLE"
TOPIC_TRACKING_ALLOW_RESET = "LAMBDA_CONNECT_TOPIC_TRACKING_ALLOW_RESET"
# "true" or "false": whether a process freezes what is alive at its second batch for the garbage collector
# (runtime/gc_pause.py ``freeze_when_warm``). Unset: true in a function's process (Lambda's AWS_LAMBDA_FUNCTION_NAME
# set), false elsewhere (a test process runs many tasks one after another, whose garbage must be collected).
GC_FREEZE = "LAMBDA_CONNECT_GC_FREEZE"
LAMBDA_FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME"
# Kafka's worker setting topic.creation.enable (KIP-158, default true): source tasks create their topics as their
# connector's topic.creation.* keys say (runtime/topic_creation.py).
TOPIC_CREATION_ENABLE = "LAMBDA_CONNECT_TOPIC_CREATION_ENABLE"
# Kafka's worker settings connector.client.config.override.policy (All, None, Principal, Allowlist; default All) and
# connector.client.config.override.allowlist (KIP-1188): which client overrides a connector config may set.
CLIENT_OVERRIDE_POLICY = "LAMBDA_CONNECT_CLIENT_OVERRIDE_POLICY"
CLIENT_OVERRIDE_ALLOWLIST = "LAMBDA_CONNECT_CLIENT_OVERRIDE_ALLOWLIST"
# The functions' instruction set (the template's Architecture: x86_64 or arm64): the status page prices by it.
ARCHITECTURE = "LAMBDA_CONNECT_ARCHITECTURE"
# Read by Powertools itself, listed here so template.yaml sets only names this module knows.
POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
LOG_LEVEL = "LOG_LEVEL"
# Read by glibc when a function's process starts (its value: runtime/allocator.py).
GLIBC_TUNABLES = "GLIBC_TUNABLES"

DEFAULT_GROUP_ID = "connect-cluster"
DEFAULT_SAFETY_MARGIN_MS = 10_000
DEFAULT_LOCAL_TIME_BUDGET_MS = 30_000
DEFAULT_KAFKA_AUTH = "NONE"
# AWS does not document the isolation level of Lambda's Kafka pollers: model the worst case.
DEFAULT_ESM_ISOLATION_LEVEL = "read_uncommitted"
DEFAULT_MAX_STARTED_TASKS = 16

ALL = (
    BOOTSTRAP_SERVERS, CONFIG_TOPIC, OFFSET_TOPIC, STATUS_TOPIC, GROUP_ID, REPLICATION_FACTOR,
    KAFKA_CLIENT_PROPERTIES, CONNECTOR_NAME, WORKER_ID, SAFETY_MARGIN_MS, LOCAL_TIME_BUDGET_MS, SOURCE_TICK_QUEUE_URL,
    FAULT, FAULT_DIR, KAFKA_AUTH, KAFKA_SECRET_ARN, KAFKA_REGION, KAFKA_SSL_CA_LOCATION,
    KAFKA_SERVER_ROOT_CA_SECRET_ARN,
    SCHEDULE_GROUP, SCHEDULER_ROLE_ARN, SOURCE_FUNCTION_ARN, SINK_FUNCTION_NAME, SINK_ROLE_ARN, FUNCTION_PREFIX,
    STACK_NAME,
    DEPLOYER, MSK_CLUSTER_ARN, KAFKA_VPC_SUBNETS, KAFKA_VPC_SECURITY_GROUPS, SINK_POLLER_GROUP, RESTART_TOKEN,
    CONFIG_PROVIDERS, PLUGINS, PLUGIN_PATH,
    FILE_ROOTS, ESM_ISOLATION_LEVEL, MAX_STARTED_TASKS, WORKER_CONVERTERS, TOPIC_TRACKING_ENABLE,
    TOPIC_TRACKING_ALLOW_RESET, TOPIC_CREATION_ENABLE, GC_FREEZE, LAMBDA_FUNCTION_NAME,
    CLIENT_OVERRIDE_POLICY, CLIENT_OVERRIDE_ALLOWLIST, ARCHITECTURE,
    POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, LOG_LEVEL, GLIBC_TUNABLES,
)


def resolve(name: str, default: str, explicit: str | None = None) -> str:
    """Explicit argument, then the environment variable, then the default."""
    if explicit is not None:
        return explicit
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def resolve_bool(name: str, default: bool) -> bool:
    """A ``true``/``false`` variable (any case, as Kafka's ConfigDef reads a BOOLEAN); unset or empty: the default."""
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise ValueError(f"environment variable {name} must be true or false, got {raw!r}")
    return value == "true"


def resolve_int(name: str, default: int, explicit: int | None = None) -> int:
    if explicit is not None:
        return explicit
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from error
