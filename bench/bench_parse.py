"""Benchmark: parse coopgraph Turtle with rdfio.read_quads (pyoxigraph) against rdflib.

Generates synthetic Turtle (bench/synthetic.py) of the requested sizes in a temporary
directory and times
each parser in a fresh child process, so that each peak-memory figure (the child's
maximum resident set size above its size after imports, from getrusage) belongs to
that parser alone. tracemalloc would miss pyoxigraph's memory, which Rust allocates
outside Python's allocator.

    python bench/bench_parse.py                 # 100k and 1M triples
    python bench/bench_parse.py --sizes 10000   # a quick run
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

METHODS = ("read_quads", "read_graph", "rdflib")


def measure(method: str, path: str) -> dict[str, float]:
    """Parse ``path`` once with ``method`` (run in a child process) and report time and memory."""
    import rdflib

    from coopgraph import rdfio

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if method == "read_quads":
        count = len(rdfio.read_quads(path))
    elif method == "read_graph":
        count = len(rdfio.read_graph(path))
    else:
        count = len(rdflib.Graph().parse(path, format="nt"))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"triples": count, "seconds": seconds, "peak_mib": (peak - baseline) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return
    print(f"{'triples':>10} {'file MiB':>9} {'method':>11} {'seconds':>8} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = generate(size, path=Path(tmp) / f"bench-{size}.ttl")
            mib = path.stat().st_size / (1 << 20)
            for method in args.methods:
                result = subprocess.run(
                    [sys.executable, __file__, "--child", method, str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(result.stdout)
                print(
                    f"{figures['triples']:>10} {mib:>9.1f} {method:>11}"
                    f" {figures['seconds']:>8.2f} {figures['peak_mib']:>9.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
