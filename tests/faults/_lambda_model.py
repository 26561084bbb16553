"""What every Lambda model test module shares: the kit over the local broker and the loop over a family's seeds
(``make test``: a few schedules; ``make faults``: ``SCHEDULES_BIG`` each, or ``LAMBDA_CONNECT_HARNESS_SCHEDULES``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from connect_core.testing import EmbeddedConnect
from connect_core.testing.lambda_model import run_schedule, seeds
from tests.faults.conftest import BIG

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from connect_core.testing.lambda_model import Family

SCHEDULES_SMALL = 2
SCHEDULES_BIG = 200


@pytest.fixture(scope="module")
def connect(kafka_bootstrap: str) -> Iterator[EmbeddedConnect]:
    """One worker's internal topics for the module's schedules (each schedule its own connector)."""
    with EmbeddedConnect(kafka_bootstrap) as kit:
        yield kit


def run_family(connect: EmbeddedConnect, family_of: Callable[[], Family | Any], request: pytest.FixtureRequest,
               small: int = SCHEDULES_SMALL) -> None:
    """Run the family's schedules (a new connector and input each; ``small`` of them in ``make test``, for the
    slowest families 1); fail with the first broken ones' seeds."""
    failures = []
    for seed in seeds(SCHEDULES_BIG if BIG else small):
        report = run_schedule(connect, family_of(), seed)
        if report.violations:
            failures.append(report.message(request.node.nodeid))
    assert not failures, f"{len(failures)} schedule(s) broke an invariant:\n" + "\n\n".join(failures[:3])
