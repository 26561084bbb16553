"""Automatic restarts of failed tasks: exponential backoff and a circuit breaker (our ``lambda.restart.*`` keys).

A Kafka Connect task that fails stays FAILED until someone calls the restart endpoint. A function-based task is
started afresh by its next invocation anyway (the next schedule tick, the mapping's next retry), so the question
here is not *whether* to restart but *how often*: after the n-th consecutive failure the next attempt waits
``backoff.initial.ms * 2^(n-1)`` (at most ``backoff.max.ms``); after ``max.attempts`` failed automatic restarts,
or at once for an error that retrying cannot fix (bad config, authentication), the breaker opens and the task
stays FAILED until it is restarted, resumed or reconfigured through the REST API.
"""

from __future__ import annotations

import enum
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from connect_core.api.config import config_field, in_range, parse_config
from connect_core.api.errors import ConfigError
from connect_core.storage.run_state import RestartState

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Decision", "RestartPolicyConfig", "after_failure", "breaker_open", "decide", "is_non_retriable",
           "trigger_held"]

_GROUP = "Lambda"
DEFAULT_BACKOFF_INITIAL_MS = 1_000
DEFAULT_BACKOFF_MAX_MS = 300_000
DEFAULT_MAX_ATTEMPTS = 10
HISTORY_LENGTH = 10
# Errors retrying cannot fix, by type or code (never by message): auth failures of the drivers we ship.
_AUTH_CLASS_WORDS = ("Authentication", "Authorization", "AccessDenied", "Unauthorized")
# MySQL/MariaDB ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR
_MYSQL_ACCESS_DENIED = {1044, 1045, 1698}
_POSTGRES_AUTH_SQLSTATES = {"28000", "28P01"}  # invalid_authorization_specification, invalid_password
# Kafka: SASL_AUTHENTICATION_FAILED, _AUTHENTICATION, TOPIC/GROUP/CLUSTER/TRANSACTIONAL_ID_AUTHORIZATION_FAILED
_KAFKA_AUTH_CODES = {58, -169, 29, 30, 31, 53}


class RestartPolicyConfig(BaseModel):
    """How a connector's failed tasks are restarted automatically."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    enabled: bool = config_field(
        True, alias="lambda.restart.enabled", group=_GROUP,
        description="Restart failed tasks automatically, with exponential backoff and a circuit breaker. false: a "
        "failed task stays FAILED until it is restarted through the REST API, as in Kafka Connect.",
    )
    backoff_initial_ms: int = config_field(
        DEFAULT_BACKOFF_INITIAL_MS, alias="lambda.restart.backoff.initial.ms", group=_GROUP, validator=in_range(0),
        description="Wait before the first automatic restart; it doubles after every further failure.",
    )
    backoff_max_ms: int = config_field(
        DEFAULT_BACKOFF_MAX_MS, alias="lambda.restart.backoff.max.ms", group=_GROUP, validator=in_range(0),
        description="The longest wait between two automatic restarts.",
    )
    max_attempts: int = config_field(
        DEFAULT_MAX_ATTEMPTS, alias="lambda.restart.max.attempts", group=_GROUP, validator=in_range(-1),
        description="Automatic restarts in a row before the circuit breaker opens and the task stays FAILED "
        "(-1: never open for retriable errors). Non-retriable errors (bad config, authentication) open it at once.",
    )

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> RestartPolicyConfig:
        """Parse from a connector config (unrelated keys are ignored)."""
        return parse_config(cls, props)

    def backoff_ms(self, attempt: int) -> int:
        """The wait before the ``attempt``-th automatic restart in a row."""
        return int(min(self.backoff_max_ms, self.backoff_initial_ms * 2 ** max(0, min(attempt - 1, 40))))


class Decision(enum.Enum):
    """What an invocation does about its task's failure streak."""

    RUN = "RUN"  # no streak: run normally
    RESTART = "RESTART"  # the backoff has passed: an automatic restart
    WAIT = "WAIT"  # still backing off: do not run
    OPEN = "OPEN"  # the breaker is open: do not run until restarted by hand


