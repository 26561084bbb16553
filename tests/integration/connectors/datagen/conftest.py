"""The runner tests' per-test internal topics and stores, for Datagen run through the runtime."""

from tests.integration.runtime.conftest import cluster  # noqa: F401 - re-exported fixture
