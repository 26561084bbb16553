"""What one function invocation does: SourceRunner, SinkRunner, the plugin registry and worker settings."""
