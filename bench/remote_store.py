"""Build time to a local directory vs an S3 URL (moto's local S3 server over HTTP) vs ``memory://``.

    PYTHONPATH=python python3 bench/remote_store.py --items 2000 --shard-size 500 --repeats 3

Each repeat builds the same corpus (equation kind, levels 1-3, seed 1, parquet) to each target, in alternating order,
in this process (``run.pipeline.build``: no interpreter start-up in the figures), and prints the median seconds, the
ratio to local and whether every target gave the local bytes. Then the store alone: the same rows, read back once,
written by each writer (``open_writer``: shards, a checkpoint per shard, card, manifest), which separates the cost of
the puts from generation noise; and ``check_corpus`` on the local and the S3 corpus. Needs ``pip install 'rpsdg[test]'`` (moto[server], s3fs). The S3 server runs in this process's threads,
so on a small machine it competes with the build for CPU: the S3 figure is an upper bound of the cost of the puts.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--shard-size", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
                      AWS_ENDPOINT_URL=f"http://{host}:{port}")
    import s3fs

    from rpsdg.corpus.location import as_location
    from rpsdg.run.check import check_corpus
    from rpsdg.run.pipeline import BuildConfig, build

    s3fs.S3FileSystem(skip_instance_cache=True).mkdir("bench")
    scratch = Path(tempfile.mkdtemp(prefix="rpsdg-remote-bench-"))
    targets = {"local": lambda r: scratch / f"local-{r}", "s3": lambda r: f"s3://bench/c-{r}",
               "memory": lambda r: f"memory://bench/c-{r}"}
    seconds: dict[str, list[float]] = {name: [] for name in targets}
    files: dict[str, dict[str, bytes]] = {}

    def contents(location) -> dict[str, bytes]:
        if isinstance(location, Path):
            return {p.relative_to(location).as_posix(): p.read_bytes() for p in location.rglob("*") if p.is_file()}
        location.refresh()
        return {name: (location / name).read_bytes() for name in location.files()}

    for repeat in range(args.repeats):
        order = list(targets) if repeat % 2 == 0 else list(reversed(targets))
        for name in order:
            location = as_location(str(targets[name](repeat)))
            config = BuildConfig(kind="equation", count=args.items, levels=(1, 2, 3), seed=1, out=location,
                                 shard_size=args.shard_size)
            started = time.perf_counter()
            build(config)
            seconds[name].append(time.perf_counter() - started)
            files.setdefault(name, contents(location))
    local = statistics.median(seconds["local"])
    print(f"build of {args.items} equation records, shard size {args.shard_size}, {args.repeats} repeats (median s)")
    for name, values in seconds.items():
        same = files[name] == files["local"]
        print(f"  {name:7s} {statistics.median(values):7.2f} s  ({statistics.median(values) / local:.2f}x local)  "
              f"runs {', '.join(f'{v:.2f}' for v in values)}  same bytes as local: {same}")
    # the store alone: the same rows (read back from the local corpus) written by each writer, checkpoint per shard
    from rpsdg.corpus.remote import open_writer
    from rpsdg.corpus.store import Corpus

    opened = Corpus(as_location(str(targets["local"](0))))
    rows = list(opened.rows())
    writes: dict[str, list[float]] = {name: [] for name in targets}
    for repeat in range(args.repeats):
        order = list(targets) if repeat % 2 == 0 else list(reversed(targets))
        for name in order:
            location = as_location(str(targets[name](f"w{repeat}")))
            started = time.perf_counter()
            writer = open_writer(location, opened.spec, "parquet", args.shard_size, force=True)
            for row in rows:
                if writer.add(row):
                    writer.checkpoint({"next_index": row["index"] + 1})
            writer.commit({"kind": opened.spec.name})
            writes[name].append(time.perf_counter() - started)
    local_write = statistics.median(writes["local"])
    print(f"store only: write the {len(rows)} rows ({len(rows) // args.shard_size} shards + checkpoints, card, "
          f"manifest), median s")
    for name, values in writes.items():
        print(f"  {name:7s} {statistics.median(values):7.3f} s  ({statistics.median(values) / local_write:.2f}x "
              f"local)  runs {', '.join(f'{v:.3f}' for v in values)}")
    for name in ("local", "s3"):
        location = as_location(str(targets[name](0)))
        started = time.perf_counter()
        report = check_corpus(location)
        print(f"  check {name}: {time.perf_counter() - started:.2f} s for {report.records} records, "
              f"{len(report.failures)} failures, integrity problems {len(report.integrity)}")
    shutil.rmtree(scratch, ignore_errors=True)
    server.stop()


if __name__ == "__main__":
    main()
