"""``lambda-connect up | invoke | plugins | new``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def _plugins(args: argparse.Namespace) -> int:
    from connect_core.runtime.registry import plugins

    if args.docs:
        from connect_core.local.reference_docs import render_reference

        sys.stdout.write(render_reference())
        return 0
    for desc in plugins():
        names = (desc.class_name, *desc.aliases) if args.aliases else (desc.class_name,)
        for name in names:
            print(f"{desc.type.value}\t{name}")
    return 0


def _invoke(args: argparse.Namespace) -> int:
    from connect_core.local.function_host import FunctionError
    from connect_core.local.invoke import invoke_function, read_event

    env_vars = json.loads(open(args.env_vars).read()) if args.env_vars else None
    overrides = dict(item.split("=", 1) for item in args.parameter_overrides or ())
    try:
        response = invoke_function(args.function, read_event(args.event), env_vars=env_vars,
                                   parameter_overrides=overrides, timeout_s=args.timeout)
    except FunctionError as error:
        print(json.dumps({"errorType": error.error_type, "errorMessage": str(error).split(": ", 1)[-1]}))
        return 1
    print(json.dumps(response, indent=2, default=str))
    return 0


def _at_least_one(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _up(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from connect_core.local.basic_auth import BasicAuth
    from connect_core.local.up import run_up
    from connect_core.local.worker_file import WorkerFile, read_worker_file

    worker = WorkerFile()
    if args.worker_config:
        try:
            worker = read_worker_file(Path(args.worker_config), standalone=False)
        except (OSError, ValueError) as error:  # WorkerFileError, or a malformed \\uXXXX escape
            print(f"lambda-connect up: {args.worker_config}: {error}", file=sys.stderr)
            return 2
    if worker.basic_auth_extension and not (args.jaas_config or args.rest_credentials):
        print(f"lambda-connect up: {args.worker_config}: rest.extension.classes names BasicAuthSecurityRestExtension; "
              "give its JAAS file with --jaas-config (Kafka's -Djava.security.auth.login.config)", file=sys.stderr)
        return 2
    os.environ.update(worker.environment)
    try:
        auth = BasicAuth.from_jaas(Path(args.jaas_config)) if args.jaas_config else \
            BasicAuth.from_properties(Path(args.rest_credentials)) if args.rest_credentials else None
    except (OSError, ValueError) as error:
        print(f"lambda-connect up: cannot read the REST credentials: {error}", file=sys.stderr)
        return 2
    return run_up(host=args.host or worker.host or "127.0.0.1", port=args.port or worker.port or 8083,
                  bootstrap_servers=args.bootstrap_servers,
                  config_providers=args.config_providers,
                  plugins=",".join(part for part in (args.plugins, worker.plugins) if part) or None,
                  file_roots=",".join(args.file_root) if args.file_root else None,
                  allowed_hosts=args.allowed_host or (), auth=auth, containers=args.warm_containers)


def _new(args: argparse.Namespace) -> int:
    from pathlib import Path

    from connect_core.local.scaffold import ScaffoldError, new_connector

    try:
        root = new_connector(args.name, "source" if args.source else "sink", Path(args.directory),
                             class_name=args.class_name)
    except ScaffoldError as error:
        print(f"lambda-connect new: {error}", file=sys.stderr)
        return 2
    print(f"created {root}: a {'source' if args.source else 'sink'} connector package; next: "
          f"cd {root} && pytest (see its README.md)")
    return 0


def _standalone(args: argparse.Namespace) -> int:
    from pathlib import Path

    from connect_core.local.standalone import run_standalone

    try:
        return run_standalone(Path(args.worker), [Path(path) for path in args.connectors],
                              file_roots=",".join(args.file_root) if args.file_root else None)
    except (OSError, ValueError) as error:
        print(f"lambda-connect standalone: {error}", file=sys.stderr)
        return 2


def _stack_parameters(args: argparse.Namespace) -> int:
    import shlex
    from pathlib import Path

    from connect_core.local.stack_parameters import stack_parameters
    from connect_core.local.worker_file import read_worker_file

    try:
        parameters, notes = stack_parameters(read_worker_file(Path(args.worker), standalone=False))
    except (OSError, ValueError) as error:
        print(f"lambda-connect stack-parameters: {args.worker}: {error}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"# {note}", file=sys.stderr)
    print(" ".join(shlex.quote(f"{key}={value}") for key, value in parameters.items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lambda-connect", description="Kafka Connect as serverless functions")
    sub = parser.add_subparsers(dest="command", required=True)

    plugins = sub.add_parser("plugins", help="list connectors, converters, transformations and predicates")
    plugins.add_argument("--no-aliases", dest="aliases", action="store_false", help="only full class names")
    plugins.add_argument("--docs", action="store_true", help="print the configuration reference (docs/reference.md)")
    plugins.set_defaults(run=_plugins)

    invoke = sub.add_parser("invoke", help="invoke one function of template.yaml with one event (sam local invoke)")
    invoke.add_argument("function", help="a logical id of template.yaml (SourceTaskFunction...) or coordinator | "
                        "source_task | sink_task")
    invoke.add_argument("-e", "--event", default="{}", help="event file, - for stdin, or inline JSON")
    invoke.add_argument("-n", "--env-vars", help="JSON file of environment overrides, in SAM's format "
                        '({"Parameters": {...}, "<LogicalId>": {...}})')
    invoke.add_argument("--parameter-overrides", nargs="*", metavar="KEY=VALUE", help="template parameter values")
    invoke.add_argument("--timeout", type=float, default=None, help="override the function's Timeout (seconds)")
    invoke.set_defaults(run=_invoke)

    new = sub.add_parser("new", help="create a plugin package to start from (lambda-connect new connector NAME "
                         "--source|--sink)")
    new.add_argument("what", choices=["connector"], help="what to create")
    new.add_argument("name", help="the package's name, e.g. acme-crm (directory and distribution; the Python "
                     "package is acme_crm)")
    kind = new.add_mutually_exclusive_group(required=True)
    kind.add_argument("--source", action="store_true", help="a source connector (an external system into Kafka)")
    kind.add_argument("--sink", action="store_true", help="a sink connector (Kafka into an external system)")
    new.add_argument("--class-name", default=None, help="the class name connector configs use (default "
                     "<package>.<Name>SourceConnector / SinkConnector), e.g. com.acme.CrmSinkConnector")
    new.add_argument("--directory", default=".", help="where the package's directory is created (default: here)")
    new.set_defaults(run=_new)

    up = sub.add_parser("up", help="run everything locally: REST API, schedules and Kafka triggers")
    up.add_argument("--worker-config", metavar="FILE", help="a Kafka Connect worker's properties file "
                    "(connect-distributed.properties): bootstrap, security, group.id, internal topics, "
                    "config.providers, listeners; flags given here win over it")
    up.add_argument("--host", default=None, help="the address the REST API binds (default loopback only)")
    up.add_argument("--allowed-host", action="append", default=None, metavar="NAME", help="a Host header name "
                    "the REST API answers besides localhost, loopback addresses and --host (repeatable; others get "
                    "403, against DNS rebinding)")
    auth = up.add_mutually_exclusive_group()
    auth.add_argument("--rest-credentials", metavar="FILE", help="REST basic authentication: a Java properties "
                      "file of user=password lines, as Kafka's PropertyFileLoginModule reads")
    auth.add_argument("--jaas-config", metavar="FILE", help="REST basic authentication: Kafka Connect's JAAS file "
                      "(-Djava.security.auth.login.config) whose KafkaConnect entry names the credentials file")
    up.add_argument("--port", type=int, default=None, help="the REST API's port (default 8083)")
    up.add_argument("--warm-containers", type=_at_least_one, default=None, metavar="N", help="warm processes per "
                    "function, each invocation handed to one at random as Lambda picks a warm container (default "
                    "LAMBDA_CONNECT_WARM_CONTAINERS, else 1)")
    up.add_argument("--bootstrap-servers", default=None)
    up.add_argument("--config-providers", default=None, help="the worker's config providers (Kafka's "
                    "config.providers*): a comma list such as 'secretsmanager,ssm' or a JSON object of those keys, "
                    "e.g. '{\"config.providers\": \"file\", \"config.providers.file.param.allowed.paths\": "
                    "\"/etc/secrets\"}' (sets LAMBDA_CONNECT_CONFIG_PROVIDERS)")
    up.add_argument("--plugins", default=None, help="extra plugins (Kafka's plugin.path) as a comma list of "
                    "plugin packages (a wheel, a project or package directory, or a directory of those: the packages "
                    "`sam build` puts into the layer; their lambda_connect.plugins entry points register their "
                    "classes) and 'module:Class' references (sets LAMBDA_CONNECT_PLUGINS)")
    up.add_argument("--file-root", action="append", default=None, metavar="DIR", help="a directory connector "
                    "configs may name files in (FileStream's file, jdbc:sqlite:<path>; a relative path is taken inside "
                    "the first one); repeatable; default ./data, or LAMBDA_CONNECT_FILE_ROOTS")
    up.set_defaults(run=_up)

    standalone = sub.add_parser("standalone", help="Kafka's connect-standalone.sh: a worker properties file and "
                                "connector files (.properties or JSON), run on `up`")
    standalone.add_argument("worker", help="the worker's properties file (connect-standalone.properties)")
    standalone.add_argument("connectors", nargs="*", help="connector files: Java properties, or JSON (a flat map of "
                            "config or {\"name\": ..., \"config\": {...}})")
    standalone.add_argument("--file-root", action="append", default=None, metavar="DIR",
                            help="as for up; default the working directory (Kafka resolves relative file names "
                            "against it), or LAMBDA_CONNECT_FILE_ROOTS")
    standalone.set_defaults(run=_standalone)

    parameters = sub.add_parser("stack-parameters", help="a connect-distributed.properties as the stack's "
                                "template parameters, for sam deploy --parameter-overrides")
    parameters.add_argument("worker", metavar="WORKER.properties", help="a Kafka Connect distributed worker's file")
    parameters.set_defaults(run=_stack_parameters)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except BrokenPipeError:  # `lambda-connect plugins | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
