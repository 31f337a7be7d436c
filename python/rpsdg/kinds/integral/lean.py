"""An integral record as a Lean 4 (Mathlib) proof that Lean checks step by step.

Each recorded step says ∫ integrand dx = antiderivative by a named rule from its parts. In Lean that is one
explicit obligation per step, proved from the parts' obligations by one derivative lemma:

    have sK : HasDerivAt (fun x : ℝ => F_K) (f_K) x :=
      (LEMMA-TERM built from sI, sJ).congr_deriv (by rpsdg_deriv_eq)

``congr_deriv`` turns the lemma's own derivative shape into the recorded integrand; the algebra is closed by
``rpsdg_deriv_eq`` (``ring1``, with a ``norm_num`` pass for ``↑n * x ^ (n - 1)``; see ``lean/Rpsdg/Basic.lean``).
Steps are emitted leaves first (a step's parts have larger indices). Side conditions (``x > 0``, ``Ne(u, 0)``)
become hypotheses ``h0 h1 ...``; a step that needs ``u ≠ 0`` cites the hypothesis that gives it.
Where the problem is continuous on ℝ (no hypotheses, only + - * ^n exp sin cos and division by a literal), a
second theorem gives ∫ x in a..b, f x = F b - F a by ``intervalIntegral.integral_eq_sub_of_hasDerivAt``.

Not every record is renderable: functions without a checked Mathlib lemma (acosh, atanh, tanh, asinh, asin, acos),
real powers and c^u are reported as :class:`NotRenderable` values with the reason, never guessed.
To support a function: pin its lemma in ``lemma_table.py`` and add it to ``_CHAIN``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from rpsdg.errors import ParseError
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import LeanUnsupported
from rpsdg.lean.text import NotRenderable, theorem_name
from rpsdg.lean.proof import Proof, Statement, Tactic, predicted_states, premises_of
from rpsdg.lean.text import lean_text as to_lean
from rpsdg.expr.tree import Expr, is_num, sym
from rpsdg.lean.lemma_table import lemma


@dataclass(frozen=True)
class LeanHave:
    """One recorded step as a Lean obligation ``have name : HasDerivAt (fun x => function) derivative x``."""

    step: int
    rule: str
    name: str
    function: str
    derivative: str
    term: str


@dataclass(frozen=True)
class IntegralLean:
    """Everything the integral template needs for one item."""

    uid: str
    theorem: str
    var: str
    hypotheses: tuple[tuple[str, str], ...]
    function: str
    derivative: str
    haves: tuple[LeanHave, ...]
    final: str
    ftc: Mapping[str, str] | None

    @property
    def dialect(self) -> str:
        """Lean over ℝ with Mathlib (the template ``real.lean.j2``)."""
        return "real"

    @property
    def step_count(self) -> int:
        return len(self.haves)


class _Refuse(Exception):
    """Internal: this item is not renderable, for the given reason."""


_CHAIN = {"exp": "HasDerivAt.exp", "sin": "HasDerivAt.sin", "cos": "HasDerivAt.cos", "atan": "HasDerivAt.arctan",
          "sinh": "HasDerivAt.sinh", "cosh": "HasDerivAt.cosh"}
"""Functions f with a dot-notation lemma ``hu.f : HasDerivAt (fun x => f (u x)) (f'(u x) * u') x``."""

_NEEDS_NONZERO = {"log": "HasDerivAt.log", "sqrt": "HasDerivAt.sqrt"}
"""Functions whose lemma takes a proof of ``u x ≠ 0``."""

_CONTINUOUS_OPS = frozenset({"num", "sym", "add", "sub", "mul", "neg", "exp", "sin", "cos"})


def _lean(e: Expr) -> str:
    try:
        return to_lean(e, "real")
    except LeanUnsupported as error:
        raise _Refuse(str(error)) from None


def _parse(text: str, what: str) -> Expr:
    try:
        return parse(text, what)
    except ParseError as error:
        raise _Refuse(f"unparsable {what}: {error}") from None


def _hypothesis_text(h: Expr) -> str:
    if h.op == "gt" and is_num(h.args[1], 0):
        return f"0 < {_lean(h.args[0])}"
    return _lean(h)


def _nonzero_proof(u: Expr, hypotheses: list[Expr]) -> str:
    """A proof of ``u ≠ 0`` from the item's hypotheses."""
    for number, h in enumerate(hypotheses):
        if h.op == "ne" and h.args[0] == u and is_num(h.args[1], 0):
            return f"h{number}"
        if h.op == "gt" and h.args[0] == u and is_num(h.args[1], 0):
            return f"(h{number}).ne'"
    raise _Refuse(f"no hypothesis gives {_lean(u)} ≠ 0")


