"""CloudWatch's embedded metric format for LocalStack: a function's output line that is an EMF document becomes
``PutMetricData`` (Lambda's log service does this on AWS; LocalStack community only stores the line in its logs).

Each directive of ``_aws.CloudWatchMetrics`` names a namespace, dimension sets and metrics; the values (a number or
a list of them) and the dimension values are top-level members of the same document, the time ``_aws.Timestamp``.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

LOG = logging.getLogger(__name__)
MARKER = '{"_aws"'  # Powertools writes the metadata first; a line that does not start so is no EMF document
MAX_DATUMS = 1000  # PutMetricData's limit per call


def metric_data(line: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(namespace, MetricData) pairs of an EMF line; none for any other line or a document that is not EMF."""
    if not line.startswith(MARKER):
        return []
    try:
        document = json.loads(line)
        meta = document["_aws"]
        when = datetime.fromtimestamp(int(meta["Timestamp"]) / 1000, UTC)
        out = []
        for directive in meta["CloudWatchMetrics"]:
            data: list[dict[str, Any]] = []
            for keys in directive.get("Dimensions") or [[]]:
                dimensions = [{"Name": key, "Value": str(document[key])} for key in keys]
                for metric in directive["Metrics"]:
                    raw = document[metric["Name"]]
                    values = [float(v) for v in (raw if isinstance(raw, list) else [raw])]
                    datum: dict[str, Any] = {"MetricName": metric["Name"], "Dimensions": dimensions,
                                             "Timestamp": when, "Values": values, "Counts": [1.0] * len(values)}
                    if metric.get("Unit"):
                        datum["Unit"] = metric["Unit"]
                    data.append(datum)
            out.append((str(directive["Namespace"]), data))
        return out
    except (ValueError, KeyError, TypeError):
        LOG.debug("not an EMF document: %s", line[:200])
        return []


def publish(line: str, cloudwatch: Any) -> int:
    """``PutMetricData`` for an EMF line through ``cloudwatch`` (a boto3 client); how many data were put."""
    put = 0
    for namespace, data in metric_data(line):
        for start in range(0, len(data), MAX_DATUMS):
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start:start + MAX_DATUMS])
        put += len(data)
    return put
