"""jcustenborder's ``kafka-connect-transform-common`` SMTs (``com.github.jcustenborder.kafka.connect.transform.common``,
as 0.1.0.58 on Confluent Hub ships them; Maven Central's newest jar is 0.1.0.14).

Modules are imported lazily through ``connect_core.transforms._registry``; this package re-exports nothing.
"""

from __future__ import annotations

__all__: list[str] = []
