"""A theorem record (an identity proved by a chain of rewrite rules) as a Lean ``calc`` chain, one line per step.

Record format (``generators/theorem.py``): ``problem`` = ``Eq(lhs, rhs)``, ``hypotheses``, steps
``{rule, direction, path, substitution, before, after}`` and the extra column ``domain`` ("int": core Lean,
``Int``; "real": Mathlib, ℝ). Each rule of ``rules/*.toml`` carries ``lean_int``/``lean_real``: a Lean term proving
the rule's lhs = rhs with ``{a}``, ``{b}`` for the pattern variables' Lean text and ``{h0}``, ``{h1}`` for proofs of
its side conditions. One step becomes

    _ = after := congrArg (fun t : T => C[t]) (instance)        -- C: ``before`` around ``path``

with ``.symm`` on the instance for a backward step, and no ``congrArg`` at the root. Side-condition proofs are
``(by assumption)``: the item's hypotheses are the theorem's, so Lean finds the one that matches or fails loudly.
Every lemma name in a rule's Lean term must be in ``lemma_table.py`` (checked here and in the tests).
To extend: add rules with ``lean_int``/``lean_real`` terms whose names are pinned.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from rpsdg.errors import ParseError
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import LeanUnsupported
from rpsdg.lean.text import lean_text as to_lean
from rpsdg.expr.tree import Expr, sym
from rpsdg.lean.text import NotRenderable, theorem_name
from rpsdg.lean.proof import Proof, Statement, Tactic, predicted_states, premises_of
from rpsdg.lean.lemma_table import DO_NOT_EMIT, FUNCTION_NAMES, LEMMAS, PLACEHOLDER, lemma, lemma_names_in



@dataclass(frozen=True)
class CalcLine:
    step: int
    rule: str
    after: str
    proof: str


@dataclass(frozen=True)
class TheoremLean:
    uid: str
    theorem: str
    dialect: str
    variables: tuple[str, ...]
    hypotheses: tuple[tuple[str, str], ...]
    lhs: str
    rhs: str
    lines: tuple[CalcLine, ...]

    @property
    def step_count(self) -> int:
        return len(self.lines)

    @property
    def type_name(self) -> str:
        return "Int" if self.dialect == "int" else "ℝ"


class _Refuse(Exception):
    pass


def load_rule_terms(rules_dir: Path | None = None) -> dict[str, dict[str, str]]:
    """``{rule name: {"int": term, "real": term}}`` from ``rules/*.toml`` (empty when no rule files exist)."""
    directory = rules_dir or Path(__file__).resolve().parent / "rules"
    table: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("*.toml")) if directory.is_dir() else []:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        rules = document.get("rule", document.get("rules", []))
        entries = rules if isinstance(rules, list) else [dict(v, name=k) for k, v in rules.items()]
        for entry in entries:
            if isinstance(entry, Mapping) and "name" in entry:
                table[str(entry["name"])] = {d: str(entry[f"lean_{d}"]) for d in ("int", "real")
                                             if entry.get(f"lean_{d}")}
    return table


def check_rule_term(term: str) -> None:
    """Refuse a rule term naming an unpinned or deprecated lemma."""
    for name in lemma_names_in(term):
        if name in FUNCTION_NAMES:
            continue
        if name in DO_NOT_EMIT or name not in LEMMAS:
            lemma(name)  # raises with the fix


def _parse(text: str, what: str) -> Expr:
    try:
        return parse(text, what)
    except ParseError as error:
        raise _Refuse(f"unparsable {what}: {error}") from None


def _lean(e: Expr, dialect: str) -> str:
    try:
        return to_lean(e, dialect)
    except LeanUnsupported as error:
        raise _Refuse(str(error)) from None


def parse_substitution(text: str, dialect: str) -> dict[str, str]:
    """``"a := x + 1; b := 2*y"`` as ``{"a": "(x + 1)", "b": "(2 * y)"}`` in Lean text."""
    values: dict[str, str] = {}
    for piece in filter(None, (p.strip() for p in text.split(";"))):
        name, sep, value = piece.partition(":=")
        if not sep or not name.strip().isidentifier():
            raise _Refuse(f"substitution piece {piece!r} is not `name := expression`")
        rendered = _lean(_parse(value.strip(), "substitution value"), dialect)
        values[name.strip()] = rendered if re.fullmatch(r"[\w.]+", rendered) else f"({rendered})"
    return values


def _instance(term: str, values: Mapping[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in values:
            return values[key]
        if re.fullmatch(r"h\d+", key):
            return "(by assumption)"
        raise _Refuse(f"rule term needs {{{key}}} but the substitution does not give it")

    return PLACEHOLDER.sub(fill, term)


def _fresh(names: frozenset[str]) -> str:
    candidate = "t"
    while candidate in names:
        candidate += "'"
    return candidate


def _calc_line(number: int, step: Mapping[str, Any], rules: Mapping[str, Mapping[str, str]], dialect: str,
               current: Expr, type_name: str) -> tuple[CalcLine, Expr]:
    rule = str(step["rule"])
    terms = rules.get(rule)
    if not terms or dialect not in terms:
        raise _Refuse(f"step {number + 1}: rule {rule!r} has no lean_{dialect} term")
    check_rule_term(terms[dialect])
    before = _parse(step["before"], "step before")
    after = _parse(step["after"], "step after")
    if before != current:
        raise _Refuse(f"step {number + 1}: 'before' is not the previous step's result")
    path = tuple(int(i) for i in step["path"])
    try:
        before.at(path)
    except (IndexError, TypeError):
        raise _Refuse(f"step {number + 1}: path {list(path)} is not a position in 'before'") from None
    proof = _instance(terms[dialect], parse_substitution(str(step.get("substitution", "")), dialect))
    direction = str(step.get("direction", "forward"))
    if direction not in ("forward", "backward"):
        raise _Refuse(f"step {number + 1}: direction {direction!r} is not forward/backward")
    if direction == "backward":
        proof = f"({proof}).{lemma('Eq.symm').split('.')[1]}"
    if path:
        hole = _fresh(before.free_symbols() | after.free_symbols())
        context = _lean(before.replace_at(path, sym(hole)), dialect)
        proof = f"{lemma('congrArg')} (fun {hole} : {type_name} => {context}) ({proof})"
    return CalcLine(number, rule, _lean(after, dialect), proof), after


def lean_theorem(row: Mapping[str, Any], rules: Mapping[str, Mapping[str, str]]) -> TheoremLean | NotRenderable:
    """The calc-chain rendering of one theorem row, or why it has none."""
    uid = str(row.get("uid", "?"))
    try:
        dialect = str(row.get("domain") or "int")
        if dialect not in ("int", "real"):
            raise _Refuse(f"domain {dialect!r} is neither int nor real")
        type_name = "Int" if dialect == "int" else "ℝ"
        problem = _parse(row["problem"], "problem")
        if problem.op != "eq":
            raise _Refuse("problem is not Eq(lhs, rhs)")
        lhs, rhs = problem.args
        hypotheses = [_parse(h, "hypothesis") for h in row["hypotheses"]]
        if not row["steps"]:
            raise _Refuse("no steps")
        lines, current = [], lhs
        for number, step in enumerate(row["steps"]):
            line, current = _calc_line(number, step, rules, dialect, current, type_name)
            lines.append(line)
        if current != rhs:
            raise _Refuse("the last step does not reach the right-hand side")
        names = problem.free_symbols().union(*(h.free_symbols() for h in hypotheses))
        return TheoremLean(uid, theorem_name(uid), dialect, tuple(sorted(names)),
                           tuple((f"h{n}", _lean(h, dialect)) for n, h in enumerate(hypotheses)),
                           _lean(lhs, dialect), _lean(rhs, dialect), tuple(lines))
    except _Refuse as refusal:
        return NotRenderable(uid, str(refusal))


def theorem_proof(item: TheoremLean, name: str) -> Proof:
    type_name = item.type_name
    shown_type = "ℤ" if type_name == "Int" else type_name
    binders = ((f"{' '.join(item.variables)} : {type_name}",) if item.variables else ()) + tuple(
        f"{h} : {text}" for h, text in item.hypotheses)
    lhs = item.lhs if item.variables else f"({item.lhs} : {type_name})"  # constant-only: typed, not over ℕ
    goal = f"{lhs} = {item.rhs}"
    tactics, before = [], lhs
    for position, line in enumerate(item.lines):
        if position == len(item.lines) - 1:
            text = f"exact ({line.proof} : {before} = {line.after})"
        else:
            text = f"refine {lemma('Eq.trans')} ({line.proof} : {before} = {line.after}) ?_"
        tactics.append(Tactic(text, premises_of(line.proof) + (() if position == len(item.lines) - 1 else
                                                             ("Eq.trans",)), f"{before} = {item.rhs}"))
        before = line.after
    context = ([f"{' '.join(item.variables)} : {shown_type}"] if item.variables else []) + [
        f"{h} : {text}" for h, text in item.hypotheses]
    return Proof(Statement(name, binders, goal), tuple(tactics), predicted_states(context, tactics), item.dialect)
