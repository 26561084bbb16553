"""librdkafka settings a connector config must never reach: they make the client load code or run a command on the
function's host (Kafka's Java clients have no such keys; its ``interceptor.classes`` is dropped by each translator).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from connect_core.api.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["HOST_CODE_KEYS", "refuse_host_code_keys"]

# plugin.library.paths loads shared libraries; ssl.engine.location an OpenSSL engine; sasl.kerberos.kinit.cmd is a
# shell command librdkafka runs.
HOST_CODE_KEYS: Final = frozenset({"plugin.library.paths", "ssl.engine.location", "sasl.kerberos.kinit.cmd"})


def refuse_host_code_keys(settings: Mapping[str, object], prefix: str) -> None:
    """Raise a ConfigError naming ``<prefix><key>`` when ``settings`` holds one of :data:`HOST_CODE_KEYS`."""
    for key in sorted(HOST_CODE_KEYS.intersection(settings)):
        raise ConfigError(f"Invalid value [hidden] for configuration {prefix}{key}: a librdkafka setting that loads "
                          "code or runs a command on the function's host is not accepted from a connector config")
