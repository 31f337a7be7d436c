"""The toy kind's whole implementation: config, generator, checker, rule table, wording and registration."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Mapping

from rpsdg.core import Derivation, Passed, Rejected, RuleInfo, checks_line
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_infix, to_latex, to_prefix
from rpsdg.expr.tree import add, num
from rpsdg.kinds import KindSpec


@dataclass(frozen=True)
class ToyConfig:
    """How many terms, and how large."""

    terms: int = 3
    """Number of integers summed."""
    bound: int = 9
    """Largest integer drawn."""


@dataclass(frozen=True)
class ToyStep:
    """``before`` → ``after`` by adding the first two terms."""

    rule: str
    before: str
    after: str

    def to_row(self) -> dict[str, Any]:
        return {"rule": self.rule, "before": self.before, "after": self.after}


def generate(config: ToyConfig, level: int, rng: random.Random) -> Derivation:
    values = [rng.randint(1, config.bound * level) for _ in range(config.terms)]
    problem = num(values[0])
    for value in values[1:]:
        problem = add(problem, num(value))
    steps, current = [], list(values)
    while len(current) > 1:
        before = " + ".join(map(str, current))
        current = [current[0] + current[1]] + current[2:]
        steps.append(ToyStep("add_first_two", before, " + ".join(map(str, current))))
    return Derivation("toy_sum", level, problem, num(current[0]), (), tuple(steps))


def check(row: Mapping[str, Any]) -> list:
    total = sum(int(t) for t in to_infix(parse(row["problem"], "problem")).replace(" ", "").split("+"))
    if str(total) != row["answer"]:
        return [Rejected("replay", "toy-1", -1, f"the sum is {total}, not {row['answer']}")]
    for index, step in enumerate(row["steps"]):
        terms = [int(t) for t in step["before"].split(" + ")]
        if step["after"] != " + ".join(map(str, [terms[0] + terms[1]] + terms[2:])):
            return [Rejected("replay", "toy-1", index, "the first two terms are not added")]
    return [Passed("replay", "toy-1")]


def describe(row: Mapping[str, Any]) -> str:
    return f"{row['problem']} = {row['answer']}\n" + checks_line(row["checks"])


def renderings(derivation: Derivation) -> dict[str, str]:
    return {"prefix": " ".join(to_prefix(derivation.problem)), "latex": to_latex(derivation.problem), "lean": ""}


SPEC = KindSpec(
    name="toy_sum", version="toy-1", config_type=ToyConfig, generate=generate,
    step_fields=(("rule", "string"), ("before", "string"), ("after", "string")), extra_fields=(),
    dedup_text=lambda d: "toy:" + to_infix(d.problem), checker_names=("replay",), check=check,
    renderings=renderings, describe=describe, symbolic_checkers=("replay",),
    rules=lambda: (RuleInfo("add_first_two", "add the first two numbers", "after adds before's first two terms",
                            "not rendered: the toy kind has no Lean renderer"),),
)
