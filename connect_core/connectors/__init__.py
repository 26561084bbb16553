"""Connectors: each subpackage is one plugin family and imports only ``connect_core.api`` plus its own client library.

Nothing is re-exported here: the runtime's plugin registry imports ``"module:Class"`` strings on first use, so a
function that runs the file connector never loads SQLAlchemy.
"""
