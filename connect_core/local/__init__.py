"""The ``lambda-connect`` command: run the functions locally with Lambda's trigger semantics, without Docker."""
