"""The training and evaluation side: datasets, answer reading, scoring, step grading, curriculum, eval, reports.

Modules: ``dataset`` (``create_dataset``: the records ``rpsdg build`` makes, lazily), ``reading`` (model text to
our expression tree, bounded, never ``eval``), ``scoring`` (``score_answer``, ``grade_steps``: dispatch to the
kind's ``score.py`` through ``KindSpec`` hooks), ``curriculum`` (``Curriculum``), ``evaluate`` (``rpsdg eval``),
``report`` (``rpsdg report``, static HTML with inline SVG and MathML), ``contamination`` (``rpsdg contamination``),
``gym`` (reasoning-gym adapter, optional). Nothing here names a kind: a new kind gets all of this by setting its
``question``, ``reference_answer``, ``solution_text``, ``score_answer`` and ``grade_claim`` hooks.
"""
