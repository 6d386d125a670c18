"""`python -m cli` runs the `divert` command line."""

from cli.main import app

app()
