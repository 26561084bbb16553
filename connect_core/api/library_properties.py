"""The one door for a block of a connector's keys handed to a third-party library: an allow-list per library.

A connector config comes from a REST caller. A library that takes a bag of properties (pyiceberg's catalog and
FileIO, libpq, pymysql, botocore, an HTTP client) may read some of them as code: pyiceberg imports whatever
``py-io-impl`` names, a table's ``write.py-location-provider.impl`` likewise. Passing a block "as it is" therefore
lets a REST body run code. Here each library's accepted properties are named with their kind; a value is checked
against its kind (a file-valued one confined to the worker's file roots), properties known to have no effect here
are dropped, and every other property is refused by name, at validate (400 on create) and again when the block is
built for the library. The Kafka client keys have their own gate of the same kind (``api/kafka_client_keys.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal
from urllib.parse import urlsplit

from connect_core.api.config import config_error

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.api.config import ConfigValueInfo
    from connect_core.api.file_roots import FileRoots

__all__ = ["LibraryProperties", "LibraryProperty", "PropertyKind", "add_errors"]

log = logging.getLogger(__name__)

# string: any text the library reads as data; secret: the same, never logged; int/float/bool: parsed as the library
# parses them; url: http(s) only; location: a storage location (s3://, gs://, abfs:// ...; file:// or a bare path
# only under the file roots); file: a host file, under the file roots (or one of ``choices``, a library's word that
# names no file, e.g. libpq's sslrootcert=system); choice: one of ``choices``.
PropertyKind = Literal["string", "secret", "int", "float", "bool", "url", "location", "file", "choice"]
_BOOLEANS: Final = ("true", "false")
_HTTP: Final = ("http", "https")
_LOCAL_SCHEMES: Final = ("", "file")


@dataclass(frozen=True, slots=True)
class LibraryProperty:
    """One property a library accepts: its name (a prefix when it ends with a dot), its kind, its choices."""

    name: str
    kind: PropertyKind = "string"
    choices: tuple[str, ...] = ()

    def matches(self, key: str) -> bool:
        """Whether ``key`` is this property (or, for a prefix, under it)."""
        return key.startswith(self.name) and len(key) > len(self.name) if self.name.endswith(".") else key == self.name

    def problem(self, value: str, file_roots: FileRoots | None) -> str | None:
        """Why ``value`` is refused for this property's kind, or None."""
        kind = self.kind
        if kind in ("string", "secret"):
            return None
        if kind == "int":
            return None if _is_int(value) else "must be an integer"
        if kind == "float":
            return None if _is_float(value) else "must be a number"
        if kind == "bool":
            return None if value.strip().lower() in _BOOLEANS else "must be true or false"
        if kind == "choice":
            return None if value in self.choices else f"must be one of {', '.join(self.choices)}"
        if kind == "url":
            parts = urlsplit(value)
            return None if parts.scheme.lower() in _HTTP and parts.netloc else "must be an http:// or https:// URL"
        if value in self.choices:
            return None
        return _path_problem(value, file_roots, location=kind == "location")

    def resolved(self, value: str, file_roots: FileRoots | None) -> str:
        """The value as the library gets it: a host path (bare or ``file:``) as its real path under the roots."""
        if self.kind not in ("file", "location") or file_roots is None or value in self.choices:
            return value
        parts = urlsplit(value)
        scheme = parts.scheme.lower()
        if scheme == "file":
            return "file://" + file_roots.resolve(self.name, parts.path)
        if scheme == "" or len(scheme) == 1:
            return file_roots.resolve(self.name, value)
        return value


def _is_int(value: str) -> bool:
    try:
        int(value.strip())
    except ValueError:
        return False
    return True


def _is_float(value: str) -> bool:
    try:
        float(value.strip())
    except ValueError:
        return False
    return True


def _path_problem(value: str, file_roots: FileRoots | None, *, location: bool) -> str | None:
    """A location on remote storage passes; a host path (bare or ``file:``) only under the file roots."""
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if location and scheme not in _LOCAL_SCHEMES and len(scheme) > 1:  # one letter: a Windows drive
        return None
    if not location and scheme not in _LOCAL_SCHEMES:
        return "must be a file path"
    path = parts.path if scheme == "file" else value
    if file_roots is None:
        return "names a host path; this worker's file roots allow none (no file roots are configured)"
    return file_roots.problem(path)


@dataclass(frozen=True)
class LibraryProperties:
    """A library's allow-list: ``accepted`` properties pass (checked by kind), ``no_effect`` ones are dropped (with
    the reason, logged once per block), everything else is refused naming the key."""

    library: str
    accepted: tuple[LibraryProperty, ...]
    no_effect: Mapping[str, str] = field(default_factory=dict)  # name or prefix (ending in a dot) -> why

    def find(self, name: str) -> LibraryProperty | None:
        """The accepted property ``name`` is, or None."""
        return next((prop for prop in self.accepted if prop.matches(name)), None)

    def _ignored(self, name: str) -> str | None:
        for known, why in self.no_effect.items():
            if name == known or (known.endswith(".") and name.startswith(known)):
                return why
        return None

    def problems(self, props: Mapping[str, str], key_prefix: str = "",
                 file_roots: FileRoots | None = None) -> dict[str, str]:
        """Config key (``key_prefix`` + name) -> Kafka's "Invalid value" message, for each refused property."""
        out: dict[str, str] = {}
        for name, value in props.items():
            key = key_prefix + name
            prop = self.find(name)
            if prop is None:
                if self._ignored(name) is None:
                    reason = (f"{name} is not among the {self.library} properties this product passes on (an "
                              f"allow-list: properties that load code, or that it does not know, are refused)")
                    out[key] = str(config_error(key, "[hidden]" if _secret_like(name) else value, reason))
                continue
            if "${" in value:  # a config provider placeholder: checked once resolved, in the task
                continue
            problem = prop.problem(value, file_roots)
            if problem is not None:
                shown = "[hidden]" if prop.kind == "secret" else value
                out[key] = str(config_error(key, shown, problem))
        return out

    def passed(self, props: Mapping[str, str], key_prefix: str = "",
               file_roots: FileRoots | None = None) -> dict[str, str]:
        """The properties to hand to the library: the accepted ones, file-valued ones resolved to real paths.

        Raises:
            ConfigError: the first refused property, naming its config key.
        """
        from connect_core.api.errors import ConfigError

        problems = self.problems(props, key_prefix, file_roots)
        if problems:
            raise ConfigError(next(iter(problems.values())))
        out: dict[str, str] = {}
        dropped: list[str] = []
        for name, value in props.items():
            prop = self.find(name)
            if prop is None:
                dropped.append(key_prefix + name)
                continue
            out[name] = prop.resolved(value, file_roots)
        if dropped:
            log.info("%s: %s accepted with no effect here, not passed on", self.library, ", ".join(sorted(dropped)))
        return out


def _secret_like(name: str) -> bool:
    return any(word in name.lower() for word in ("secret", "password", "token", "credential", "key"))


def add_errors(values: list[ConfigValueInfo], problems: Mapping[str, str]) -> list[ConfigValueInfo]:
    """``values`` (a ``validate`` result) with each problem added to its key's errors (an entry made if missing)."""
    by_name = {value["name"]: value for value in values}
    for key, message in problems.items():
        value = by_name.get(key)
        if value is None:
            value = {"name": key, "value": None, "recommended_values": [], "errors": [], "visible": True}
            values.append(value)
            by_name[key] = value
        if message not in value["errors"]:
            value["errors"].append(message)
    return values
