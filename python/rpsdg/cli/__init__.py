"""The ``rpsdg`` command line (typer): thin commands over the library; see ``cli/main.py`` for the verbs.

``main`` is the console script's entry point; ``app`` the typer app (tests drive it with ``CliRunner``).
"""

from rpsdg.cli.main import app, main

__all__ = ["app", "main"]
