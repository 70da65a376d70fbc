"""Benchmark: the canned queries and the risk assessment on the embedded default (Oxigraph)
and, side by side in the same run, on rdflib's in-memory engine.

For each size (10k, 100k and 1M triples by default) the shared generator
(``bench/synthetic.py``) writes clean synthetic data; then, for each engine, a fresh child
process loads the bundled ontology and that file (the peak memory is the child's maximum
resident set size above its size after imports), runs every canned query (the queries that
take an engagement get a sample engagement; a query with optional parameters runs a second time
with them bound too, to that engagement's provider or partner, or to a broad type), and times
the risk assessment (:func:`coopgraph.risks.assess`, what ``coopgraph risks`` computes) of
sample engagements.
Both engines must return the same number of rows for every query; a difference is reported.

rdflib is given at most ``--rdflib-timeout`` seconds per query (its child is stopped after
that and the query is reported as slower than the limit).

    python bench/bench_queries.py                    # 10k, 100k and 1M triples
    python bench/bench_queries.py --sizes 10000      # a quick run
    python bench/bench_queries.py --sizes 1000000 --engines oxigraph   # the default alone

Targets at 1M triples on the embedded default: load <= 10 s and <= 1 GB; the risks of one
engagement <= 20 ms; every canned query <= 10 s; >= 30x faster than rdflib on every query
that takes rdflib more than a second.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import queue as queue_module
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from synthetic import generate  # noqa: E402 - the shared generator beside this file

ENGINES = ("oxigraph", "rdflib")
SAMPLE_ENGAGEMENTS = 20
BOUND = " (all parameters)"
"""Suffix of the step that runs a query with its optional parameters bound too."""
REPEATS = 5


def _open(engine: str, path: str) -> Any:
    from coopgraph.dataset import open_dataset
    from coopgraph.store import MemoryStore
    from coopgraph.vocab import ontology_file

    if engine == "oxigraph":
        return open_dataset([path])  # the embedded default: in-memory Oxigraph
    store = MemoryStore()
    store.load(str(ontology_file()))
    store.load(path)
    return store


def _sample_engagements(store: Any, count: int) -> list[Any]:
    result = store.query(
        "PREFIX coop: <https://w3id.org/coopgraph/ontology#> "
        "SELECT ?e WHERE { ?e coop:provider ?p ; coop:place ?place } ORDER BY ?e LIMIT 2000"
    )
    rows = [row[0] for row in result.rows]
    step = max(1, len(rows) // count)
    return rows[::step][:count]


def _sample_values(store: Any, engagement: Any) -> dict[str, Any]:
    """Values for every parameter the canned queries declare, taken from one engagement."""
    from rdflib import URIRef

    result = store.query(
        "PREFIX coop: <https://w3id.org/coopgraph/ontology#> "
        "SELECT ?e ?provider ?partner WHERE { ?e coop:provider ?provider ; coop:partner ?partner } "
        "LIMIT 1",
        {"e": engagement},
    )
    _, provider, partner = result.rows[0]
    return {
        "engagement": engagement,
        "provider": provider,
        "state": provider,
        "partner": partner,
        # a broad type: its rows come from its narrower types
        "type": URIRef("https://w3id.org/coopgraph/ontology#TrainingAndExpertise"),
    }


def _time_query(store: Any, name: str, params: dict[str, Any], repeats: int) -> tuple[float, int]:
    from coopgraph.catalogue import run_select

    times, rows = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        rows = len(run_select(store, name, params).rows)
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def measure_queries(engine: str, path: str, names: list[str], queue: Any) -> None:
    """Child process: load, then time each query; puts one dict per step on ``queue``."""
    from coopgraph.catalogue import get_query

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    store = _open(engine, path)
    load = time.perf_counter() - started
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline) / 1024
    queue.put({"step": "load", "seconds": load, "peak_mb": peak, "triples": len(store)})
    sample = _sample_engagements(store, SAMPLE_ENGAGEMENTS)
    values = _sample_values(store, sample[0])
    repeats = REPEATS if engine == "oxigraph" else 1
    for step in names:
        name, bound, _ = step.partition(BOUND)
        parameters = get_query(name).parameters
        params = {p.name: values[p.name] for p in parameters if p.required or bound}
        seconds, rows = _time_query(store, name, params, repeats)
        queue.put({"step": step, "seconds": seconds, "rows": rows})
    if engine == "oxigraph":
        from coopgraph.risks import assess

        times = []
        for engagement in sample:
            started = time.perf_counter()
            assess(store, engagement)
            times.append(time.perf_counter() - started)
        queue.put(
            {
                "step": "risks",
                "seconds": statistics.median(times),
                "max_seconds": max(times),
                "engagements": len(sample),
            }
        )
    queue.put({"step": "done"})


def _receive(queue: Any, child: Any, timeout: float | None) -> dict[str, Any]:
    """The child's next message; queue.Empty after ``timeout`` seconds.

    Raises SystemExit when the child has died without a word (rather than waiting forever).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait = 1.0 if deadline is None else min(1.0, max(0.0, deadline - time.monotonic()))
        try:
            return queue.get(timeout=wait)
        except queue_module.Empty:
            if not child.is_alive() and queue.empty():
                raise SystemExit(f"the benchmark child exited with code {child.exitcode}") from None
            if deadline is not None and time.monotonic() >= deadline:
                raise


