"""An integral record as a Lean 4 (Mathlib) proof that Lean checks step by step.

Each recorded step says ∫ integrand dx = antiderivative by a named rule from its parts. In Lean that is one
explicit obligation per step, proved from the parts' obligations by one derivative lemma:

    have sK : HasDerivAt (fun x : ℝ => F_K) (f_K : ℝ) x :=
      (LEMMA-TERM built from sI, sJ).congr_deriv (by ring1)

``congr_deriv`` turns the derivative the lemma states, in the lemma's own shape (``HasDerivAt.fun_mul`` gives
``f' * g x + f x * g'``, ``fun_div`` ``(c' * d x - c x * d') / d x ^ 2``, ``hasDerivAt_pow`` ``↑n * x ^ (n - 1)``,
``fun_pow`` ``↑n * f x ^ (n - 1) * f'``, ``sqrt`` ``f' / (2 * √(f x))``, …; ``_Fact.derivative``), into the recorded
integrand. That goal is decided here before anything is emitted (``rpsdg.lean.identity``): a ring identity with
functions and reciprocals as atoms → ``ring1``; a rational identity → a ``have nK : b ≠ 0`` for every denominator
base b (from the hypotheses, ``Real.exp_pos``, ``Real.sqrt_pos``, ``positivity`` on positive shapes), then
``rpsdg_field`` (``field_simp`` and ``ring1``, ``lean/Rpsdg/Basic.lean``); anything else (``√(exp x)² = exp x``)
makes the item :class:`NotRenderable` with the reason. ``IntegralLean.decision`` (``ring1``/``field_simp``) goes
into ``render.json`` per item. Steps are emitted leaves first (a step's parts have larger indices). Side
conditions (``x > 0``, ``Ne(u, 0)``) become hypotheses ``h0 h1 ...``, a ``u ≠ 0`` stated for u's bases
(``(x + 3) ^ 3 ≠ 0`` is ``x + 3 ≠ 0``; a product gives one binder per base, ``h0 h0_1``), and a lemma that needs
``u ≠ 0`` gets it from them (``pow_ne_zero``, ``mul_ne_zero``). ``tan`` goes through ``HasDerivAt.rpsdg_tan``,
proved once in the support library. Where the problem is continuous on ℝ (no hypotheses, only + - * ^n exp sin cos
and division by a literal), a second theorem gives ∫ x in a..b, f x = F b - F a by
``intervalIntegral.integral_eq_sub_of_hasDerivAt``.

Not every record is renderable: functions without a checked Mathlib lemma (acosh, atanh, tanh, asinh, asin, acos),
real powers and c^u are reported as :class:`NotRenderable` values with the reason, never guessed.
To support a function: pin its lemma in ``lemma_table.py``, add it to ``_CHAIN`` and its derivative shape to
``_chain_derivative``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from rpsdg.errors import ParseError
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import LeanUnsupported
from rpsdg.expr.rational import from_text
from rpsdg.lean.text import NotRenderable, theorem_name
from rpsdg.lean.proof import Proof, Statement, Tactic, predicted_states, premises_of
from rpsdg.lean.text import lean_text as to_lean
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import Expr, add, div, func, is_num, mul, neg, num, pow_, rational_value, sub, sym
from rpsdg.lean.identity import denominator_bases, factor_bases, opaque_functions, rational_equal, ring_equal
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
    closer: str = "ring1"
    """How ``congr_deriv``'s goal ``lemma's derivative = recorded integrand`` is closed: ``ring1`` (a ring
    identity) or ``field`` (a rational identity: ``facts`` then ``rpsdg_field``, i.e. ``field_simp`` and
    ``ring1``)."""
    facts: tuple[tuple[str, str, str], ...] = ()
    """``(name, statement, proof)`` of each ``≠ 0`` fact ``field_simp`` needs (a denominator's base)."""

    @property
    def proof(self) -> str:
        """The argument of ``congr_deriv``: ``(by ring1)`` or a ``by`` block (relative indentation 2)."""
        if self.closer == "ring1":
            return "(by ring1)"
        lines = [f"  have {name} : {statement} := {proof}" for name, statement, proof in self.facts]
        return "(by\n" + "\n".join(lines + ["  rpsdg_field)"])


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

    @property
    def decision(self) -> str:
        """``ring1`` when every step's ``congr_deriv`` goal is a ring identity, ``field_simp`` when at least one
        needs ``field_simp`` (recorded per item in ``render.json``)."""
        return "field_simp" if any(have.closer != "ring1" for have in self.haves) else "ring1"


class _Refuse(Exception):
    """Internal: this item is not renderable, for the given reason."""


_CHAIN = {"exp": "HasDerivAt.exp", "sin": "HasDerivAt.sin", "cos": "HasDerivAt.cos", "atan": "HasDerivAt.arctan",
          "sinh": "HasDerivAt.sinh", "cosh": "HasDerivAt.cosh"}
"""Functions f with a dot-notation lemma ``hu.f : HasDerivAt (fun x => f (u x)) (f'(u x) * u') x``."""

_NEEDS_NONZERO = {"log": "HasDerivAt.log", "sqrt": "HasDerivAt.sqrt"}
"""Functions whose lemma takes a proof of ``u x ≠ 0``."""

_CONTINUOUS_OPS = frozenset({"num", "sym", "add", "sub", "mul", "neg", "exp", "sin", "cos"})


def _chain_derivative(op: str, u: Expr, du: Expr) -> Expr:
    """The derivative each chain lemma states, in its own shape (lemma_table.py has each statement):
    ``Real.exp (f x) * f'``, ``Real.cos (f x) * f'``, ``-Real.sin (f x) * f'``, ``1 / (1 + f x ^ 2) * f'``,
    ``Real.cosh (f x) * f'``, ``Real.sinh (f x) * f'``; ``f' / f x`` (log), ``f' / (2 * √(f x))`` (sqrt),
    ``f' / Real.cos (f x) ^ 2`` (``HasDerivAt.rpsdg_tan``)."""
    if op == "exp":
        return mul(func("exp", u), du)
    if op == "sin":
        return mul(func("cos", u), du)
    if op == "cos":
        return mul(neg(func("sin", u)), du)
    if op == "atan":
        return mul(div(num(1), add(num(1), pow_(u, num(2)))), du)
    if op == "sinh":
        return mul(func("cosh", u), du)
    if op == "cosh":
        return mul(func("sinh", u), du)
    if op == "log":
        return div(du, u)
    if op == "sqrt":
        return div(du, mul(num(2), func("sqrt", u)))
    if op == "tan":
        return div(du, pow_(func("cos", u), num(2)))
    raise _Refuse(f"no derivative shape for {op}")


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


def _hypothesis_binders(hypotheses: list[Expr]) -> tuple[tuple[str, str], ...]:
    """The theorem's hypotheses ``(name, text)``: ``u > 0`` as ``0 < u``; ``u ≠ 0`` in base form, one binder per
    base (``(x + 3) ^ 3 ≠ 0`` is ``hN : x + 3 ≠ 0``; ``2 * ((x ^ 2 + 2 * x) * x) ≠ 0`` is ``hN : x ^ 2 + 2 * x ≠ 0``
    and ``hN_1 : x ≠ 0``), which is what ``field_simp`` and the derivative lemmas need and is equivalent over ℝ."""
    binders = []
    for number, h in enumerate(hypotheses):
        if h.op == "gt" and is_num(h.args[1], 0):
            binders.append((f"h{number}", f"0 < {_lean(h.args[0])}"))
        elif h.op == "ne" and is_num(h.args[1], 0) and factor_bases(h.args[0]):
            for part, base in enumerate(factor_bases(h.args[0])):
                binders.append((f"h{number}" + (f"_{part}" if part else ""), f"{_lean(base)} ≠ 0"))
        else:
            binders.append((f"h{number}", _lean(h)))
    return tuple(binders)


def _nonzero_hypotheses(hypotheses: list[Expr]) -> dict[Expr, str]:
    """Each expression a hypothesis says is non-zero → a proof of that, by the binder names above."""
    known: dict[Expr, str] = {}
    for number, h in enumerate(hypotheses):
        if h.op == "ne" and is_num(h.args[1], 0):
            for part, base in enumerate(factor_bases(h.args[0])):
                known.setdefault(base, f"h{number}" + (f"_{part}" if part else ""))
        elif h.op == "gt" and is_num(h.args[1], 0):
            _derive_nonzero(h.args[0], f"(h{number}).ne'", known)
    return known


def _derive_nonzero(u: Expr, proof: str, known: dict[Expr, str]) -> None:
    """Record ``proof : u ≠ 0`` and what follows for u's factors: ``left_ne_zero_of_mul`` /
    ``right_ne_zero_of_mul`` for a product, ``ne_zero_pow`` for a power (``0 < 2 * x ^ 2`` gives ``x ≠ 0``)."""
    known.setdefault(u, proof)
    if u.op == "mul":
        _derive_nonzero(u.args[0], f"({lemma('left_ne_zero_of_mul')} {proof})", known)
        _derive_nonzero(u.args[1], f"({lemma('right_ne_zero_of_mul')} {proof})", known)
    elif u.op == "pow" and u.args[1].op == "num" and u.args[1].value > 0:  # type: ignore[operator]
        n = u.args[1].value
        _derive_nonzero(u.args[0], f"({lemma('ne_zero_pow')} (by norm_num : ({n} : ℕ) ≠ 0) {proof})", known)


def _positive_shape(e: Expr) -> bool:
    """Whether ``positivity`` proves ``0 < e`` from its shape alone (positive numerals, ``exp``, sums of a
    positive and a non-negative term, products of positives)."""
    value = rational_value(e)
    if value is not None:
        return value > 0
    if e.op == "exp":
        return True
    if e.op == "sqrt":
        return _positive_shape(e.args[0])
    if e.op == "div" and (rational_value(e.args[1]) or 0) > 0:
        return _positive_shape(e.args[0])
    if e.op in ("add", "mul"):
        left, right = e.args
        if e.op == "mul":
            return _positive_shape(left) and _positive_shape(right)
        return (_positive_shape(left) and _nonnegative_shape(right)) or \
            (_nonnegative_shape(left) and _positive_shape(right))
    return False


def _nonnegative_shape(e: Expr) -> bool:
    if _positive_shape(e):
        return True
    if e.op == "pow" and e.args[1].op == "num" and e.args[1].value % 2 == 0:  # type: ignore[operator]
        return True
    if e.op == "sqrt" or e.op == "exp":
        return True
    if e.op == "div" and (rational_value(e.args[1]) or 0) > 0:
        return _nonnegative_shape(e.args[0])
    if e.op in ("add", "mul"):
        return _nonnegative_shape(e.args[0]) and _nonnegative_shape(e.args[1])
    return False


def _nonzero_proof(u: Expr, hypotheses: list[Expr]) -> str:
    """A proof of ``u ≠ 0`` from the item's hypotheses (stated in base form) and the shape of ``u``."""
    known = _nonzero_hypotheses(hypotheses)
    if u in known:
        return known[u]
    value = rational_value(u)
    if value is not None and value != 0:
        return f"(by norm_num : ({_lean(u)} : ℝ) ≠ 0)"
    if u.op == "exp":
        return f"({lemma('Real.exp_pos')} ({_lean(u.args[0])})).ne'"
    if u.op == "sqrt":
        inner = u.args[0]
        positive = next((f"h{n}" for n, h in enumerate(hypotheses)
                         if h.op == "gt" and h.args[0] == inner and is_num(h.args[1], 0)), None)
        if positive is None and inner.op == "exp":
            positive = f"({lemma('Real.exp_pos')} ({_lean(inner.args[0])}))"
        if positive is not None:
            return f"({lemma('Iff.mpr')} {lemma('Real.sqrt_pos')} {positive}).ne'"
    if _positive_shape(u):
        return f"(by positivity : {_lean(u)} ≠ 0)"
    if u.op == "mul":
        return f"({lemma('mul_ne_zero')} {_nonzero_proof(u.args[0], hypotheses)} " \
               f"{_nonzero_proof(u.args[1], hypotheses)})"
    if u.op == "pow" and u.args[1].op == "num" and u.args[1].value > 0:  # type: ignore[operator]
        return f"({lemma('pow_ne_zero')} {u.args[1].value} {_nonzero_proof(u.args[0], hypotheses)})"
    factored = _factored_nonzero(u, known)
    if factored is not None:
        return factored
    raise _Refuse(f"no hypothesis gives {_lean(u)} ≠ 0")


def _factored_nonzero(u: Expr, known: Mapping[Expr, str]) -> str | None:
    """``u ≠ 0`` when u is, as a ring identity, c · ∏ kᵢ ^ eᵢ with every kᵢ a base known to be non-zero (an
    expanded ``(x + 4) ^ 2`` or ``4 * (x + 4)``): ``by rw [show u = c * (k₁ ^ e₁ * …) by ring1]; exact …`` with
    ``mul_ne_zero`` / ``pow_ne_zero``. SymPy factors u (function applications as atoms); the rewrite is confirmed
    here as a ring identity first."""
    import sympy

    from rpsdg.expr.sympy_bridge import to_sympy

    atoms: dict[str, Expr] = {}
    opaque = opaque_functions(u, atoms)
    if any(node.op == "div" and rational_value(node.args[1]) is None for _, node in opaque.positions()):
        return None
    bases = [(base, proof, to_sympy(opaque_functions(base, atoms))) for base, proof in known.items()
             if rational_value(base) is None]
    try:
        coefficient, factors = sympy.factor_list(to_sympy(opaque))
    except (sympy.PolynomialError, TypeError, ValueError):
        return None
    constant = from_text(str(coefficient)) if coefficient.is_Rational else None
    if constant is None or constant == 0:
        return None
    pieces: list[tuple[Expr, str, int]] = []
    for factor, exponent in factors:
        match = None
        for base, proof, value in bases:
            ratio = sympy.cancel(factor / value)
            if ratio.is_Rational and ratio != 0:
                match = (base, proof, from_text(str(ratio)))
                break
        if match is None:
            return None
        constant *= match[2] ** int(exponent)
        pieces.append((match[0], match[1], int(exponent)))
    product: Expr | None = None
    proof_text = ""
    for base, proof, exponent in reversed(pieces):
        term = base if exponent == 1 else pow_(base, num(exponent))
        term_proof = proof if exponent == 1 else f"({lemma('pow_ne_zero')} {exponent} {proof})"
        if product is None:
            product, proof_text = term, term_proof
        else:
            product, proof_text = mul(term, product), f"({lemma('mul_ne_zero')} {term_proof} {proof_text})"
    if product is None:
        return None
    if constant != 1:
        product = mul(num(constant), product)
        proof_text = f"({lemma('mul_ne_zero')} (by norm_num : ({_lean(num(constant))} : ℝ) ≠ 0) {proof_text})"
    if product == u or not ring_equal(u, product):
        return None
    return f"(by rw [show {_lean(u)} = {_lean(product)} by ring1]; exact {proof_text})"


@dataclass(frozen=True)
class _Fact:
    """A derivative proof term with the function and the derivative its lemma states (Lean's own shape)."""

    term: str
    function: Expr
    derivative: Expr


class _Builder:
    def __init__(self, row: Mapping[str, Any]):
        self.uid = str(row["uid"])
        problem = _parse(row["problem"], "problem")
        answer = _parse(row["answer"], "answer")
        names = problem.free_symbols() | answer.free_symbols()
        if len(names) != 1:
            raise _Refuse(f"expected one variable, found {sorted(names) or 'none'}")
        self.var = next(iter(names))
        if self.var in ("a", "b", "t") or not self.var.isidentifier() or \
                (self.var[0] in "hsn" and self.var[1:].isdigit()):
            raise _Refuse(f"variable name {self.var!r} clashes with the template's names")
        self.problem, self.answer = problem, answer
        self.hypotheses = [_parse(h, "hypothesis") for h in row["hypotheses"]]
        self.steps = [(s["rule"], _parse(s["integrand"], "step integrand"), _parse(s["antiderivative"],
                       "step antiderivative"), list(s["parts"]), s["substitution"]) for s in row["steps"]]
        if not self.steps:
            raise _Refuse("no steps")

    def const(self, c: Expr) -> _Fact:
        return _Fact(f"({lemma('hasDerivAt_const')} {self.var} ({_lean(c)} : ℝ))", c, num(0))

    def identity(self) -> _Fact:
        return _Fact("(" + lemma("hasDerivAt_id'") + f" {self.var})", sym(self.var), num(1))

    def part(self, index: int) -> _Fact:
        """Step ``index``'s own ``have``: its recorded antiderivative and integrand (after its congr_deriv)."""
        _, integrand, antiderivative, _, _ = self.steps[index]
        return _Fact(f"s{index}", antiderivative, integrand)

    def operands(self, e: Expr, parts: list[int], index: int) -> list[_Fact]:
        """Facts for each argument of ``e``: a part's ``sK`` for a variable argument, a constant otherwise."""
        for part in parts:
            if not index < part < len(self.steps):
                raise _Refuse(f"step {index + 1}: part {part} is not a later step")
        facts, remaining = [], list(parts)
        for arg in e.args:
            if arg.has(self.var):
                if not remaining:
                    raise _Refuse(f"step {index + 1}: fewer parts than variable arguments")
                facts.append(self.offset(arg, self.part(remaining.pop(0)), index))
            else:
                facts.append(self.const(arg))
        if remaining:
            raise _Refuse(f"step {index + 1}: more parts than variable arguments")
        return facts

    def offset(self, arg: Expr, fact: _Fact, index: int) -> _Fact:
        """The fact for operand ``arg`` from a part's ``fact`` whose function is ``arg`` less added constants
        (a step may cite the step for ``g`` where its operand is ``g + c``)."""
        if arg == fact.function:
            return fact
        if arg.op in ("add", "sub") and not arg.args[1].has(self.var):
            inner, c = self.offset(arg.args[0], fact, index), self.const(arg.args[1])
            combine = add if arg.op == "add" else sub
            return _Fact(f"({inner.term}.{self.method('HasDerivAt.fun_' + arg.op)} {c.term})", arg,
                         combine(inner.derivative, c.derivative))
        if arg.op == "add" and not arg.args[0].has(self.var):
            c, inner = self.const(arg.args[0]), self.offset(arg.args[1], fact, index)
            return _Fact(f"({c.term}.{self.method('HasDerivAt.fun_add')} {inner.term})", arg,
                         add(c.derivative, inner.derivative))
        raise _Refuse(f"step {index + 1}: a part's antiderivative is not the argument it stands for")

    def derive(self, u: Expr, index: int) -> _Fact:
        """A derivative fact for ``u`` built from its structure: the ``du`` a substitution step states without a
        step of its own (u = g(x), du = g'(x) dx)."""
        if u == sym(self.var):
            return self.identity()
        if not u.has(self.var):
            return self.const(u)
        if u.op in ("add", "sub", "mul"):
            left, right = (self.derive(a, index) for a in u.args)
            term = f"({left.term}.{self.method('HasDerivAt.fun_' + u.op)} {right.term})"
            if u.op == "add":
                return _Fact(term, u, add(left.derivative, right.derivative))
            if u.op == "sub":
                return _Fact(term, u, sub(left.derivative, right.derivative))
            return _Fact(term, u, add(mul(left.derivative, right.function), mul(left.function, right.derivative)))
        if u.op == "neg":
            inner = self.derive(u.args[0], index)
            return _Fact(f"({inner.term}.{self.method('HasDerivAt.fun_neg')})", u, neg(inner.derivative))
        if u.op == "div":
            top, bottom = (self.derive(a, index) for a in u.args)
            term = f"({top.term}.{self.method('HasDerivAt.fun_div')} {bottom.term} " \
                   f"{_nonzero_proof(u.args[1], self.hypotheses)})"
            return _Fact(term, u, div(sub(mul(top.derivative, bottom.function), mul(top.function, bottom.derivative)),
                                      pow_(bottom.function, num(2))))
        if u.op == "pow" and u.args[0] == sym(self.var):
            return self.power(u)
        if u.op == "pow" or len(u.args) == 1:
            return self.outer(u, self.derive(u.args[0], index), index, "substitution")
        raise _Refuse(f"step {index + 1}: no derivative proof for {_lean(u)}")

    @staticmethod
    def method(name: str) -> str:
        return lemma(name).split(".")[1]

    def fact(self, index: int) -> _Fact:
        """The lemma term of step ``index`` and the derivative that lemma states."""
        rule, _, e, parts, _ = self.steps[index]
        if rule == "rewrite":
            if len(parts) != 1 or not index < parts[0] < len(self.steps) or self.steps[parts[0]][2] != e:
                raise _Refuse("rewrite step does not restate one part's antiderivative")
            return self.part(parts[0])
        if rule == "power_rule":
            return self.power(e)
        if rule in ("linearity_sum", "linearity_difference", "reverse_product"):
            wanted = {"linearity_sum": "add", "linearity_difference": "sub", "reverse_product": "mul"}[rule]
            if e.op != wanted:
                raise _Refuse(f"step {index + 1}: {rule} on a {e.op} node")
            left, right = self.operands(e, parts, index)
            term = f"({left.term}.{self.method('HasDerivAt.fun_' + wanted)} {right.term})"
            if wanted == "add":
                return _Fact(term, e, add(left.derivative, right.derivative))
            if wanted == "sub":
                return _Fact(term, e, sub(left.derivative, right.derivative))
            return _Fact(term, e, add(mul(left.derivative, right.function), mul(left.function, right.derivative)))
        if rule == "linearity_negation":
            if e.op != "neg":
                raise _Refuse(f"step {index + 1}: negation rule on a {e.op} node")
            (inner,) = self.operands(e, parts, index)
            return _Fact(f"({inner.term}.{self.method('HasDerivAt.fun_neg')})", e, neg(inner.derivative))
        if rule == "linearity_constant":
            return self.constant_multiple(e, parts, index)
        if rule == "reverse_quotient":
            if e.op != "div" or not e.args[1].has(self.var):
                raise _Refuse(f"step {index + 1}: quotient rule on {e.op}")
            top, bottom = self.operands(e, parts, index)
            term = f"({top.term}.{self.method('HasDerivAt.fun_div')} {bottom.term} " \
                   f"{_nonzero_proof(e.args[1], self.hypotheses)})"
            shape = div(sub(mul(top.derivative, bottom.function), mul(top.function, bottom.derivative)),
                        pow_(bottom.function, num(2)))
            return _Fact(term, e, shape)
        if rule in ("substitution", "table"):
            return self.chain(e, parts, index, rule)
        raise _Refuse(f"step {index + 1}: rule {rule!r} has no Lean rendering")

    def power(self, e: Expr) -> _Fact:
        x = sym(self.var)
        if e == x:
            return self.identity()
        if e.op == "pow" and e.args[0] == x and e.args[1].op == "num" and e.args[1].value >= 0:  # type: ignore
            n = int(e.args[1].value)  # type: ignore[arg-type]
            # ↑n * x ^ (n - 1): ring1 evaluates the cast numeral and the ℕ subtraction (n - 1 is 0 for n = 0)
            return _Fact(f"({lemma('hasDerivAt_pow')} {n} {self.var})", e, mul(num(n), pow_(x, num(max(n - 1, 0)))))
        raise _Refuse(f"power rule on {_lean(e)} (only x and x ^ n with a literal n ≥ 0 are rendered)")

    def constant_multiple(self, e: Expr, parts: list[int], index: int) -> _Fact:
        if len(parts) != 1 or not index < parts[0] < len(self.steps):
            raise _Refuse(f"step {index + 1}: constant multiple needs one later part")
        operand = e.args[1] if e.op == "mul" and not e.args[0].has(self.var) else e.args[0] if e.args else e
        part = self.offset(operand, self.part(parts[0]), index)
        if e.op == "mul" and not e.args[0].has(self.var) and part.function == e.args[1]:
            return _Fact(f"({part.term}.{self.method('HasDerivAt.const_mul')} ({_lean(e.args[0])} : ℝ))", e,
                         mul(e.args[0], part.derivative))
        if e.op == "mul" and not e.args[1].has(self.var) and part.function == e.args[0]:
            return _Fact(f"({part.term}.{self.method('HasDerivAt.mul_const')} ({_lean(e.args[1])} : ℝ))", e,
                         mul(part.derivative, e.args[1]))
        if e.op == "div" and not e.args[1].has(self.var) and part.function == e.args[0]:
            return _Fact(f"({part.term}.{self.method('HasDerivAt.div_const')} ({_lean(e.args[1])} : ℝ))", e,
                         div(part.derivative, e.args[1]))
        raise _Refuse(f"step {index + 1}: constant multiple of shape {e.op}")

    def chain(self, e: Expr, parts: list[int], index: int, rule: str) -> _Fact:
        if rule == "table":
            if parts or len(e.args) != 1 or e.args[0] != sym(self.var):
                raise _Refuse(f"step {index + 1}: table rule on {_lean(e)}")
            inner = self.identity()
        elif not parts and e.args:  # u = g(x), du = g'(x) dx stated in the step itself
            inner = self.derive(e.args[0], index)
        else:
            if len(parts) != 1 or not index < parts[0] < len(self.steps):
                raise _Refuse(f"step {index + 1}: substitution needs one later part")
            inner = self.part(parts[0])
            base = e.args[0] if e.args else None
            if base is None or inner.function != base:
                raise _Refuse(f"step {index + 1}: substitution's part is not the inner function")
        return self.outer(e, inner, index, rule)

    def outer(self, e: Expr, inner: _Fact, index: int, rule: str) -> _Fact:
        """The outer function's lemma applied to the inner function's fact (the chain rule)."""
        op = e.op
        u = e.args[0]
        if op in _CHAIN:
            return _Fact(f"({inner.term}.{self.method(_CHAIN[op])})", e, _chain_derivative(op, u, inner.derivative))
        if op in _NEEDS_NONZERO:
            return _Fact(f"({inner.term}.{self.method(_NEEDS_NONZERO[op])} {_nonzero_proof(u, self.hypotheses)})",
                         e, _chain_derivative(op, u, inner.derivative))
        if op == "tan":
            proof = _nonzero_proof(func("cos", u), self.hypotheses)
            return _Fact(f"({inner.term}.{self.method('HasDerivAt.rpsdg_tan')} {proof})", e,
                         _chain_derivative(op, u, inner.derivative))
        if op == "pow" and rule == "substitution" and e.args[1].op == "num" and e.args[1].value >= 0:  # type: ignore
            n = int(e.args[1].value)  # type: ignore[arg-type]
            # ↑n * f x ^ (n - 1) * f'
            shape = mul(mul(num(n), pow_(u, num(max(n - 1, 0)))), inner.derivative)
            return _Fact(f"({inner.term}.{self.method('HasDerivAt.fun_pow')} {n})", e, shape)
        raise _Refuse(f"step {index + 1}: no pinned Mathlib lemma for {op} ({_lean(e)})")

    def closer(self, index: int, stated: Expr, integrand: Expr) -> tuple[str, tuple[tuple[str, str, str], ...]]:
        """``ring1`` when ``stated = integrand`` is a ring identity; ``field`` with the ``≠ 0`` facts of every
        denominator base when it is a rational identity; otherwise the item is refused with the reason."""
        if ring_equal(stated, integrand):
            return "ring1", ()
        if not rational_equal(stated, integrand):
            raise _Refuse(f"step {index + 1}: congr_deriv goal is neither a ring nor a field identity "
                          f"({to_infix(stated)} = {to_infix(integrand)})")
        facts = []
        for number, base in enumerate(denominator_bases(stated, integrand)):
            try:
                proof = _nonzero_proof(base, self.hypotheses)
            except _Refuse:
                raise _Refuse(f"step {index + 1}: field_simp needs a non-zero fact no hypothesis gives "
                              f"({_lean(base)} ≠ 0)") from None
            facts.append((f"n{number}", f"{_lean(base)} ≠ 0", proof))
        return "field", tuple(facts)

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
            fact = self.fact(index)
            if fact.function != antiderivative:
                raise _Refuse(f"step {index + 1}: the lemma's function is not the recorded antiderivative")
            closer, facts = self.closer(index, fact.derivative, integrand)
            haves.append(LeanHave(index, rule, f"s{index}", _lean(antiderivative), _lean(integrand),
                                  fact.term, closer, facts))
        lemma("HasDerivAt.congr_deriv")
        hypotheses = _hypothesis_binders(self.hypotheses)
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
        proof = have.proof.replace("\n", "\n  ")
        text = f"have {have.name} : {kind} :=\n  {have.term}.congr_deriv {proof}"
        tactics.append(Tactic(text, premises_of(have.term + " " + have.proof) + ("HasDerivAt.congr_deriv",), goal,
                              f"{have.name} : {kind}"))
    tactics.append(Tactic(f"exact {item.final}", (), goal))
    context = [f"{v} : ℝ"] + [f"{h} : {text}" for h, text in item.hypotheses]
    return Proof(Statement(name, binders, goal), tuple(tactics), predicted_states(context, tactics))
