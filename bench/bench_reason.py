"""Reasoning benchmarks: OWL 2 RL engines side by side, and HermiT consistency timings.

    python bench/bench_reason.py [--sizes 10000 100000 1000000] [--owlrl-limit 100000]
                                 [--owlrl-timeout 900] [--hermit]

For each size, clean synthetic data (bench/synthetic.py, ``defects=False``: the defects
would make the data inconsistent, which is not what is measured here) is materialised with
the bundled ontology by:

* ``reasonable+chains``: coopgraph's default engine (reasonable, completed with the
  property-chain rule it lacks);
* ``reasonable`` alone: to show what the chains cost and what reasonable misses
  (every coop:hasRisk / coop:governingFramework triple);
* ``owlrl``: the pure-Python reference, up to ``--owlrl-limit`` triples, in a subprocess
  stopped after ``--owlrl-timeout`` seconds.

Where owlrl finishes, its derived facts about the data are compared with the default
engine's (they must be equal apart from owlrl's reflexive owl:sameAs). ``--hermit`` also
times the HermiT consistency check on the ontology alone, with the example knowledge base,
and on the synthetic data of the smallest size.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

import rdflib
from rdflib import OWL

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import generate

from coopgraph import rdfio, reason
from coopgraph.vocab import COOP, DATA, example_files


def synthetic(n_triples: int, seed: int = 1) -> tuple[str, rdflib.Graph]:
    """Clean synthetic data from the shared generator (bench/synthetic.py): (source, graph)."""
    return "bench/synthetic.py (defects=False)", rdfio.read_graph(generate(n_triples, seed, False))


def with_ontology(data: rdflib.Graph) -> rdflib.Graph:
    graph = reason.load_graph(reason.bundled_ontology_files())
    graph += data
    return graph


def data_facts(m: reason.Materialisation) -> set:
    """Derived triples about data resources, without owlrl's reflexive owl:sameAs and without
    blank nodes (the restriction classes: each process reads the ontology with fresh ones)."""
    return {
        t
        for t in m.inferred()
        if t[0] in DATA
        and not (t[1] == OWL.sameAs and t[0] == t[2])
        and not isinstance(t[2], rdflib.BNode)
    }


def _owlrl_worker(n: int, queue: multiprocessing.Queue) -> None:
    _, data = synthetic(n)
    graph = with_ontology(data)
    start = time.perf_counter()
    m = reason.materialise(graph, engine="owlrl")
    queue.put((time.perf_counter() - start, len(m.graph), data_facts(m)))


def run_owlrl(n: int, timeout: float) -> tuple[float, int, set] | None:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    worker = multiprocessing.Process(target=_owlrl_worker, args=(n, queue))
    worker.start()
    try:
        return queue.get(timeout=timeout)
    except Exception:  # queue.Empty: owlrl did not finish in time
        return None
    finally:
        worker.terminate()
        worker.join()


def reasonable_alone(graph: rdflib.Graph) -> tuple[float, int]:
    import reasonable

    start = time.perf_counter()
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(graph)
    size = len(reasoner.reason())
    return time.perf_counter() - start, size


def bench_rl(sizes: list[int], owlrl_limit: int, owlrl_timeout: float) -> None:
    print("| data triples | engine | seconds | closure triples | coop:hasRisk derived |")
    print("|---:|---|---:|---:|---:|")
    for n in sizes:
        source, data = synthetic(n)
        graph = with_ontology(data)
        start = time.perf_counter()
        m = reason.materialise(graph)
        elapsed = time.perf_counter() - start
        risks = sum(1 for t in m.inferred() if t[1] == COOP.hasRisk)
        print(f"| {len(data)} | reasonable+chains | {elapsed:.2f} | {len(m.graph)} | {risks} |")
        alone, size = reasonable_alone(graph)
        print(f"| {len(data)} | reasonable alone | {alone:.2f} | {size} | 0 |")
        if n <= owlrl_limit:
            result = run_owlrl(n, owlrl_timeout)
            if result is None:
                print(f"| {len(data)} | owlrl | > {owlrl_timeout:.0f} (stopped) | | |")
            else:
                seconds, closure, facts = result
                same = "same data facts" if facts == data_facts(m) else "DIFFERENT data facts"
                print(f"| {len(data)} | owlrl | {seconds:.2f} | {closure} | ({same}) |")
        sys.stdout.flush()
    print(f"\ndata: {source}")


def bench_hermit(smallest: int) -> None:
    examples = [Path(str(f)) for f in example_files()]
    core, align = reason.bundled_ontology_files()
    _, data = synthetic(smallest)
    scratch = Path(tempfile.mkdtemp(prefix="bench-reason-")) / "synthetic.nt"
    data.serialize(scratch, format="nt", encoding="utf-8")
    print("\n| HermiT check | seconds | consistent | unsatisfiable |")
    print("|---|---:|---|---:|")
    for name, files in (
        ("core ontology alone", [core]),
        ("core + alignment", [core, align]),
        (f"core + alignment + example KB ({len(examples)} files)", [core, align, *examples]),
        (f"core + alignment + {len(data)} synthetic triples", [core, align, scratch]),
    ):
        start = time.perf_counter()
        result = reason.check(files)
        elapsed = time.perf_counter() - start
        print(f"| {name} | {elapsed:.1f} | {result.consistent} | {len(result.unsatisfiable)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--owlrl-limit", type=int, default=100_000)
    parser.add_argument("--owlrl-timeout", type=float, default=900)
    parser.add_argument("--hermit", action="store_true")
    args = parser.parse_args()
    bench_rl(args.sizes, args.owlrl_limit, args.owlrl_timeout)
    if args.hermit:
        bench_hermit(min(args.sizes))


if __name__ == "__main__":
    main()
