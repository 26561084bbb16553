"""EventBridge Scheduler that fires: LocalStack community stores schedules (moto) and never runs them.

A daemon thread started when LocalStack is ready looks at moto's Scheduler backends once a second, in every account,
region and schedule group. Each ENABLED schedule whose time has come invokes its Lambda target with the target's
``Input`` (``{}`` when there is none; Scheduler's context attributes such as ``<aws.scheduler.scheduled-time>``
filled in as AWS does, see scheduler_input) through LocalStack's own Lambda service, asynchronously as Scheduler does
(``InvocationType=Event``), so the function runs in LocalStack's runtime executor. Nothing is kept outside moto's
store: creating, updating (expression, time zone, dates, target, State) and deleting a schedule take effect on the
next tick, in whichever group it lives.

Timing (see schedule_expressions): a rate counts from StartDate, else from the schedule's last creation or update
(so a created or re-enabled schedule fires at once); cron and at are evaluated in ScheduleExpressionTimezone; no
fires before StartDate or after EndDate; FlexibleTimeWindow is not applied (fires at the window's start). A schedule
with nothing left to fire (an ``at`` that has fired, a passed EndDate) is deleted when its ActionAfterCompletion is
DELETE. Targets other than Lambda functions are not supported and are logged once.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from localstack.runtime import hooks

from lambda_connect_localstack.schedule_expressions import At, next_fire, parse_expression
from lambda_connect_localstack.scheduler_input import scheduler_input

LOG = logging.getLogger(__name__)
TICK_S = 1.0
GRACE = timedelta(seconds=5)  # a fire time this far in the past still fires (a schedule seen a tick after creation)
_TINY = timedelta(microseconds=1)

__all__ = ["SchedulerFirer", "start_scheduler", "stop_scheduler"]


def _as_datetime(value: Any) -> datetime | None:
    """moto keeps StartDate/EndDate as the request sent them: epoch seconds, ISO text or datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except ValueError:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class _Entry:
    """What the firer knows about one version of a schedule (any change in moto's model is a new version)."""

    version: tuple[Any, ...]
    due: datetime | None
    problem: str | None = None


@dataclass(frozen=True)
class _Place:
    """Where a schedule lives in moto's store."""

    account: str
    region: str
    backend: Any
    group: str


