"""Lample & Charton's BWD integration data generator timed on this machine, one process: pairs per second.

Why: bench/integrals.py compares our verified integrals per second with the BWD generator's rate, and a rate taken
on another machine (shared/design/anchors.md: 4.4-4.9 pairs/s, "our machine class") is only as good as the two
machines are alike. This script measures the generator itself where our bench runs, so the ratio is side by side.

It builds facebookresearch/SymbolicMathematics' own environment (commit 4596d07, ``src/envs/char_sp.py``) with the
arguments of the BWD data command in its README (``--tasks prim_bwd``, their operators and weights,
``--max_ops 15 --max_int 5 --positive true --max_len 512 --leaf_probs 0.75,0,0.25,0``) and calls its
``gen_prim_bwd(rng, predict_primitive=True)`` in a loop in one process for ``--seconds`` of CPU time, counting the
pairs it returns (``None`` is a rejected attempt). Its SymPy ``simplify`` on half the items runs under its own 2 s
alarm. Run with the repository's root on ``sys.path`` and in a Python with what it imports (PyTorch, numexpr,
SymPy):

    git clone https://github.com/facebookresearch/SymbolicMathematics /tmp/lc
    PYTHONPATH=/tmp/lc python bench/anchors/lc_rate.py

Prints the median rate of ``--runs`` runs and the rejected share; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

BWD_ARGUMENTS = ["--tasks", "prim_bwd", "--env_base_seed", "-1", "--n_variables", "1", "--n_coefficients", "0",
                 "--leaf_probs", "0.75,0,0.25,0", "--max_ops", "15", "--max_int", "5", "--positive", "true",
                 "--max_len", "512", "--operators",
                 "add:10,sub:3,mul:10,div:5,sqrt:4,pow2:4,pow3:2,pow4:1,pow5:1,ln:4,exp:4,sin:4,cos:4,tan:4,"
                 "asin:1,acos:1,atan:1,sinh:1,cosh:1,tanh:1,asinh:1,acosh:1,atanh:1"]
"""The environment arguments of the README's ``prim_bwd`` export command."""


def environment():
    import main as lc_main  # the repository's main.py (its parser knows every argument)
    from src.envs import build_env

    parser = lc_main.get_parser()
    params = parser.parse_args(["--cpu", "true", "--exp_name", "rate", *BWD_ARGUMENTS])
    return build_env(params)


def rate(env, seconds: float, seed: int) -> tuple[float, int, int]:
    import numpy as np

    rng = np.random.RandomState(seed)
    made = attempts = 0
    started = time.process_time()
    while time.process_time() - started < seconds:
        attempts += 1
        made += env.gen_prim_bwd(rng, predict_primitive=True) is not None
    return made / (time.process_time() - started), made, attempts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = environment()
    runs = [rate(env, args.seconds, seed) for seed in range(args.runs)]
    values = [value for value, _, _ in runs]
    made, attempts = sum(m for _, m, _ in runs), sum(a for _, _, a in runs)
    print(f"Lample & Charton BWD pairs per second of CPU time, one process: median {statistics.median(values):.2f}/s "
          f"(runs {', '.join(f'{v:.2f}' for v in values)}); {made} pairs of {attempts} attempts "
          f"({100 * (attempts - made) / max(attempts, 1):.0f}% rejected)")


if __name__ == "__main__":
    main()
