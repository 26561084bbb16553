"""``Coordinator``: one request in, one response out, with Kafka Connect's error mapping.

Kafka's ``ConnectExceptionMapper``: a REST error keeps its status, NotFound is 404, AlreadyExists is 409, BadRequest
is 400, anything else is 500 with the exception's message; the body is always ``{"error_code": <int>, "message": str}``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from connect_core.api.errors import AlreadyExistsError, NotFoundError
from connect_core.coordinator.health.poison_batch import PoisonBatchGuard
from connect_core.coordinator.herder.errors import BadRequestError
from connect_core.coordinator.herder.herder import RECONFIGURE_BUDGET_S, Herder
from connect_core.coordinator.herder.log_levels import LogLevels
from connect_core.coordinator.herder.offsets import ConnectorOffsetsManager
from connect_core.coordinator.herder.reconciler import PASS_DEADLINE_S
from connect_core.coordinator.rest.connectors_resource import ConnectorsResource
from connect_core.coordinator.rest.heartbeat import DEFAULT_BUDGET_S, Heartbeat
from connect_core.coordinator.rest.http import Response, RestError, Router
from connect_core.coordinator.rest.logging_resource import LoggingResource
from connect_core.coordinator.rest.metrics_resource import MetricsResource
from connect_core.coordinator.rest.root_resource import RootResource
from connect_core.coordinator.rest.ui_resource import UiResource

if TYPE_CHECKING:
    from collections.abc import Callable

    from connect_core.coordinator.cluster.consumer_groups import ConsumerGroups
    from connect_core.coordinator.cluster.info import ClusterInfo
    from connect_core.coordinator.cluster.source_fencing import SourceTaskFencing
    from connect_core.coordinator.health.overview import StatusOverview
    from connect_core.coordinator.herder.deployer import Deployer
    from connect_core.coordinator.herder.reconciler import ReconcilePass
    from connect_core.coordinator.metrics.worker_metrics import WorkerMetrics
    from connect_core.coordinator.rest.http import Request
    from connect_core.storage.config_store import ConfigStore
    from connect_core.storage.offset_store import OffsetStore
    from connect_core.storage.status_store import StatusStore

__all__ = ["UNKNOWN_COMMIT", "Coordinator", "error_response"]

log = logging.getLogger(__name__)

UNKNOWN_COMMIT = "unknown"  # what Kafka's AppInfoParser reports when it has no commit id
# The heartbeat's steps, by name (``Coordinator.heartbeats``; the handler reports their outcomes).
RECONFIGURE_STEP = "reconfigure"
RECONCILE_STEP = "reconcile"
POISON_STEP = "poison-batch-guard"
LAG_STEP = "lag"
KEY_INDEX_STEP = "offsets-key-index"
# The reconcile pass takes no new connector this long before its step's end: one converge's AWS calls.
CONVERGE_ALLOWANCE_S = 3.0


class Coordinator:
    """The Kafka Connect REST API over the internal topics, a deployer and the cluster's consumer groups."""

    def __init__(
        self,
        configs: ConfigStore,
        offsets: OffsetStore,
        statuses: StatusStore,
        *,
        deployer: Deployer,
        groups: ConsumerGroups,
        cluster: ClusterInfo,
        worker_id: str,
        version: str,
        commit: str = UNKNOWN_COMMIT,
        overview: StatusOverview | None = None,
        login_check: Callable[[], str | None] | None = None,
        topic_tracking: bool = True,
        topic_tracking_allow_reset: bool = True,
        fencing: SourceTaskFencing | None = None,
    ) -> None:
        """Wire the resources; nothing touches Kafka until the first request.

        ``overview`` (operations: run records, lag, cost) makes statuses honest and serves the status page.
        ``login_check`` (an authenticated cluster) returns the broker's message while it refuses the container's
        credentials: every request is then answered 503 with it at once, instead of waiting out the stores' timeouts.
        ``topic_tracking`` / ``topic_tracking_allow_reset``: the worker's ``topic.tracking.enable`` /
        ``topic.tracking.allow.reset`` (KIP-558). ``fencing``: fences a source connector's task producers before its
        offsets change, as Kafka does with exactly-once source support.
        """
        self.login_check = login_check
        self.herder = Herder(configs, statuses, deployer, worker_id, groups)
        self.last_pass: ReconcilePass | None = None  # the heartbeat's last reconcile pass (None: none ran)
        self.offsets = ConnectorOffsetsManager(configs, offsets, groups, fencing)
        self.herder.on_create = self.offsets.created
        self.herder.on_resume_point_gone = self.offsets.forget_deleted
        self.log_levels = LogLevels(configs)
        self.overview = overview
        self.worker_metrics: WorkerMetrics | None = None  # GET /metrics and MSK Connect's figures (with overview)
        self.heartbeats = self._heartbeat_steps()
        self.router = Router()
        RootResource(configs, cluster, version, commit).register(self.router)
        ConnectorsResource(self.herder, self.offsets, topic_tracking=topic_tracking,
                           topic_tracking_allow_reset=topic_tracking_allow_reset).register(self.router)
        LoggingResource(self.log_levels).register(self.router)
        if overview is not None:
            self.herder.effective = overview.effective
            self.herder.refresh_effective = overview.refresh_runs
            self.herder.on_restart = overview.reset_restart_streaks
            UiResource(overview).register(self.router)
            from connect_core.coordinator.metrics.worker_metrics import WorkerMetrics  # lazy: no cold start's

            self.worker_metrics = WorkerMetrics(overview)
            MetricsResource(self.worker_metrics).register(self.router)

    def heartbeat(self, budget_s: float | None = None) -> dict[str, int]:
        """The scheduled heartbeat, its steps within ``budget_s`` seconds (default ``DEFAULT_BUDGET_S``; see
        ``rest/heartbeat.py``): connectors that watch their system (JDBC source tables) are reconfigured when due, a
        reconcile pass makes the platform match the config topic (orphans removed), the trigger of every sink whose
        breaker is open is disabled (a poison batch is kept, not retried forever), every sink's lag is sampled, and
        the offsets key index catches up (new connectors' first snapshots, ``storage/offset_key_index.py``).
        Returns the lag totals by connector (none without operations, or when that step did not run);
        ``heartbeats.last`` keeps every step's outcome. Nothing while Kafka refuses the login."""
        if self.refused_login() is not None:
            self.heartbeats.last = {}
            return {}
        outcomes = self.heartbeats.run(DEFAULT_BUDGET_S if budget_s is None else budget_s)
        lag = outcomes.get(LAG_STEP)
        return dict(lag.result) if lag is not None and lag.state == "done" and lag.result else {}

    def connector_metrics(self) -> dict[str, dict[str, float]]:
        """MSK Connect's CloudWatch figures per connector (``metrics/msk_connect.py``); none without operations or
        while Kafka refuses the login, and none when they cannot be read (logged: metrics never fail a heartbeat)."""
        if self.worker_metrics is None or self.refused_login() is not None:
            return {}
        from connect_core.coordinator.metrics.msk_connect import connector_figures

        try:
            return connector_figures(self.worker_metrics.view())
        except Exception:
            log.warning("could not compute the connectors' metrics", exc_info=True)
            return {}

    def _heartbeat_steps(self) -> Heartbeat:
        """The heartbeat's steps in order; each gets at most ``most_s`` and is skipped with less than ``least_s``."""
        beat = Heartbeat()
        beat.add(RECONFIGURE_STEP, lambda seconds: self.herder.reconfigure_due(budget_s=seconds),
                 most_s=RECONFIGURE_BUDGET_S, least_s=1.0)
        beat.add(RECONCILE_STEP, self._reconcile, most_s=PASS_DEADLINE_S + CONVERGE_ALLOWANCE_S,
                 least_s=CONVERGE_ALLOWANCE_S + 1.0)
        if self.overview is not None:
            overview = self.overview
            beat.add(POISON_STEP, lambda _seconds: PoisonBatchGuard(overview, self.herder.deployer).check(),
                     most_s=5.0, least_s=2.0)
            beat.add(LAG_STEP, lambda _seconds: overview.lag_totals(), most_s=6.0, least_s=2.0)
        beat.add(KEY_INDEX_STEP, self.offsets.advance_key_index, most_s=5.0, least_s=1.0)
        return beat

    def _reconcile(self, seconds: float) -> ReconcilePass | None:
        """A reconcile pass that takes no connector after ``seconds`` less one converge's allowance."""
        self.last_pass = self.herder.reconciler.pass_(deadline_s=max(seconds - CONVERGE_ALLOWANCE_S, 0.0))
        return self.last_pass

    def refused_login(self) -> str | None:
        """Why the cluster refuses this container's login (checked until it is accepted once), else None."""
        if self.login_check is None:
            return None
        try:
            refused = self.login_check()
        except Exception:  # the check itself failed (the secret unreadable): the request reports what goes wrong
            log.warning("checking the Kafka login failed", exc_info=True)
            return None
        if refused is None:
            self.login_check = None  # accepted: the clients keep their connections
            return None
        log.error(refused)
        return refused

    def handle(self, request: Request) -> Response:
        """Route the request; every failure becomes Kafka's error response."""
        refused = self.refused_login()
        if refused is not None:  # a worker that cannot log in never completes startup (KIP-1017's 503 starting)
            if request.path.rstrip("/") == "/health":
                return Response(503, {"status": "starting", "message": refused})
            return Response.error(503, refused)
        try:
            return self.router.dispatch(request)
        except Exception as error:  # the REST API answers every error, as Kafka's mapper does
            return error_response(error)


def error_response(error: Exception) -> Response:
    """Kafka ``ConnectExceptionMapper``."""
    if isinstance(error, RestError):
        return Response.error(error.error_code, error.message, error.status)
    if isinstance(error, NotFoundError):
        return Response.error(404, str(error))
    if isinstance(error, AlreadyExistsError):
        return Response.error(409, str(error))
    if isinstance(error, BadRequestError):
        return Response.error(400, str(error))
    log.error("Uncaught exception in REST call", exc_info=error)
    return Response.error(500, str(error) or None)
