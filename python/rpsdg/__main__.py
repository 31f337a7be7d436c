"""``python -m rpsdg``: the same CLI as the ``rpsdg`` command."""

from rpsdg.cli import main

main()
