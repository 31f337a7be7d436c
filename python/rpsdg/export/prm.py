"""``prm``: process-supervision data in PRM800K's manner: step sequences with a +1/−1 label per step.

For each item we write the correct solution (every step +1, ``finish_reason: "solution"``) and, beside it, up to
``negatives_per_item`` sequences that end in one plausible wrong step (−1, ``finish_reason: "found_error"``;
like PRM800K, labelling stops at the first error, whose index is ``first_error_step``).

A wrong step is made by corrupting one step's result (an integral step's antiderivative) with one of
:data:`CORRUPTIONS`. It is kept only if THE CHECKER rejects it at that step: the kind's ``KindSpec.step_check``
where it names one (integrals: the numeric checker, a finite-difference derivative of the step's antiderivative
against its integrand, on the record re-read from text with the corrupted step), else the kind's own checkers
(``KindSpec.check``) on the corrupted row, one of which must reject it at that step (a later step's "does not
start where the previous ended" does not count). Positives are re-checked the same way.
Every corruption kind's counts go into ``rpsdg_export.json`` and the card: ``made`` (a changed step was
produced), ``kept`` (the checker rejected it at that step; written), ``not_confirmed`` (the checker passed it, could
not decide, or raised: dropped) and ``not_applicable`` (no step of the item admits this corruption).

A corruption is kept as a wrong step only when it states something false: where the record's answer is a set of
solutions and the step's result a relation (an equation step), a corrupted relation that every solution still
satisfies may be true (``-(x - 10) = 0`` says the same as ``x - 10 = 0``) and is never rated −1; it is dropped and
counted ``true_statement`` (within ``not_confirmed``). A corruption that merely repeats what the step starts from
(``swapped_sides`` on a relation, or an expression step of a kind without an answer: a theorem's ``a = a``) is a
true but useless step: it is written as PRM800K's neutral rating 0, a step "restate" inserted into the otherwise
correct solution (``is_correct`` true, counted ``neutral``), not as an error.
Corruptions are plausible student errors: a sign slip, a constant off by one, a dropped factor, the missing chain
factor, the wrong table entry, and ``wrong_inverse`` (a both-sides move made the wrong way: subtracting where the
step adds, multiplying where it divides).

Solutions shown top down (integrals, ``common.reading_order``) show a composite step twice: an announce line
(its decomposition) and a combine line (its result). Every line gets a label: the honest solution's lines, announce
lines included, are +1; in a negative the corrupted step's *result* line is the first error (−1), since every
corruption changes a result and the decomposition the announce line states stays the honest one (+1, shown as
the honest solution shows it). A corruption of a field the announce line reads (a changed decomposition) makes that
announce line the first error (``PrmWriter._wrong_lines``).

To add a corruption: a function ``(step, target, rng) -> Expr | None`` (``None``: not applicable) in
:data:`CORRUPTIONS`.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Mapping

from rpsdg.maths.calculus import NotDifferentiable, derivative
from rpsdg.core import Passed, Rejected, Verdict, verdict_row
from rpsdg.errors import ConfigError, ParseError, RpsdgError
from rpsdg.expr.canonical import CanonTooBig, canon, to_expr
from rpsdg.expr.evaluate import compile_expr, holds
from rpsdg.expr.parse import parse
from rpsdg.maths.numeric import close
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import RELATIONS, Expr, add, div, mul, neg, num, pow_, rational_value
from rpsdg.export import ExportContext, ExportSource, ExportSpec
from rpsdg.export.common import ANNOUNCE, ShownStep, SplitFiles, policy_for, readable, reading_order, split_data_files
from rpsdg.export.wording import Wording, render_step

DEFAULT_NEGATIVES_PER_ITEM = 3

_FUNCTION_SWAPS = {"sin": "cos", "cos": "sin", "sinh": "cosh", "cosh": "sinh", "tan": "atan", "atan": "tan",
                   "exp": "log", "log": "exp", "asin": "acos", "acos": "asin", "tanh": "atanh", "atanh": "tanh",
                   "asinh": "acosh", "acosh": "asinh", "sqrt": "log"}


def _sign_error(step: Mapping[str, Any], target: Expr, rng: random.Random) -> Expr | None:
    return target.args[0] if target.op == "neg" else neg(target)


def _wrong_constant(step: Mapping[str, Any], target: Expr, rng: random.Random) -> Expr | None:
    """A numeric coefficient off by one (or doubled); a bare expression gets a stray factor 2."""
    literals = [path for path, node in target.positions() if node.op == "num" and node.value not in (0,)]
    if not literals:
        return mul(num(2), target)
    path = rng.choice(literals)
    value = int(target.at(path).value)  # type: ignore[arg-type]
    changed = value + 1 if value not in (-1,) else 2
    return target.replace_at(path, num(changed))


def _dropped_factor(step: Mapping[str, Any], target: Expr, rng: random.Random) -> Expr | None:
    products = [path for path, node in target.positions() if node.op == "mul"]
    if not products:
        return None
    path = rng.choice(products)
    node = target.at(path)
    return target.replace_at(path, node.args[rng.randrange(2)])


def _missing_chain_factor(step: Mapping[str, Any], target: Expr, rng: random.Random) -> Expr | None:
    """∫ g(u)·u' dx answered as if u' were an ordinary factor: the antiderivative times u'."""
    text = step.get("substitution") or ""
    if not text:
        return None
    try:
        inner = derivative(parse(text, "substitution"), "x")
    except (ParseError, NotDifferentiable):
        return None
    if rational_value(inner) == 1:
        return None
    return mul(target, inner)


