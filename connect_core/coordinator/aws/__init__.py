"""The coordinator's ``Deployer`` on AWS: EventBridge Scheduler schedules for source tasks, a Lambda function and a
Kafka event source mapping per sink connector, with deterministic names."""
