"""Instructions per verified item, counted by valgrind's callgrind: a speed comparison that load cannot move.

The machines are shared and noisy, so CPU-time rates of two checkouts measured minutes apart differ by ±20%.
An instruction count of a fixed amount of work (candidates 0..N-1 of a fixed config and seed, the real pipeline
function: generate, render, re-parse, every checker, dedup key) is repeatable to a fraction of a percent whatever
else runs. It is not time (cache misses and branch mispredictions cost no instructions), so quote it beside the
CPU-time benches, as a ratio. Imports are subtracted (a run with N = 0).

    python3 bench/instructions.py                                   # this checkout, three workloads
    python3 bench/instructions.py --against /work/base/python       # ratio old/new per workload
    python3 bench/instructions.py --path /tmp/compiled --against python   # an installed compiled build vs pure
    python3 bench/instructions.py --against /tmp/filed/python             # vs the code issue 15 was filed on

A checkout's own ``bench/`` (beside its ``python/``) supplies the workloads' configs when it has one, so an older
release (``git worktree add /tmp/filed 1b5802a``: ``rpsdg.generators`` instead of ``rpsdg.kinds``) runs its own
definitions of the same workloads. Different code makes different candidates, so besides the total the script
prints instructions per *accepted* item, the figure to compare when the accepted counts differ.

``--cycles`` counts estimated cycles instead: callgrind also simulates the caches (``--cache-sim=yes``, about
twice as slow) and the figure is instructions + 10 per first-level miss + 100 per last-level miss (kcachegrind's
estimate). Use it for changes that move memory traffic more than instructions, such as the garbage collector's
passes (``rpsdg/run/collector.py``), which walk every tracked object.

Needs valgrind (Debian package ``valgrind``). Each workload takes about a minute under callgrind on an idle core.

``--timed ROUNDS --against Q`` measures the same fixed workloads in CPU time instead (no valgrind): each round runs
them once in a fresh process with this script's own checkout (``new``: the ``python/`` beside its ``bench/``) and
once with ``Q`` (``old``), the order alternating (``bench/sidebyside.py``), and prints accepted items per second of
CPU time, each round's ratio and their median. The same candidates on both sides, each checkout's own configs:
this is how a checkout that the speed benches cannot drive (the filed code's theorems and integrals) is timed.

    python3 bench/instructions.py --timed 7 --against /tmp/filed/python
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sidebyside import interleaved_rates, ratio_line  # bench/sidebyside.py, beside this script

HERE = Path(__file__).resolve().parent
REPEATABLE = {"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}
"""Set for every counted run: string hashing then probes dicts and sets the same way in every run, and numpy's
BLAS (imported with pyarrow) starts no worker threads, whose spinning callgrind would count (without these, counts
of the same build varied by about ±3%)."""
WORKLOADS = {
    "equation-3": 150,   # equations, level 3 (issue 15's target level)
    "integral-lc": 40,   # integrals at Lample & Charton's size
    "theorem-3-3": 150,  # theorems at INT's (K, L) = (3, 3)
    "theorem-7-7": 60,   # theorems at INT's (K, L) = (7, 7): longer walks, the shortest-proof search is 40%
}


TIMED = {"equation-3": 600, "integral-lc": 120, "theorem-3-3": 600, "theorem-7-7": 200}
"""Candidates per ``--timed`` run: a second or more of CPU time each."""


def make(workload: str, count: int, bench: str) -> int:
    """Run candidates 0..count-1 of ``workload`` with the configs of ``bench`` (a checkout's ``bench/``); return
    how many were accepted (called inside callgrind)."""
    from as_built import collect_as_a_build_does  # this script's bench/as_built.py, before ``bench`` shadows it

    sys.path.insert(0, bench)
    try:
        from rpsdg.kinds import get_kind
    except ImportError:  # releases before the house move (issue 10)
        from rpsdg.generators import get_kind  # type: ignore[no-redef]
    from rpsdg.run.pipeline import produce

    collect_as_a_build_does()

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


def bench_of(python_path: str) -> str:
    """The ``bench/`` beside ``python_path`` when it has the workloads' configs, else this one (an installed
    build in a ``--target`` directory has none)."""
    own = Path(python_path).resolve().parent / "bench"
    return str(own if (own / "integrals.py").exists() and (own / "theorems.py").exists() else HERE)


def instructions(python_path: str, workload: str, count: int, cycles: bool = False) -> tuple[int, int]:
    """(instructions callgrind counts for ``count`` candidates, or with ``cycles`` its estimate of their cycles,
    imports included; items accepted)."""
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "callgrind.out")
        env = dict(os.environ, PYTHONPATH=python_path, **REPEATABLE)
        result = subprocess.run(["valgrind", "--tool=callgrind", f"--cache-sim={'yes' if cycles else 'no'}",
                                 f"--callgrind-out-file={out}", sys.executable, __file__, "--make", workload,
                                 str(count), bench_of(python_path)], env=env, capture_output=True, text=True)
    found = re.search(r"Collected : ([\d ]+)", result.stderr)
    if result.returncode != 0 or found is None:
        raise SystemExit(f"callgrind printed no count for {workload} with {python_path}:\n{result.stderr[-2000:]}")
    return estimated_cost([int(n) for n in found.group(1).split()]), int(result.stdout.split()[-1])


def estimated_cost(collected: list[int]) -> int:
    """Instructions, or with the cache simulation's events (Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw) estimated
    cycles: instructions + 10 per first-level miss + 100 per last-level miss."""
    if len(collected) == 1:
        return collected[0]
    ir, _, _, i1, d1r, d1w, ll_i, ll_r, ll_w = collected
    return ir + 10 * (i1 + d1r + d1w) + 100 * (ll_i + ll_r + ll_w)


def per_workload(python_path: str, workload: str, count: int, cycles: bool = False) -> tuple[int, int]:
    """(instructions or estimated cycles for ``count`` candidates less the imports, items accepted)."""
    total, accepted = instructions(python_path, workload, count, cycles)
    return total - instructions(python_path, workload, 0, cycles)[0], accepted


def timed_rate(workload: str) -> float:
    """Accepted items per second of CPU time for ``TIMED[workload]`` candidates of the checkout on ``PYTHONPATH``,
    after a warm-up of five candidates (imports, rule tables and first-use caches are not timed)."""
    bench = bench_of(os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or str(HERE.parent / "python"))
    make(workload, 5, bench)
    started = time.process_time()
    accepted = make(workload, TIMED[workload], bench)
    return accepted / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=str(HERE.parent / "python"), help="PYTHONPATH of the checkout measured")
    parser.add_argument("--against", help="PYTHONPATH of a second checkout: prints both and the ratio")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--cycles", action="store_true", help="estimated cycles (cache simulation), not instructions")
    parser.add_argument("--make", nargs=3, metavar=("WORKLOAD", "N", "BENCH"), help=argparse.SUPPRESS)
    parser.add_argument("--timed", type=int, metavar="ROUNDS", help="CPU time per accepted item, side by side with "
                                                                    "--against, instead of instructions")
    parser.add_argument("--time-one", metavar="WORKLOAD", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        print(make(args.make[0], int(args.make[1]), args.make[2]))
        return
    if args.time_one:
        print(f"{args.time_one} {timed_rate(args.time_one):.3f}")
        return
    if args.timed:
        if not args.against:
            raise SystemExit("--timed compares this checkout with another: give --against PATH")
        print(f"accepted items per second of CPU time, {args.timed} interleaved rounds; old = {args.against}, "
              f"new = this checkout (quote the median of the per-round ratios)")
        for workload in args.workloads.split(","):
            rates = interleaved_rates(__file__, args.against, args.timed, lambda _, w=workload: ["--time-one", w],
                                      r"^(\S+) ([\d.]+)$")
            print(ratio_line(workload, rates, 1), flush=True)
        return
    unit = "estimated cycles (callgrind's cache simulation)" if args.cycles else "instructions (callgrind)"
    print(f"million {unit} for a fixed workload (imports subtracted), and per accepted item; ratio = against / path")
    for workload in args.workloads.split(","):
        count = WORKLOADS[workload]
        new, accepted = per_workload(args.path, workload, count, args.cycles)
        line = f"{workload:13} N={count:4}  {new / 1e6:9.1f}M  accepted {accepted:4}  {new / 1e6 / accepted:6.2f}M each"
        if args.against:
            old, old_accepted = per_workload(args.against, workload, count, args.cycles)
            line += (f"  | against {old / 1e6:9.1f}M  accepted {old_accepted:4}  {old / 1e6 / old_accepted:6.2f}M "
                     f"each  ratio {old / new:.2f}x, per accepted item {old / old_accepted / (new / accepted):.2f}x")
        print(line, flush=True)


if __name__ == "__main__":
    main()
