"""Rendering corpus records as Lean 4: per-kind data (``integral.py``, ``theorem.py``), the pinned lemma table
(``lemma_table.py``) and the Lake project writer (``project.py``). Templates live in ``rpsdg/templates/``
(symlinked from the repository's ``templates/``) and are loaded with Jinja from the installed package.
To render a new kind: a ``lean_<kind>(row) -> data | NotRenderable`` function, a ``<kind>_<dialect>.lean.j2``
template and an entry in ``project.RENDERERS``.
"""
