"""Words around the mathematics: Jinja templates under ``templates/``, varied deterministically.

A model trained on one phrasing learns the phrasing. Each slot (``problem``, ``intro``, ``step``, ``answer``) has
a template per kind, ``templates/<kind>/<slot>.j2``, falling back to ``templates/common/<slot>.j2``. A template declares how many
phrasings it has (``{% set variants = N %}``) and picks one with ``choice % variants``; ``choice`` is a
sha256 of (export seed, uid, slot, position), so the same seed gives the same text and another seed another mix.

To add wording for a new kind: copy the ``templates/common/<slot>.j2`` templates to ``templates/<kind>/`` and
edit them.
Templates only place strings we already printed (infix, LaTeX); they never compute mathematics. The filter
``readable`` shows stored relations as people write them (``Eq(a, b)`` → ``a = b``, see ``common.readable``);
the filter ``math`` shows stored text in the export's math format (:data:`MATH_FORMATS`: ``latex``, inline
``$...$``, or ``plain``, the readable infix), and templates use it for every formula.

A shown step (``common.ShownStep``) is rendered by :func:`render_step`, which gives the ``step`` template its
``role`` (``announce``, ``combine``, ``step``), the kind's ``formulas`` (already in the math format) and the
``cited`` steps' formulas beside the stored step; templates that do not use them ignore them.

One voice per solution: templates also get ``voice``, a choice made once per record (not per step), and pick the
phrasing of every step from it, so all steps of one solution read alike (the rule is written at the top of
``templates/common/step.j2``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jinja2

from rpsdg.errors import ConfigError, RpsdgError
from rpsdg.export.common import readable

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"
"""Shipped as package data (the package's ``templates`` links to the repository's ``templates/``)."""
SLOTS: tuple[str, ...] = ("problem", "intro", "step", "answer")
MATH_FORMATS: tuple[str, ...] = ("latex", "plain")
"""How formulas appear in exported text: ``latex`` (inline ``$...$``) or ``plain`` (readable infix)."""


def math_text(text: str, math: str) -> str:
    """Stored infix ``text`` as a formula in format ``math``; a system's equations each in their own ``$...$``."""
    if not text:
        return text
    if math == "plain":
        return readable(text)
    if text.startswith("Tuple(Eq("):
        from rpsdg.errors import ParseError
        from rpsdg.expr.parse import parse
        from rpsdg.expr.printers import to_latex

        try:
            system = parse(text, "system")
            return ", ".join(f"${to_latex(part)}$" for part in system.args)
        except (ParseError, ValueError):
            return text
    from rpsdg.errors import ParseError
    from rpsdg.expr.parse import parse
    from rpsdg.expr.printers import to_latex

    try:
        return f"${to_latex(parse(text, 'formula'))}$"
    except (ParseError, ValueError):
        return text  # not a formula our grammar reads (a Lean state, a tactic): shown as it is


def choice_of(seed: int, uid: str, slot: str, position: int = 0) -> int:
    """A stable integer that picks a phrasing (sha256, never the per-process salted ``hash()``)."""
    digest = hashlib.sha256(f"{seed}|{uid}|{slot}|{position}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def prose_text(text: str, math: str) -> str:
    """Words with formulas in backticks (a step's ``note``): each `...` part is stored infix, shown by
    :func:`math_text`."""
    parts = text.split("`")
    return "".join(math_text(part, math) if i % 2 else part for i, part in enumerate(parts))


class Wording:
    """Renders the wording slots of one export (one Jinja environment per export, no global state)."""

    def __init__(self, seed: int, template_dir: Path = TEMPLATE_DIR, math: str = "plain"):
        if math not in MATH_FORMATS:
            raise ConfigError(f"math format {math!r}: choose one of {', '.join(MATH_FORMATS)}")
        if not template_dir.is_dir():
            raise RpsdgError(f"wording templates: {template_dir} does not exist; reinstall rpsdg "
                             f"(`pip install .`), which ships them as package data")
        self.seed = seed
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir)),
                                      undefined=jinja2.StrictUndefined, autoescape=False,
                                      trim_blocks=True, lstrip_blocks=True)
        self.env.filters["readable"] = readable
        self.env.filters["math"] = lambda text: math_text(str(text), math)
        self.env.filters["prose"] = lambda text: prose_text(str(text), math)
        self.math = math

    def _template(self, slot: str, kind: str) -> jinja2.Template:
        try:
            return self.env.get_template(f"{kind}/{slot}.j2")
        except jinja2.TemplateNotFound:
            return self.env.get_template(f"common/{slot}.j2")

    def render(self, slot: str, kind: str, uid: str, position: int = 0, **values: Any) -> str:
        """The text of ``slot`` for a record of ``kind``; ``values`` are the strings the template places."""
        template = self._template(slot, kind)
        choice = choice_of(self.seed, uid, slot, position)
        voice = choice_of(self.seed, uid, "voice")
        try:
            return template.render(choice=choice, voice=voice, kind=kind, **values).strip()
        except jinja2.TemplateError as error:
            raise RpsdgError(f"wording template {template.name}: {error}; fix the template") from None


def render_step(wording: Wording, kind: str, uid: str, shown: Any) -> str:
    """The text of one shown line (a ``common.ShownStep``) through the ``step`` template."""
    return wording.render("step", kind, uid, shown.number, number=shown.number, rule=str(shown.step["rule"]),
                          step=dict(shown.step), parts=list(shown.parts), role=shown.role,
                          formulas=dict(shown.formulas), cited=[dict(c) for c in shown.cited])
