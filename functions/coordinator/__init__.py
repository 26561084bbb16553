"""The coordinator function: Kafka Connect's REST API behind an HTTP API or a Function URL."""
