"""Elasticsearch/OpenSearch sink (Confluent ``io.confluent.connect.elasticsearch.ElasticsearchSinkConnector``).

Bulk API over plain HTTP (urllib3), so it works against OpenSearch 2.x and Elasticsearch 7/8 alike.
"""

from __future__ import annotations

from connect_core.connectors.elasticsearch.config import ElasticsearchSinkConfig
from connect_core.connectors.elasticsearch.sink_connector import ElasticsearchSinkConnector

__all__ = ["ElasticsearchSinkConfig", "ElasticsearchSinkConnector"]
