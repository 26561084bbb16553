"""docs/reference.md is generated from the config models; this fails when someone changes one without the other."""

from __future__ import annotations

from pathlib import Path

from connect_core.local.reference_docs import render_reference

DOCS = Path(__file__).resolve().parents[3] / "docs" / "reference.md"


def test_reference_docs_are_up_to_date() -> None:
    assert DOCS.read_text() == render_reference(), "regenerate with: lambda-connect plugins --docs > docs/reference.md"


def test_reference_lists_every_connector_and_the_trigger_keys() -> None:
    text = render_reference()
    for name in ("JdbcSourceConnector", "JdbcSinkConnector", "S3SinkConnector", "ElasticsearchSinkConnector",
                 "FileStreamSourceConnector", "FileStreamSinkConnector", "HttpSinkConnector", "S3SourceConnector",
                 "DatagenConnector", "lambda.batch.size"):
        assert name in text