def run_engine(
    engine: str, path: str, names: list[str], timeout: float | None
) -> dict[str, dict[str, Any]]:
    """Run one engine's measurements in child processes.

    A query still running after ``timeout`` seconds is recorded as such; its child is
    stopped and a new one (which loads the data again) goes on with the next query.
    """
    context = multiprocessing.get_context("spawn")
    results: dict[str, dict[str, Any]] = {}
    remaining = list(names)
    while True:
        queue = context.Queue()
        child = context.Process(target=measure_queries, args=(engine, path, remaining, queue))
        child.start()
        pending = ["load", *remaining] + (["risks"] if engine == "oxigraph" else [])
        try:
            while pending:
                try:
                    item = _receive(queue, child, None if pending[0] == "load" else timeout)
                except queue_module.Empty:
                    results[pending[0]] = {"timeout": timeout}
                    break
                if item["step"] == "done":
                    pending = []
                    break
                if item["step"] != "load" or "load" not in results:
                    results[item["step"]] = item
                pending.remove(item["step"])
        finally:
            if child.is_alive():
                child.terminate()
            child.join()
        if not pending:
            return results
        remaining = [name for name in pending[1:] if name != "risks"]
        if not remaining:
            return results


def _fmt(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "-"
    if "timeout" in entry:
        return f">{entry['timeout']:.0f} s"
    seconds = entry["seconds"]
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def report(size: int, runs: dict[str, dict[str, dict[str, Any]]], names: list[str]) -> None:
    ox, rd = runs.get("oxigraph", {}), runs.get("rdflib", {})
    load_ox, load_rd = ox.get("load", {}), rd.get("load", {})
    print(f"\n## {size:,} generated triples ({load_ox.get('triples', 0):,} with the ontology)\n")
    print("| step | oxigraph (default) | rdflib | speed-up | rows (ox / rdflib) |")
    print("|---|---|---|---|---|")
    print(
        f"| load | {_fmt(load_ox)}, {load_ox.get('peak_mb', 0):.0f} MB | {_fmt(load_rd)}, "
        f"{load_rd.get('peak_mb', 0):.0f} MB | | |"
    )
    for name in names:
        a, b = ox.get(name), rd.get(name)
        speedup = ""
        if a and b and "seconds" in a:
            slow = b["seconds"] if "seconds" in b else b.get("timeout")
            if slow is not None:
                sign = ">" if "timeout" in b else ""
                speedup = f"{sign}{slow / max(a['seconds'], 1e-6):.0f}x"
        rows = f"{a.get('rows', '-') if a else '-'} / {b.get('rows', '-') if b else '-'}"
        if a and b and "rows" in a and "rows" in b and a["rows"] != b["rows"]:
            rows += " DIFFERENT"
        print(f"| {name} | {_fmt(a)} | {_fmt(b)} | {speedup} | {rows} |")
    risks = ox.get("risks")
    if risks:
        print(
            f"| risks of one engagement (assess, median of {risks['engagements']}) | "
            f"{_fmt(risks)} (max {risks['max_seconds'] * 1000:.1f} ms) | | | |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rdflib-timeout", type=float, default=600.0, help="seconds per rdflib query"
    )
    parser.add_argument(
        "--engines", nargs="+", choices=ENGINES, default=list(ENGINES), help="engines to run"
    )
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args()

    from coopgraph.catalogue import catalogue

    names = []
    for name, query in catalogue().items():
        names.append(name)
        if any(not p.required for p in query.parameters):
            names.append(name + BOUND)
    everything: dict[str, Any] = {}
    for size in args.sizes:
        path = str(generate(size, args.seed, defects=False))
        runs = {
            engine: run_engine(engine, path, names, args.rdflib_timeout) for engine in args.engines
        }
        report(size, runs, names)
        everything[str(size)] = runs
        sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
