"""Memory at scale: peak RSS of ``rpsdg build``, ``rpsdg check`` and ``rpsdg export`` as the corpus grows.

Prints figures; asserts nothing. Every figure is a real CLI command in a fresh subprocess, ``ru_maxrss`` read with
``wait4`` (the build runs ``--workers 1``, so everything it holds is in the measured process). Issue 15's goal: peak
RSS at 1M items within 1.2x of 10k, for build, check and export alike. The corpora are kept under ``--scratch``
(and reused by a later run with the same size, kind, levels and seed), so a 1M measurement can be resumed step by
step:

    PYTHONPATH=python python3 bench/memory.py --sizes 10000,100000 --scratch /tmp/mem
    PYTHONPATH=python python3 bench/memory.py --sizes 1000000 --scratch /tmp/mem --steps build,export-sft
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON_DIR = Path(__file__).resolve().parents[1] / "python"
STEPS = ("build", "check", "export-sft", "export-prm")


def measured(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one subprocess; exits with its stderr if it fails."""
    environment = {**os.environ, "PYTHONPATH": f"{PYTHON_DIR}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a chatty child cannot block while we wait4
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, env=environment)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        log.seek(0)
        stderr = log.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"failed ({code}): {' '.join(command)}\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def step_command(step: str, corpus: Path, args: argparse.Namespace, size: int) -> list[str]:
    rpsdg = [sys.executable, "-m", "rpsdg"]
    if step == "build":
        return [*rpsdg, "build", "--kind", args.kind, "--levels", args.levels, "--count", str(size), "--seed",
                str(args.seed), "--format", "parquet", "--out", str(corpus), "--force"]
    if step == "check":
        return [*rpsdg, "check", str(corpus)]
    export_format = step.split("-", 1)[1]
    return [*rpsdg, "export", export_format, str(corpus), "--out", str(corpus.parent / f"{corpus.name}-{step}"),
            "--force"]


def corpus_ready(corpus: Path, size: int) -> bool:
    manifest = corpus / "manifest.json"
    return manifest.exists() and json.loads(manifest.read_text()).get("records") == size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", default="equation")
    parser.add_argument("--levels", default="2-3", help="level 1 holds only ~7,400 distinct equations")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--steps", default="build,check,export-sft", help=f"comma list of {', '.join(STEPS)}")
    parser.add_argument("--scratch", type=Path, required=True, help="where corpora are kept between runs")
    args = parser.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)
    steps = args.steps.split(",")
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        raise SystemExit(f"--steps: unknown {unknown}; choose from {', '.join(STEPS)}")
    print(f"machine: {os.cpu_count()} CPUs, python {sys.version.split()[0]}; {args.kind} levels {args.levels}, "
          f"seed {args.seed}, parquet, default shard size", flush=True)
    print(f"{'records':>10} {'step':>11} {'peak RSS MiB':>13} {'seconds':>9} {'records/s':>10}", flush=True)
    for size in (int(text) for text in args.sizes.split(",")):
        corpus = args.scratch / f"{args.kind}-{args.levels}-s{args.seed}-{size}"
        for step in steps:
            if step == "build" and corpus_ready(corpus, size):
                print(f"{size:>10} {'build':>11} {'(kept corpus reused)':>24}", flush=True)
                continue
            if step != "build" and not corpus_ready(corpus, size):
                raise SystemExit(f"{corpus}: no corpus of {size} records; run with --steps build first")
            wall, rss = measured(step_command(step, corpus, args, size))
            print(f"{size:>10} {step:>11} {rss:13.1f} {wall:9.1f} {size / wall:10.0f}", flush=True)


if __name__ == "__main__":
    main()
