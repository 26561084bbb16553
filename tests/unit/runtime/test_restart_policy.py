"""connect_core/runtime/restart_policy.py: backoff, the circuit breaker, and which errors open it at once."""

from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError, ConnectError
from connect_core.runtime.restart_policy import (
    Decision,
    RestartPolicyConfig,
    after_failure,
    decide,
    is_non_retriable,
    restarted,
)
from connect_core.storage.run_state import RestartState

EPOCH = [1, 0]


class FakeAuthenticationError(Exception):
    """Named like the auth errors of client libraries."""


def test_defaults_are_on_with_a_bounded_exponential_backoff() -> None:
    policy = RestartPolicyConfig.parse({})
    assert policy.enabled and policy.max_attempts == 10
    assert [policy.backoff_ms(n) for n in (1, 2, 3, 4)] == [1000, 2000, 4000, 8000]
    assert policy.backoff_ms(30) == 300_000


def test_keys_parse_from_a_connector_config() -> None:
    policy = RestartPolicyConfig.parse({"lambda.restart.enabled": "false", "lambda.restart.backoff.initial.ms": "50",
                                        "lambda.restart.backoff.max.ms": "70", "lambda.restart.max.attempts": "-1"})
    assert (policy.enabled, policy.backoff_ms(1), policy.backoff_ms(5), policy.max_attempts) == (False, 50, 70, -1)


def test_bad_key_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="lambda.restart.max.attempts"):
        RestartPolicyConfig.parse({"lambda.restart.max.attempts": "-5"})


def test_a_failure_backs_off_then_lets_one_restart_through() -> None:
    policy = RestartPolicyConfig.parse({})
    state = after_failure(policy, RestartState(), ConnectError("db down"), EPOCH, now_ms=10_000)
    assert (state.failures, state.retry_at_ms, state.breaker_open) == (1, 11_000, False)
    assert decide(state, EPOCH, now_ms=10_500) is Decision.WAIT
    assert decide(state, EPOCH, now_ms=11_000) is Decision.RESTART
    state = restarted(state, 11_000)
    assert (state.restarts, state.history) == (1, [11_000])
    state = after_failure(policy, state, ConnectError("db down"), EPOCH, now_ms=11_100)
    assert state.retry_at_ms == 11_100 + 2000


def test_the_breaker_opens_after_max_attempts_restarts() -> None:
    policy = RestartPolicyConfig.parse({"lambda.restart.max.attempts": "2"})
    state = RestartState()
    for now in (0, 10_000, 20_000):
        state = after_failure(policy, state, ConnectError("x"), EPOCH, now)
        if not state.breaker_open:
            state = restarted(state, now + 5000)
    assert state.breaker_open and state.restarts == 2
    assert "lambda.restart.max.attempts=2" in (state.reason or "")
    assert decide(state, EPOCH, now_ms=10**12) is Decision.OPEN


@pytest.mark.parametrize("error", [ConfigError("bad url"), FakeAuthenticationError("who are you")])
def test_non_retriable_errors_open_the_breaker_at_once(error: Exception) -> None:
    state = after_failure(RestartPolicyConfig(), RestartState(), error, EPOCH, 0)
    assert state.breaker_open and state.failures == 1
    assert decide(state, EPOCH, 10**12) is Decision.OPEN


def test_non_retriable_is_found_in_the_cause_chain() -> None:
    try:
        try:
            raise ConfigError("bad")
        except ConfigError as inner:
            raise ConnectError("task start failed") from inner
    except ConnectError as outer:
        assert is_non_retriable(outer)
    assert not is_non_retriable(ConnectError("timeout"))


def test_off_switch_keeps_a_failed_task_failed() -> None:
    policy = RestartPolicyConfig.parse({"lambda.restart.enabled": "false"})
    state = after_failure(policy, RestartState(), ConnectError("x"), EPOCH, 0)
    assert decide(state, EPOCH, 10**12) is Decision.OPEN


def test_a_new_epoch_starts_a_fresh_streak() -> None:
    state = after_failure(RestartPolicyConfig(), RestartState(), ConfigError("x"), EPOCH, 0)
    assert decide(state, [1, 1], 0) is Decision.RUN  # restart request or new task configs
    assert decide(RestartState(), EPOCH, 0) is Decision.RUN


class FakePostgresError(Exception):
    pgcode = "28P01"


def test_driver_auth_codes_are_non_retriable() -> None:
    import pymysql
    from confluent_kafka import KafkaError, KafkaException

    assert is_non_retriable(pymysql.err.OperationalError(1045, "Access denied for user"))
    assert not is_non_retriable(pymysql.err.OperationalError(2003, "Can't connect"))
    assert is_non_retriable(FakePostgresError())
    assert is_non_retriable(KafkaException(KafkaError(KafkaError.SASL_AUTHENTICATION_FAILED)))
    assert not is_non_retriable(KafkaException(KafkaError(KafkaError._TRANSPORT)))
