"""Benchmark: how long ``coopgraph docs`` takes and how large the site it writes is.

Builds the reference of the shipped ontology, shapes and queries several times in this
process (the library call, after imports) and once as the ``coopgraph docs`` command in a
fresh process (what a user waits for, imports included), then lists the written files.

    python bench/bench_docs.py              # 5 builds
    python bench/bench_docs.py --runs 1
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coopgraph.docs import build_site


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = []
        for run in range(args.runs):
            report = build_site(Path(tmp) / f"site-{run}")
            times.append(report.seconds)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "coopgraph", "docs", "-o", str(Path(tmp) / "cli")],
            check=True,
            capture_output=True,
        )
        command = time.perf_counter() - started
        print(f"build_site: min {min(times):.2f} s, median {statistics.median(times):.2f} s "
              f"over {args.runs} runs")  # fmt: skip
        print(f"coopgraph docs (fresh process, imports included): {command:.2f} s")
        kinds = ", ".join(f"{n} {kind.lower()}" for kind, n in report.terms.items() if n)
        print(f"terms: {sum(report.terms.values())} ({kinds}); shapes: {report.shapes}; "
              f"queries: {report.queries}")  # fmt: skip
        for path in report.files:
            print(f"  {path.name:<24} {path.stat().st_size / 1024:8.1f} KiB")
        print(f"  {'total':<24} {report.size / 1024:8.1f} KiB")


if __name__ == "__main__":
    main()
