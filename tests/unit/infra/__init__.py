"""Tests of template.yaml, samconfig.toml, infra/sam and the sample events (no services)."""
