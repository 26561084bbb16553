"""``/connectors`` routes (Kafka ``ConnectorsResource``): request parsing, status codes and bodies.

All behaviour lives in the ``Herder`` and the offsets manager; this module only translates HTTP to calls and
results to Kafka's responses (201 + Location on create, 202/204 where Kafka answers them, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from connect_core.coordinator.herder.offsets import parse_connector_offsets
from connect_core.coordinator.rest.http import Response, RestError, bad_request, string_map
from connect_core.storage.config_state import TargetState

if TYPE_CHECKING:
    from connect_core.coordinator.herder.herder import Herder
    from connect_core.coordinator.herder.offsets import ConnectorOffsetsManager
    from connect_core.coordinator.rest.http import Request, Router

__all__ = ["ConnectorsResource"]

_BASE = "/connectors/{connector}"
_INITIAL_STATES = {"RUNNING": TargetState.STARTED, "PAUSED": TargetState.PAUSED, "STOPPED": TargetState.STOPPED}


class ConnectorsResource:
    """Every ``/connectors`` endpoint of Kafka Connect's REST API."""

    def __init__(self, herder: Herder, offsets: ConnectorOffsetsManager, *, topic_tracking: bool = True,
                 topic_tracking_allow_reset: bool = True) -> None:
        """Serve ``herder`` and ``offsets``; the worker's ``topic.tracking.enable`` / ``topic.tracking.allow.reset``
        decide whether the topics endpoints answer (Kafka: 403 otherwise)."""
        self.herder = herder
        self.offsets = offsets
        self.topic_tracking = topic_tracking
        self.topic_tracking_allow_reset = topic_tracking_allow_reset

    def register(self, router: Router) -> None:
        """Add the routes."""
        h = self
        for method, path, handler, consumes in (
            ("GET", "/connectors", h.list_connectors, False),
            ("POST", "/connectors", h.create_connector, True),
            ("GET", _BASE, h.get_connector, False),
            ("DELETE", _BASE, h.delete_connector, False),
            ("GET", _BASE + "/config", h.get_config, False),
            ("PUT", _BASE + "/config", h.put_config, True),
            ("PATCH", _BASE + "/config", h.patch_config, True),
            ("GET", _BASE + "/status", h.get_status, False),
            ("POST", _BASE + "/restart", h.restart_connector, False),
            ("PUT", _BASE + "/pause", h.pause, False),
            ("PUT", _BASE + "/resume", h.resume, False),
            ("PUT", _BASE + "/stop", h.stop, False),
            ("GET", _BASE + "/tasks", h.get_tasks, False),
            ("GET", _BASE + "/tasks/{task}/status", h.get_task_status, False),
            ("POST", _BASE + "/tasks/{task}/restart", h.restart_task, False),
            ("GET", _BASE + "/topics", h.get_topics, False),
            ("PUT", _BASE + "/topics/reset", h.reset_topics, False),
            ("GET", _BASE + "/offsets", h.get_offsets, False),
            ("PATCH", _BASE + "/offsets", h.alter_offsets, True),
            ("DELETE", _BASE + "/offsets", h.reset_offsets, False),
        ):
            router.add(method, path, handler, consumes_json=consumes)

    # --- collection --------------------------------------------------------------------------------------

    def list_connectors(self, request: Request) -> Response:
        """Names, or with ``?expand=status|info`` a map of expansions; vanished connectors are skipped."""
        expansions = request.query.get("expand")
        names = self.herder.connectors()
        if expansions is None:
            return Response(200, names)
        # one catch-up of each topic for the whole list, not one per connector (a fleet's list is hundreds)
        found = {"status": self.herder.connector_statuses(names) if "status" in expansions else {},
                 "info": self.herder.connector_infos(names) if "info" in expansions else {}}
        out: dict[str, dict[str, Any]] = {}
        for name in names:
            expanded: dict[str, Any] = {}
            for expansion in expansions:
                if expansion in found:
                    if name not in found[expansion]:
                        break  # deleted while listing: Kafka leaves it out
                    expanded[expansion] = found[expansion][name]
            else:
                out[name] = expanded
        return Response(200, out)

    def create_connector(self, request: Request) -> Response:
        """``POST /connectors``: 201 with Location and ConnectorInfo."""
        body = request.json()
        if not isinstance(body, dict):
            raise bad_request("Request body must be a JSON object with 'name' and 'config'")
        raw_name = body.get("name")
        name = raw_name.strip() if isinstance(raw_name, str) else ""
        if body.get("config") is None:
            raise bad_request("Connector config is required")
        config = string_map(body.get("config"), "Connector config")
        initial_state = _initial_state(body.get("initial_state"))
        _check_and_put_name(name, config)
        _, info = self.herder.put_connector_config(name, config, allow_replace=False, initial_state=initial_state)
        return Response(201, info, {"Location": _location(request, name)})

    # --- one connector ------------------------------------------------------------------------------------

    def get_connector(self, request: Request) -> Response:
        """ConnectorInfo."""
        return Response(200, self.herder.connector_info(request.param("connector")))

    def delete_connector(self, request: Request) -> Response:
        """204."""
        self.herder.delete_connector(request.param("connector"))
        return Response(204)

    def get_config(self, request: Request) -> Response:
        """The raw config."""
        return Response(200, self.herder.connector_config(request.param("connector")))

    def put_config(self, request: Request) -> Response:
        """201 + Location when created, 200 when updated."""
        name = request.param("connector")
        body = request.json()
        if isinstance(body, dict) and isinstance(body.get("config"), dict):
            raise bad_request("PUT /connectors/{name}/config takes the connector config itself, not the "
                              '{"name": ..., "config": {...}} wrapper of POST /connectors')
        config = string_map(body, "Connector config")
        _check_and_put_name(name, config)
        created, info = self.herder.put_connector_config(name, config, allow_replace=True)
        if created:
            return Response(201, info, {"Location": _location(request, name)})
        return Response(200, info)

    def patch_config(self, request: Request) -> Response:
        """Merge, validate and write; 200 ConnectorInfo."""
        patch = string_map(request.json(), "Connector config")
        return Response(200, self.herder.patch_connector_config(request.param("connector"), patch))

    def get_status(self, request: Request) -> Response:
        """ConnectorStateInfo."""
        return Response(200, self.herder.connector_status(request.param("connector")))

    def restart_connector(self, request: Request) -> Response:
        """204 for the legacy connector-only restart, else 202 with the plan."""
        name = request.param("connector")
        include_tasks = request.query_flag("includeTasks", False)
        only_failed = request.query_flag("onlyFailed", False)
        if not include_tasks and not only_failed:
            self.herder.restart_connector(name)
            return Response(204)
        plan = self.herder.restart_connector_and_tasks(name, only_failed=only_failed, include_tasks=include_tasks)
        return Response(202, plan)

    def pause(self, request: Request) -> Response:
        """202, no body."""
        self.herder.pause(request.param("connector"))
        return Response(202)

    def resume(self, request: Request) -> Response:
        """202, no body."""
        self.herder.resume(request.param("connector"))
        return Response(202)

    def stop(self, request: Request) -> Response:
        """204."""
        self.herder.stop(request.param("connector"))
        return Response(204)

    # --- tasks --------------------------------------------------------------------------------------------

    def get_tasks(self, request: Request) -> Response:
        """``[TaskInfo]``."""
        return Response(200, self.herder.task_infos(request.param("connector")))

    def get_task_status(self, request: Request) -> Response:
        """TaskState."""
        return Response(200, self.herder.task_status(request.param("connector"), _task_id(request)))

    def restart_task(self, request: Request) -> Response:
        """204."""
        self.herder.restart_task(request.param("connector"), _task_id(request))
        return Response(204)

    # --- topics and offsets ------------------------------------------------------------------------------

    def get_topics(self, request: Request) -> Response:
        """``{"<name>": {"topics": [...]}}``; no existence check, as in Kafka; 403 with topic tracking off."""
        if not self.topic_tracking:
            raise RestError(403, "Topic tracking is disabled.")
        name = request.param("connector")
        return Response(200, {name: {"topics": self.herder.active_topics(name)}})

    def reset_topics(self, request: Request) -> Response:
        """Forget the active topics; 202 (403 with topic tracking or its reset off)."""
        if not self.topic_tracking:
            raise RestError(403, "Topic tracking is disabled.")
        if not self.topic_tracking_allow_reset:
            raise RestError(403, "Topic tracking reset is disabled.")
        self.herder.reset_active_topics(request.param("connector"))
        return Response(202)

    def get_offsets(self, request: Request) -> Response:
        """ConnectorOffsets."""
        return Response(200, self.offsets.get(request.param("connector")))

    def alter_offsets(self, request: Request) -> Response:
        """Message."""
        pairs = parse_connector_offsets(request.json())
        return Response(200, self.offsets.alter(request.param("connector"), pairs))

    def reset_offsets(self, request: Request) -> Response:
        """Message."""
        return Response(200, self.offsets.reset(request.param("connector")))


