"""Benchmark: parse N-Triples with coopgraph.rdfio.read_quads (pyoxigraph) against rdflib.

Generates N-Triples files of the requested sizes in a temporary directory and times
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

METHODS = ("read_quads", "read_graph", "rdflib")


def generate(path: Path, triples: int) -> None:
    """Write ``triples`` N-Triples statements that look like coopgraph data."""
    coop = "https://w3id.org/coopgraph/ontology#"
    data = "https://w3id.org/coopgraph/data/"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    with path.open("w", encoding="utf-8") as out:
        for i in range(triples):
            subject = f"<{data}engagement-{i // 5}>"
            kind = i % 5
            if kind == 0:
                line = f"{subject} <{rdf_type}> <{coop}Engagement> .\n"
            elif kind == 1:
                line = f'{subject} <{label}> "Engagement number {i // 5}"@en .\n'
            elif kind == 2:
                line = f'{subject} <{coop}startDate> "20{i % 25:02d}-01-01"^^<{xsd}date> .\n'
            elif kind == 3:
                line = f"{subject} <{coop}party> <{data}actor-{i % 1000}> .\n"
            else:
                line = f'{subject} <{coop}personnel> "{i % 997}"^^<{xsd}integer> .\n'
            out.write(line)


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
            path = Path(tmp) / f"bench-{size}.nt"
            generate(path, size)
            mib = path.stat().st_size / (1 << 20)
            for method in args.methods:
                result = subprocess.run(
                    [sys.executable, __file__, "--child", method, str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(result.stdout)
                assert figures["triples"] == size, figures
                print(
                    f"{size:>10} {mib:>9.1f} {method:>11}"
                    f" {figures['seconds']:>8.2f} {figures['peak_mib']:>9.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
