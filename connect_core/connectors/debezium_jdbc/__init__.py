"""Debezium's JDBC sink connector (``io.debezium.connector.jdbc.JdbcSinkConnector``, Debezium 3.x).

Reads Debezium's change event envelope (op c/r/u/d/t, before/after, tombstones) or flat records and writes them
through the Confluent JDBC sink's writer (``connect_core.connectors.jdbc``) with Debezium's keys, table naming and
column types. Deliberately empty: importing this package must stay cheap.
"""
