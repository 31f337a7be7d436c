"""How a integral record reads: the renderings stored beside it (prefix tokens, LaTeX, the Lean statement), the
text ``rpsdg show`` prints, and the formulas of each shown line (:func:`step_formulas`, the kind's
``KindSpec.step_formulas`` hook). Wording for the exports lives in ``templates/integral/``.

Solutions read top down (issue 12, ``export/common.py``): a composite step is announced (its decomposition as an
identity: ``∫ (f + g) dx = ∫ f dx + ∫ g dx``, ``∫ 3 f dx = 3 ∫ f dx``, ``u = g(x), du = g'(x) dx, ∫ ... dx =
∫ ... du``, the product or quotient rule read backwards, ``∫ u dv = u v - ∫ v du``), its parts are solved, and it
is combined. To word a new rule's announce line: add a branch to :func:`_announce` and to
``templates/integral/step.j2``; a rule without one is shown once, after its parts.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from rpsdg.core import Derivation, checks_line
from rpsdg.errors import ParseError
from rpsdg.expr.canonical import CanonTooBig, simplify
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import LeanUnsupported, to_infix, to_latex, to_lean, to_prefix
from rpsdg.expr.tree import Expr, sym
from rpsdg.maths.calculus import NotDifferentiable, derivative

VAR = "x"
U = "u"


def renderings(derivation: Derivation) -> dict[str, str]:
    f, F = derivation.problem, derivation.answer or derivation.problem
    try:
        hyps = "".join(f" (h{i} : {to_lean(h)})" for i, h in enumerate(derivation.hypotheses))
        lean = f"theorem integral_item (x : ℝ){hyps} :\n    HasDerivAt (fun x : ℝ => {to_lean(F)}) ({to_lean(f)}) x"
    except LeanUnsupported as unsupported:
        lean = f"-- not stated in Lean: {unsupported}"
    return {"prefix": " ".join(to_prefix(f)), "answer_prefix": " ".join(to_prefix(F)),
            "latex": rf"\int {to_latex(f)} \, dx = {to_latex(F)} + C", "lean": lean}


def length_stats(row: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Token lengths per direction for the manifest (the backward skew: long integrands, short answers)."""
    figures = {"integrand_tokens": float(len(str(row.get("prefix", "")).split())),
               "antiderivative_tokens": float(len(str(row.get("answer_prefix", "")).split())),
               "steps": float(len(row["steps"]))}
    return {f"direction:{row.get('direction') or 'backward'}": figures, "all": figures}


def describe(row: Mapping[str, Any]) -> str:
    """The record as a person reads it, in solving order (announce, solve the parts, combine; see
    ``export/common.py``), each line indented by its depth below the problem."""
    from rpsdg.export.common import ANNOUNCE, COMBINE, top_down

    direction = f", {row['direction']}" if row.get("direction") else ""
    lines = [f"∫ {row['problem']} dx    (level {row['level']}{direction}, uid {row['uid'][:12]})"]
    if row["hypotheses"]:
        lines.append("where " + ", ".join(row["hypotheses"]))
    lines.append("")
    for shown in top_down(list(row["steps"]), step_formulas, "plain", lambda step: step.get("integrand") or None):
        step, formulas = shown.step, shown.formulas
        how = step["rule"].replace("_", " ")
        if shown.role == COMBINE:
            how = f"combine: {how}"
        extra = ""
        if shown.role != COMBINE:
            extra = f", u = {step['substitution']}" if step["substitution"] else ""
            extra += f", du = ({step['du']}) dx" if step.get("du") else ""
            extra += f", c = {step['factor']}" if step["factor"] else ""
        cites = ""
        if shown.parts and shown.role == ANNOUNCE:
            solved = [f"{cited.get('integral', '')} is step {n}" for n, cited in zip(shown.parts, shown.cited)]
            cites = f" ({'; '.join(solved)})"
        elif shown.parts:
            cites = f" from step{'s' if len(shown.parts) > 1 else ''} {', '.join(str(n) for n in shown.parts)}"
        indent = "  " * shown.depth
        lines.append(f"{shown.number:>3}. {indent}[{how}{extra}]{cites}")
        claim = formulas.get("announce") if shown.role == ANNOUNCE else formulas.get("chain") or formulas.get("claim")
        if shown.role == ANNOUNCE:
            where = [formulas[key] for key in ("g_prime", "h_prime", "dv") if key in formulas]
            claim += f"    where {', '.join(where)}" if where else ""
        lines.append(f"     {indent}{claim}")
    lines.append("")
    lines.append(f"Answer: {row['answer']} + C")
    lines.append(checks_line(row["checks"]))
    return "\n".join(lines)


# -- the formulas of each shown line (KindSpec.step_formulas) ---------------------------------------------------

