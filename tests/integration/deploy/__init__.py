"""Deployment artifacts: `sam build` with the local Python and pip (slow, so marked integration)."""
