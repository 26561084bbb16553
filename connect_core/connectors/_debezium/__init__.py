"""What Debezium's connectors share (framework keys, config validators, envelope pieces, heartbeats), one home.

Private to the Debezium-family connectors (``binlog``, ``postgres``); imports only ``connect_core.api``.
"""
