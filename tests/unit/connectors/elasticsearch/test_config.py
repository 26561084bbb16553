"""Elasticsearch TLS settings are honoured (PEM truststore/keystore, host name check) or refused with a ConfigError."""

from __future__ import annotations

import pytest

from connect_core.api.config import parse_config
from connect_core.api.errors import ConfigError
from connect_core.connectors.elasticsearch._client import ElasticsearchClient
from connect_core.connectors.elasticsearch.config import ElasticsearchSinkConfig

BASE = {"connection.url": "https://es:9200", "topics": "t"}


@pytest.mark.parametrize(("extra", "key"), [
    ({"elastic.security.protocol": "SSL", "connection.url": "http://es:9200"}, "elastic.security.protocol"),
    ({"elastic.https.ssl.truststore.location": "/x.jks"}, "elastic.https.ssl.truststore.type"),
    ({"elastic.https.ssl.keystore.location": "/x.p12", "elastic.https.ssl.keystore.type": "PKCS12"},
     "elastic.https.ssl.keystore.type"),
    ({"elastic.https.ssl.truststore.password": "changeit"}, "elastic.https.ssl.truststore.password"),
    ({"elastic.https.ssl.key.password": "pw"}, "elastic.https.ssl.key.password"),
    # Kafka's own rule for PEM keystores (the only kind read here): "SSL key store password cannot be specified with
    # PEM format, only key password may be specified"
    ({"elastic.https.ssl.keystore.location": "/x.pem", "elastic.https.ssl.keystore.type": "PEM",
      "elastic.https.ssl.keystore.password": "changeit"}, "elastic.https.ssl.keystore.password"),
])
def test_tls_settings_that_cannot_be_honoured_are_refused(extra: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError, match=f"for configuration {key}"):
        parse_config(ElasticsearchSinkConfig, {**BASE, **extra})


def test_pem_stores_reach_the_connection_pool() -> None:
    config = parse_config(ElasticsearchSinkConfig, {
        **BASE, "elastic.security.protocol": "SSL", "elastic.https.ssl.truststore.type": "PEM",
        "elastic.https.ssl.truststore.location": "/etc/ca.pem", "elastic.https.ssl.keystore.type": "PEM",
        "elastic.https.ssl.keystore.location": "/etc/client.pem",
        "elastic.https.ssl.endpoint.identification.algorithm": ""})
    pool = ElasticsearchClient(config)._pool
    assert (pool.connection_pool_kw["ca_certs"], pool.connection_pool_kw["cert_file"]) == ("/etc/ca.pem",
                                                                                          "/etc/client.pem")
    assert pool.connection_pool_kw["cert_reqs"] == "CERT_REQUIRED"
    assert pool.connection_pool_kw["assert_hostname"] is False
