"""Confluent's S3 source in backup-and-restore mode (``io.confluent.connect.s3.source.S3SourceConnector``): reads
back what the S3 sink (``connect_core.connectors.s3``) archived. Built on ``connect_core.api`` and boto3 only."""
