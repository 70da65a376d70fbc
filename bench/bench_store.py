"""Benchmark: load generated triples into the embedded Oxigraph store and the rdflib memory store.

Measures what a user waits for with ``coopgraph load``: ``Store.load`` of one Turtle file
(checked and parsed to the end, then written in one transaction, or by the bulk loader for a
big file on disk), then one COUNT query, for each backend and size. Each run happens in a
fresh child process so that the peak memory (the child's maximum resident set size above its
size after imports, from getrusage; tracemalloc would miss the memory pyoxigraph and RocksDB
allocate outside Python) belongs to that run alone. Backends:
``oxigraph`` on disk in a temporary directory (``coopgraph load``'s default store),
``oxigraph-memory`` (the embedded store the query, risks and validate commands load files
into) and ``memory`` (rdflib).

    python bench/bench_store.py                  # 100k and 1M triples
    python bench/bench_store.py --sizes 10000    # a quick run
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic import generate  # bench/synthetic.py, the shared generator

BACKENDS = ("oxigraph", "oxigraph-memory", "memory")
SPECS = {"oxigraph": "oxigraph:{workdir}/store", "oxigraph-memory": "oxigraph:", "memory": "memory"}


def measure(backend: str, path: str, workdir: str) -> dict[str, float]:
    """Load ``path`` into a fresh store of ``backend`` (run in a child process)."""
    from coopgraph.store import open_store

    spec = SPECS[backend].format(workdir=workdir)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with open_store(spec) as store:
        count = store.load(path, graph="https://w3id.org/coopgraph/bench/graph")
        loaded = time.perf_counter()
        answer = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        counted = time.perf_counter()
        assert int(answer.rows[0][0]) == count  # type: ignore[union-attr,arg-type,index]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "triples": count,
        "load_s": round(loaded - started, 2),
        "count_query_s": round(counted - loaded, 2),
        "peak_mb": round((peak - baseline) / 1024, 1),  # ru_maxrss is in KiB on Linux
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--child", nargs=3, metavar=("BACKEND", "FILE", "WORKDIR"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(*args.child)))
        return 0
    header = ("triples", "backend", "load s", "count s", "peak MB", "triples/s")
    print("{:>9}  {:<15} {:>8} {:>8} {:>8}  {:>10}".format(*header))
    with tempfile.TemporaryDirectory(prefix="coopgraph-bench-") as tmp:
        for size in args.sizes:
            path = generate(size, path=Path(tmp) / f"data-{size}.ttl")
            for backend in BACKENDS:
                workdir = Path(tmp) / f"{backend}-{size}"
                workdir.mkdir()
                done = subprocess.run(
                    [sys.executable, __file__, "--child", backend, str(path), str(workdir)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                row = json.loads(done.stdout)
                rate = row["triples"] / row["load_s"] if row["load_s"] else float("inf")
                print(
                    f"{size:>9}  {backend:<15} {row['load_s']:>8.2f} {row['count_query_s']:>8.2f} "
                    f"{row['peak_mb']:>8.1f}  {rate:>10,.0f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
