"""Kafka's FileStream reference connectors (``org.apache.kafka.connect.file``): a line-per-record source and sink.

Kept to four modules, as in Kafka, so it stays the smallest complete example of the connector SPI.
"""
