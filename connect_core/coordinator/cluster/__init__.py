"""What the coordinator reads from the Kafka cluster itself: its id and the sink connectors' consumer groups."""
