"""Session-scoped fixtures for the real local services: they call the same start path as `make services`.

A service that cannot be started is an error with its reason (never a skip): integration tests need real services.
Under pytest-xdist (`make test`) each worker asks for the services, one at a time (a lock under .run/), so a service
starts once per run; tests/_parallel.py spreads the work and prints the timing report.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.runtime import env
from infra.local import services
from tests import _parallel
from tests._process_cpu import ProcessCpu

if TYPE_CHECKING:
    from collections.abc import Iterator

    from connect_core.runtime.loggers import Loggers

# Most tests hand the sink runtime events for topics that do not exist on the broker (or hold other records), and
# their local mappings read as before: read_committed, which lets ``lambda.sink.read.committed=auto`` skip the check.
# tests/integration/runtime/test_read_committed_sinks.py sets both sides explicitly, in both isolation levels.
os.environ.setdefault(env.ESM_ISOLATION_LEVEL, "read_committed")
# The FileStream connectors (and SQLite files) are offered only under the worker's file roots: tests write theirs in
# the temporary directory. tests/unit/connectors/file/test_file_roots.py checks the confinement itself.
os.environ.setdefault(env.FILE_ROOTS, tempfile.gettempdir())


def _ensure(name: str) -> dict[str, str]:
    try:
        with _parallel.run_lock("services"):
            return services.ensure([name])[name]
    except services.ServiceError as error:
        pytest.fail(f"local service {name!r} could not be started:\n{error}", pytrace=False)


_TIMING = _parallel.Timing()
_PROCESS_CPU = ProcessCpu()  # sampled in the controller (or a serial run's process) only


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """The controller of an xdist run fixes the run's id before its workers start: they share their units under it."""
    if not _is_worker(config) and getattr(config.option, "numprocesses", None):
        if config.option.testrunuid is None:
            config.option.testrunuid = uuid.uuid4().hex
        _TIMING.run_id = config.option.testrunuid


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _is_worker(config):
        _parallel.share_units(config.workerinput["testrunuid"], _parallel.group_and_order(items))


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    return _parallel.make_scheduler(config, log) if config.getvalue("dist") == "loadgroup" else None


def pytest_sessionstart(session: pytest.Session) -> None:
    _TIMING.start()
    if not _is_worker(session.config):
        _PROCESS_CPU.start()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _TIMING.add(report)


_CPU_AT_LAST_REPORT = [_parallel.process_cpu_s()]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Each phase's report carries the CPU its process used since the last report (the timing report's CPU by
    unit): a worker's is sent to the controller with the report."""
    report = yield
    now = _parallel.process_cpu_s()
    # a list of its own: the item's, which pytest hands each phase's report, keeps no phase's figure
    report.user_properties = [*report.user_properties, (_parallel.CPU_PROPERTY, round(now - _CPU_AT_LAST_REPORT[0], 3))]
    _CPU_AT_LAST_REPORT[0] = now
    return report


@pytest.hookimpl(trylast=True)  # after the test's own fixtures are torn down
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if _is_worker(item.config):
        _parallel.end_finished_harnesses(item, nextitem, _parallel.shared_units(item.config.workerinput["testrunuid"]))


@pytest.hookimpl(trylast=True)  # after the slowest tests (--durations), at the end of the output
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The timing report (a report, never a check: these machines are noisy), and the measured durations saved."""
    if _is_worker(config) or len(_TIMING.units) < (1 if _parallel.PHASE else 2):
        return
    terminalreporter.section("timing report")
    _PROCESS_CPU.stop()
    lines = _TIMING.lines()
    lines += _PROCESS_CPU.lines(_parallel.machine_cpu_s() - _TIMING.cpu_started)
    for line in lines:
        terminalreporter.write_line(line)
    _TIMING.save(lines)


@pytest.fixture(scope="session")
def kafka_settings() -> dict[str, str]:
    """`{"bootstrap.servers": ...}` of the local broker."""
    return _ensure("kafka")


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_settings: dict[str, str]) -> str:
    return kafka_settings["bootstrap.servers"]


@pytest.fixture(scope="session")
def kafka2_bootstrap() -> str:
    """The second local cluster's bootstrap (``infra/local/kafka2.py``): the other side of a MirrorMaker 2 test."""
    return _ensure("kafka2")["bootstrap.servers"]


@pytest.fixture(scope="session")
def mariadb_settings() -> dict[str, str]:
    """host, port, user, password, database and a Kafka-Connect-style `connection.url`."""
    return _ensure("mariadb")


@pytest.fixture(scope="session")
def aws_settings() -> dict[str, str]:
    """boto3 client keyword arguments for LocalStack (endpoint_url, region_name, keys)."""
    return _ensure("localstack")


@pytest.fixture(scope="session")
def opensearch_url() -> str:
    return _ensure("opensearch")["connection.url"]


@pytest.fixture(scope="session")
def postgres_settings() -> dict[str, str]:
    """host, port, user, password, database and a `jdbc:postgresql://` connection.url."""
    return _ensure("postgres")


@pytest.fixture(scope="session")
def schema_registry_url() -> str:
    """The Confluent-compatible API of the local Apicurio Registry (what `schema.registry.url` takes)."""
    return _ensure("registry")["schema.registry.url"]


@pytest.fixture
def isolated_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[Loggers]:
    """A fresh process ``Loggers`` (runtime/loggers.py), and Python's loggers put back as they were afterwards:
    ``/admin/loggers`` tests change process-wide levels."""
    import logging

    from connect_core.runtime import loggers

    known = logging.root.manager.loggerDict
    levels = {name: logger.level for name, logger in known.items() if isinstance(logger, logging.Logger)}
    root_level = logging.root.level
    fresh = loggers.Loggers()
    monkeypatch.setattr(loggers, "_PROCESS", fresh)
    yield fresh
    logging.root.setLevel(root_level)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):  # loggers a test created stay, inheriting again (NOTSET)
            logger.setLevel(levels.get(name, logging.NOTSET))
