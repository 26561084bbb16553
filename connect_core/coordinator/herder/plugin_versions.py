"""Validation of the KIP-891 version keys of a connector config, as Kafka 4.1's ``AbstractHerder`` reports them.

- ``connector.plugin.version``: a malformed range is a 400 with Maven's message (``Unbounded range: [1.0``); a
  range no installed version satisfies puts Kafka's "Plugin X not found that matches the version range R,
  available versions: [...]" on ``connector.class`` and on the version key (2 errors), the installed versions as
  the key's recommended values, and nothing else of the connector, its converters or transforms is validated.
- ``key.converter.plugin.version`` (value, header): checked when the converter's class key is set in the config; a
  malformed range is an error on the version key, an unsatisfied one on both the class key and the version key.
- ``transforms.<alias>.plugin.version``, ``predicates.<alias>.plugin.version``: either error on both the ``type``
  key and the version key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connect_core.api.errors import ConfigError, NotFoundError
from connect_core.coordinator.herder.errors import BadRequestError
from connect_core.runtime import registry
from connect_core.runtime.converter_set import VERSION_KEYS
from connect_core.runtime.registry import CONNECTOR_VERSION_CONFIG, PLUGIN_VERSION_SUFFIX, VersionedPluginLoadingError
from connect_core.runtime.version_range import InvalidVersionSpecification, requirement

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["connector_version_error", "plugin_version_errors"]



def connector_version_error(props: Mapping[str, str | None]) -> VersionedPluginLoadingError | None:
    """The error of a ``connector.plugin.version`` no installed version of ``connector.class`` satisfies.

    Raises:
        BadRequestError: the value is not a version range (Kafka answers Maven's message with a 400).
    """
    version = props.get(CONNECTOR_VERSION_CONFIG)
    try:
        requirement(version)
    except InvalidVersionSpecification as error:
        raise BadRequestError(str(error)) from None
    try:
        registry.describe(str(props.get("connector.class") or ""), version)
    except VersionedPluginLoadingError as error:
        return error
    except NotFoundError:
        return None  # the class itself is reported elsewhere
    return None


def plugin_version_errors(props: Mapping[str, str]) -> dict[str, list[str]]:
    """Errors of the converter, transformation and predicate version keys, by the key they belong on."""
    errors: dict[str, list[str]] = {}
    for class_key, version_key in VERSION_KEYS.items():
        _check(errors, props, (class_key, version_key), malformed_on_class=False)
    for list_key in ("transforms", "predicates"):
        for alias in dict.fromkeys(a.strip() for a in str(props.get(list_key) or "").split(",") if a.strip()):
            prefix = f"{list_key}.{alias}"
            _check(errors, props, (f"{prefix}.type", prefix + PLUGIN_VERSION_SUFFIX), malformed_on_class=True)
    return errors


def _check(errors: dict[str, list[str]], props: Mapping[str, str], keys: tuple[str, str], *,
           malformed_on_class: bool) -> None:
    class_key, version_key = keys
    name, version = props.get(class_key), props.get(version_key)
    if not name or version is None:
        return
    on: tuple[str, ...]
    try:
        registry.describe(name, version)
        return
    except InvalidVersionSpecification as error:
        on, message = ((class_key, version_key) if malformed_on_class else (version_key,)), str(error)
    except VersionedPluginLoadingError as error:
        on, message = (class_key, version_key), str(error)
    except (NotFoundError, ConfigError):
        return  # an unknown class is the class key's own error
    for key in on:
        errors.setdefault(key, []).append(message)
