"""The HTTP side of the coordinator: the request/response model, the resources (Kafka's ``ConnectorsResource`` and
``RootResource``) and the one place where domain errors become HTTP status codes (``service.error_response``)."""
