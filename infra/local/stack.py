"""`make stack` / `make stack-down`: template.yaml deployed with `sam build` + `sam deploy` onto the local LocalStack,
and a client for the coordinator's Function URL there.

Usage: python -m infra.local.stack up|down|url [stack-name] [--sasl | --cluster] [--plugins PACKAGE[,PACKAGE...]]

The stack uses the local Kafka (KafkaBootstrapServers=127.0.0.1:9092, ReplicationFactor=1) and its own internal
topics (`<stack>-configs`, `-offsets`, `-status`, group id `<stack>`), so it never sees the connectors of `make demo`
or of other stacks. With `--sasl` it uses the broker's SASL_SSL listener instead (127.0.0.1:9094, SCRAM-SHA-512 over
TLS with the CA `make services` made): the user's credentials and the CA go into two Secrets Manager secrets,
`<stack>-kafka-login` ({"username", "password"}) and `<stack>-kafka-ca` ({"certificate"}), passed as KafkaAuth
SASL_SCRAM_512, KafkaSecretArn and KafkaServerRootCaSecretArn, as on AWS; no VPC (the mappings authenticate).
`down` removes what the coordinator created (connector functions, their event source mappings, schedules), the stack,
its internal topics (and the runs topic beside the status topic), its log groups, the SAM artifact bucket and those
secrets.

A worker file (`--worker-config`, `make stack WORKER_CONFIG=...`) gives its parameters; its bootstrap.servers is
kept only when it names the local three-broker cluster (`kafka_cluster`, MSK's defaults: auto-creation off, RF 3,
min ISR 2), whose default replication factor the internal topics then take; `down` deletes the internal topics on
the broker the stack used.

`--cluster` (`make stack KAFKA=cluster`; stack name `lambda-connect-cluster` unless one is given) deploys on that
cluster as MSK serves it to a function: its SASL_SSL listeners (SCRAM-SHA-512, the cluster's own CA) with the login
and CA in Secrets Manager, the internal topics at the cluster's default replication factor (3).

Its functions run as local processes, so it sets the fault suite's seam (template parameter FaultPointDir):
`<run dir>/faults/<stack>`, where `make faults` drops an arming file to kill a deployed function at a named step
(connect_core/runtime/fault_points.py). A deployment on AWS leaves it empty.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connect_core.coordinator.health.cost import machine_architecture
from connect_core.local.plugin_packages import PACKAGES_VARIABLE as PLUGIN_PACKAGES
from infra.local import _process as proc
from infra.local import kafka, kafka_cluster, localstack

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

STACK_NAME = "lambda-connect"
CLUSTER_STACK_NAME = "lambda-connect-cluster"  # `make stack KAFKA=cluster`: on the three-broker cluster
BUILD_DIR = proc.RUN_DIR / "sam"
DEPLOY_TIMEOUT_S = 900


class StackError(RuntimeError):
    """sam build/deploy or a stack operation failed; the message holds the tool's output."""


def parameters(stack: str) -> dict[str, str]:
    """The plaintext stack's parameters (internal topics, FileStream roots); see :func:`sasl_parameters`."""
    return {
        "KafkaBootstrapServers": kafka.settings()["bootstrap.servers"], "ReplicationFactor": "1",
        "ConfigTopic": f"{stack}-configs", "OffsetTopic": f"{stack}-offsets", "StatusTopic": f"{stack}-status",
        "GroupId": stack,
        # FileStream on this machine's stack (functions run as local processes): the checkout's and the shared run
        # directories (make demo-stack) and the temporary directory (tests). A real deployment leaves it empty.
        "FileStreamRoots": ",".join(dict.fromkeys(
            [str(proc.REPO_ROOT / ".run"), str(proc.RUN_DIR), tempfile.gettempdir()])),
        "FaultPointDir": str(fault_dir(stack)),
        "Architecture": machine_architecture(),  # the functions run as local processes: this machine's wheels
    }


def fault_dir(stack: str) -> Path:
    """Where the fault suite arms a kill of the stack's functions (connect_core/runtime/fault_points.py)."""
    return proc.RUN_DIR / "faults" / stack


def sasl_secret_names(stack: str) -> tuple[str, str]:
    """The stack's login and CA secrets (``--sasl``)."""
    return f"{stack}-kafka-login", f"{stack}-kafka-ca"


