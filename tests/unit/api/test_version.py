"""connect_core/api/version.py: the version read from ``.dist-info`` is the one importlib.metadata would give."""

from __future__ import annotations

import sys
from importlib import metadata
from typing import TYPE_CHECKING

from connect_core.api.version import DISTRIBUTION, dist_info_version, package_version

if TYPE_CHECKING:
    from pathlib import Path


def _info(root: Path, dirname: str, metadata_text: str | None) -> None:
    info = root / dirname
    info.mkdir()
    if metadata_text is not None:
        (info / "METADATA").write_text(metadata_text)


def test_the_installed_version_is_importlib_metadatas() -> None:
    assert package_version() == metadata.version(DISTRIBUTION)
    assert dist_info_version(DISTRIBUTION, sys.path) == metadata.version(DISTRIBUTION)
    assert dist_info_version("pydantic", sys.path) == metadata.version("pydantic")


def test_the_first_dist_info_on_the_path_wins_with_normalized_names(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _info(first, "Lambda.Connect-2.0.dist-info", "Metadata-Version: 2.4\nName: Lambda.Connect\nVersion:  2.0.1 \n\n")
    _info(second, "lambda_connect-1.0.dist-info", "Name: lambda-connect\nVersion: 1.0\n")
    assert dist_info_version("lambda-connect", [str(tmp_path / "missing"), str(first), str(second)]) == "2.0.1"
    assert dist_info_version("lambda-connect", [str(second), str(first)]) == "1.0"


def test_an_egg_info_directory_is_read_from_its_pkg_info(tmp_path: Path) -> None:
    """What an editable install leaves in the source tree (``lambda_connect.egg-info``, on the path as the cwd)."""
    info = tmp_path / "lambda_connect.egg-info"
    info.mkdir()
    (info / "PKG-INFO").write_text("Metadata-Version: 2.4\nName: lambda-connect\nVersion: 0.3\n\nVersion: no\n")
    assert dist_info_version("lambda-connect", [str(tmp_path)]) == "0.3"
    assert metadata.Distribution.at(info).version == "0.3"


def test_what_only_importlib_metadata_reads_is_left_to_it(tmp_path: Path) -> None:
    (tmp_path / "lambda_connect-1.0.egg").mkdir()
    assert dist_info_version("lambda-connect", [str(tmp_path)]) is None
    other = tmp_path / "other"
    other.mkdir()
    _info(other, "lambda_connect-1.0.dist-info", None)  # no METADATA
    assert dist_info_version("lambda-connect", [str(other)]) is None
    _info(other, "unrelated-1.0.dist-info", "Version: 1.0\n")
    assert dist_info_version("absent", [str(other)]) is None


def test_a_version_after_the_headers_is_not_taken(tmp_path: Path) -> None:
    _info(tmp_path, "lambda_connect-1.0.dist-info", "Name: lambda-connect\n\nVersion: in the description\n")
    assert dist_info_version("lambda-connect", [str(tmp_path)]) is None
