"""Placeholders of the drivers whose executemany devgroups calls directly."""

POSITIONAL_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
