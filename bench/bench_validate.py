"""Benchmark ``coopgraph validate``: the fast engine against pySHACL, side by side.

For each size (default 10k, 100k and 1M triples) the synthetic generator
(``bench/synthetic.py``, seeded defects) writes a data set, and each engine validates it
with the project's full shapes in a fresh process, so peak memory is per run. Reported
per run: read (parse the file into triples), load (build the Oxigraph store or the
rdflib graph with the ontology), validate (run the shapes), end-to-end wall time, peak
RSS, the number of findings and a digest of all of them; the digests of the two engines
must be equal.

pySHACL on rdflib's in-memory graph takes a long time on large data: by default it runs
only up to ``--pyshacl-max`` triples (100k), and its times at larger sizes are
extrapolated linearly from the largest size it ran (marked "extrapolated").

    python bench/bench_validate.py                       # 10k, 100k, 1M
    python bench/bench_validate.py --sizes 10000 --pyshacl-max 10000000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import generate


def _child(engine: str, path: str) -> None:
    """Validate one file with one engine and print the measurements as JSON."""
    from coopgraph.validate import path_text, validate

    started = time.perf_counter()
    result = validate([path], engine=engine)
    total = time.perf_counter() - started
    canonical = sorted(
        "|".join(
            (
                f.severity,
                f.focus_node.n3(),
                path_text(result.shapes_graph, f.path),
                "" if f.value is None else f.value.n3(),
                f.source_shape.n3(),
                f.component.n3(),
                *sorted(m.n3() for m in f.messages),
            )
        )
        for f in result.all_findings()
    )
    print(
        json.dumps(
            {
                "engine": result.engine,
                "read": result.timings["parse"],
                "load": result.timings["load"],
                "validate": result.timings["validate"],
                "total": total,
                "cpu": _cpu_seconds(),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "findings": len(canonical),
                "counts": result.counts(),
                "digest": hashlib.sha256("\n".join(canonical).encode()).hexdigest()[:16],
                "notes": result.notes,
            }
        )
    )


def _cpu_seconds() -> float:
    """User and system time of this process, all threads: robust against a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run(engine: str, path: Path) -> dict:
    wall = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, __file__, "--child", engine, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"{engine} on {path} failed:\n{completed.stderr}")
    measurement = json.loads(completed.stdout.strip().splitlines()[-1])
    measurement["process_wall"] = time.perf_counter() - wall
    return measurement


def _triples(path: Path) -> int:
    import pyoxigraph as ox

    with path.open("rb") as stream:
        return sum(1 for _ in ox.parse(stream, ox.RdfFormat.TURTLE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pyshacl-max", type=int, default=100_000)
    parser.add_argument("--json", help="also write the measurements to this file")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return

    rows = []
    reference: dict | None = None  # the largest pySHACL run, for extrapolation
    for size in args.sizes:
        path = generate(size, args.seed, defects=True)
        triples = _triples(path)
        fast = _run("fast", path)
        row = {"size": size, "triples": triples, "fast": fast}
        if size <= args.pyshacl_max:
            slow = _run("pyshacl", path)
            slow["extrapolated"] = False
            row["pyshacl"] = slow
            row["identical"] = slow["digest"] == fast["digest"]
            reference = {**slow, "triples": triples}
        elif reference is not None:
            factor = triples / reference["triples"]
            row["pyshacl"] = {
                key: reference[key] * factor for key in ("read", "load", "validate", "total", "cpu")
            } | {"extrapolated": True, "peak_rss_mb": None}
            row["identical"] = None
        rows.append(row)
        _print_row(row)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


def _print_row(row: dict) -> None:
    fast = row["fast"]
    print(
        f"\n{row['triples']:,} triples ({fast['findings']} findings:"
        f" {fast['counts']['Violation']} violations, {fast['counts']['Warning']} warnings,"
        f" {fast['counts']['Info']} infos)"
    )
    print(
        f"  {'engine':<9} {'read':>8} {'load':>8} {'validate':>9} {'total':>9} {'CPU':>9}"
        f" {'peak RSS':>9}"
    )
    for name in ("fast", "pyshacl"):
        run = row.get(name)
        if run is None:
            continue
        rss = "-" if run.get("peak_rss_mb") is None else f"{run['peak_rss_mb']:.0f} MB"
        mark = " (extrapolated)" if run.get("extrapolated") else ""
        print(
            f"  {name:<9} {run['read']:>7.2f}s {run['load']:>7.2f}s {run['validate']:>8.2f}s"
            f" {run['total']:>8.2f}s {run['cpu']:>8.2f}s {rss:>9}{mark}"
        )
    if "pyshacl" in row:
        speedup = row["pyshacl"]["total"] / fast["total"]
        cpu_ratio = row["pyshacl"]["cpu"] / fast["cpu"]
        same = {True: "identical", False: "DIFFERENT", None: "not compared"}[row["identical"]]
        print(f"  speed-up end to end: {speedup:.1f}x wall, {cpu_ratio:.1f}x CPU; results {same}")
    for note in fast.get("notes", []):
        print(f"  note: {note}")


if __name__ == "__main__":
    main()
