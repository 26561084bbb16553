"""Confluent's Datagen source (``io.confluent.kafka.connect.datagen.DatagenConnector``), built on
``connect_core.api`` only; ``quickstart/`` holds kafka-connect-datagen's own schemas (Apache 2.0) as data."""
