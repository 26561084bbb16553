"""Apache Iceberg's Kafka Connect sink (``org.apache.iceberg.connect.IcebergSinkConnector``) on pyiceberg."""