def _misapplied_rule(step: Mapping[str, Any], target: Expr, rng: random.Random) -> Expr | None:
    """The wrong table entry (sin for cos, ...), a product integrated factor by factor, a quotient upside down,
    or the power rule applied twice."""
    for path, node in target.positions():
        if node.op in _FUNCTION_SWAPS:
            return target.replace_at(path, Expr(_FUNCTION_SWAPS[node.op], node.args))
    if target.op == "mul":
        return add(*target.args)
    if target.op == "div":
        return div(target.args[1], target.args[0])
    for path, node in target.positions():
        if node.op == "pow" and rational_value(node.args[1]) is not None:
            exponent = rational_value(node.args[1])
            return target.replace_at(path, pow_(node.args[0], num(exponent + 1)))  # type: ignore[operator]
    return None


def _swapped_sides(step: Mapping[str, Any], target: Expr, rng: random.Random) -> Expr | None:
    """The two sides mixed up: what the step starts from (its ``KindSpec.step_input_field``) written as its
    result."""
    text = step.get(INPUT_KEY) or ""
    return parse(text, "step input") if text else None


_INVERSE_OF = {"add": "sub", "subtract": "add", "multiply": "div", "divide": "mul"}


def _wrong_inverse(step: Mapping[str, Any], target: Expr, rng: random.Random) -> Expr | None:
    """A both-sides move made the wrong way (``x + 3 = 7`` → ``x = 10``): the result side moved twice the other
    way. Applies to steps whose rule starts with add/subtract/multiply/divide and that have an operand."""
    rule = str(step.get("rule", ""))
    text = step.get("operand") or ""
    verb = rule.split("_")[0]
    if verb not in _INVERSE_OF or not text or text.startswith(("Eq(", "Tuple(")):
        return None
    try:
        operand = parse(text, "step operand")
    except ParseError:
        return None
    if operand.op in RELATIONS:
        return None
    if verb in ("add", "subtract"):
        twice = mul(num(2), operand)
        return Expr("sub" if verb == "add" else "add", (target, twice))
    squared = pow_(operand, num(2))
    return Expr("div" if verb == "multiply" else "mul", (target, squared))


INPUT_KEY = "\x00input"
"""Where :class:`PrmWriter` puts what a step starts from (the kind's ``step_input_field``) for the corruptions."""

CORRUPTIONS: dict[str, Callable[[Mapping[str, Any], Expr, random.Random], Expr | None]] = {
    "sign_error": _sign_error, "wrong_constant": _wrong_constant, "dropped_factor": _dropped_factor,
    "missing_chain_factor": _missing_chain_factor, "misapplied_rule": _misapplied_rule,
    "swapped_sides": _swapped_sides, "wrong_inverse": _wrong_inverse,
}

