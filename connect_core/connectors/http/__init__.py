"""Confluent's HTTP sink (``io.confluent.connect.http.HttpSinkConnector``), built on ``connect_core.api`` only."""
