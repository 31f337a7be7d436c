"""Pieces of the static HTML reports (``rpsdg eval``, ``rpsdg report``): inline SVG bar charts and MathML.

Why hand-made: the pages must work offline and without extra dependencies (no JavaScript, no CDN, no matplotlib),
and be byte-stable for the same input. Charts are plain ``<svg>`` with ``<rect>`` and ``<text>``; math is
Presentation MathML, which browsers render natively. To add a chart type, add a function returning an ``<svg>``
string; to render a new node kind, add it to :func:`to_mathml`.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

from rpsdg.expr.tree import FUNCTIONS, Expr

_PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948")


def bar_chart(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
              maximum: float | None = None, width: int = 640, value_format: str = "{:.2f}") -> str:
    """A grouped vertical bar chart: one group per label, one bar per series (name, values)."""
    height, left, bottom, top = 260, 50, 60, 30
    peak = maximum if maximum is not None else max([v for _, values in series for v in values] + [1e-9])
    peak = peak or 1.0
    groups = max(1, len(labels))
    group_width = (width - left - 10) / groups
    bar_width = max(2.0, group_width * 0.8 / max(1, len(series)))
    plot_height = height - top - bottom
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(title)}">',
             f'<text x="{width / 2:.0f}" y="18" text-anchor="middle" font-size="14" font-family="sans-serif">'
             f'{escape(title)}</text>',
             f'<line x1="{left}" y1="{top + plot_height}" x2="{width - 10}" y2="{top + plot_height}" '
             f'stroke="#333"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_height}" stroke="#333"/>']
    for tick in range(5):
        value = peak * tick / 4
        y = top + plot_height - plot_height * tick / 4
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" '
                     f'font-family="sans-serif">{escape(value_format.format(value))}</text>')
    for g, label in enumerate(labels):
        x0 = left + g * group_width + group_width * 0.1
        for s, (name, values) in enumerate(series):
            value = values[g] if g < len(values) else 0.0
            bar_height = plot_height * (value / peak) if peak else 0
            x = x0 + s * bar_width
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_height - bar_height:.1f}" width="{bar_width - 1:.1f}" '
                         f'height="{bar_height:.1f}" fill="{_PALETTE[s % len(_PALETTE)]}">'
                         f'<title>{escape(f"{label} {name}: " + value_format.format(value))}</title></rect>')
        parts.append(f'<text x="{x0 + group_width * 0.4:.1f}" y="{top + plot_height + 14}" text-anchor="end" '
                     f'font-size="10" font-family="sans-serif" transform="rotate(-35 {x0 + group_width * 0.4:.1f} '
                     f'{top + plot_height + 14})">{escape(label)}</text>')
    for s, (name, _) in enumerate(series):
        if len(series) > 1:
            x = left + 10 + s * 130
            parts.append(f'<rect x="{x}" y="{height - 14}" width="10" height="10" '
                         f'fill="{_PALETTE[s % len(_PALETTE)]}"/><text x="{x + 14}" y="{height - 5}" font-size="11" '
                         f'font-family="sans-serif">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(title: str, values: Sequence[float], bins: int = 20, width: int = 640) -> str:
    """A histogram of ``values`` in ``bins`` equal bins."""
    if not values:
        return bar_chart(title, [], [])
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int((value - low) / span * bins))] += 1
    labels = [f"{low + span * b / bins:.0f}" for b in range(bins)]
    return bar_chart(title, labels, [("count", counts)], width=width, value_format="{:.0f}")


# -- MathML ------------------------------------------------------------------------------------------------------

_PRECEDENCE = {"add": 1, "sub": 1, "neg": 2, "mul": 3, "div": 4, "pow": 5}
_FUNCTION_NAMES = {"log": "ln", "asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arsinh",
                   "acosh": "arcosh", "atanh": "artanh"}
_RELATIONS = {"eq": "=", "ne": "≠", "lt": "&lt;", "le": "≤", "gt": "&gt;", "ge": "≥"}


def math_block(e: Expr) -> str:
    """``e`` as a ``<math>`` element."""
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML">{to_mathml(e)}</math>'


def _fenced(inner: str) -> str:
    return f"<mrow><mo>(</mo>{inner}<mo>)</mo></mrow>"


def _child(parent: str, child: Expr, right: bool = False) -> str:
    text = to_mathml(child)
    mine, theirs = _PRECEDENCE.get(parent, 9), _PRECEDENCE.get(child.op, 9)
    if child.op == "num" and child.value < 0 and (right or parent in ("pow", "neg")):  # type: ignore[operator]
        return _fenced(text)
    if parent == "div":
        return text
    if theirs < mine or (right and theirs == mine and parent in ("sub", "pow")) or (
            parent == "pow" and not right and child.op in _PRECEDENCE):
        return _fenced(text)
    return text


def to_mathml(e: Expr) -> str:
    """Presentation MathML of ``e`` (no ``<math>`` wrapper)."""
    op = e.op
    if op == "num":
        value = int(e.value)  # type: ignore[arg-type]
        return f"<mn>{value}</mn>" if value >= 0 else f"<mrow><mo>−</mo><mn>{-value}</mn></mrow>"
    if op == "sym":
        return f"<mi>{escape(str(e.value))}</mi>"
    if op in ("add", "sub"):
        sign = "+" if op == "add" else "−"
        return f"<mrow>{_child(op, e.args[0])}<mo>{sign}</mo>{_child(op, e.args[1], True)}</mrow>"
    if op == "mul":
        return f"<mrow>{_child(op, e.args[0])}<mo>⋅</mo>{_child(op, e.args[1], True)}</mrow>"
    if op == "div":
        return f"<mfrac>{to_mathml(e.args[0])}{to_mathml(e.args[1])}</mfrac>"
    if op == "pow":
        return f"<msup>{_child(op, e.args[0])}{to_mathml(e.args[1])}</msup>"
    if op == "neg":
        return f"<mrow><mo>−</mo>{_child(op, e.args[0])}</mrow>"
    if op == "sqrt":
        return f"<msqrt>{to_mathml(e.args[0])}</msqrt>"
    if op in FUNCTIONS:
        name = _FUNCTION_NAMES.get(op, op)
        return f"<mrow><mi>{name}</mi><mo>&#x2061;</mo>{_fenced(to_mathml(e.args[0]))}</mrow>"
    if op in _RELATIONS:
        return f"<mrow>{to_mathml(e.args[0])}<mo>{_RELATIONS[op]}</mo>{to_mathml(e.args[1])}</mrow>"
    if op in ("set", "tuple"):
        inner = "<mo>,</mo>".join(to_mathml(a) for a in e.args)
        left, right = ("{", "}") if op == "set" else ("(", ")")
        return f"<mrow><mo>{left}</mo>{inner}<mo>{right}</mo></mrow>"
    return f"<mtext>{escape(op)}</mtext>"


def page(title: str, body: str) -> str:
    """A complete offline HTML page."""
    style = ("body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
             "text-align:right}th{background:#f4f4f4}td.l,th.l{text-align:left}"
             "section{margin:2em 0}.item{border-top:1px solid #ddd;padding:.6em 0;overflow-x:auto}.small{color:#666;font-size:90%}")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"<style>{style}</style></head><body><h1>{escape(title)}</h1>\n{body}\n</body></html>\n")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], left: int = 1) -> str:
    """An HTML table; the first ``left`` columns are left-aligned."""
    head = "".join(f'<th class="{"l" if i < left else ""}">{escape(str(h))}</th>' for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{escape(_cell(c))}</td>'
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
