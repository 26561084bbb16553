"""The benchmark cases, in the order the report prints them; each module has ``run(settings) -> list[Result]``."""

from __future__ import annotations

CASES = ("jdbc_source", "sinks", "s3_source", "pipeline", "connect_java", "iceberg_java", "cold_start", "lambda_sizes",
         "cost", "cdc", "offsets", "fleet", "big_snapshot")
# Run only when BENCH_CASES names them (minutes each, or a deployed stack): not part of the default `make bench`.
OPT_IN = ("fleet_stack",)
