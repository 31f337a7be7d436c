"""Instructions per verified item, counted by valgrind's callgrind: a speed comparison that load cannot move.

The machines are shared and noisy, so CPU-time rates of two checkouts measured minutes apart differ by ±20%.
An instruction count of a fixed amount of work (candidates 0..N-1 of a fixed config and seed, the real pipeline
function: generate, render, re-parse, every checker, dedup key) is repeatable to a fraction of a percent whatever
else runs. It is not time (cache misses and branch mispredictions cost no instructions), so quote it beside the
CPU-time benches, as a ratio. Imports are subtracted (a run with N = 0).

    python3 bench/instructions.py                                   # this checkout, three workloads
    python3 bench/instructions.py --against /work/base/python       # ratio old/new per workload
    python3 bench/instructions.py --path /tmp/compiled --against python   # an installed compiled build vs pure

Needs valgrind (Debian package ``valgrind``). Each workload takes about a minute under callgrind on an idle core.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOADS = {
    "equation-3": 150,   # equations, level 3 (issue 15's target level)
    "integral-lc": 40,   # integrals at Lample & Charton's size
    "theorem-3-3": 150,  # theorems at INT's (K, L) = (3, 3)
}


def make(workload: str, count: int) -> int:
    """Run candidates 0..count-1 of ``workload``; return how many were accepted (called inside callgrind)."""
    sys.path.insert(0, str(HERE))
    from rpsdg.kinds import get_kind
    from rpsdg.run.pipeline import produce

    kind, _, setting = workload.partition("-")
    spec = get_kind(kind)
    if kind == "integral":
        from integrals import MATCHED as config
        levels = (1,)
    elif kind == "theorem":
        from theorems import config_for
        k, length = (int(part) for part in setting.split("-"))
        config, levels = config_for(k, length, ("ring", "field"), 16), (1,)
    else:
        config, levels = spec.config_type(), (int(setting),)
    return sum(produce(spec, config, levels, 7, index).row is not None for index in range(count))


def instructions(python_path: str, workload: str, count: int) -> int:
    """Instructions callgrind counts for ``count`` candidates, imports included."""
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "callgrind.out")
        env = dict(os.environ, PYTHONPATH=python_path)
        result = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
                                 __file__, "--make", workload, str(count)],
                                env=env, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", result.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count for {workload} with {python_path}:\n{result.stderr[-2000:]}")
    return int(found.group(1))


def per_workload(python_path: str, workload: str, count: int) -> int:
    return instructions(python_path, workload, count) - instructions(python_path, workload, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=str(HERE.parent / "python"), help="PYTHONPATH of the checkout measured")
    parser.add_argument("--against", help="PYTHONPATH of a second checkout: prints both and the ratio")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--make", nargs=2, metavar=("WORKLOAD", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        print(make(args.make[0], int(args.make[1])))
        return
    print("million instructions for a fixed workload (callgrind; imports subtracted); ratio = against / path")
    for workload in args.workloads.split(","):
        count = WORKLOADS[workload]
        new = per_workload(args.path, workload, count)
        line = f"{workload:13} N={count:4}  {new / 1e6:9.1f}M"
        if args.against:
            old = per_workload(args.against, workload, count)
            line += f"  against {old / 1e6:9.1f}M  ratio {old / new:.2f}x"
        print(line, flush=True)


if __name__ == "__main__":
    main()
