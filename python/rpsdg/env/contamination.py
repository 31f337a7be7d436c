"""``rpsdg contamination``: which corpus items match a benchmark's problems, up to renaming and rewriting.

Every problem (ours: the record's ``problem``; theirs: the ``--field`` of each JSON line, our grammar or LaTeX,
each ``$...$`` segment of prose read on its own, ``\\int f \\, dx`` read as its integrand) is reduced to keys:

* an expression: its canonical form (:mod:`rpsdg.expr.canonical`: expanded, like terms collected) with the
  variables renamed ``v0, v1, ...`` -- the smallest key over all renamings of up to :data:`MAX_RENAMED`
  variables, so ``x^2 + 2x`` matches ``2t + t^2``;
* an equation ``a = b``: the canonical form of ``a - b`` divided by its leading coefficient (so ``2x = 4``,
  ``x - 2 = 0`` and ``4 = 2x`` match), plus the unordered pair of its sides' keys; a side difference that is 0 (an
  identity, as every theorem is) only contributes the pair;
* a system: the sorted keys of its equations.

Two problems match when they share a key. Canonical forms are sound but incomplete (``sin^2 + cos^2`` is not
reduced to 1), so a match is certain and a miss is not proof of absence. The report lists every matching record
with the benchmark lines it matches.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any, Iterable

from rpsdg.corpus.store import Corpus
from rpsdg.env.evaluate import write_text_atomic
from rpsdg.env.reading import READER
from rpsdg.errors import ParseError, RpsdgError
from rpsdg.expr.canonical import CanonTooBig, canon, sum_key
from rpsdg.expr.parse import parse
from rpsdg.expr.rational import Fraction
from rpsdg.expr.tree import Expr, sub, sym

MAX_RENAMED = 4
"""Variables beyond this many are renamed in sorted order only (no search over permutations)."""


def _rename(e: Expr, mapping: dict[str, str]) -> Expr:
    if e.op == "sym":
        return sym(mapping.get(str(e.value), str(e.value)))
    if not e.args:
        return e
    return Expr(e.op, tuple(_rename(a, mapping) for a in e.args), e.value)


def _renamings(names: list[str]) -> Iterable[dict[str, str]]:
    if len(names) > MAX_RENAMED:
        yield {name: f"v{i}" for i, name in enumerate(names)}
        return
    for order in itertools.permutations(names):
        yield {name: f"v{i}" for i, name in enumerate(order)}


def _monic_key(s: dict) -> str:
    if not s:
        return "0"
    first = min(s.items(), key=lambda item: sum_key({item[0]: 1}))[1]
    return sum_key({m: Fraction(c) / Fraction(first) for m, c in s.items()})


def keys(e: Expr) -> set[str]:
    """The match keys of a problem (see the module docstring); empty if it cannot be put in canonical form."""
    try:
        if e.op == "tuple":
            parts = [sorted(keys(a)) for a in e.args]
            return {"system:" + "|".join(sorted(p[0] if p else "?" for p in parts))}
        names = sorted(e.free_symbols())
        found: set[str] = set()
        if e.op in ("eq",):
            best_difference, best_sides = None, None
            for mapping in _renamings(names):
                left, right = _rename(e.args[0], mapping), _rename(e.args[1], mapping)
                difference = canon(sub(left, right))
                if difference:
                    key = _monic_key(difference)
                    best_difference = key if best_difference is None else min(best_difference, key)
                sides = "=".join(sorted((sum_key(canon(left)), sum_key(canon(right)))))
                best_sides = sides if best_sides is None else min(best_sides, sides)
            if best_difference is not None:
                found.add("equation:" + best_difference)
            if best_sides is not None:
                found.add("sides:" + best_sides)
            return found
        if e.op in ("ne", "lt", "le", "gt", "ge", "set"):
            return set()
        best = min(sum_key(canon(_rename(e, mapping))) for mapping in _renamings(names))
        return {"expr:" + best}
    except (CanonTooBig, ZeroDivisionError, ValueError, RecursionError, ArithmeticError):
        return set()


def benchmark_keys(text: str) -> set[str]:
    """Keys of a benchmark problem: our grammar first, else each math segment read as LaTeX."""
    if not isinstance(text, str) or not text.strip():
        return set()
    try:
        return keys(parse(text, "benchmark problem"))
    except ParseError:
        pass
    found: set[str] = set()
    for segment in READER.math(text)[:20]:
        plain = READER.normalize(segment)
        if plain is None:
            continue
        if "\\int" in plain:
            inner = plain.split("\\int", 1)[1].strip()
            inner = re.sub(r"\s*d\s*[A-Za-z]\s*$", "", inner)
            tree = READER.expr(inner)
            if tree is not None:
                found |= keys(tree)
            continue
        pieces = READER.split(plain, ("=",))
        trees = [READER.expr(piece) for piece in pieces]
        if len(trees) == 2 and all(t is not None for t in trees):
            found |= keys(Expr("eq", (trees[0], trees[1])))
        elif len(trees) == 1 and trees[0] is not None:
            found |= keys(trees[0])
    return found


def find_matches(corpus: Path, against: Path, field: str = "problem") -> dict[str, Any]:
    """The contamination report: benchmark items read, and every corpus record matching one or more of them."""
    index: dict[str, list[int]] = {}
    read = unreadable = 0
    texts: dict[int, str] = {}
    try:
        stream = against.open(encoding="utf-8")
    except OSError as error:
        raise RpsdgError(f"--against {against}: cannot read it ({error.strerror}); pass a JSON-lines file") from None
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                unreadable += 1
                continue
            text = value.get(field) if isinstance(value, dict) else None
            found = benchmark_keys(text) if isinstance(text, str) else set()
            if not found:
                unreadable += 1
                continue
            read += 1
            texts[number] = text[:300]
            for key in found:
                index.setdefault(key, []).append(number)
    matches = []
    records = 0
    for row in Corpus(corpus).rows():
        records += 1
        try:
            mine = keys(parse(row["problem"], "corpus problem"))
        except ParseError:
            continue
        lines = sorted({n for key in mine for n in index.get(key, [])})
        if lines:
            matches.append({"uid": row["uid"], "level": row["level"], "problem": row["problem"],
                            "benchmark_lines": lines, "benchmark_texts": [texts[n] for n in lines[:5]]})
    return {"corpus": str(corpus), "against": str(against), "field": field, "corpus_records": records,
            "benchmark_items_read": read, "benchmark_items_unreadable": unreadable,
            "matched_records": len(matches), "matches": matches}


def write_matches(report: dict[str, Any], out: Path) -> Path:
    path = out / "contamination.json"
    write_text_atomic(path, json.dumps(report, indent=2, sort_keys=True) + "\n")
    return path
