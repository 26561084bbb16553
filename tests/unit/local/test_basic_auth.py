"""BasicAuth: Kafka's PropertyFileLoginModule files and JaasBasicAuthFilter's rule for a request's credentials."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import pytest

from connect_core.local.basic_auth import BasicAuth, read_java_properties

if TYPE_CHECKING:
    from pathlib import Path

JAAS = """\
// Kafka Connect's -Djava.security.auth.login.config
KafkaServer { org.apache.kafka.common.security.plain.PlainLoginModule required username="x" password="y"; };
KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
  file="{file}";
};
"""


def _basic(user_password: str, scheme: str = "Basic") -> str:
    return f"{scheme} {base64.b64encode(user_password.encode()).decode()}"


def test_properties_are_read_as_java_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "credentials.properties"
    path.write_bytes(b"# comment\n! also a comment\n\nadmin=s3cret\nbob: pa ss \ncarol   with space\n"
                     b"dave=line\\\n    continued\nerin\\=x=y\nfrank=caf\\u00e9\ngina=caf\xe9\n")
    assert read_java_properties(path) == {
        "admin": "s3cret", "bob": "pa ss ", "carol": "with space", "dave": "linecontinued", "erin=x": "y",
        "frank": "café", "gina": "café",
    }


def test_the_password_must_match_the_users_line(tmp_path: Path) -> None:
    auth = BasicAuth({"admin": "s3cret", "bob": "a:b"})
    assert auth.allows(_basic("admin:s3cret"))
    assert auth.allows(_basic("admin:s3cret", "basic"))  # the scheme is case-insensitive, as in Kafka
    assert auth.allows(_basic("bob:a:b"))  # the user ends at the first colon
    for header in (None, "", _basic("admin:wrong"), _basic("admin:"), _basic("nobody:s3cret"), _basic(":s3cret"),
                   _basic("admin"), "Bearer abc", "Basic !!!not-base64", _basic("admin:s3cret", "Digest")):
        assert not auth.allows(header), header


def test_an_empty_credentials_file_lets_everyone_in_as_kafka_does(tmp_path: Path) -> None:
    (tmp_path / "empty.properties").write_text("# nobody\n")
    assert BasicAuth.from_properties(tmp_path / "empty.properties").allows(None)


def test_the_jaas_file_names_the_credentials_file(tmp_path: Path) -> None:
    (tmp_path / "credentials.properties").write_text("admin=s3cret\n")
    jaas = tmp_path / "connect_jaas.conf"
    jaas.write_text(JAAS.replace("{file}", str(tmp_path / "credentials.properties")))
    assert BasicAuth.from_jaas(jaas).credentials == {"admin": "s3cret"}


@pytest.mark.parametrize(("text", "message"), [
    ("KafkaServer { x required; };", "no KafkaConnect entry"),
    ("KafkaConnect { org.example.Other required file=\"/x\"; };", "does not use"),
    ("KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required; };",
     "Property Credentials file must be specified"),
])
def test_a_jaas_file_without_the_module_and_its_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    jaas = tmp_path / "jaas.conf"
    jaas.write_text(text)
    with pytest.raises(ValueError, match=message):
        BasicAuth.from_jaas(jaas)
