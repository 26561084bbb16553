"""``BasicAuth``: REST authentication as Kafka Connect's ``BasicAuthSecurityRestExtension`` does it.

Kafka's ``JaasBasicAuthFilter`` reads ``Authorization: Basic <base64(user:password)>`` and asks the JAAS entry
``KafkaConnect``, whose ``PropertyFileLoginModule`` checks the pair against a Java properties file of
``user=password`` lines; anything else is a 401 with the text ``User cannot access the resource.``. ``up`` takes
either that properties file (``--rest-credentials``) or Kafka's JAAS file naming it (``--jaas-config``), so a
worker's existing files work unchanged. As in Kafka, an empty credentials file lets every request through.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from connect_core.runtime.config_providers._properties import parse_properties

__all__ = ["UNAUTHORIZED_BODY", "BasicAuth", "read_java_properties"]

UNAUTHORIZED_BODY: Final = "User cannot access the resource."  # JaasBasicAuthFilter's entity
JAAS_ENTRY: Final = "KafkaConnect"
LOGIN_MODULE: Final = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"


def read_java_properties(path: Path) -> dict[str, str]:
    """A properties file as ``Properties.load(InputStream)`` reads it (ISO-8859-1, ``=``/``:``/space separators)."""
    return parse_properties(path.read_bytes().decode("latin-1"))  # no newline translation


def _jaas_credentials_file(path: Path) -> Path:
    """The ``file`` option of the ``KafkaConnect`` entry's ``PropertyFileLoginModule`` in a JAAS config."""
    text = re.sub(r"//[^\n]*|/\*.*?\*/", "", path.read_text(), flags=re.DOTALL)
    entry = re.search(rf"\b{JAAS_ENTRY}\s*\{{(.*?)\}}\s*;", text, flags=re.DOTALL)
    if entry is None:
        raise ValueError(f"{path}: no {JAAS_ENTRY} entry (Kafka Connect's JAAS login context)")
    module = re.search(rf"{re.escape(LOGIN_MODULE)}\s+\w+(.*?);", entry.group(1), flags=re.DOTALL)
    if module is None:
        raise ValueError(f"{path}: the {JAAS_ENTRY} entry does not use {LOGIN_MODULE}")
    option = re.search(r'\bfile\s*=\s*(?:"([^"]*)"|(\S+))', module.group(1))
    if option is None or not (option.group(1) or option.group(2) or "").strip():
        raise ValueError(f"{path}: Property Credentials file must be specified")
    return Path(option.group(1) or option.group(2))


@dataclass(frozen=True, slots=True)
class BasicAuth:
    """The credentials of ``PropertyFileLoginModule`` and Kafka's rule for checking a request against them."""

    credentials: dict[str, str]

    @classmethod
    def from_properties(cls, path: Path) -> BasicAuth:
        """Credentials from a ``user=password`` properties file."""
        return cls(read_java_properties(path))

    @classmethod
    def from_jaas(cls, path: Path) -> BasicAuth:
        """Credentials from the file Kafka's JAAS config names (``KafkaConnect { ...PropertyFileLoginModule
        required file="..."; };``).

        Raises:
            ValueError: no such entry or module, or no ``file`` option.
        """
        return cls.from_properties(_jaas_credentials_file(path))

    def allows(self, authorization: str | None) -> bool:
        """Kafka's check: ``Basic`` (any case), user before the first colon (non-empty), the rest the password."""
        if not self.credentials:
            return True
        method, _, encoded = (authorization or "").partition(" ")
        if method.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return False
        user, colon, password = decoded.partition(":")
        if not colon or not user or user not in self.credentials:
            return False
        return hmac.compare_digest(self.credentials[user].encode(), password.encode())
