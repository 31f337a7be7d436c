"""The one domain exception family of rpsdg.

Library code raises :class:`RpsdgError` (or a subclass) with a message that names the input, the problem
and the fix. Only :mod:`rpsdg.cli` turns it into an exit code, read from ``exit_code``.
Add a subclass when a new failure needs its own exit code; otherwise raise ``RpsdgError`` itself.
"""

from __future__ import annotations


class RpsdgError(Exception):
    """A failure the user can act on. ``exit_code`` is what the CLI exits with (2: bad input)."""

    exit_code = 2


class ParseError(RpsdgError):
    """Text that our expression grammar does not accept."""


class ConfigError(RpsdgError):
    """A configuration value that is missing, malformed or impossible."""


class CorpusError(RpsdgError):
    """A corpus directory or record that is not what rpsdg writes."""


class LeanNotFound(RpsdgError):
    """No Lean toolchain could be found; the embedded checker's verdicts stand."""

    exit_code = 3


class CheckFailed(RpsdgError):
    """A corpus check found records that fail (``rpsdg check`` exits 1)."""

    exit_code = 1
