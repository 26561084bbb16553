"""The stack on the three-broker cluster: the cluster's fixture, shared with tests/e2e/cluster."""

from tests.e2e.cluster.conftest import msk_cluster  # noqa: F401 - re-exported fixture