FEATURES = (
    ("uid", "string"), ("kind", "string"), ("level", "int64"), ("split", "string"),
    ("question", {"problem": "string", "ground_truth_answer": "string"}),
    ("steps", ["string"]), ("labels", ["int64"]), ("is_correct", "bool"), ("first_error_step", "int64"),
    ("corruption", {"kind": "string", "stored_step": "int64", "shown_step": "int64", "field": "string",
                    "original": "string", "corrupted": "string", "checker": "string", "verdict": "string"}),
    ("label", {"steps": [{"completions": [{"text": "string", "rating": "int64", "flagged": "bool"}],
                          "chosen_completion": "int64"}], "finish_reason": "string"}),
)


def _corrupt(name: str, step: Mapping[str, Any], original: Expr, rng: random.Random) -> Expr | None:
    """Apply corruption ``name``; inside a relation (an equation step ``Eq(a, b)``) one side is corrupted (the
    right side for ``wrong_inverse``), except ``swapped_sides``, which replaces the whole relation by the step's
    input."""
    if original.op not in RELATIONS or name == "swapped_sides":
        return CORRUPTIONS[name](step, original, rng)
    side = 1 if name == "wrong_inverse" else rng.randrange(2)
    changed = CORRUPTIONS[name](step, original.args[side], rng)
    return None if changed is None else original.replace_at((side,), _tidied(changed))


def _tidied(e: Expr) -> Expr:
    """A corrupted side as a student writes it: collected (``-10 + 2*46`` → ``82``) where our canonical form can;
    an unsimplified wrong side gives itself away."""
    try:
        return to_expr(canon(e))
    except (CanonTooBig, ZeroDivisionError, ValueError):
        return e


def _relations(e: Expr) -> list[Expr] | None:
    if e.op in RELATIONS:
        return [e]
    if e.op == "tuple" and e.args and all(a.op in RELATIONS for a in e.args):
        return list(e.args)
    return None


def satisfied_by_every_solution(answer_text: str, relation: Expr) -> bool | None:
    """Whether every solution in the answer (a ``FiniteSet`` of values, or of tuples for x, y, z) satisfies the
    relation(s) in floating point; ``None`` when there is no such answer or it cannot be evaluated."""
    relations = _relations(relation)
    if relations is None or not answer_text.startswith("FiniteSet("):
        return None
    try:
        answer = parse(answer_text, "answer")
        names = sorted(relation.free_symbols())
        for element in answer.args:
            values = element.args if element.op == "tuple" else (element,)
            point = {name: compile_expr(v)({}) for name, v in zip(("x", "y", "z"), values)}
            if not set(names) <= set(point):
                return None
            for r in relations:
                a, b = (compile_expr(side)(point) for side in r.args)
                if r.op == "eq" and not close(a, b):
                    return False
                if r.op != "eq" and not holds(r, point):
                    return False
        return True
    except (ParseError, ArithmeticError, ValueError, KeyError):
        return None


class Confirmer:
    """Runs the checker that decides whether a (corrupted) row is right, for one kind (``KindSpec.step_check``,
    else all of the kind's checkers)."""

    def __init__(self, kind: str):
        from rpsdg.kinds import get_kind

        self.kind = kind
        try:
            self.spec = get_kind(kind)
        except RpsdgError:
            self.spec = None
        if self.spec is None:
            self.name = ""
        else:
            self.name = self.spec.step_check_name or "+".join(self.spec.checker_names)

    @property
    def available(self) -> bool:
        return self.spec is not None

    def verdict(self, row: Mapping[str, Any], step: int | None = None) -> Verdict | None:
        """The deciding verdict: a rejection at ``step`` if some checker gives one, else the first rejection, else
        a pass (no rejection and at least one pass; ``NotRun`` verdicts neither pass nor fail a record); ``None``
        where no checker can decide. The checkers after the first rejection at ``step`` do not run."""
        if self.spec is None:
            return None
        if self.spec.step_check is not None:
            return self.spec.step_check(row)
        verdicts = self.spec.run_checks(row, until=lambda v: isinstance(v, Rejected) and v.step == step)
        rejected = [v for v in verdicts if isinstance(v, Rejected)]
        if rejected:
            return next((v for v in rejected if v.step == step), rejected[0])
        return Passed(self.name, "", "no rejection") if any(isinstance(v, Passed) for v in verdicts) else None


