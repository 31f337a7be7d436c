"""``python -m rpsdg``: the same CLI as the ``rpsdg`` command."""

from .cli import main

main()
