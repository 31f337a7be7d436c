"""Scale: build throughput per executor (1 worker, 2 workers, Ray) and peak memory as the corpus grows.

Prints figures; asserts nothing. Every figure is a real ``rpsdg build`` in a fresh subprocess (the CLI, as users run
it). Other work may share this machine, so wall-clock figures are noisy: medians of ``--repeats`` runs are printed.

Throughput: each executor builds ``N`` and ``2N`` records; the *marginal* rate ``N / (t(2N) - t(N))`` (medians) is
what the executor sustains once started, without interpreter start-up, worker spawn or Ray start-up, which are printed
separately as the start-up cost (``t(N) - N / rate``).

Memory: peak RSS (``ru_maxrss`` of the build process, from ``wait4``: the parent holds the dedup set, the shard
buffer and the tallies, so it is where growth would show; ``--workers 1`` so nothing lives elsewhere) at each size in
``--sizes``. Flat means the largest within 1.2x of the smallest.

    PYTHONPATH=python python3 bench/scale.py                          # throughput + RSS at 10k and 100k
    PYTHONPATH=python python3 bench/scale.py --sizes 10000,100000,1000000 --skip-throughput
    PYTHONPATH=python python3 bench/scale.py --executors 1,2 --items 1000 --repeats 3 --skip-memory
    PYTHONPATH=python python3 bench/scale.py --executors 1,ray --dedup-partitions 0,4 --skip-memory

Dedup alone (``--dedup-uids N``, in this process): uids/s through one ``UidSet``, P in-process owners and P Ray actors
(a local Ray), fed in batches of 256 (the pipeline's batch) with a quarter of the uids repeated, the in-memory share
at ``--uids-in-memory`` so large runs spill; this is the driver's serial cost per item that partitioning moves.

    PYTHONPATH=python python3 bench/scale.py --skip-throughput --skip-memory --dedup-uids 200000

Dedup inside real builds (``--dedup-overhead COUNT``, in this process): builds of COUNT records with each executor of
``--executors`` and each P of ``--dedup-partitions``, timing the pipeline's dedup step (``_dedup_batch``: the Ray
round-trips included) apart from the whole build.

    PYTHONPATH=python python3 bench/scale.py --skip-throughput --skip-memory --dedup-overhead 2000 --executors 1,ray \
        --dedup-partitions 0,4

``--dedup-partitions 0,4`` repeats each throughput run with each partition count (``rpsdg build --dedup-partitions
P``: 0 is one uid set in the driver, P >= 1 is P owners by uid prefix, Ray actors with ``--executor ray``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON_DIR = Path(__file__).resolve().parents[1] / "python"


def run_build(out: Path, count: int, kind: str, levels: str, extra: list[str]) -> tuple[float, int, dict]:
    """(wall seconds, peak RSS in KiB, manifest) of one ``rpsdg build`` subprocess."""
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "rpsdg", "build", "--kind", kind, "--levels", levels, "--count", str(count),
               "--seed", "1", "--format", "parquet", "--out", str(out), *extra]
    environment = {**os.environ, "PYTHONPATH": f"{PYTHON_DIR}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a chatty child cannot block while we wait4
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, env=environment)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        stderr = log.read().decode(errors="replace")
    if process.returncode != 0:
        raise SystemExit(f"build failed ({process.returncode}): {' '.join(command)}\n{stderr[-2000:]}")
    manifest = json.loads((out / "manifest.json").read_text())
    return wall, int(usage.ru_maxrss), manifest


def executor_args(name: str, partitions: int = 0) -> list[str]:
    dedup = ["--dedup-partitions", str(partitions)] if partitions else []
    if name == "ray":
        return ["--executor", "ray", *dedup]
    return ["--workers", name, *dedup]


def throughput(args: argparse.Namespace, scratch: Path) -> None:
    print(f"throughput: {args.kind} levels {args.levels}, N = {args.items} and 2N records, median of "
          f"{args.repeats} runs (wall clock, shared machine)")
    print(f"{'executor':>10} {'dedup P':>7} {'t(N) s':>8} {'t(2N) s':>8} {'marginal rec/s':>15} {'start-up s':>11} "
          f"{'end-to-end rec/s at 2N':>23}")
    for name in args.executors.split(","):
        if name == "ray" and importlib.util.find_spec("ray") is None:
            print(f"{name:>10}  skipped: ray is not installed (pip install 'rpsdg[ray]')")
            continue
        for partitions in (int(p) for p in args.dedup_partitions.split(",")):
            times = {}
            for count in (args.items, 2 * args.items):
                walls = [run_build(scratch / f"t-{name}", count, args.kind, args.levels,
                                   executor_args(name, partitions))[0] for _ in range(args.repeats)]
                times[count] = statistics.median(walls)
            t1, t2 = times[args.items], times[2 * args.items]
            rate = args.items / (t2 - t1) if t2 > t1 else float("inf")
            label = "ray" if name == "ray" else f"{name} worker" + ("s" if name != "1" else "")
            print(f"{label:>10} {partitions:>7} {t1:8.1f} {t2:8.1f} {rate:15.0f} {t1 - args.items / rate:11.1f} "
                  f"{2 * args.items / t2:23.0f}", flush=True)


def dedup_rates(args: argparse.Namespace, scratch: Path) -> None:
    import hashlib
    import random

    sys.path.insert(0, str(PYTHON_DIR))
    from rpsdg.run.dedup import PartitionedUidSet, UidSet

    rng = random.Random(1)
    distinct = [hashlib.sha256(str(n).encode()).digest() for n in range(args.dedup_uids * 3 // 4)]
    stream = distinct + [rng.choice(distinct) for _ in range(args.dedup_uids - len(distinct))]
    rng.shuffle(stream)
    batches = [stream[start:start + 256] for start in range(0, len(stream), 256)]
    partitions = max(int(p) for p in args.dedup_partitions.split(",")) or 4
    print(f"dedup alone: {len(stream)} uids ({len(distinct)} distinct) in batches of 256, "
          f"{args.uids_in_memory} uids in memory in all, median of {args.repeats}")
    print(f"{'structure':>28} {'uids/s':>10} {'runs on disk':>13}")
    makers = [("UidSet (P=0)", lambda: UidSet(args.uids_in_memory, spill_dir=scratch)),
              (f"PartitionedUidSet P={partitions}",
               lambda: PartitionedUidSet(partitions, args.uids_in_memory, spill_dir=scratch))]
    ray_executor = None
    if importlib.util.find_spec("ray") is not None:
        from rpsdg.run.executors import RayExecutor

        ray_executor = RayExecutor(num_cpus=2)
        makers.append((f"Ray actors P={partitions}",
                       lambda: ray_executor.dedup(partitions, args.uids_in_memory, None)))
    try:
        for label, make in makers:
            walls, runs = [], 0
            for _ in range(args.repeats):
                seen = make()
                started = time.perf_counter()
                new = sum(sum(seen.add_batch(batch)) for batch in batches)
                walls.append(time.perf_counter() - started)
                runs = getattr(seen, "runs", None) or sum(getattr(o, "runs", 0) for o in getattr(seen, "owners", []))
                seen.close()
                assert new == len(distinct), (label, new)
            print(f"{label:>28} {len(stream) / statistics.median(walls):10.0f} {runs or '-':>13}", flush=True)
    finally:
        if ray_executor is not None:
            ray_executor.close()


def dedup_overhead(args: argparse.Namespace, scratch: Path) -> None:
    sys.path.insert(0, str(PYTHON_DIR))
    from rpsdg.run import pipeline
    from rpsdg.run.pipeline import BuildConfig, build, parse_levels

    real, spent = pipeline._dedup_batch, [0.0, 0]

    def timed(*arguments, **keywords):
        started = time.perf_counter()
        try:
            return real(*arguments, **keywords)
        finally:
            spent[0] += time.perf_counter() - started
            spent[1] += 1

    levels = parse_levels(args.levels)
    print(f"dedup inside builds: {args.kind} levels {args.levels}, {args.dedup_overhead} records, one run each")
    print(f"{'executor':>10} {'dedup P':>7} {'build s':>8} {'dedup s':>8} {'batches':>8} {'ms/candidate':>13}")
    pipeline._dedup_batch = timed
    try:
        for name in args.executors.split(","):
            if name == "ray" and importlib.util.find_spec("ray") is None:
                print(f"{name:>10}  skipped: ray is not installed (pip install 'rpsdg[ray]')")
                continue
            for partitions in (int(p) for p in args.dedup_partitions.split(",")):
                spent[:] = [0.0, 0]
                out = scratch / f"o-{name}-{partitions}"
                started = time.perf_counter()
                manifest = build(BuildConfig(kind=args.kind, count=args.dedup_overhead, levels=levels, seed=1,
                                             out=out, executor="ray" if name == "ray" else "process",
                                             workers=2 if name == "ray" else int(name),
                                             dedup_partitions=partitions))
                wall = time.perf_counter() - started
                print(f"{name:>10} {partitions:>7} {wall:8.1f} {spent[0]:8.2f} {spent[1]:>8} "
                      f"{1000 * spent[0] / manifest['candidates']:13.3f}", flush=True)
                shutil.rmtree(out, ignore_errors=True)
    finally:
        pipeline._dedup_batch = real


def memory(args: argparse.Namespace, scratch: Path) -> None:
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"peak RSS: {args.kind} levels {args.levels}, --workers 1, default shard size (10,000), parquet")
    print(f"{'records':>10} {'peak RSS MiB':>13} {'vs first':>9} {'seconds':>8} {'rec/s':>7} {'duplicates':>11}")
    first = None
    for size in sizes:
        wall, rss_kib, manifest = run_build(scratch / f"m-{size}", size, args.kind, args.levels, [])
        first = first or rss_kib
        print(f"{manifest['records']:>10} {rss_kib / 1024:13.1f} {rss_kib / first:8.2f}x {wall:8.1f} "
              f"{manifest['records'] / wall:7.0f} {manifest['duplicates']:>11}", flush=True)
        shutil.rmtree(scratch / f"m-{size}", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", default="equation")
    parser.add_argument("--levels", default="2-3", help="level 1 holds only ~7,400 distinct equations")
    parser.add_argument("--items", type=int, default=2000, help="N for the throughput runs")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--executors", default="1,2,ray", help="comma list of worker counts and/or 'ray'")
    parser.add_argument("--dedup-partitions", default="0",
                        help="comma list of --dedup-partitions values for the throughput runs (0: one set in the "
                             "driver)")
    parser.add_argument("--dedup-uids", type=int, default=0, help="run the dedup-alone figures with N uids")
    parser.add_argument("--dedup-overhead", type=int, default=0,
                        help="time the dedup step inside builds of this many records")
    parser.add_argument("--uids-in-memory", type=int, default=100_000, help="in-memory share for --dedup-uids")
    parser.add_argument("--sizes", default="10000,100000", help="corpus sizes for peak RSS")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--scratch", type=Path, default=None, help="where the corpora go (default: a temp dir)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    scratch = Path(tempfile.mkdtemp(prefix="rpsdg-scale-", dir=args.scratch))
    try:
        if args.dedup_uids:
            dedup_rates(args, scratch)
        if args.dedup_overhead:
            dedup_overhead(args, scratch)
        if not args.skip_throughput:
            throughput(args, scratch)
        if not args.skip_memory:
            memory(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
