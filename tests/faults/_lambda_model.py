"""What every Lambda model test module shares: the kit over the local broker and the loop over a family's seeds
(``make test``: one schedule per family; ``make faults``: ``SCHEDULES_BIG`` each, 2,000 in all, about two hours on
two cores; ``LAMBDA_CONNECT_HARNESS_SCHEDULES`` sets another count, ``LAMBDA_CONNECT_HARNESS_SEED`` replays one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from connect_core.testing import EmbeddedConnect
from connect_core.testing.lambda_model import run_schedule, seeds
from tests._captured_logs import release_tracebacks
from tests.faults.conftest import BIG

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from connect_core.testing.lambda_model import Family

SCHEDULES_SMALL = 1  # make test: every family once under the model (make faults: the thousands)
SCHEDULES_BIG = 150
SCHEDULES_BIG_SLOW = 30  # PostgreSQL CDC and MirrorMaker 2: a schedule takes 15-20 s
TIMEOUT_S = 3 * 3600 if BIG else 600  # a family's schedules are one test: hours of them in make faults


@pytest.fixture(scope="module")
def connect(kafka_bootstrap: str) -> Iterator[EmbeddedConnect]:
    """One worker's internal topics for the module's schedules (each schedule its own connector)."""
    with EmbeddedConnect(kafka_bootstrap) as kit:
        yield kit


def run_family(connect: EmbeddedConnect, family_of: Callable[[], Family | Any], request: pytest.FixtureRequest,
               small: int = SCHEDULES_SMALL, big: int = SCHEDULES_BIG) -> None:
    """Run the family's schedules (a new connector and input each; ``small`` of them in ``make test``, ``big`` in
    ``make faults``); fail with the first broken ones' seeds."""
    failures = []
    tally = request.getfixturevalue("tally")  # make faults prints it per case
    caplog = request.getfixturevalue("caplog")
    for seed in seeds(big if BIG else small):
        caplog.clear()
        family = family_of()
        report = run_schedule(connect, family, seed)
        release_tracebacks()
        tally.runs += 1
        tally.expected += report.expected
        tally.lost += len(report.lost)
        tally.duplicated += len(report.duplicated)
        tally.notes = {"schedules_broken": len(failures) + bool(report.violations),
                       "guarantee": "exactly-once" if family.exactly_once else "at-least-once"}
        if report.violations:
            failures.append(report.message(request.node.nodeid))
    assert not failures, f"{len(failures)} schedule(s) broke an invariant:\n" + "\n\n".join(failures[:3])
