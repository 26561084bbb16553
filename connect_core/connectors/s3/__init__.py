"""Confluent's S3 sink (``io.confluent.connect.s3.S3SinkConnector``), exactly once under Lambda retries.

Nothing is re-exported: the plugin registry imports ``sink_connector:S3SinkConnector`` on first use.
See README.md for the configs, the exactly-once design and the differences from Confluent.
"""
