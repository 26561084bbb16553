"""Keys by which pyiceberg imports a class it is named: refused wherever they come from, not only from a config.
A table's own properties reach pyiceberg's FileIO and location provider after the catalog's, and a REST catalog
server's ``overrides`` replace the catalog's properties, so another engine's table or a server the config points
at could otherwise make the sink import code. :func:`guard` checks a catalog's properties once and every table's
as pyiceberg loads, stages or commits it (each passes through the catalog's ``_load_file_io``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from connect_core.api.errors import ConnectError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pyiceberg.catalog import Catalog
    from pyiceberg.io import FileIO

__all__ = ["CODE_KEY", "code_keys", "guard"]

# pyiceberg's ``py-io-impl``, ``py-catalog-impl``, ``write.py-location-provider.impl`` (any ``py-`` key, its
# convention for a Python class name) and PyArrow's ``s3.retry-strategy-impl``
CODE_KEY: Final = re.compile(r"(?:^|\.)py-|(?:^|\.)retry-strategy-impl$")


def code_keys(properties: Mapping[str, Any]) -> list[str]:
    """The keys of ``properties`` that would make pyiceberg import a class, sorted."""
    return sorted(key for key in properties if CODE_KEY.search(key))


def guard(catalog: Catalog, own: Mapping[str, str]) -> Catalog:
    """``catalog`` (just loaded with the properties ``own``) made to refuse a table whose properties name code.

    Raises:
        ConnectError: a REST server's configuration changed a key of :data:`CODE_KEY`'s kind (naming the key), or
            (later, from any call that loads a table) a table's properties or a server's table config has one.
    """
    changed = [key for key in code_keys(catalog.properties) if catalog.properties[key] != own.get(key)]
    if changed:
        raise ConnectError(f"Iceberg catalog {catalog.name}: its server's configuration sets "
                           f"{', '.join(f'{k}={catalog.properties[k]}' for k in changed)}, which names Python code "
                           f"to import; this sink imports no class a catalog server or a table names")
    load = catalog._load_file_io

    def load_file_io(properties: Mapping[str, str] = {}, location: str | None = None) -> FileIO:
        """pyiceberg's FileIO for a table's properties, none of which may name code."""
        if named := code_keys(properties):
            raise ConnectError(f"Iceberg table {location or '(no metadata file yet)'}: its properties set "
                               f"{', '.join(f'{k}={properties[k]}' for k in named)}, which names Python code to "
                               f"import; this sink imports no class a table names (remove the property to write "
                               f"to it)")
        return load(dict(properties), location)

    catalog._load_file_io = load_file_io  # type: ignore[method-assign]
    return catalog
