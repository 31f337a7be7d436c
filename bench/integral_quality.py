#!/usr/bin/env python3
"""Integral solution quality (issue 12), per level: repeated sub-integrals, ``∫ 1 dx = x + c`` with c ≠ 0, nested
reciprocals ``1/(a/b)`` in a step, steps per record (median, max) against the level's step budget.

    python3 bench/integral_quality.py CORPUS [CORPUS ...]
    python3 bench/integral_quality.py --build 1000 --seed 31 [--direction mixed]   # builds with this tree first

A corpus is a directory written by ``rpsdg build`` (jsonl or parquet shards). Run it on a corpus built by the old
code and one built by the new to compare.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from rpsdg.expr.parse import parse  # noqa: E402


def rows_of(corpus: Path):
    for shard in sorted(corpus.glob("*.jsonl")):
        for line in shard.open(encoding="utf-8"):
            yield json.loads(line)
    for shard in sorted(corpus.glob("*.parquet")):
        import pyarrow.parquet as pq

        yield from pq.read_table(shard).to_pylist()


def nested_reciprocal(text: str) -> bool:
    e = parse(text)
    for _, node in e.positions():
        if node.op == "div" and node.args[1].op == "div":
            return True
        if node.op == "pow" and node.args[0].op == "div" and node.args[1].op == "num" and node.args[1].value < 0:
            return True
    return False


def one_plus_c(step: dict) -> bool:
    """``∫ 1 dx = x + c`` with a non-zero constant c."""
    if step["integrand"].replace(" ", "") != "1":
        return False
    return parse(step["antiderivative"]) != parse("x")


def measure(corpus: Path) -> dict:
    per_level = defaultdict(lambda: {"records": 0, "repeated": 0, "one_plus_c": 0, "nested": 0, "steps": []})
    for row in rows_of(corpus):
        level = per_level[int(row["level"])]
        steps = row["steps"]
        level["records"] += 1
        integrals = [s["integrand"] for s in steps if s["rule"] not in ("rewrite", "simplify")]
        level["repeated"] += len(integrals) != len(set(integrals))
        level["one_plus_c"] += any(one_plus_c(s) for s in steps)
        level["nested"] += any(nested_reciprocal(s["integrand"]) or nested_reciprocal(s["antiderivative"])
                               for s in steps)
        level["steps"].append(len(steps))
    report = {}
    for level, figures in sorted(per_level.items()):
        n = figures["records"]
        report[level] = {"records": n, "repeated_subintegral_pct": round(100 * figures["repeated"] / n, 1),
                         "one_dx_plus_c_pct": round(100 * figures["one_plus_c"] / n, 1),
                         "nested_reciprocal_pct": round(100 * figures["nested"] / n, 1),
                         "median_steps": statistics.median(figures["steps"]), "max_steps": max(figures["steps"])}
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="*", type=Path)
    parser.add_argument("--build", type=int, default=0, help="build a corpus of this many items first")
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--direction", default="backward")
    args = parser.parse_args()
    corpora = list(args.corpora)
    if args.build:
        out = Path(tempfile.mkdtemp(prefix="integral_quality_")) / "corpus"
        subprocess.run([sys.executable, "-m", "rpsdg", "build", "--kind", "integral", "--count", str(args.build),
                        "--seed", str(args.seed), "--format", "jsonl", "--direction", args.direction, "--out",
                        str(out)], check=True, env={"PYTHONPATH": str(ROOT / "python"), "PATH": "/usr/bin:/bin"})
        corpora.append(out)
    for corpus in corpora:
        print(f"{corpus}:")
        print("level  records  repeated%  ∫1dx=x+c%  nested1/(a/b)%  median_steps  max_steps")
        for level, r in measure(corpus).items():
            print(f"{level:>5}  {r['records']:>7}  {r['repeated_subintegral_pct']:>9}  {r['one_dx_plus_c_pct']:>9}  "
                  f"{r['nested_reciprocal_pct']:>14}  {r['median_steps']:>12}  {r['max_steps']:>9}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
