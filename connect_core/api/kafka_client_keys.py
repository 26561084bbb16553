"""What connectors that build their own Kafka clients from Java client keys share: the librdkafka settings a connector
config must never reach (they load code or run a command on the function's host; Kafka's Java clients have no such
keys, and its ``interceptor.classes`` is dropped by each translator), and a PLAIN/SCRAM ``sasl.jaas.config`` login.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from connect_core.api.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["HOST_CODE_KEYS", "jaas_login", "refuse_host_code_keys"]

# plugin.library.paths loads shared libraries; ssl.engine.location an OpenSSL engine; sasl.kerberos.kinit.cmd is a
# shell command librdkafka runs.
HOST_CODE_KEYS: Final = frozenset({"plugin.library.paths", "ssl.engine.location", "sasl.kerberos.kinit.cmd"})


def refuse_host_code_keys(settings: Mapping[str, object], prefix: str) -> None:
    """Raise a ConfigError naming ``<prefix><key>`` when ``settings`` holds one of :data:`HOST_CODE_KEYS`."""
    for key in sorted(HOST_CODE_KEYS.intersection(settings)):
        raise ConfigError(f"Invalid value [hidden] for configuration {prefix}{key}: a librdkafka setting that loads "
                          "code or runs a command on the function's host is not accepted from a connector config")


_JAAS_OPTION: Final = re.compile(r'(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"')


def jaas_login(jaas: str) -> tuple[str, str] | None:
    """The ``username`` and ``password`` options of a ``sasl.jaas.config`` (unescaped), or None without both."""
    options = dict(_JAAS_OPTION.findall(jaas))
    if "username" not in options or "password" not in options:
        return None
    return options["username"].replace('\\"', '"'), options["password"].replace('\\"', '"')
