"""FileRoots: a path is accepted only when its real path (``..`` and symlinks resolved) lies under a root."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from connect_core.api.errors import ConfigError
from connect_core.api.file_roots import NO_FILE_ROOTS, FileRoots, file_roots_of

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def test_a_file_under_the_root_resolves_to_its_real_path(root: Path) -> None:
    roots = FileRoots.of([str(root)])
    assert roots.resolve("file", str(root / "in.txt")) == str(root / "in.txt")
    assert roots.resolve("file", str(root / "sub" / ".." / "in.txt")) == str(root / "in.txt")


def test_a_relative_path_is_taken_inside_the_first_root(root: Path, tmp_path: Path) -> None:
    roots = FileRoots.of([str(root), str(tmp_path / "other")])
    assert roots.resolve("file", "test.txt") == str(root / "test.txt")


def test_dot_dot_out_of_the_root_is_refused_naming_key_value_and_roots(root: Path) -> None:
    roots = FileRoots.of([str(root)])
    with pytest.raises(ConfigError) as error:
        roots.resolve("file", "../../etc/passwd")
    outside = os.path.realpath(root / "../../etc/passwd")
    assert str(error.value) == (f"Invalid value ../../etc/passwd for configuration file: the path resolves to "
                                f"{outside}, outside the allowed file roots: {root}")
    with pytest.raises(ConfigError, match="outside the allowed file roots"):
        roots.resolve("file", str(root / ".." / "secret"))


def test_a_symlink_inside_the_root_pointing_out_is_refused(root: Path, tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("key")
    os.symlink(tmp_path / "secret", root / "link")
    os.symlink(tmp_path, root / "dir-link")
    roots = FileRoots.of([str(root)])
    with pytest.raises(ConfigError, match=f"resolves to {tmp_path / 'secret'}, outside"):
        roots.resolve("file", "link")
    with pytest.raises(ConfigError, match="outside the allowed file roots"):
        roots.resolve("file", "dir-link/new-file.txt")


def test_a_root_that_is_a_symlink_is_compared_by_its_real_path(root: Path, tmp_path: Path) -> None:
    os.symlink(root, tmp_path / "alias")
    roots = FileRoots.of([str(tmp_path / "alias")])
    assert roots.resolve("file", str(tmp_path / "alias" / "x.txt")) == str(root / "x.txt")
    assert roots.resolve("file", str(root / "x.txt")) == str(root / "x.txt")


def test_a_sibling_with_the_roots_name_as_prefix_is_outside(root: Path, tmp_path: Path) -> None:
    roots = FileRoots.of([str(root)])
    with pytest.raises(ConfigError, match="outside"):
        roots.resolve("file", str(tmp_path / "data-other" / "x"))


def test_without_roots_no_path_is_accepted() -> None:
    assert not NO_FILE_ROOTS
    assert not FileRoots.of(["", " "])
    with pytest.raises(ConfigError, match="no file roots are configured; allowed roots: none"):
        NO_FILE_ROOTS.resolve("file", "/tmp/x")


def test_check_value_adds_the_refusal_to_the_keys_errors_once(root: Path) -> None:
    values = [{"name": "file", "value": "/etc/passwd", "recommended_values": [], "errors": [], "visible": True}]
    roots = FileRoots.of([str(root)])
    roots.check_value(values, "file", "/etc/passwd")  # type: ignore[arg-type]
    roots.check_value(values, "file", "/etc/passwd")  # type: ignore[arg-type]
    assert values[0]["errors"] == [f"Invalid value /etc/passwd for configuration file: the path resolves to "
                                   f"/etc/passwd, outside the allowed file roots: {root}"]
    assert roots.check_value([], "file", "${file:/x:y}") == []  # placeholders are checked once resolved


def test_an_uninitialized_component_has_no_roots() -> None:
    assert file_roots_of(object()) is NO_FILE_ROOTS