def decide(state: RestartState, epoch: list[int | None], now_ms: int) -> Decision:
    """Whether an invocation may run its task now."""
    if state.failures == 0 or state.epoch != epoch:  # a new config or a manual restart starts a fresh streak
        return Decision.RUN
    if state.breaker_open:
        return Decision.OPEN
    if state.retry_at_ms is not None and now_ms < state.retry_at_ms:
        return Decision.WAIT
    return Decision.RESTART


def breaker_open(state: RestartState, epoch: list[int | None] | tuple[int | None, ...]) -> bool:
    """Whether the task's breaker is open for its current tasks (a new config or a restart request starts afresh).

    For a sink this is a poison batch: the coordinator's heartbeat then disables its Kafka trigger
    (``coordinator/health/poison_batch.py``) so the batch is not retried, and billed, forever.
    """
    return state.failures > 0 and state.breaker_open and state.epoch == list(epoch)


def trigger_held(state: RestartState, epoch: list[int | None] | tuple[int | None, ...]) -> bool:
    """Whether a sink's Kafka trigger is disabled by the poison-batch guard (until a restart, resume or new config)."""
    return state.held_at_ms is not None and breaker_open(state, epoch)


def restarted(state: RestartState, now_ms: int) -> RestartState:
    """The state after an automatic restart was let through."""
    return replace(state, restarts=state.restarts + 1, retry_at_ms=None,
                   history=[*state.history, now_ms][-HISTORY_LENGTH:])


def after_failure(
    policy: RestartPolicyConfig, state: RestartState, error: BaseException, epoch: list[int | None], now_ms: int,
    *, counted: bool = True,
) -> RestartState:
    """The state after a failed invocation: back off, or open the breaker.

    ``counted=False``: a retry the trigger made during the backoff (a sink's event source mapping retries on its
    own schedule); it adds a failure but neither moves the next automatic restart nor counts as one.
    """
    if state.epoch != epoch:
        state = RestartState(epoch=epoch)
    failures = state.failures + 1
    reason: str | None = None
    if not counted and not is_non_retriable(error):
        return replace(state, failures=failures, epoch=epoch)
    if is_non_retriable(error):
        reason = f"{type(error).__name__} cannot be fixed by retrying"
    elif not policy.enabled:
        reason = "automatic restarts are off (lambda.restart.enabled=false)"
    elif 0 <= policy.max_attempts <= state.restarts:
        reason = (f"{state.restarts} automatic restarts in a row failed "
                  f"(lambda.restart.max.attempts={policy.max_attempts})")
    if reason is not None:
        return replace(state, failures=failures, retry_at_ms=None, breaker_open=True, reason=reason, epoch=epoch)
    return replace(state, failures=failures, retry_at_ms=now_ms + policy.backoff_ms(state.restarts + 1),
                   breaker_open=False, reason=None, epoch=epoch)


def is_non_retriable(error: BaseException) -> bool:
    """Bad configuration or failed authentication, anywhere in the error's cause chain."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConfigError):
            return True
        if any(word in cls.__name__ for cls in type(current).__mro__ for word in _AUTH_CLASS_WORDS):
            return True
        if _auth_code(current):
            return True
        if getattr(current, "pgcode", None) in _POSTGRES_AUTH_SQLSTATES:
            return True
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
    return False


def _auth_code(error: BaseException) -> bool:
    """A MySQL/MariaDB error number or a Kafka error code that means: not allowed in."""
    first = error.args[0] if error.args else None
    if "mysql" in type(error).__module__ and isinstance(first, int):
        return first in _MYSQL_ACCESS_DENIED
    code = getattr(first, "code", None)  # confluent_kafka.KafkaException(KafkaError)
    return type(error).__name__ == "KafkaException" and callable(code) and code() in _KAFKA_AUTH_CODES
