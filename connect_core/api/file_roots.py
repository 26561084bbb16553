"""``FileRoots``: the host directories a connector config may name files in.

A connector config comes from a REST caller; a path in it (FileStream's ``file``, ``jdbc:sqlite:<path>``) must not
reach the rest of the host (``~/.aws/credentials``, ``~/.bashrc``). The roots are worker configuration, handed to
connectors and tasks through their contexts; a path is accepted only when its real path (``..`` and symlinks
resolved) lies under one of them. No roots means no file paths at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from connect_core.api.config import config_error

if TYPE_CHECKING:
    from collections.abc import Iterable

    from connect_core.api.config import ConfigValueInfo

__all__ = ["NO_FILE_ROOTS", "FileRoots", "file_roots_of"]


@dataclass(frozen=True, slots=True)
class FileRoots:
    """Real paths of the allowed directories; a relative path in a config is taken inside the first one."""

    roots: tuple[str, ...] = ()

    @classmethod
    def of(cls, paths: Iterable[str]) -> FileRoots:
        """The roots named by ``paths`` (empty entries skipped), each resolved to its real path."""
        return cls(tuple(os.path.realpath(os.path.expanduser(p.strip())) for p in paths if p.strip()))

    def __bool__(self) -> bool:
        """Whether any path is allowed at all."""
        return bool(self.roots)

    def describe(self) -> str:
        """The roots as messages name them."""
        return ", ".join(self.roots) if self.roots else "none"

    def problem(self, path: str) -> str | None:
        """Why ``path`` is refused, or None when it lies under a root."""
        if not self.roots:
            return ("this worker allows no file paths in connector configs (no file roots are configured; "
                    "allowed roots: none)")
        real = self._real(path)
        if any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots):
            return None
        return f"the path resolves to {real}, outside the allowed file roots: {self.describe()}"

    def resolve(self, key: str, path: str) -> str:
        """The real path ``path`` names, when it lies under a root.

        Raises:
            ConfigError: naming ``key``, the value and the allowed roots (a 400 at validate, FAILED in a task).
        """
        reason = self.problem(path)
        if reason is not None:
            raise config_error(key, path, reason)
        return self._real(path)

    def check_value(self, values: list[ConfigValueInfo], key: str, path: str | None) -> list[ConfigValueInfo]:
        """``values`` (a connector's ``validate`` result) with the refusal of ``path`` added to ``key``'s errors."""
        if path and "${" not in path and (reason := self.problem(path)) is not None:
            message = str(config_error(key, path, reason))
            for value in values:
                if value["name"] == key and message not in value["errors"]:
                    value["errors"].append(message)
        return values

    def _real(self, path: str) -> str:
        base = self.roots[0] if self.roots else os.getcwd()
        return os.path.realpath(os.path.join(base, path))


NO_FILE_ROOTS = FileRoots()


def file_roots_of(component: object) -> FileRoots:
    """The file roots in a connector's or task's context; none before the runtime initialized it."""
    return getattr(getattr(component, "context", None), "file_roots", None) or NO_FILE_ROOTS
