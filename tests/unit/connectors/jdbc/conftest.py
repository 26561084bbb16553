"""A SQLite database in a temp file (no sockets) for JDBC source unit tests."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@pytest.fixture
def sqlite_db(tmp_path: Path) -> tuple[str, Callable[..., None]]:
    """(connection.url, execute) for a fresh SQLite file."""
    path = tmp_path / "source.db"

    def execute(*statements: str, params: list[tuple] | None = None) -> None:
        conn = sqlite3.connect(path)
        try:
            for sql in statements:
                if params is not None:
                    conn.executemany(sql, params)
                else:
                    conn.execute(sql)
            conn.commit()
        finally:
            conn.close()

    return f"jdbc:sqlite:{path}", execute
