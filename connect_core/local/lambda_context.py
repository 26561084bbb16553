"""A stand-in for the Lambda context object, with a real deadline."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_MB = 512


@dataclass
class LocalLambdaContext:
    """What handlers (and Powertools) read from ``context``: names, request id and remaining time."""

    function_name: str
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_limit_in_mb: int = DEFAULT_MEMORY_MB
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