class _Builder:
    def __init__(self, row: Mapping[str, Any]):
        self.uid = str(row["uid"])
        problem = _parse(row["problem"], "problem")
        answer = _parse(row["answer"], "answer")
        names = problem.free_symbols() | answer.free_symbols()
        if len(names) != 1:
            raise _Refuse(f"expected one variable, found {sorted(names) or 'none'}")
        self.var = next(iter(names))
        if self.var in ("a", "b", "t") or not self.var.isidentifier():
            raise _Refuse(f"variable name {self.var!r} clashes with the template's names")
        self.problem, self.answer = problem, answer
        self.hypotheses = [_parse(h, "hypothesis") for h in row["hypotheses"]]
        self.steps = [(s["rule"], _parse(s["integrand"], "step integrand"), _parse(s["antiderivative"],
                       "step antiderivative"), list(s["parts"]), s["substitution"]) for s in row["steps"]]
        if not self.steps:
            raise _Refuse("no steps")

    def const(self, c: Expr) -> str:
        return f"({lemma('hasDerivAt_const')} {self.var} ({_lean(c)} : ℝ))"

    def identity(self) -> str:
        return "(" + lemma("hasDerivAt_id'") + f" {self.var})"

    def operands(self, e: Expr, parts: list[int], index: int) -> list[str]:
        """Proof terms for each argument of ``e``: a part's ``sK`` for a variable argument, a constant otherwise."""
        proofs, remaining = [], list(parts)
        for arg in e.args:
            if arg.has(self.var):
                if not remaining:
                    raise _Refuse(f"step {index + 1}: fewer parts than variable arguments")
                proofs.append(self.offset(arg, remaining.pop(0), index))
            else:
                proofs.append(self.const(arg))
        if remaining:
            raise _Refuse(f"step {index + 1}: more parts than variable arguments")
        for part in parts:
            if not index < part < len(self.steps):
                raise _Refuse(f"step {index + 1}: part {part} is not a later step")
        return proofs

    def offset(self, arg: Expr, part: int, index: int) -> str:
        """The proof for operand ``arg`` from part ``sK`` whose function may be ``arg`` less added constants."""
        target = self.steps[part][2]
        if arg == target:
            return f"s{part}"
        if arg.op in ("add", "sub") and not arg.args[1].has(self.var):
            inner = self.offset(arg.args[0], part, index)
            return f"({inner}.{lemma('HasDerivAt.fun_' + arg.op).split('.')[1]} {self.const(arg.args[1])})"
        if arg.op == "add" and not arg.args[0].has(self.var):
            inner = self.offset(arg.args[1], part, index)
            return f"({self.const(arg.args[0])}.{lemma('HasDerivAt.fun_add').split('.')[1]} {inner})"
        raise _Refuse(f"step {index + 1}: operand {_lean(arg)} is not its part's function")

    def term(self, index: int) -> str:
        rule, _, e, parts, _ = self.steps[index]
        if rule == "rewrite":
            if len(parts) != 1 or self.steps[parts[0]][2] != e:
                raise _Refuse("rewrite step does not restate one part's antiderivative")
            return f"s{parts[0]}"
        if rule == "power_rule":
            return self.power(e)
        if rule in ("linearity_sum", "linearity_difference", "reverse_product"):
            wanted = {"linearity_sum": "add", "linearity_difference": "sub", "reverse_product": "mul"}[rule]
            if e.op != wanted:
                raise _Refuse(f"step {index + 1}: {rule} on a {e.op} node")
            left, right = self.operands(e, parts, index)
            return f"({left}.{lemma('HasDerivAt.fun_' + wanted).split('.')[1]} {right})"
        if rule == "linearity_negation":
            if e.op != "neg":
                raise _Refuse(f"step {index + 1}: negation rule on a {e.op} node")
            (inner,) = self.operands(e, parts, index)
            return f"({inner}.{lemma('HasDerivAt.fun_neg').split('.')[1]})"
        if rule == "linearity_constant":
            return self.constant_multiple(e, parts, index)
        if rule == "reverse_quotient":
            if e.op != "div" or not e.args[1].has(self.var):
                raise _Refuse(f"step {index + 1}: quotient rule on {e.op}")
            top, bottom = self.operands(e, parts, index)
            return f"({top}.{lemma('HasDerivAt.fun_div').split('.')[1]} {bottom} " \
                   f"{_nonzero_proof(e.args[1], self.hypotheses)})"
        if rule in ("substitution", "table"):
            return self.chain(e, parts, index, rule)
        raise _Refuse(f"step {index + 1}: rule {rule!r} has no Lean rendering")

    def power(self, e: Expr) -> str:
        x = sym(self.var)
        if e == x:
            return self.identity()
        if e.op == "pow" and e.args[0] == x and e.args[1].op == "num" and e.args[1].value >= 0:  # type: ignore
            return f"({lemma('hasDerivAt_pow')} {e.args[1].value} {self.var})"
        raise _Refuse(f"power rule on {_lean(e)} (only x and x ^ n with a literal n ≥ 0 are rendered)")

    def constant_multiple(self, e: Expr, parts: list[int], index: int) -> str:
        if len(parts) != 1:
            raise _Refuse(f"step {index + 1}: constant multiple needs one part")
        inner = e.args[1] if e.op == "mul" and not e.args[0].has(self.var) else e.args[0]
        part = self.offset(inner, parts[0], index) if e.args else f"s{parts[0]}"
        if e.op == "mul" and not e.args[0].has(self.var):
            return f"({part}.{lemma('HasDerivAt.const_mul').split('.')[1]} ({_lean(e.args[0])} : ℝ))"
        if e.op == "mul" and not e.args[1].has(self.var):
            return f"({part}.{lemma('HasDerivAt.mul_const').split('.')[1]} ({_lean(e.args[1])} : ℝ))"
        if e.op == "div" and not e.args[1].has(self.var):
            return f"({part}.{lemma('HasDerivAt.div_const').split('.')[1]} ({_lean(e.args[1])} : ℝ))"
        raise _Refuse(f"step {index + 1}: constant multiple of shape {e.op}")

    def chain(self, e: Expr, parts: list[int], index: int, rule: str) -> str:
        if rule == "table":
            if parts or len(e.args) != 1 or e.args[0] != sym(self.var):
                raise _Refuse(f"step {index + 1}: table rule on {_lean(e)}")
            inner = self.identity()
        elif not parts and e.args:  # u = g(x), du = g'(x) dx: g's derivative proof is built here
            inner = self.derive_term(e.args[0], index)
        else:
            if len(parts) != 1:
                raise _Refuse(f"step {index + 1}: substitution needs one part")
            inner = f"s{parts[0]}"
            base = e.args[0] if e.args else None
            if base is None or self.steps[parts[0]][2] != base:
                raise _Refuse(f"step {index + 1}: substitution's part is not the inner function")
        return self.outer(e, inner, index, rule)

    def derive_term(self, u: Expr, index: int) -> str:
        """A HasDerivAt proof term for ``u`` by its structure (the substitution's du, stated without a step)."""
        if u == sym(self.var):
            return self.identity()
        if not u.has(self.var):
            return self.const(u)
        if u.op in ("add", "sub", "mul"):
            left, right = (self.derive_term(a, index) for a in u.args)
            return f"({left}.{lemma('HasDerivAt.fun_' + u.op).split('.')[1]} {right})"
        if u.op == "neg":
            return f"({self.derive_term(u.args[0], index)}.{lemma('HasDerivAt.fun_neg').split('.')[1]})"
        if u.op == "div":
            top, bottom = (self.derive_term(a, index) for a in u.args)
            return f"({top}.{lemma('HasDerivAt.fun_div').split('.')[1]} {bottom} " \
                   f"{_nonzero_proof(u.args[1], self.hypotheses)})"
        if u.op == "pow" and u.args[0] == sym(self.var):
            return self.power(u)
        if u.op == "pow" or len(u.args) == 1:
            return self.outer(u, self.derive_term(u.args[0], index), index, "substitution")
        raise _Refuse(f"step {index + 1}: no derivative proof for {_lean(u)}")

    def outer(self, e: Expr, inner: str, index: int, rule: str) -> str:
        """f(u)'s proof from u's proof ``inner`` for a table function or a literal power f."""
        op = e.op
        if op in _CHAIN:
            return f"({inner}.{lemma(_CHAIN[op]).split('.')[1]})"
        if op in _NEEDS_NONZERO:
            return f"({inner}.{lemma(_NEEDS_NONZERO[op]).split('.')[1]} {_nonzero_proof(e.args[0], self.hypotheses)})"
        if op == "tan":
            cos_u = Expr("cos", (e.args[0],))
            proof = _nonzero_proof(cos_u, self.hypotheses)
            return f"(({lemma('Real.hasDerivAt_tan')} {proof}).{lemma('HasDerivAt.comp').split('.')[1]} " \
                   f"{self.var} {inner})"
        if op == "pow" and rule == "substitution" and e.args[1].op == "num" and e.args[1].value >= 0:  # type: ignore
            return f"({inner}.{lemma('HasDerivAt.fun_pow').split('.')[1]} {e.args[1].value})"
        raise _Refuse(f"step {index + 1}: no pinned Mathlib lemma for {op} ({_lean(e)})")

    def ftc(self) -> dict[str, str] | None:
        if self.hypotheses:
            return None
        for _, node in self.problem.positions():
            if node.op == "pow" and node.args[1].op == "num" and node.args[1].value >= 0:  # type: ignore
                continue
            if node.op == "div" and node.args[1].op == "num" and node.args[1].value != 0:  # type: ignore
                continue
            if node.op not in _CONTINUOUS_OPS:
                return None
        a_value = _lean(_substitute(self.answer, self.var, sym("a")))
        b_value = _lean(_substitute(self.answer, self.var, sym("b")))
        return {"theorem": theorem_name(self.uid) + "_integral", "at_a": a_value, "at_b": b_value,
                "ftc": lemma("intervalIntegral.integral_eq_sub_of_hasDerivAt"),
                "integrable": lemma("Continuous.intervalIntegrable")}

    def build(self) -> IntegralLean:
        if self.steps[0][2] != self.answer or self.steps[0][1] != self.problem:
            raise _Refuse("the first step is not the whole problem")
        haves = []
        for index in range(len(self.steps) - 1, -1, -1):
            rule, integrand, antiderivative, _, _ = self.steps[index]
            haves.append(LeanHave(index, rule, f"s{index}", _lean(antiderivative), _lean(integrand),
                                  self.term(index)))
        lemma("HasDerivAt.congr_deriv")
        hypotheses = tuple((f"h{n}", _hypothesis_text(h)) for n, h in enumerate(self.hypotheses))
        return IntegralLean(self.uid, theorem_name(self.uid), self.var, hypotheses, _lean(self.answer),
                            _lean(self.problem), tuple(haves), "s0", self.ftc())