def _rng(seed: int, uid: str) -> random.Random:
    digest = hashlib.sha256(f"prm|{seed}|{uid}".encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _result_field(step: Mapping[str, Any], name: str) -> str | None:
    """``name`` if the step holds a result text there (the kind's ``step_result_field``), else ``None``."""
    return name if isinstance(step.get(name), str) and step.get(name) else None


def _label(texts: list[str], ratings: list[int], finish: str) -> dict[str, Any]:
    return {"steps": [{"completions": [{"text": t, "rating": r, "flagged": False}], "chosen_completion": 0}
                      for t, r in zip(texts, ratings)], "finish_reason": finish}


class PrmWriter:
    """Makes the positive and negative sequences of one row."""

    def __init__(self, kind: str, seed: int, negatives: int, math: str = "plain"):
        self.kind, self.seed, self.negatives = kind, seed, negatives
        self.wording = Wording(seed, math=math)
        self.confirmer = Confirmer(kind)
        self.tally = {name: {"made": 0, "kept": 0, "not_applicable": 0, "not_confirmed": 0, "true_statement": 0,
                             "neutral": 0} for name in CORRUPTIONS}
        self.neutral: list[dict[str, Any]] = []
        self._honest: tuple[Any, list[tuple[ShownStep, str]]] | None = None

    def _lines(self, row: Mapping[str, Any], steps: list[Mapping[str, Any]]) -> list[tuple[ShownStep, str]]:
        """The shown lines of ``row`` with ``steps`` (reading order, ``common.reading_order``) and their texts."""
        shown_row = {**row, "steps": steps}
        return [(shown, render_step(self.wording, self.kind, row["uid"], shown))
                for shown in reading_order(shown_row, self.wording.math)]

    def _texts(self, row: Mapping[str, Any], steps: list[Mapping[str, Any]]) -> list[str]:
        return [text for _, text in self._lines(row, steps)]

    def _honest_lines(self, row: Mapping[str, Any]) -> list[tuple[ShownStep, str]]:
        """The correct solution's lines, computed once per row (the positive and each negative reuse them)."""
        key = (row["uid"], tuple(id(step) for step in row["steps"]))
        if self._honest is None or self._honest[0] != key:
            self._honest = (key, self._lines(row, list(row["steps"])))
        return self._honest[1]

    def _base(self, row: Mapping[str, Any]) -> dict[str, Any]:
        question = self.wording.render("problem", self.kind, row["uid"], problem=readable(row["problem"]),
                                       problem_latex="", hypotheses=[readable(h) for h in row["hypotheses"]],
                                       problem_stored=row["problem"], hypotheses_stored=list(row["hypotheses"]))
        return {"uid": row["uid"], "kind": self.kind, "level": int(row["level"]),
                "question": {"problem": question, "ground_truth_answer": row["answer"]}}

    def positive(self, row: Mapping[str, Any]) -> dict[str, Any]:
        texts = [text for _, text in self._honest_lines(row)]
        texts.append(self.wording.render("answer", self.kind, row["uid"], problem=row["problem"],
                                         answer=row["answer"], answer_latex=""))
        labels = [1] * len(texts)
        return {**self._base(row), "steps": texts, "labels": labels, "is_correct": True, "first_error_step": None,
                "corruption": None, "label": _label(texts, labels, "solution")}

    def negatives_of(self, row: Mapping[str, Any]) -> list[dict[str, Any]]:
        rng = _rng(self.seed, row["uid"])
        kinds = list(CORRUPTIONS)
        rng.shuffle(kinds)
        made: list[dict[str, Any]] = []
        shown = {line.stored_index for line, _ in self._honest_lines(row)}
        for name in kinds:
            if len(made) >= self.negatives:
                break
            negative = self._try(row, name, rng, shown)
            if negative is not None:
                made.append(negative)
        return made

    def _try(self, row: Mapping[str, Any], name: str, rng: random.Random,
             shown: set[int] | None = None) -> dict[str, Any] | None:
        """A negative made by corruption ``name`` at a random step; ``shown``: the stored steps that have a line
        of their own (a twin of an earlier solved sub-problem has none and is never the corrupted step)."""
        steps = list(row["steps"])
        order = list(range(len(steps)))
        rng.shuffle(order)
        for index in order:
            if shown is not None and index not in shown:
                continue
            spec = self.confirmer.spec
            field = _result_field(steps[index], spec.step_result_field) if spec else None
            if field is None:
                continue
            try:
                original = parse(steps[index][field], f"step {index} {field}")
                site = {**steps[index], INPUT_KEY: str(steps[index].get(spec.step_input_field) or "")}
                corrupted = _corrupt(name, site, original, rng)
            except (ParseError, ValueError):
                continue
            if corrupted is None or corrupted == original:
                continue
            text = to_infix(corrupted)
            if text == site[INPUT_KEY] and (original.op in RELATIONS or original.op == "tuple"
                                            or not row.get("answer")):
                self.tally[name]["neutral"] += 1  # a true restatement: PRM800K's neutral 0, not an error
                self.neutral.append(self._neutral(row, steps, index, field, text))
                return None
            self.tally[name]["made"] += 1
            if satisfied_by_every_solution(str(row.get("answer") or ""), corrupted):
                self.tally[name]["not_confirmed"] += 1  # may be a true statement: never rated -1
                self.tally[name]["true_statement"] += 1
                return None
            bad_steps = steps[:index] + [{**steps[index], field: text}] + steps[index + 1:]
            verdict = self.confirmer.verdict({**row, "steps": bad_steps}, index)
            if not (isinstance(verdict, Rejected) and verdict.step == index):
                self.tally[name]["not_confirmed"] += 1
                return None
            self.tally[name]["kept"] += 1
            return self._negative(row, bad_steps, index, name, field, steps[index][field], text, verdict)
        self.tally[name]["not_applicable"] += 1
        return None

    def _neutral(self, row: Mapping[str, Any], steps: list[Mapping[str, Any]], index: int, field: str,
                 text: str) -> dict[str, Any]:
        """The correct solution with a true but useless step (a restatement of step ``index``'s input) inserted
        before step ``index``, rated 0 as in PRM800K."""
        restated = {**steps[index], "rule": "restate", field: text, "operand": "", "note": ""}
        shown_steps = steps[:index] + [restated] + steps[index:]
        texts = self._texts(row, shown_steps)
        texts.append(self.wording.render("answer", self.kind, row["uid"], problem=row["problem"],
                                         answer=row["answer"], answer_latex=""))
        labels = [1] * len(texts)
        labels[index] = 0
        return {**self._base(row), "steps": texts, "labels": labels, "is_correct": True, "first_error_step": None,
                "corruption": None, "label": _label(texts, labels, "solution")}

    def _negative(self, row: Mapping[str, Any], bad_steps: list[Mapping[str, Any]], index: int, name: str,
                  field: str, original: str, corrupted: str, verdict: Rejected) -> dict[str, Any]:
        texts, shown = self._wrong_lines(row, bad_steps, index, field)
        labels = [1] * (shown - 1) + [-1]
        return {**self._base(row), "steps": texts, "labels": labels, "is_correct": False,
                "first_error_step": shown - 1,
                "corruption": {"kind": name, "stored_step": index, "shown_step": shown, "field": field,
                               "original": original, "corrupted": corrupted, "checker": verdict.checker,
                               "verdict": verdict_row(verdict)["detail"]},
                "label": _label(texts, labels, "found_error")}

    def _wrong_lines(self, row: Mapping[str, Any], bad_steps: list[Mapping[str, Any]], index: int,
                     field: str) -> tuple[list[str], int]:
        """The shown lines up to the first wrong one, and its number (1-based).

        A stored step may be shown on two lines (top-down order, ``common.py``): an *announce* line, which states
        the step's decomposition before its parts are solved, and its result line (``combine``, or the only line
        of a leaf). A corruption of the step's result field (``KindSpec.step_result_field``, which every current
        corruption targets) leaves the decomposition as the honest solution states it: the announce line is
        shown from the honest row and rated +1, and the result line, which the checker rejected, is the first
        error. A corruption of any other field that changes the announce line corrupts the decomposition itself:
        the announce line is then the first error. Lines before the first error are the honest solution's, in its
        order (a corrupted result may change how a step could be announced, never where the error is shown)."""
        honest = self._honest_lines(row)
        result_field = self.confirmer.spec.step_result_field if self.confirmer.spec else field
        hook = getattr(self.confirmer.spec, "step_formulas", None)
        bad = bad_steps[index]
        parts = [bad_steps[p] for p in bad.get("parts", []) or [] if isinstance(p, int) and 0 <= p < len(bad_steps)]
        formulas = dict(hook(bad, parts, self.wording.math)) if hook is not None else {}
        for position, (shown, text) in enumerate(honest):  # the honest solution's lines, in its order
            if shown.stored_index != index or (shown.role == ANNOUNCE and field == result_field):
                continue
            shown_formulas = {**shown.formulas, **formulas} if shown.role == ANNOUNCE else formulas
            wrong = render_step(self.wording, self.kind, row["uid"], replace(shown, step=bad, formulas=shown_formulas))
            if shown.role == ANNOUNCE and wrong == text:
                continue  # the decomposition reads the same: still true
            return [line for _, line in honest[:position]] + [wrong], position + 1
        raise RpsdgError(f"prm: stored step {index} of {row['uid']} has no line of its own; report this as a bug")



def write(source: ExportSource, context: ExportContext, directory: Path) -> dict[str, Any]:
    negatives = context.options.get("negatives_per_item", DEFAULT_NEGATIVES_PER_ITEM)
    if not isinstance(negatives, int) or negatives < 0:
        raise ConfigError(f"prm negatives_per_item {negatives!r}: must be a non-negative integer")
    writer = PrmWriter(source.kind, context.seed, negatives, context.options.get("math") or "plain")
    records_in, positives, skipped = 0, 0, {}
    written_negatives = written_neutral = 0
    with SplitFiles(directory, policy_for(source.kind, source.manifest)) as files:
        for row in source.rows():
            records_in += 1
            check = writer.confirmer.verdict(row) if writer.confirmer.available else None
            if writer.confirmer.available and not isinstance(check, Passed):
                skipped["positive_not_confirmed"] = skipped.get("positive_not_confirmed", 0) + 1
                continue
            files.add(row, writer.positive(row))
            positives += 1
            if not writer.confirmer.available:
                continue
            for negative in writer.negatives_of(row):
                files.add(row, negative)
                written_negatives += 1
            for neutral in writer.neutral:
                files.add(row, neutral)
                written_neutral += 1
            writer.neutral.clear()
    notes = [f"wrong steps are kept only when the `{writer.confirmer.name or 'kind'}` checker rejects them at the "
             f"corrupted step; per corruption kind: " +
             "; ".join(f"{k} made {v['made']}, kept {v['kept']}" for k, v in writer.tally.items()),
             "a corrupted equation step that every solution still satisfies may be true and is never rated -1 "
             "(dropped, `true_statement`); a step that only restates its input is written as a neutral step "
             "(rating 0) inside the correct solution (`neutral`)"]
    if not writer.confirmer.available:
        notes.append(f"no checker is registered for kind {source.kind!r}: only the (corpus-checked) correct "
                     f"solutions were written, no wrong steps")
    return {"records_in": records_in, "records_out": positives + written_negatives + written_neutral,
            "positives": positives, "negatives": written_negatives, "neutral": written_neutral, "negatives_per_item": negatives, "confirming_checker":
            writer.confirmer.name, "corruptions": writer.tally, "skipped": skipped, "notes": notes,
            **files.stats()}


SPEC = ExportSpec(
    name="prm", summary="process-supervision step sequences with +1/-1 step labels and the first error's index "
    "(PRM800K's manner); wrong steps are confirmed wrong by the checker",
    write=write, features=FEATURES, data_files=split_data_files, tags=("process-reward-model",),
    layout="JSON lines; `steps`/`labels`/`first_error_step` flat, and `label.steps[].completions[{text, rating, "
    "flagged}]` + `finish_reason` as in OpenAI's PRM800K (rating +1/-1, and 0 for a true but useless step; sequences stop at the first error)",
)
