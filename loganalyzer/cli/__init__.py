"""The command line: typer commands over the library (see app.py)."""

from loganalyzer.cli.app import app, main

__all__ = ["app", "main"]
