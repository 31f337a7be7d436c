"""Reading rule files: TOML tables → parsed, validated, audited :class:`Rule` values.

Every string is read with our own grammar (``rpsdg.expr.parse``), never evaluated. A file is refused as a whole,
with a message naming the file, the rule and the fix, when a table has unknown or missing keys, a side does not
parse, the rhs or a condition uses a variable the lhs lacks, a condition is not a relation, a Lean template names a
placeholder the rule does not have, ``total`` names a non-variable, a name repeats, or the numeric audit fails
(which also refuses a rule whose sides can differ in definedness under its conditions).
:func:`default_rulebook` loads the files shipped in this package once per process (the result is immutable).
To add a key: read it in :func:`_rule_from_table` and add it to :data:`KEYS`.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import Any, Iterable, Sequence

from rpsdg.errors import ParseError
from rpsdg.expr.parse import parse
from rpsdg.expr.tree import RELATIONS, Expr
from rpsdg.kinds.theorem.rules.audit import audit_rule
from rpsdg.kinds.theorem.rules.model import DOMAINS, Rule, RuleBook, RuleError

KEYS = ("name", "family", "lhs", "rhs", "conditions", "domain", "lean_int", "lean_real", "total")
REQUIRED = ("name", "family", "lhs", "rhs", "domain")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_']*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def rule_files() -> tuple[Path, ...]:
    """The rule files shipped with rpsdg, sorted by name."""
    return tuple(sorted(Path(__file__).parent.glob("*.toml")))


def load_rule_file(path: Path, audit: bool = True) -> tuple[Rule, ...]:
    """The rules of one file, parsed, validated and (unless ``audit`` is false) audited."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise RuleError(f"rule file {path}: cannot read it ({error.strerror}); check the path") from None
    except UnicodeDecodeError as error:
        raise RuleError(f"rule file {path}: not UTF-8 text (byte {error.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise RuleError(f"rule file {path}: not valid TOML ({error}); fix the syntax") from None
    tables = document.get("rule")
    extra = sorted(set(document) - {"rule"})
    if extra:
        raise RuleError(f"rule file {path}: unknown top-level key(s) {', '.join(extra)}; only [[rule]] tables "
                        f"are allowed")
    if not isinstance(tables, list) or not tables:
        raise RuleError(f"rule file {path}: no [[rule]] tables; add at least one rule")
    rules = tuple(_rule_from_table(table, str(path), number) for number, table in enumerate(tables, start=1))
    _refuse_repeats(rules)
    if audit:
        for rule in rules:
            audit_rule(rule)
    return rules


def load_rulebook(paths: Iterable[Path] | None = None, audit: bool = True) -> RuleBook:
    """A rule book from ``paths`` (default: the shipped files); names must be unique across files."""
    rules: list[Rule] = []
    for path in rule_files() if paths is None else paths:
        rules.extend(load_rule_file(Path(path), audit))
    _refuse_repeats(rules)
    return RuleBook.of(tuple(rules))


@functools.cache
def default_rulebook() -> RuleBook:
    """The shipped rules, loaded and audited once per process (immutable, so sharing it is safe)."""
    return load_rulebook()


def _refuse_repeats(rules: Sequence[Rule]) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.name in seen:
            raise RuleError(f"{rule.source}: rule name {rule.name!r} is already used in {seen[rule.name]}; "
                            f"rename one of them")
        seen[rule.name] = rule.source


def _rule_from_table(table: Any, source: str, number: int) -> Rule:
    if not isinstance(table, dict):
        raise RuleError(f"{source}: rule #{number} is not a table; write [[rule]] tables")
    name = table.get("name", f"#{number}")
    where = f"{source}: rule {name!r}"
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(KEYS)}")
    missing = [key for key in REQUIRED if key not in table]
    if missing:
        raise RuleError(f"{where}: missing key(s) {', '.join(missing)}")
    if not isinstance(name, str) or not _NAME.match(name):
        raise RuleError(f"{where}: the name must be an identifier (letters, digits, _)")
    texts = {key: table.get(key, "") for key in ("family", "lhs", "rhs", "lean_int", "lean_real")}
    for key, value in texts.items():
        if not isinstance(value, str):
            raise RuleError(f"{where}: {key} must be a string")
    lhs = _parse(texts["lhs"], where, "lhs")
    rhs = _parse(texts["rhs"], where, "rhs")
    for side, expr in (("lhs", lhs), ("rhs", rhs)):
        if expr.op in RELATIONS or expr.op in ("set", "tuple"):
            raise RuleError(f"{where}: {side} must be an expression, not a relation or container")
    variables = tuple(sorted(lhs.free_symbols()))
    extra = sorted(rhs.free_symbols() - set(variables))
    if extra:
        raise RuleError(f"{where}: the rhs uses variable(s) {', '.join(extra)} that the lhs does not have; every "
                        f"rhs variable must be bound by matching the lhs")
    conditions = _conditions(table.get("conditions", []), where, variables)
    domain = _domain(table["domain"], where)
    for dialect in ("int", "real"):
        _check_template(texts[f"lean_{dialect}"], where, f"lean_{dialect}", variables, len(conditions))
    if texts["lean_int"] and "int" not in domain:
        raise RuleError(f"{where}: lean_int is given but the domain does not include int")
    total = table.get("total", [])
    if not isinstance(total, list) or not all(isinstance(v, str) and v in variables for v in total):
        raise RuleError(f"{where}: total must be a list of the rule's variables ({', '.join(variables)}), "
                        f"got {total!r}")
    return Rule(name, texts["family"], lhs, rhs, variables, conditions, domain, texts["lean_int"],
                texts["lean_real"], source, tuple(sorted(set(total))))


def _parse(text: str, where: str, what: str) -> Expr:
    try:
        return parse(text, f"{what} of {where}")
    except ParseError as error:
        raise RuleError(f"{error}; fix the {what} of that rule") from None


def _conditions(values: Any, where: str, variables: tuple[str, ...]) -> tuple[Expr, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RuleError(f"{where}: conditions must be a list of strings such as \"Ne(a, 0)\" or \"0 < a\"")
    conditions = []
    for text in values:
        condition = _parse(text, where, "condition")
        if condition.op not in RELATIONS or condition.op == "eq":
            raise RuleError(f"{where}: condition {text!r} is not a relation (use Ne(a, 0), 0 < a, a >= 0 ...)")
        unknown = sorted(condition.free_symbols() - set(variables))
        if unknown:
            raise RuleError(f"{where}: condition {text!r} uses variable(s) {', '.join(unknown)} that the lhs does "
                            f"not have")
        conditions.append(condition)
    return tuple(conditions)


def _domain(value: Any, where: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or any(v not in DOMAINS for v in values):
        raise RuleError(f"{where}: domain must be \"int\", \"real\" or a list of them, got {value!r}")
    return tuple(sorted(set(values)))


def _check_template(text: str, where: str, key: str, variables: tuple[str, ...], conditions: int) -> None:
    allowed = set(variables) | {f"h{i}" for i in range(conditions)}
    for placeholder in _PLACEHOLDER.findall(text):
        if placeholder not in allowed:
            raise RuleError(f"{where}: {key} uses placeholder {{{placeholder}}}, but the rule only has "
                            f"{', '.join('{' + a + '}' for a in sorted(allowed)) or 'no placeholders'}")
