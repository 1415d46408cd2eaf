"""`python -m baton` runs the CLI, as the `baton` console script does."""

from baton.cli import app

app(prog_name="baton")