def _substitute(e: Expr, name: str, value: Expr) -> Expr:
    if e.op == "sym":
        return value if e.value == name else e
    if not e.args:
        return e
    return Expr(e.op, tuple(_substitute(a, name, value) for a in e.args), e.value)


def lean_integral(row: Mapping[str, Any]) -> IntegralLean | NotRenderable:
    """The Lean rendering data of one integral row, or why it has none."""
    try:
        return _Builder(row).build()
    except _Refuse as refusal:
        return NotRenderable(str(row.get("uid", "?")), str(refusal))


def integral_proof(item: IntegralLean, name: str) -> Proof:
    v = item.var
    goal = f"HasDerivAt (fun {v} : ℝ => {item.function}) ({item.derivative}) {v}"
    binders = (f"{v} : ℝ",) + tuple(f"{h} : {text}" for h, text in item.hypotheses)
    tactics = []
    for have in item.haves:
        kind = f"HasDerivAt (fun {v} : ℝ => {have.function}) ({have.derivative}) {v}"
        text = f"have {have.name} : {kind} :=\n  {have.term}.congr_deriv (by rpsdg_deriv_eq)"
        tactics.append(Tactic(text, premises_of(have.term) + ("HasDerivAt.congr_deriv",), goal,
                              f"{have.name} : {kind}"))
    tactics.append(Tactic(f"exact {item.final}", (), goal))
    context = [f"{v} : ℝ"] + [f"{h} : {text}" for h, text in item.hypotheses]
    return Proof(Statement(name, binders, goal), tuple(tactics), predicted_states(context, tactics))
