"""rpsdg: reverse-process synthetic data generation for mathematical language models.

Hard problems with checked, step-by-step solutions, made by running easy processes backwards.
The public entry points are the CLI (``rpsdg``, see :mod:`rpsdg.cli`) and :func:`rpsdg.run.pipeline.build`.
"""

__version__ = "0.1.0"
