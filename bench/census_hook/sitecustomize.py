"""Loaded by bench/memory_census.py into a web process (PYTHONPATH): on SIGUSR1 it writes
what the heap holds (live objects per type with their shallow sizes, and tracemalloc's
top allocation sites when PYTHONTRACEMALLOC is set) to $CENSUS_OUT as JSON."""

import gc
import json
import os
import signal
import sys
import tracemalloc
from collections import Counter


def _census(signum, frame):
    gc.collect()
    counts, sizes = Counter(), Counter()
    for obj in gc.get_objects():
        kind = type(obj)
        name = str(kind.__dict__.get("__module__", "builtins")) + "." + kind.__name__
        counts[name] += 1
        sizes[name] += sys.getsizeof(obj)
    sites = {}
    if tracemalloc.is_tracing():
        for stat in tracemalloc.take_snapshot().statistics("lineno")[:400]:
            frame_ = stat.traceback[0]
            sites[f"{frame_.filename}:{frame_.lineno}"] = stat.size
    with open(os.environ["CENSUS_OUT"], "a") as out:
        out.write(json.dumps({"counts": counts, "sizes": sizes, "sites": sites}) + "\n")


if os.environ.get("CENSUS_OUT"):
    signal.signal(signal.SIGUSR1, _census)
