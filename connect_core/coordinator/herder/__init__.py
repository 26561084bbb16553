"""The domain: connector lifecycle over the internal topics (Kafka's herder), plugins, validation, task splitting,
statuses, offsets and the ``Deployer`` seam. Nothing here knows HTTP; errors are domain errors (``herder.errors``)."""
