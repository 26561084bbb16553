"""``_code_names.guard``: a table whose own properties (written by another engine) name a class for pyiceberg to
import (``py-io-impl``, ``write.py-location-provider.impl``, ``s3.retry-strategy-impl``) is refused by key as it is
loaded, and a REST catalog server whose configuration names one is refused as the catalog opens; the probe module
they name is never imported. On pyiceberg's SQL catalog over SQLite, and a REST server that is the attacker."""

from __future__ import annotations

import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from connect_core.api.errors import ConnectError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytest.importorskip("pyiceberg")

_MODULE = """
import pathlib
pathlib.Path({marker!r}).write_text("imported")


class Probe:
    def __init__(self, *args, **kwargs):
        pathlib.Path({marker!r}).write_text("constructed")
"""


@pytest.fixture
def probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A module on ``sys.path`` that leaves a marker file when it is imported: its class's dotted name, the
    marker."""
    name = f"lc_code_probe_{uuid.uuid4().hex[:10]}"
    base = tmp_path / "probe"
    base.mkdir()
    marker = base / "marker"
    (base / f"{name}.py").write_text(_MODULE.format(marker=str(marker)))
    monkeypatch.syspath_prepend(str(base))
    yield f"{name}.Probe", marker
    assert name not in sys.modules, "the probe was imported"
    assert not marker.exists(), marker.read_text()


def set_properties_as_another_engine(catalog: Any, name: str, properties: dict[str, str]) -> str:
    """What another engine's property change leaves: a new metadata file of the table with ``properties`` added,
    and the SQL catalog's row pointing at it, written without pyiceberg (which would import what they name).
    Returns the new metadata file's location."""
    from pyiceberg.catalog.sql import IcebergTables
    from pyiceberg.serializers import ToOutputFile
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    table = catalog.load_table(name)
    metadata = table.metadata.model_copy(update={"properties": {**table.metadata.properties, **properties}})
    version = catalog._parse_metadata_version(table.metadata_location) + 1
    location = f"{table.location()}/metadata/{version:05d}-{uuid.uuid4()}.metadata.json"
    ToOutputFile.table_metadata(metadata, table.io.new_output(location))
    namespace, table_name = name.rsplit(".", 1)
    with Session(catalog.engine) as session:
        session.execute(update(IcebergTables).where(
            IcebergTables.catalog_name == catalog.name, IcebergTables.table_namespace == namespace,
            IcebergTables.table_name == table_name).values(metadata_location=location,
                                                           previous_metadata_location=table.metadata_location))
        session.commit()
    return location


def catalog_row_location(catalog: Any, name: str) -> str | None:
    """The metadata file the SQL catalog's row of ``name`` names, read without loading the table."""
    from pyiceberg.catalog.sql import IcebergTables
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    namespace, table_name = name.rsplit(".", 1)
    with Session(catalog.engine) as session:
        return session.execute(select(IcebergTables.metadata_location).where(
            IcebergTables.catalog_name == catalog.name, IcebergTables.table_namespace == namespace,
            IcebergTables.table_name == table_name)).scalar_one()


def _guarded_sql_catalog(tmp_path: Path) -> Any:
    from pyiceberg.catalog import load_catalog
    from pyiceberg.schema import Schema
    from pyiceberg.types import LongType, NestedField

    from connect_core.connectors.iceberg._code_names import guard
    from connect_core.connectors.iceberg.config import FILE_IO

    properties = {"type": "sql", "uri": f"sqlite:///{tmp_path}/catalog.db", "warehouse": f"file://{tmp_path}/wh",
                  "py-io-impl": FILE_IO}
    catalog = guard(load_catalog("t", **properties), properties)
    catalog.create_namespace("db")
    catalog.create_table("db.orders", Schema(NestedField(1, "id", LongType(), required=True)))
    return catalog


def test_code_keys_are_pyicebergs_class_names_and_not_javas() -> None:
    from connect_core.connectors.iceberg._code_names import code_keys

    named = {"py-io-impl", "py-catalog-impl", "write.py-location-provider.impl", "s3.retry-strategy-impl"}
    java = {"io-impl", "catalog-impl", "write.location-provider.impl", "lock-impl", "s3.proxy-uri",
            "write.parquet.compression-codec", "copy-on-write"}
    assert code_keys(dict.fromkeys(named | java, "x")) == sorted(named)


@pytest.mark.parametrize("key", ["py-io-impl", "write.py-location-provider.impl", "s3.retry-strategy-impl"])
def test_a_table_whose_properties_name_code_is_refused_by_key(tmp_path: Path, probe: tuple[str, Path],
                                                              key: str) -> None:
    catalog = _guarded_sql_catalog(tmp_path)
    table = catalog.load_table("db.orders")  # a writer holding the table before the property arrived
    set_properties_as_another_engine(catalog, "db.orders", {key: probe[0]})
    with pytest.raises(ConnectError, match=f"its properties set {key}={probe[0]}, which names Python code"):
        catalog.load_table("db.orders")
    with pytest.raises(ConnectError, match=key):
        table.refresh()
    with pytest.raises(ConnectError, match=key):  # a commit loads the table's current metadata first
        with table.transaction() as tx:
            tx.set_properties({"owner": "lake"})


def test_a_table_without_code_names_loads_and_commits(tmp_path: Path) -> None:
    catalog = _guarded_sql_catalog(tmp_path)
    set_properties_as_another_engine(catalog, "db.orders", {"write.location-provider.impl": "org.acme.Provider"})
    table = catalog.load_table("db.orders")
    with table.transaction() as tx:
        tx.set_properties({"owner": "lake"})
    assert catalog.load_table("db.orders").properties["owner"] == "lake"


@pytest.fixture
def rest_server(probe: tuple[str, Path]) -> Iterator[str]:
    """A REST catalog server whose configuration overrides ``py-io-impl`` with the probe's class."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"defaults": {}, "overrides": {"py-io-impl": probe[0]}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_rest_server_whose_configuration_names_code_is_refused_as_the_catalog_opens(
        rest_server: str, probe: tuple[str, Path]) -> None:
    from connect_core.connectors.iceberg.config import load_config
    from connect_core.connectors.iceberg.sink_task import open_catalog

    config = load_config({"name": "ice", "connector.class": "org.apache.iceberg.connect.IcebergSinkConnector",
                          "topics": "t", "iceberg.tables": "db.t", "iceberg.catalog.type": "rest",
                          "iceberg.catalog.uri": rest_server})
    with pytest.raises(ConnectError, match=f"its server's configuration sets py-io-impl={probe[0]}"):
        open_catalog(config)