def _task_id(request: Request) -> int:
    """The ``{task}`` path parameter; JAX-RS answers 404 when an Integer path parameter does not parse."""
    try:
        return int(request.param("task"))
    except ValueError:
        raise RestError(404, "HTTP 404 Not Found") from None


def _initial_state(value: Any) -> TargetState | None:
    if value is None:
        return None
    state = _INITIAL_STATES.get(str(value).upper())
    if state is None:
        raise bad_request(f"Invalid initial_state {value}: must be one of RUNNING, PAUSED, STOPPED")
    return state


def _check_and_put_name(name: str, config: dict[str, str | None]) -> None:
    """Kafka's ``checkAndPutConnectorConfigName``."""
    included = config.get("name")
    if included is not None:
        if included != name:
            raise bad_request(
                f"Connector name configuration ({included}) doesn't match connector name in the URL ({name})"
            )
    else:
        config["name"] = name


def _location(request: Request, name: str) -> str:
    """``/connectors/<name>``, absolute when the Host is known (JAX-RS resolves it against the base URI)."""
    path = "/connectors/" + quote(name, safe="")
    host = request.headers.get("host")
    if not host:
        return path
    scheme = request.headers.get("x-forwarded-proto", "http").split(",")[0].strip()
    return f"{scheme}://{host}{path}"
