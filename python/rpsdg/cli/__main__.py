"""``python -m rpsdg.cli``: the same CLI as the ``rpsdg`` command."""

from rpsdg.cli.main import main

main()
