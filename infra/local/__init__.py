"""Install and run the real local services (Kafka, MariaDB, LocalStack, OpenSearch) on loopback."""
