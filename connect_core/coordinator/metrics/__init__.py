"""``GET /metrics``: a Kafka Connect worker's metrics under the names Strimzi's jmx_exporter rules give them, computed
from what is in Kafka (statuses, run records and their per-container counters), so every coordinator answers the same.
"""