def step_formulas(step: Mapping[str, Any], parts: Sequence[Mapping[str, Any]], math: str) -> dict[str, str]:
    """The formulas of one stored step's shown lines in ``math`` (``latex``: each in ``$...$``; ``plain``: our
    infix, stored text as stored): ``claim`` (∫ f dx = F), ``integral`` (∫ f dx), and by rule ``announce`` (the
    decomposition, before the parts are solved), ``u``, ``du``, ``dv``, ``factor``, ``g_prime``, ``h_prime``,
    ``g``, ``h``, ``chain`` (a claim through an intermediate form: ``∫ f dx = ∫ h(u) du = G(u) = F``). Text our
    grammar does not read is shown as stored, with only ``claim`` and ``integral``."""
    out = _Formulas(math)
    f_text, F_text = str(step.get("integrand", "")), str(step.get("antiderivative", ""))
    try:
        f, F = parse(f_text, "step integrand"), parse(F_text, "step antiderivative")
        pieces = [parse(str(p.get("integrand", "")), "part integrand") for p in parts]
    except ParseError:
        return {"claim": f"∫ {f_text} dx = {F_text}", "integral": f"∫ {f_text} dx"}
    formulas = {"claim": out.wrap(f"{out.integral(f, f_text)} = {out.expr(F, F_text)}"),
                "integral": out.wrap(out.integral(f, f_text))}
    try:
        formulas.update(_announce(str(step.get("rule", "")), step, f, f_text, F, F_text, parts, pieces, out))
    except (ParseError, NotDifferentiable, CanonTooBig, ArithmeticError, ValueError, RecursionError):
        pass  # no intermediate forms: the line shows the claim alone
    return formulas


class _Formulas:
    """Prints formulas in one math format."""

    def __init__(self, math: str):
        self.latex = math == "latex"

    def wrap(self, text: str) -> str:
        return f"${text}$" if self.latex else text

    def expr(self, e: Expr, stored: str | None = None) -> str:
        if self.latex:
            return to_latex(e)
        return stored if stored is not None else to_infix(e)

    def grouped(self, e: Expr, stored: str | None = None) -> str:
        """``e`` in parentheses where it is a sum, a difference or a negation (an integrand, a factor)."""
        text = self.expr(e, stored)
        if e.op in ("add", "sub", "neg") or (not self.latex and e.op in ("div", "mul")):
            return rf"\left({text}\right)" if self.latex else f"({text})"
        return text

    def factor(self, e: Expr) -> str:
        """``e`` before ``dx``: in parentheses unless a number or a variable."""
        if e.op in ("num", "sym"):
            return self.expr(e)
        return rf"\left({self.expr(e)}\right)" if self.latex else f"({self.expr(e)})"

    def integral(self, e: Expr, stored: str | None = None, var: str = VAR) -> str:
        body = self.expr(e, stored)
        if e.op in ("add", "sub"):
            body = rf"\left({body}\right)" if self.latex else f"({body})"
        return rf"\int {body} \, d{var}" if self.latex else f"∫ {body} d{var}"

    def word(self, plain: str, latex: str) -> str:
        return latex if self.latex else plain


def _signed_sum(terms: Sequence[tuple[int, str]]) -> str:
    """``a + b - c`` from (sign, text) pairs; a leading minus where the first sign is negative."""
    text = ""
    for position, (sign, term) in enumerate(terms):
        if position == 0:
            text = term if sign > 0 else f"-{term}"
        else:
            text += f" + {term}" if sign > 0 else f" - {term}"
    return text


def _replace(e: Expr, target: Expr, by: Expr) -> Expr:
    if e == target:
        return by
    if not e.args:
        return e
    return Expr(e.op, tuple(_replace(a, target, by) for a in e.args), e.value)


def _linear_signs(rule: str, F: Expr, pieces: Sequence[Expr]) -> list[int]:
    """The sign of each part in ∫ f dx = ±∫ f1 dx ± ∫ f2 dx ...: from the antiderivative's operands (a constant
    operand has no part), as the replay reads them (``check.py``)."""
    if rule == "split_sum":
        signs = []
        e = F
        for _ in range(len(pieces) - 1):
            signs.insert(0, 1 if e.op == "add" else -1)
            e = e.args[0]
        return [1] + signs
    op = "add" if rule == "linearity_sum" else "sub"
    if F.op != op:
        raise ValueError("antiderivative is not the rule's sum or difference")
    signs = [1 if side == 0 or op == "add" else -1 for side, operand in enumerate(F.args) if operand.has(VAR)]
    if len(signs) != len(pieces):
        raise ValueError("operands do not match the parts")
    return signs


