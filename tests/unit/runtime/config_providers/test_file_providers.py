"""FileConfigProvider (properties files), DirectoryConfigProvider and EnvVarConfigProvider, as Kafka's."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import ConfigError
from connect_core.runtime.config_providers._properties import parse_properties
from connect_core.runtime.config_providers.directory import DirectoryConfigProvider
from connect_core.runtime.config_providers.env_var import EnvVarConfigProvider
from connect_core.runtime.config_providers.file import FileConfigProvider

if TYPE_CHECKING:
    from pathlib import Path


def test_properties_syntax_like_java() -> None:
    text = "# comment\n! also\nuser = alice\npass:s3\\=cret\nspaced value here\nlong = a\\\n    b\nu=\\u0041\n"
    assert parse_properties(text) == {"user": "alice", "pass": "s3=cret", "spaced": "value here", "long": "ab",
                                      "u": "A"}


def test_file_provider_returns_requested_keys_only(tmp_path: Path) -> None:
    creds = tmp_path / "creds.properties"
    creds.write_text("user=alice\npassword=s3cret\n")
    data = FileConfigProvider().get(str(creds), {"password", "missing"})
    assert data.data == {"password": "s3cret"}


def test_file_provider_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Could not read properties from file"):
        FileConfigProvider().get(str(tmp_path / "nope"), {"k"})


def test_allowed_paths_restricts_reads(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    creds = tmp_path / "creds.properties"
    creds.write_text("k=v\n")
    provider = FileConfigProvider()
    provider.configure({"allowed.paths": str(tmp_path / "a")})
    assert provider.get(str(creds), {"k"}).data == {}
    with pytest.raises(ConfigError):
        provider.configure({"allowed.paths": "relative/dir"})


def test_directory_provider_reads_whole_files(tmp_path: Path) -> None:
    (tmp_path / "db-password").write_text("s3cret\n")
    data = DirectoryConfigProvider().get(str(tmp_path), {"db-password", "missing", "../escape"})
    assert data.data == {"db-password": "s3cret\n"}


def test_env_provider_reads_variables_and_honours_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PASSWORD", "s3cret")
    monkeypatch.setenv("OTHER", "x")
    provider = EnvVarConfigProvider()
    assert provider.get("", {"DB_PASSWORD", "UNSET_VAR"}).data == {"DB_PASSWORD": "s3cret"}
    assert provider.get("some/path", {"DB_PASSWORD"}).data == {}
    provider.configure({"allowlist.pattern": "DB_.*"})
    assert provider.get("", {"DB_PASSWORD", "OTHER"}).data == {"DB_PASSWORD": "s3cret"}
