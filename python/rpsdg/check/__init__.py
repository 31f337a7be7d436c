"""Checkers: the replay kernel, numeric and symbolic equivalence, and (``lean``) the Lean runner.

Each kind's checkers live in ``check/<kind>.py`` and expose ``check_row(row) -> list[Verdict]`` and ``NAMES``;
the kind's spec points at them. Verdicts are values (``core.Passed | Rejected | NotRun``), never exceptions.
"""
