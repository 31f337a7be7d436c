"""Checkers for theorem records, run on the stored text alone (the generator's objects are never trusted).

* ``replay`` (the kernel): re-parse every field with our grammar (a problem ``Eq(A, B)`` whose sides are the
  texts of the chain's ends is read as those two parsed texts, the tree that parsing it gives:
  :func:`_problem_of_sides`);
  the chain must start at the problem's lhs, each step's ``before`` must be the previous ``after``; the named rule,
  used in the stated direction, instantiated with the stated substitution (which must bind exactly the rule's
  variables), must be the subterm at the stated path, and replacing it by the other side must give exactly the
  stored ``after``; the rule must hold in the record's domain; every side condition of every step must be a
  hypothesis and every hypothesis some step's condition; the chain must end at the rhs; ``shortest_found`` must be
  the number of steps and ``proof_length`` at least that.
  Over ℤ, every expression must stay in the ring language (no division, functions or non-literal powers).
  A rule's ``total`` variables must be bound to terms defined everywhere. Domain (issue 11): the hypotheses must
  imply the natural domain of the lhs, the rhs and every step (``rpsdg.maths.domain``: log arguments positive,
  divisors non-zero, ...), so the theorem is true over ℝ and not just where both sides happen to be defined;
  every hypothesis is some step's side condition or a natural-domain condition of an expression of the chain.
  The sides must not both be constants (a degenerate theorem), and ``answer`` must be empty (the proof is the answer).
* ``numeric``: at random points where the hypotheses hold and every expression of the chain is defined, each
  step's ``before`` and ``after`` agree (independent of the rules and the matcher).

To change what the kernel accepts, change :func:`check_replay`; ``tests/test_theorem.py`` corrupts generated
records in every way the format allows and demands that each corruption is rejected.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Final, Iterator, Mapping, Sequence

from rpsdg import __version__
from rpsdg.core import Passed, Rejected, Verdict
from rpsdg.errors import ParseError
from rpsdg.expr.evaluate import OutsideDomain, compile_expr
from rpsdg.expr.parse import MAX_DEPTH, MAX_NESTING, parse
from rpsdg.expr.tree import Expr, Path
from rpsdg.kinds.theorem.rules import default_rulebook
from rpsdg.kinds.theorem.rules.match import Unstable, admissible, conditions_of, instantiate, parse_substitution, replace
from rpsdg.kinds.theorem.rules.model import BACKWARD, FORWARD, RuleBook
from rpsdg.maths.domain import conditions_in_order, facts_of, first_not_implied, has_variable
from rpsdg.maths.numeric import RELATION_TESTS, PointSpec, close, sample_points

VERSION: Final = f"rpsdg-{__version__}"
NAMES = ("replay", "numeric")
POINTS = PointSpec(count=6, quorum=5, tries=400)
_INT_OPS: Final = frozenset({"num", "sym", "add", "sub", "mul", "neg", "pow"})


@dataclass(frozen=True)
class ParsedStep:
    rule: str
    direction: str
    path: Path
    substitution: dict[str, Expr]
    before: Expr
    after: Expr

    def __init__(self, rule: str, direction: str, path: Path, substitution: dict[str, Expr], before: Expr,
                 after: Expr) -> None:
        # written out (the dataclass's own would do the same): the compiled build runs a generated __init__ as
        # Python code, about 10x the cost of this one compiled
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "direction", direction)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "substitution", substitution)
        object.__setattr__(self, "before", before)
        object.__setattr__(self, "after", after)


@dataclass(frozen=True)
class ParsedTheorem:
    """A theorem record re-read from its stored strings."""

    uid: str
    lhs: Expr
    rhs: Expr
    hypotheses: tuple[Expr, ...]
    steps: tuple[ParsedStep, ...]
    domain: str
    proof_length: int
    shortest_found: int


def parse_row(row: Mapping[str, Any]) -> ParsedTheorem:
    """Re-read a stored row with our grammar; raises :class:`ParseError` (or ``KeyError``/``TypeError``)."""
    uid = str(row.get("uid", "?"))
    parsed: dict[str, Expr] = {}  # one step's after is the next one's before: read each distinct text once

    def read(text: Any, what: str) -> Expr:
        if isinstance(text, str) and text in parsed:
            return parsed[text]
        tree = parse(text, f"{what} of record {uid[:12]}")
        parsed[text] = tree
        return tree

    def read_binding(text: str, what: str) -> Expr:  # substitution right sides repeat across steps too
        tree = parsed.get(text)
        if tree is None:
            tree = parsed[text] = parse(text, what)
        return tree

    problem = _problem_of_sides(row, parsed)
    if problem is None:
        problem = read(row["problem"], "problem")
    answer = row.get("answer", "")
    if answer not in ("", None):
        raise ParseError(f"answer of record {uid[:12]} must be empty (a theorem's proof is its answer), got "
                         f"{str(answer)[:60]!r}")
    if problem.op != "eq":
        raise ParseError(f"problem of record {uid[:12]} is not an equation Eq(lhs, rhs)")
    steps = []
    for i, step in enumerate(row["steps"]):
        path = step["path"]
        if not isinstance(path, (list, tuple)) or not all(isinstance(p, int) and not isinstance(p, bool)
                                                            for p in path):
            raise ParseError(f"step {i} of record {uid[:12]}: path must be a list of integers")
        steps.append(ParsedStep(str(step["rule"]), str(step["direction"]), tuple(path),
                                parse_substitution(step["substitution"], f"step {i} substitution",
                                                   read_binding),
                                read(step["before"], f"step {i} before"), read(step["after"], f"step {i} after")))
    hypotheses = tuple(read(h, "hypothesis") for h in row["hypotheses"])
    for hypothesis in hypotheses:
        if hypothesis.op not in RELATION_TESTS:
            raise ParseError(f"hypothesis {row['hypotheses'][hypotheses.index(hypothesis)]!r} of record {uid[:12]} "
                             f"is not a relation")
    return ParsedTheorem(uid, problem.args[0], problem.args[1], hypotheses,
                         tuple(steps), str(row["domain"]), int(row["proof_length"]), int(row["shortest_found"]))


_OPENING_CHARACTERS: Final = "+-*/^(,=<>"
"""A token after which the parser may start a nested operand: every such token has one of these characters."""


def _problem_of_sides(row: Mapping[str, Any], parsed: dict[str, Expr]) -> Expr | None:
    """The problem's tree read as its two sides, when its text is exactly ``Eq(A, B)`` with ``A`` the first step's
    ``before`` and ``B`` the last step's ``after`` (each side is then parsed once, not once more inside the
    problem); ``None`` where that does not apply or a side does not parse (then the caller parses the problem).

    Why the trees are the ones ``parse`` gives the whole text: the tokens of ``Eq(A, B)`` are ``Eq``, ``(``, A's,
    ``,``, B's and ``)`` (no token spans a bracket, a comma or a space); inside ``Eq(`` each argument is read by
    the same rule as a whole text (``parse._relation``), and the parser's only look-ahead past a side's last token
    asks for ``(``, a binary operator or a relation, which neither ``,`` nor ``)`` nor the end is. The limits are
    out of reach: at most ``MAX_DEPTH`` characters (so as many tokens: no depth test), and fewer opening
    tokens than ``MAX_NESTING`` less one (each nested operand starts after one, ``Eq(`` adds a level)."""
    steps = row.get("steps")
    if type(steps) is not list or not steps or type(steps[0]) is not dict or type(steps[-1]) is not dict:
        return None
    text, lhs_text, rhs_text = row.get("problem"), steps[0].get("before"), steps[-1].get("after")
    if type(text) is not str or type(lhs_text) is not str or type(rhs_text) is not str or len(text) > MAX_DEPTH:
        return None
    if sum(text.count(c) for c in _OPENING_CHARACTERS) >= MAX_NESTING - 1 or text != f"Eq({lhs_text}, {rhs_text})":
        return None
    try:
        lhs, rhs = parse(lhs_text), parse(rhs_text)
    except ParseError:
        return None
    parsed[lhs_text], parsed[rhs_text] = lhs, rhs
    parsed[text] = Expr("eq", (lhs, rhs))
    return parsed[text]


def _subterm(e: Expr, path: Path) -> Expr | None:
    node = e
    for index in path:
        if not 0 <= index < len(node.args):
            return None
        node = node.args[index]
    return node


def _replay_step(record: ParsedTheorem, step: ParsedStep, current: Expr, book: RuleBook,
                 used: set[Expr]) -> str | None:
    rule = book.by_name.get(step.rule)
    if rule is None:
        return f"unknown rule {step.rule!r} (see `rpsdg rules list`)"
    if record.domain not in rule.domain:
        return f"rule {rule.name} does not hold over {record.domain}"
    if step.direction not in (FORWARD, BACKWARD):
        return f"direction {step.direction!r} is neither forward nor backward"
    if step.before != current:
        return "before is not the previous step's result (or the lhs)"
    if set(step.substitution) != set(rule.variables):
        return f"the substitution binds {sorted(step.substitution)}, the rule's variables are {list(rule.variables)}"
    direction = book.directions[(rule.name, step.direction)]
    if not admissible(direction, step.substitution):
        return (f"rule {rule.name} may bind {', '.join(rule.total)} only to terms defined at every real point "
                f"(it erases them)")
    subterm = _subterm(step.before, step.path)
    if subterm is None:
        return f"no subterm at path {list(step.path)}"
    side = "lhs" if step.direction == FORWARD else "rhs"
    try:
        if instantiate(direction.source, step.substitution) != subterm:
            return f"the subterm at {list(step.path)} is not the rule's {side} under the substitution"
        result = replace(step.before, step.path, instantiate(direction.target, step.substitution))
    except Unstable:
        return "the rewrite puts a minus sign on a literal <= 0 (not a plain rewrite)"
    if result == step.before:
        return "the step changes nothing"
    if result != step.after:
        return "after is not what the rule gives at that position"
    for condition in conditions_of(direction, step.substitution):
        if condition not in record.hypotheses:
            return f"side condition {condition!r} of {rule.name} is not among the hypotheses"
        used.add(condition)
    return None


def _int_language(e: Expr) -> bool:
    stack = [e]
    while stack:
        node = stack.pop()
        op = node.op
        if op not in _INT_OPS or (op == "pow" and not (node.args[1].op == "num"
                                                       and node.args[1].value >= 0)):  # type: ignore[operator]
            return False
        stack.extend(node.args)
    return True


def check_replay(record: ParsedTheorem, book: RuleBook | None = None) -> Verdict:
    book = book or default_rulebook()

    def reject(step: int, reason: str) -> Rejected:
        return Rejected("replay", VERSION, step, reason)

    if record.domain not in ("int", "real"):
        return reject(-1, f"domain {record.domain!r} is neither int nor real")
    if not record.steps:
        return reject(-1, "no steps")
    if record.lhs == record.rhs:
        return reject(-1, "the sides are identical")
    if record.shortest_found != len(record.steps) or record.proof_length < record.shortest_found:
        return reject(-1, f"shortest_found ({record.shortest_found}) must be the number of steps "
                          f"({len(record.steps)}) and proof_length ({record.proof_length}) at least that")
    current = record.lhs
    used: set[Expr] = set()
    for i, step in enumerate(record.steps):
        problem = _replay_step(record, step, current, book, used)
        if problem:
            return reject(i, problem)
        if record.domain == "int" and not _int_language(step.after):
            return reject(i, "over int, expressions must use + - * and natural powers only")
        current = step.after
    if current != record.rhs:
        return reject(len(record.steps) - 1, "the last step does not end at the rhs")
    if record.domain == "int" and not _int_language(record.lhs):
        return reject(-1, "over int, expressions must use + - * and natural powers only")
    chain = [record.lhs] + [step.after for step in record.steps]
    # each expression's natural conditions, less those of subtrees an earlier one has (one walk of the chain
    # serves both questions below: their union is every ``natural_conditions(e)``'s, and ``first_undefined``
    # scans these lists)
    conditions = conditions_in_order(chain)
    natural = {c for found in conditions for c in found}
    unused = [h for h in record.hypotheses if h not in used and h not in natural]
    if unused:
        return reject(-1, f"hypothesis {unused[0]!r} is neither a step's side condition nor a domain condition")
    if len(set(record.hypotheses)) != len(record.hypotheses):
        return reject(-1, "a hypothesis is repeated")
    if not has_variable(record.lhs) and not has_variable(record.rhs):
        return reject(-1, "both sides are constants (a degenerate theorem)")
    missing = first_not_implied(conditions, facts_of(record.hypotheses))  # first_undefined(chain, ...)
    if missing is not None:
        index, condition = missing
        return reject(index - 1, f"the hypotheses do not imply {condition!r}, which "
                                 f"{'the lhs' if index == 0 else 'this step'} needs to be defined over the reals")
    return Passed("replay", VERSION, f"{len(record.steps)} steps")


def _variables(expressions: Sequence[Expr], hypotheses: Sequence[Expr]) -> list[str]:
    """The sorted names of the variables in ``expressions`` and ``hypotheses``: one walk over all their nodes
    (cheaper than hashing whole trees to skip the repeats of a chain)."""
    names: set[str] = set()
    stack = list(expressions) + list(hypotheses)
    while stack:
        node = stack.pop()
        if node[0] == "sym":
            names.add(node[2])  # type: ignore[arg-type]
        elif node[1]:
            stack.extend(node[1])
    return sorted(names)


def domain_points(expressions: Sequence[Expr], hypotheses: Sequence[Expr], seed: str, memo: dict | None = None,
                  values: dict[Expr, list[float]] | None = None) -> list[dict[str, float]]:
    """Up to ``POINTS.count`` points (an rng seeded by ``seed``) where the hypotheses hold and every expression is
    defined; each tree is compiled once (``memo``: a compile memo shared with later evaluations of the same
    task, see :func:`rpsdg.expr.evaluate.compile_expr`; a chain's expressions share most subtrees). ``values``,
    when given, receives each expression's values at the returned points (computed while checking definedness)."""
    memo = {} if memo is None else memo
    distinct = list(dict.fromkeys(expressions))
    compiled = [compile_expr(e, memo) for e in distinct]
    rows: list[list[float]] = []
    points = sample_points(random.Random(seed), _variables(expressions, hypotheses), hypotheses, compiled, POINTS,
                           rows)
    if values is not None:
        for index, e in enumerate(distinct):
            values[e] = [row[index] for row in rows]
    return points


def has_domain_points(expressions: Sequence[Expr], hypotheses: Sequence[Expr], seed: str) -> bool:
    """Whether the numeric checker will find its quorum of points (the generator drops items that would not)."""
    return len(domain_points(expressions, hypotheses, seed)) >= POINTS.quorum


def chain_disagreement(chain: Sequence[Expr], points: Sequence[dict[str, float]], memo: dict | None = None,
                       known: Mapping[Expr, list[float]] | None = None) -> int | None:
    """The first index i at which ``chain[i]`` and ``chain[i + 1]`` agree at fewer than the quorum of ``points``
    (values huge enough to lose all precision can disagree at a few points), else ``None``. ``known``: values at
    ``points`` already computed (by :func:`domain_points`)."""
    memo = {} if memo is None else memo
    values = [known[e] if known is not None and e in known else _values(e, points, memo) for e in chain]
    for i in range(len(chain) - 1):
        if _agreeing(values[i], values[i + 1]) < POINTS.quorum:
            return i
    return None


def check_numeric(record: ParsedTheorem) -> Verdict:
    chain = [record.lhs] + [step.after for step in record.steps]
    expressions = chain + [step.before for step in record.steps] + [record.rhs]
    memo: dict = {}
    values: dict[Expr, list[float]] = {}  # every expression's values at the points, computed while drawing them
    points = domain_points(expressions, record.hypotheses, record.uid, memo, values)
    if len(points) < POINTS.quorum:
        return Rejected("numeric", VERSION, -1, "found too few points where the hypotheses hold and every step "
                                                "is defined")
    for i, step in enumerate(record.steps):
        if _agreeing(values[step.before], values[step.after]) < POINTS.quorum:
            return Rejected("numeric", VERSION, i, f"before and after differ at more than "
                                                   f"{len(points) - POINTS.quorum} of {len(points)} points")
    if _agreeing(values[record.lhs], values[record.rhs]) < POINTS.quorum:
        return Rejected("numeric", VERSION, -1, "lhs and rhs differ")
    return Passed("numeric", VERSION, f"{len(points)} points, quorum {POINTS.quorum}")


def _values(e: Expr, points: Sequence[dict[str, float]], memo: dict | None = None) -> list[float]:
    fn = compile_expr(e, memo)
    out = []
    for point in points:
        try:
            out.append(fn(point))
        except OutsideDomain:
            out.append(float("nan"))
    return out


def _agreeing(a: Sequence[float], b: Sequence[float]) -> int:
    return sum(close(x, y, rtol=1e-7) for x, y in zip(a, b))


def check_row(row: Mapping[str, Any]) -> list[Verdict]:
    """Both verdicts for one stored row, cheapest first; a row that does not parse fails both."""
    return list(check_each(row))


def check_each(row: Mapping[str, Any]) -> Iterator[Verdict]:
    """:func:`check_row`'s verdicts one at a time: a caller that stops early runs no further checker."""
    try:
        record = parse_row(row)
    except (ParseError, KeyError, TypeError, ValueError) as error:
        reason = f"malformed record: {error}"
        yield from [Rejected(name, VERSION, -1, reason) for name in NAMES]
        return
    yield check_replay(record)
    yield check_numeric(record)