def _announce(rule: str, step: Mapping[str, Any], f: Expr, f_text: str, F: Expr, F_text: str,
              parts: Sequence[Mapping[str, Any]], pieces: Sequence[Expr], out: _Formulas) -> dict[str, str]:
    """The rule-specific formulas (see :func:`step_formulas`)."""
    lhs = out.integral(f, f_text)
    if rule in ("linearity_sum", "linearity_difference", "split_sum") and pieces:
        signs = _linear_signs(rule, F, pieces)
        terms = [(sign, out.integral(piece)) for sign, piece in zip(signs, pieces)]
        return {"announce": out.wrap(f"{lhs} = {_signed_sum(terms)}")}
    if rule == "linearity_negation" and len(pieces) == 1:
        return {"announce": out.wrap(f"{lhs} = -{out.integral(pieces[0])}")}
    if rule == "linearity_constant" and len(pieces) == 1 and step.get("factor"):
        c = parse(str(step["factor"]), "factor")
        return {"announce": out.wrap(f"{lhs} = {out.grouped(c)} {out.integral(pieces[0])}"),
                "factor": out.wrap(out.expr(c))}
    if rule in ("substitution", "change_of_variable") and step.get("substitution"):
        u = parse(str(step["substitution"]), "substitution")
        du = parse(str(step["du"]), "du") if step.get("du") else None
        if du is None and rule == "substitution" and len(pieces) == 1:
            du = pieces[0]  # the part solves ∫ u' dx = u
        if du is None:
            du = simplify(derivative(u, VAR))
        formulas = {"u": out.wrap(f"u = {out.expr(u)}"),
                    "du": out.wrap(f"du = {out.factor(du)} dx")}
        if rule == "change_of_variable" and len(parts) == 1:
            h = _replace(pieces[0], sym(VAR), sym(U))
            H = _replace(parse(str(parts[0].get("antiderivative", "")), "part antiderivative"), sym(VAR), sym(U))
            formulas["announce"] = out.wrap(f"{lhs} = {out.integral(h, var=U)}")
            formulas["chain"] = out.wrap(f"{lhs} = {out.expr(H)} = {out.expr(F, F_text)}")
            return formulas
        G = _replace(F, u, sym(U))
        if G.has(VAR):
            return formulas
        h = simplify(derivative(G, U))
        in_u = f"{lhs} = {out.integral(h, var=U)}"
        if pieces:  # u' solved as a part: announce, then combine
            formulas["announce"] = out.wrap(in_u)
            formulas["chain"] = out.wrap(f"{lhs} = {out.expr(G)} = {out.expr(F, F_text)}")
        else:
            formulas["chain"] = out.wrap(f"{in_u} = {out.expr(G)} = {out.expr(F, F_text)}")
        return formulas
    if rule in ("reverse_product", "reverse_quotient") and pieces and F.op in ("mul", "div"):
        g, h = F.args
        if rule == "reverse_product":
            shape = out.word("(g'*h + g*h')", r"\left(g' h + g h'\right)")
            result = out.word("g*h", "g h")
        elif len(pieces) == 1:  # a constant numerator c: (c/h)' = -c h'/h^2
            shape = out.word(f"-{out.grouped(g)}*h'/h**2", rf"-\frac{{{out.expr(g)} h'}}{{h^{{2}}}}")
            result = out.word(f"{out.grouped(g)}/h", rf"\frac{{{out.expr(g)}}}{{h}}")
        else:
            shape = out.word("(g'*h - g*h')/h**2", r"\frac{g' h - g h'}{h^{2}}")
            result = out.word("g/h", r"\frac{g}{h}")
        formulas = {"announce": out.wrap(f"{lhs} = {_int_text(out, shape)} = {result}"),
                    "g": out.wrap(f"g = {out.expr(g)}"), "h": out.wrap(f"h = {out.expr(h)}")}
        with_x = [operand for operand in (g, h) if operand.has(VAR)]
        names = ["g", "h"] if len(with_x) == 2 else ["h" if not g.has(VAR) else "g"]
        for name, piece in zip(names, pieces):
            formulas[f"{name}_prime"] = out.wrap(f"{name}' = {out.expr(piece)}")
        return formulas
    if rule == "parts" and step.get("substitution") and len(pieces) == 2:
        u = parse(str(step["substitution"]), "substitution")
        du = parse(str(step["du"]), "du") if step.get("du") else simplify(derivative(u, VAR))
        return {"announce": out.wrap(f"{lhs} = " + out.word("u*v - ∫ v du", r"u v - \int v \, du")),
                "u": out.wrap(f"u = {out.expr(u)}"),
                "du": out.wrap(f"du = {out.factor(du)} dx"), "dv": out.wrap(f"dv = {out.factor(pieces[0])} dx")}
    if rule == "rewrite" and len(pieces) == 1:
        return {"announce": out.wrap(f"{lhs} = {out.integral(pieces[0])}")}
    if rule == "simplify" and len(parts) == 1:
        before = parse(str(parts[0].get("antiderivative", "")), "part antiderivative")
        return {"chain": out.wrap(f"{lhs} = {out.expr(before)} = {out.expr(F, F_text)}")}
    return {}


def _int_text(out: _Formulas, body: str) -> str:
    """∫ body dx for an integrand already printed."""
    return rf"\int {body} \, dx" if out.latex else f"∫ {body} dx"
