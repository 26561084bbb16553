"""Debezium's PostgreSQL connector (pgoutput logical decoding) as a scheduled source task."""