def sasl_parameters(stack: str, broker: Mapping[str, str] | None = None) -> dict[str, str]:
    """The SASL_SSL listener of ``broker`` (``kafka.settings()``'s keys; the shared broker by default) with its login
    and CA in Secrets Manager (created or updated now)."""
    broker = broker or kafka.settings()
    if not broker["sasl.password"]:
        raise StackError("the broker has no SASL_SSL user yet: run `make services`")
    values = {"username": broker["sasl.username"], "password": broker["sasl.password"]}, \
        {"certificate": Path(broker["ssl.ca.location"]).read_text()}
    secrets, arns = client("secretsmanager"), []
    for name, value in zip(sasl_secret_names(stack), values, strict=True):
        try:
            arns.append(secrets.create_secret(Name=name, SecretString=json.dumps(value))["ARN"])
        except secrets.exceptions.ResourceExistsException:
            arns.append(secrets.put_secret_value(SecretId=name, SecretString=json.dumps(value))["ARN"])
    return {"KafkaBootstrapServers": broker["sasl.bootstrap.servers"], "KafkaAuth": "SASL_SCRAM_512",
            "KafkaSecretArn": arns[0], "KafkaServerRootCaSecretArn": arns[1]}


def network_parameters() -> dict[str, str]:
    """LocalStack's default VPC subnets and security group. Lambda requires SourceAccessConfigurations on a
    self-managed Kafka event source mapping, and the local broker has no authentication: as on AWS, such a cluster
    is reached through the VPC (VPC_SUBNET and VPC_SECURITY_GROUP), so the stack is deployed into one."""
    ec2 = client("ec2")
    vpc = next(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v.get("IsDefault"))
    in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
    subnets = sorted(subnet["SubnetId"] for subnet in ec2.describe_subnets(Filters=in_vpc)["Subnets"])
    groups = ec2.describe_security_groups(
        Filters=[*in_vpc, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    return {"SubnetIds": subnets[0], "SecurityGroupIds": groups[0]["GroupId"]}


def artifact_bucket(stack: str) -> str:
    """Where sam deploy uploads the code: one bucket per stack, so concurrent stacks never share one."""
    return f"{stack}-sam-artifacts"


def aws_env() -> dict[str, str]:
    """The environment of the AWS tools (sam, boto3) aimed at LocalStack."""
    aws = localstack.settings()
    return {
        "AWS_ENDPOINT_URL": aws["endpoint_url"], "AWS_DEFAULT_REGION": aws["region_name"],
        "AWS_REGION": aws["region_name"], "AWS_ACCESS_KEY_ID": aws["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": aws["aws_secret_access_key"], "SAM_CLI_TELEMETRY": "0",
        "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def client(service: str) -> Any:
    import boto3

    return boto3.client(service, **localstack.settings())


def _sam(args: list[str], stack: str, extra_env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "sam"), *args], cwd=proc.REPO_ROOT,
        env={**os.environ, **aws_env(), **(extra_env or {})}, capture_output=True, text=True,
        timeout=DEPLOY_TIMEOUT_S, check=False,
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-40:]
        raise StackError(f"stack {stack}: `sam {args[0]}` failed ({result.returncode}):\n" + "\n".join(output))
    return result.stdout


def build(stack: str = STACK_NAME, plugins: Sequence[Path | str] = (), into: Path | None = None) -> Path:
    """sam build of template.yaml into the stack's build directory (or ``into``); returns it (its template.yaml is
    deployable). ``plugins``: plugin packages built into the layer (a wheel, a project or package directory, or a
    directory of those: ``connect_core/local/plugin_packages.py``), as ``LAMBDA_CONNECT_PLUGIN_PACKAGES`` names them
    to ``sam build``."""
    build_dir = into or BUILD_DIR / stack
    packages = {PLUGIN_PACKAGES: os.pathsep.join(str(Path(p).resolve()) for p in plugins),
                "LAMBDA_ARCHITECTURE": machine_architecture()}
    _sam(["build", "--build-dir", str(build_dir), "--template-file", str(proc.REPO_ROOT / "template.yaml")], stack,
         packages)
    return build_dir


# what `sam build` packs from the repository (template.yaml's CodeUri/ContentUri, infra/sam's targets, plugins/)
BUILD_SOURCES = ("template.yaml", "pyproject.toml", "connect_core", "functions", "infra/sam", "plugins")


def sources_digest() -> str:
    """A digest of what a build without plugin packages is made of: :data:`BUILD_SOURCES`' files (byte-code left
    out) and the architecture it targets."""
    digest = hashlib.sha256(machine_architecture().encode())
    for name in BUILD_SOURCES:
        root = proc.REPO_ROOT / name
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(str(path.relative_to(proc.REPO_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def shared_build() -> Path:
    """:func:`build` without plugin packages, made once per :func:`sources_digest` and deployed by every stack
    without plugins (the suite's own stacks, `make stack` again): concurrent callers wait on a file lock for the one
    build, and earlier sources' builds are removed."""
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    into = BUILD_DIR / f"shared-{sources_digest()}"
    with open(BUILD_DIR / "shared.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (into / "template.yaml").exists():
            for stale in BUILD_DIR.glob("shared-*"):
                shutil.rmtree(stale, ignore_errors=True)
            partial = into.with_name(into.name + ".partial")
            build("shared", into=partial)
            partial.rename(into)  # complete or absent: a build that failed half-way is never deployed
    return into


def deploy(stack: str = STACK_NAME, *, sasl: bool = False, cluster: bool = False, plugins: Sequence[Path | str] = (),
           build_dir: Path | None = None, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """sam build (:func:`build`, with ``plugins``) + sam deploy (creates or updates; no change is a no-op); returns
    the stack's outputs. ``sasl``: on the SASL_SSL listener; ``cluster``: on the three-broker cluster's SASL_SSL
    listeners (module docstring). ``build_dir``: deploy that build (a :func:`build`, or a copy of one) instead of
    building now (without ``plugins``: the :func:`shared_build`); ``overrides``: parameters besides (or instead of)
    this module's, e.g. LogLevel."""
    _delete_failed_creation(stack)
    fault_dir(stack).mkdir(parents=True, exist_ok=True)
    build_dir = build_dir or (build(stack, plugins) if plugins else shared_build())
    s3 = client("s3")
    if artifact_bucket(stack) not in {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=artifact_bucket(stack))
    if cluster:  # the broker's default replication factor (3) for the internal topics, as on MSK
        access = {**sasl_parameters(stack, kafka_cluster.settings()), "ReplicationFactor": "-1"}
    else:
        access = sasl_parameters(stack) if sasl else network_parameters()
    given = {**parameters(stack), **access, **(overrides or {})}
    _sam(["deploy", "--template-file", str(build_dir / "template.yaml"), "--stack-name", stack,
          "--s3-bucket", artifact_bucket(stack), "--no-resolve-s3", "--s3-prefix", stack,
          "--capabilities", "CAPABILITY_IAM", "--no-confirm-changeset", "--no-fail-on-empty-changeset",
          "--parameter-overrides", *[_override(key, value) for key, value in given.items()]], stack)
    return outputs(stack)


def _override(key: str, value: str) -> str:
    """One ``--parameter-overrides`` word: a value with quotes or spaces (the worker file's converters, a JSON
    parameter) double-quoted with its quotes escaped, which sam's parser takes off again; others as they are."""
    if '"' in value or " " in value:
        return f'{key}="{value.replace(chr(34), chr(92) + chr(34))}"'
    return f"{key}={value}"


def _delete_failed_creation(stack: str) -> None:
    """A stack whose creation failed (ROLLBACK_COMPLETE) can only be deleted, as on AWS: do so before deploying."""
    cloudformation = client("cloudformation")
    summaries = [s for s in cloudformation.list_stacks()["StackSummaries"] if s["StackName"] == stack]
    if any(s["StackStatus"] in ("ROLLBACK_COMPLETE", "CREATE_FAILED") for s in summaries):
        cloudformation.delete_stack(StackName=stack)
        cloudformation.get_waiter("stack_delete_complete").wait(
            StackName=stack, WaiterConfig={"Delay": 2, "MaxAttempts": 300})


def outputs(stack: str = STACK_NAME) -> dict[str, str]:
    """The stack's outputs; StackError when it does not exist."""
    from botocore.exceptions import ClientError

    try:
        described = client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError as error:
        raise StackError(f"stack {stack} is not deployed (make stack): {error}") from None
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}


def destroy(stack: str = STACK_NAME) -> list[str]:
    """Delete what the coordinator created, then the stack, its internal topics, log groups and artifacts."""
    removed: list[str] = []
    lambda_ = client("lambda")
    prefix = f"{stack}-connector-"
    for page in lambda_.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            name = function["FunctionName"]
            if not name.startswith(prefix):
                continue
            for mapping in lambda_.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]:
                lambda_.delete_event_source_mapping(UUID=mapping["UUID"])
                removed.append(f"mapping {mapping['UUID']}")
            lambda_.delete_function(FunctionName=name)
            removed.append(f"function {name}")
    scheduler = client("scheduler")
    try:
        schedules = scheduler.list_schedules(GroupName=stack)["Schedules"]
    except scheduler.exceptions.ResourceNotFoundException:
        schedules = []
    for schedule in schedules:
        scheduler.delete_schedule(Name=schedule["Name"], GroupName=stack)
        removed.append(f"schedule {stack}/{schedule['Name']}")
    cloudformation = client("cloudformation")
    bootstrap = _deployed_bootstrap(stack)
    if any(s["StackName"] == stack for s in cloudformation.list_stacks()["StackSummaries"]
           if s["StackStatus"] != "DELETE_COMPLETE"):
        cloudformation.delete_stack(StackName=stack)
        cloudformation.get_waiter("stack_delete_complete").wait(
            StackName=stack, WaiterConfig={"Delay": 2, "MaxAttempts": 300})
        removed.append(f"stack {stack}")
    from connect_core.storage.run_store import RUNS_TOPIC_SUFFIX

    topics = [parameters(stack)[key] for key in ("ConfigTopic", "OffsetTopic", "StatusTopic")]
    removed += _delete_topics([*topics, topics[-1] + RUNS_TOPIC_SUFFIX], bootstrap)  # the runs topic too
    logs = client("logs")
    for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=f"/aws/lambda/{stack}-"):
        for group in page["logGroups"]:
            logs.delete_log_group(logGroupName=group["logGroupName"])
            removed.append(f"log group {group['logGroupName']}")
    removed += _delete_artifacts(stack)
    shutil.rmtree(fault_dir(stack), ignore_errors=True)
    secrets = client("secretsmanager")
    for name in sasl_secret_names(stack):
        try:
            secrets.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
            removed.append(f"secret {name}")
        except secrets.exceptions.ResourceNotFoundException:
            pass
    return removed


def _deployed_bootstrap(stack: str) -> str:
    """The plaintext broker the stack's functions use: its KafkaBootstrapServers parameter when that names the local
    three-broker cluster, else the shared broker (also for a SASL stack, whose topics are the same broker's)."""
    from botocore.exceptions import ClientError

    try:
        described = client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError:
        return str(kafka.settings()["bootstrap.servers"])
    given = {p["ParameterKey"]: p.get("ParameterValue", "") for p in described.get("Parameters", [])}
    named = given.get("KafkaBootstrapServers", "")
    if named and _names_local_cluster(named):
        return kafka_cluster.address()
    return str(kafka.settings()["bootstrap.servers"])


def _delete_topics(topics: list[str], bootstrap: str | None = None) -> list[str]:
    """Delete those of ``topics`` that exist on ``bootstrap`` (the shared broker by default)."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap or kafka.settings()["bootstrap.servers"]})
    doomed = [topic for topic in topics if topic in admin.list_topics(timeout=10).topics]
    for future in admin.delete_topics(doomed).values() if doomed else ():
        future.result(30)
    return [f"topic {topic}" for topic in doomed]


def _delete_artifacts(stack: str) -> list[str]:
    s3, bucket = client("s3"), artifact_bucket(stack)
    if bucket not in {found["Name"] for found in s3.list_buckets()["Buckets"]}:
        return []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)
    shutil.rmtree(BUILD_DIR / stack, ignore_errors=True)
    return [f"bucket {bucket}"]


@dataclass(frozen=True)
class FunctionUrl:
    """Kafka Connect's REST API behind the coordinator's Function URL on LocalStack.

    The URL's host (`<id>.lambda-url.<region>.localhost.localstack.cloud`) does not resolve here (no DNS), so
    requests go to LocalStack's gateway with that Host header; they are SigV4-signed for service `lambda` as the
    Function URL's AWS_IAM auth requires on AWS (LocalStack community does not check the signature).
    """

    url: str

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.url).netloc

    def request(self, method: str, path: str, body: Any = None, timeout: float = 60) -> tuple[int, Any]:
        """(status, parsed JSON body or None; the text when it is not JSON)."""
        status, _, raw = self.response(method, path, body, timeout)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def response(self, method: str, path: str, body: Any = None,
                 timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, raw body) of one signed request."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        aws = localstack.settings()
        data = None if body is None else json.dumps(body).encode()
        signed = AWSRequest(method=method, url=self.url.rstrip("/") + path, data=data,
                            headers={"Content-Type": "application/json", "Host": self.host})
        SigV4Auth(Credentials(aws["aws_access_key_id"], aws["aws_secret_access_key"]), "lambda",
                  aws["region_name"]).add_auth(signed)
        request = urllib.request.Request(aws["endpoint_url"] + path, data=data, method=method,
                                         headers=dict(signed.headers.items()))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, dict(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers.items()), error.read()


def coordinator(stack: str = STACK_NAME) -> FunctionUrl:
    return FunctionUrl(outputs(stack)["CoordinatorUrl"])


def worker_parameters(path: Path) -> tuple[dict[str, str], list[str], list[str]]:
    """A worker file's template parameters, its plugin packages and notes (``connect_core/local/stack_parameters``).
    The bootstrap servers are this machine's Kafka as the functions reach it: a worker file's own address stays
    out (the local stack runs on this broker)."""
    from connect_core.local.stack_parameters import stack_parameters
    from connect_core.local.worker_file import read_worker_file

    worker = read_worker_file(path, standalone=False)
    found, notes = stack_parameters(worker)
    named = found.get("KafkaBootstrapServers")
    if named is not None and _names_local_cluster(named):
        # the three-broker cluster of `make services`: its internal topics at its default replication factor (3)
        found.setdefault("ReplicationFactor", "-1")
        notes.append(f"bootstrap.servers: the local three-broker cluster ({named})")
    elif found.pop("KafkaBootstrapServers", None) is not None:
        notes.append("bootstrap.servers: the local stack runs on this machine's Kafka; the file's address is not used")
    return found, [part for part in (worker.plugins or "").split(",") if part], notes


def _names_local_cluster(bootstrap: str) -> bool:
    """Whether every address of ``bootstrap`` is a listener of the local three-broker cluster (``kafka_cluster``)."""
    addresses = {a.strip().replace("localhost:", f"{kafka.HOST}:") for a in bootstrap.split(",") if a.strip()}
    listeners = {*kafka_cluster.address().split(","), *kafka_cluster.SHARED.sasl_bootstrap.split(",")}
    return bool(addresses) and addresses <= listeners


def main(argv: list[str]) -> int:
    sasl, cluster = "--sasl" in argv, "--cluster" in argv
    argv = [arg for arg in argv if arg not in ("--sasl", "--cluster")]
    plugins: list[str] = []
    if "--plugins" in argv:  # plugin packages built into the layer
        at = argv.index("--plugins")
        plugins = [part for part in (argv[at + 1] if at + 1 < len(argv) else "").split(",") if part]
        argv = argv[:at] + argv[at + 2:]
    worker_overrides: dict[str, str] = {}
    if "--worker-config" in argv:  # a connect-distributed.properties as template parameters
        at = argv.index("--worker-config")
        path = argv[at + 1] if at + 1 < len(argv) else ""
        argv = argv[:at] + argv[at + 2:]
        try:
            worker_overrides, worker_plugins, notes = worker_parameters(Path(path))
        except (OSError, ValueError) as error:
            print(f"--worker-config {path}: {error}", file=sys.stderr)
            return 2
        plugins += worker_plugins
        for note in notes:
            print(f"{path}: {note}")
    default = CLUSTER_STACK_NAME if cluster else STACK_NAME
    command, stack = (argv[0] if argv else "url"), (argv[1] if len(argv) > 1 else default)
    try:
        if command == "up":
            listener = (" on the three-broker cluster's SASL_SSL listeners" if cluster
                        else " on Kafka's SASL_SSL listener" if sasl else "")
            print(f"sam build + sam deploy of template.yaml as stack {stack}{listener} onto LocalStack "
                  f"{localstack.address()} ...", flush=True)
            found = deploy(stack, sasl=sasl, cluster=cluster, plugins=plugins, overrides=worker_overrides)
        elif command == "down":
            if not proc.port_open(localstack.HOST, localstack.PORT):
                print(f"LocalStack is not running on {localstack.address()}: nothing to delete")
                return 0
            for item in destroy(stack):
                print(f"deleted {item}")
            print(f"stack {stack} is gone")
            return 0
        else:
            found = outputs(stack)
    except StackError as error:
        print(error, file=sys.stderr)
        return 1
    url = FunctionUrl(found["CoordinatorUrl"])
    print(f"stack {stack} is deployed; coordinator function {found['CoordinatorFunctionName']}")
    print(f"Coordinator Function URL: {url.url}")
    print(f"  (no DNS for it here: curl -H 'Host: {url.host}' {localstack.settings()['endpoint_url']}/connectors)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
