"""Dedup alone: peak RSS and time of one ``UidSet`` (100,000 uids in memory, the rest spilled) fed N uids, a
quarter of them repeats. Prints figures; asserts nothing.

    PYTHONPATH=python python3 bench/dedup_memory.py 1000000
"""
import hashlib, resource, sys, time, tempfile
from pathlib import Path
from rpsdg.run.dedup import UidSet
n = int(sys.argv[1])
t = time.perf_counter()
with tempfile.TemporaryDirectory() as d:
    s = UidSet(100_000, spill_dir=Path(d))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for i in range(n):
        u = hashlib.sha256(i.to_bytes(8, "little")).digest()
        s.add(u)
        if i % 4 == 0:
            s.add(hashlib.sha256((i // 2).to_bytes(8, "little")).digest())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    s.close()
print(f"{n:>9} uids: peak RSS {peak/1024:.1f} MiB (at start {base/1024:.1f}), {time.perf_counter()-t:.0f} s")