class SchedulerFirer:
    """Fires due schedules; :meth:`tick` is one pass (the thread calls it every second)."""

    def __init__(self, invoke: Any = None, tick_s: float = TICK_S) -> None:
        """``invoke(account, region, function_arn, payload)``: defaults to LocalStack's Lambda service."""
        self.invoke = invoke or _invoke_lambda
        self.tick_s = tick_s
        self.entries: dict[str, _Entry] = {}
        self.fired = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> SchedulerFirer:
        self._thread = threading.Thread(target=self._run, name="lambda-connect-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                self.tick(datetime.now(tz=UTC))
            except Exception:
                LOG.exception("scheduler tick failed; trying again in %.0f s", self.tick_s)

    def tick(self, now: datetime) -> None:
        """Fire what is due at ``now`` in every account, region and group; forget deleted schedules."""
        from moto.scheduler.models import scheduler_backends

        seen: set[str] = set()
        for account, regions in list(scheduler_backends.items()):
            for region, backend in list(regions.items()):
                for group in list(backend.schedule_groups.values()):
                    place = _Place(account, region, backend, group.name)
                    for schedule in list(group.schedules.values()):
                        seen.add(schedule.arn)
                        self._visit(place, schedule, now)
        for arn in set(self.entries) - seen:
            del self.entries[arn]

    def _visit(self, place: _Place, schedule: Any, now: datetime) -> None:
        version = (schedule.schedule_expression, schedule.schedule_expression_timezone, schedule.start_date,
                   schedule.end_date, schedule.state, json.dumps(schedule.target, sort_keys=True, default=str),
                   schedule.last_modified_date)
        entry = self.entries.get(schedule.arn)
        if entry is None or entry.version != version:
            entry = self.entries[schedule.arn] = _new_entry(schedule, version, now)
            if entry.due is None:
                self._complete(place, schedule, entry)
        if entry.due is None or entry.due > now:
            return
        due, entry.due = entry.due, _next(schedule, now)
        if schedule.state == "ENABLED":
            self._fire(place, schedule, due)
        if entry.due is None:
            self._complete(place, schedule, entry)

    def _fire(self, place: _Place, schedule: Any, due: datetime) -> None:
        target = schedule.target or {}
        arn = str(target.get("Arn", ""))
        if ":lambda:" not in arn or ":function:" not in arn:
            LOG.warning("schedule %s: target %s is not a Lambda function; only Lambda targets are fired",
                        schedule.arn, arn)
            return
        payload = scheduler_input(target.get("Input"), schedule.arn, due)
        self.fired += 1
        LOG.info("schedule %s due %s: invoking %s", schedule.arn, due.isoformat(), arn)
        try:
            self.invoke(place.account, place.region, arn, payload)
        except Exception as error:  # like Scheduler: the failed delivery is logged, the rate goes on
            LOG.warning("schedule %s: invoking %s failed: %s", schedule.arn, arn, error)

    @staticmethod
    def _complete(place: _Place, schedule: Any, entry: _Entry) -> None:
        """Nothing left to fire: ActionAfterCompletion=DELETE deletes the schedule, as Scheduler does."""
        if entry.problem is None and (schedule.action_after_completion or "NONE") == "DELETE":
            LOG.info("schedule %s completed: deleting it (ActionAfterCompletion=DELETE)", schedule.arn)
            try:
                place.backend.delete_schedule(place.group, schedule.name)
            except Exception as error:  # already gone
                LOG.debug("deleting %s: %s", schedule.arn, error)


def _anchor(schedule: Any, now: datetime) -> datetime:
    return _as_datetime(schedule.start_date) or _as_datetime(schedule.last_modified_date) or now


def _new_entry(schedule: Any, version: tuple[Any, ...], now: datetime) -> _Entry:
    """A new or changed schedule: its first fire time, a little in the past included (it was just created)."""
    try:
        return _Entry(version, _next(schedule, now - GRACE))
    except (ValueError, KeyError) as error:
        LOG.warning("schedule %s cannot fire: %s", schedule.arn, error)
        return _Entry(version, None, problem=str(error))


def _next(schedule: Any, after: datetime) -> datetime | None:
    """The schedule's first fire time strictly after ``after``, within StartDate and EndDate (None: no more)."""
    expression = parse_expression(schedule.schedule_expression)
    due = next_fire(expression, after, anchor=_anchor(schedule, after),
                    timezone=schedule.schedule_expression_timezone)
    if due is None or isinstance(expression, At):
        return due  # Scheduler ignores StartDate and EndDate for one-time schedules
    start, end = _as_datetime(schedule.start_date), _as_datetime(schedule.end_date)
    if start is not None and due < start:
        due = next_fire(expression, start - _TINY, anchor=start,
                        timezone=schedule.schedule_expression_timezone)
    if due is None or (end is not None and due > end):
        return None
    return due


def _invoke_lambda(account: str, region: str, function_arn: str, payload: str) -> None:
    from localstack.aws.connect import connect_to

    client = connect_to(aws_access_key_id=account, region_name=region).lambda_
    client.invoke(FunctionName=function_arn, InvocationType="Event", Payload=payload.encode())


_FIRER: SchedulerFirer | None = None


@hooks.on_infra_ready()
def start_scheduler() -> None:
    """Start firing schedules once LocalStack serves requests."""
    global _FIRER  # one firer per LocalStack process
    if _FIRER is None:
        _FIRER = SchedulerFirer().start()
        LOG.info("lambda-connect: EventBridge Scheduler schedules fire (every %.0f s check)", TICK_S)


@hooks.on_infra_shutdown()
def stop_scheduler() -> None:
    global _FIRER
    if _FIRER is not None:
        _FIRER.stop()
        _FIRER = None
