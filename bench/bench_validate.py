"""Benchmark ``coopgraph validate``: the fast engine against pySHACL, side by side.

For each size (default 10k, 100k and 1M triples) the synthetic generator
(``bench/synthetic.py``, seeded defects) writes a data set, and each engine validates it
with the project's full shapes in a fresh process, so peak memory is per run. Reported
per run: read (parse the file into triples), load (build the Oxigraph store or the
rdflib graph with the ontology), validate (run the shapes), end-to-end wall time, peak
RSS, the number of findings and a digest of all of them; the digests of the two engines
must be equal.

pySHACL on rdflib's in-memory graph takes hours on a million triples, so it runs at every
size, side by side with the fast engine, but only for ``--pyshacl-limit`` seconds (wall
time of its process; default 1800). A run that hits the limit is stopped and reported as
a lower bound (">1800.0 s"), and so is the speed-up (">=N x"); results are compared at
the sizes where pySHACL finishes.

    python bench/bench_validate.py                       # 10k, 100k, 1M
    python bench/bench_validate.py --sizes 10000 --pyshacl-limit 60
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


def _run(engine: str, path: Path, limit: float | None = None) -> dict:
    """One engine on one file in a fresh process; after ``limit`` seconds the process is
    killed and the measurement only says it took longer (``timed_out``)."""
    wall = time.perf_counter()
    try:
        completed = subprocess.run(
            [sys.executable, __file__, "--child", engine, str(path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=limit,
        )
    except subprocess.TimeoutExpired:
        return {"timed_out": True, "process_wall": time.perf_counter() - wall}
    if completed.returncode != 0:
        raise SystemExit(f"{engine} on {path} failed:\n{completed.stderr}")
    measurement = json.loads(completed.stdout.strip().splitlines()[-1])
    measurement["process_wall"] = time.perf_counter() - wall
    measurement["timed_out"] = False
    return measurement


def _triples(path: Path) -> int:
    import pyoxigraph as ox

    with path.open("rb") as stream:
        return sum(1 for _ in ox.parse(stream, ox.RdfFormat.TURTLE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pyshacl-limit",
        type=float,
        default=1800.0,
        metavar="SECONDS",
        help="stop pySHACL after this long and report its time as a lower bound",
    )
    parser.add_argument("--json", help="also write the measurements to this file")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return

    rows = []
    for size in args.sizes:
        path = generate(size, args.seed, defects=True)
        triples = _triples(path)
        fast = _run("fast", path)
        slow = _run("pyshacl", path, args.pyshacl_limit)
        identical = None if slow["timed_out"] else slow["digest"] == fast["digest"]
        row = {
            "size": size,
            "triples": triples,
            "fast": fast,
            "pyshacl": slow,
            "pyshacl_limit": args.pyshacl_limit,
            "identical": identical,
        }
        rows.append(row)
        _print_row(row)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


def _print_row(row: dict) -> None:
    fast, slow = row["fast"], row["pyshacl"]
    print(
        f"\n{row['triples']:,} triples ({fast['findings']} findings:"
        f" {fast['counts']['Violation']} violations, {fast['counts']['Warning']} warnings,"
        f" {fast['counts']['Info']} infos)"
    )
    print(
        f"  {'engine':<9} {'read':>8} {'load':>8} {'validate':>9} {'total':>9} {'CPU':>9}"
        f" {'peak RSS':>9}"
    )
    for name, run in (("fast", fast), ("pyshacl", slow)):
        if run["timed_out"]:
            print(f"  {name:<9} stopped after {run['process_wall']:.1f} s (--pyshacl-limit)")
            continue
        print(
            f"  {name:<9} {run['read']:>7.2f}s {run['load']:>7.2f}s {run['validate']:>8.2f}s"
            f" {run['total']:>8.2f}s {run['cpu']:>8.2f}s {run['peak_rss_mb']:>6.0f} MB"
        )
    if slow["timed_out"]:
        # The fast engine's whole process (startup, parse, validate) against the time pySHACL's
        # process had used when it was stopped: both wall times, so the ratio is a lower bound.
        bound = slow["process_wall"] / fast["process_wall"]
        print(
            f"  pySHACL: >{slow['process_wall']:.1f} s; speed-up end to end: >={bound:.1f}x wall;"
            " results not compared"
        )
    else:
        speedup = slow["total"] / fast["total"]
        cpu_ratio = slow["cpu"] / fast["cpu"]
        same = "identical" if row["identical"] else "DIFFERENT"
        print(f"  speed-up end to end: {speedup:.1f}x wall, {cpu_ratio:.1f}x CPU; results {same}")
    for note in fast.get("notes", []):
        print(f"  note: {note}")


if __name__ == "__main__":
    main()
