"""Apache Kafka's MirrorMaker 2 connectors (``connect-mirror``) as functions: source, checkpoint and heartbeat.

Each imports only ``connect_core.api`` and confluent-kafka; the wire formats of the internal topics are
``_formats.py``, the replication policies ``_policy.py``.
"""
