"""Benchmark: the network projection and every analysis at 100k and 1M triples.

For each size the data is generated (by ``bench/synthetic.py`` when it exists, else by the
small generator below, shaped like the example knowledge base: states backing non-state
actors in nested regions, with alliances, memberships, splits, allegiance changes and
designations) and loaded into an on-disk Oxigraph store, as the default store is. A fresh
child process then times the projection and each analysis; peak memory is the child's maximum
resident set size above its size after imports (getrusage, which also sees what pyoxigraph
and RocksDB allocate outside Python).

    python bench/bench_network.py                  # 100k and 1M triples
    python bench/bench_network.py --sizes 20000    # a quick run

Targets at 1M triples: the projection in at most 15 s and 3 GB; every analysis in at most
60 s (above coopgraph.network.analysis.LARGE_NETWORK actors betweenness is sampled, and says
so, and Louvain runs fewer times).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

COOP = "https://w3id.org/coopgraph/ontology#"
DATA = "https://w3id.org/coopgraph/data/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
CITATION = "http://purl.org/dc/terms/bibliographicCitation"
XSD = "http://www.w3.org/2001/XMLSchema#"

ENGAGEMENT_TYPES = [
    "DirectTroopSupport", "ForeignTroopPresence", "JointOperations", "InfrastructureAccess",
    "TerritoryAccess", "WeaponsSupply", "MaterielAndLogistics", "JointTraining",
    "CapacityBuilding", "Advising", "IntelligenceSharing", "CounterterrorismCooperation",
    "Funding", "OperationalSupport", "NegotiatedCeasefire", "StrategicDialogue",
    "ConfidenceBuilding", "Negotiation",
]  # fmt: skip
NON_STATE_KINDS = [
    "InsurgentGroup", "RebelGroup", "SeparatistGroup", "Militia", "ProGovernmentMilitia",
    "CommunityMilitia", "CriminalNetwork", "CommunityGroup",
]  # fmt: skip
TRIPLES_PER_ENGAGEMENT = 9  # with the share of actors, regions and events per engagement


def _writer(out: Any) -> Callable[..., None]:
    def triple(s: str, p: str, o: str, literal: str | None = None) -> None:
        if literal is None:
            out.write(f"<{s}> <{p}> <{o}> .\n")
        else:
            out.write(f'<{s}> <{p}> "{o}"{literal} .\n')

    return triple


def generate_minimal(n_triples: int, seed: int, directory: Path) -> Path:
    """About ``n_triples`` N-Triples statements of coopgraph-shaped data; returns the file."""
    rng = random.Random(seed)
    path = directory / f"network-{n_triples}-{seed}.nt"
    engagements = max(50, n_triples // TRIPLES_PER_ENGAGEMENT)
    states = min(190, max(10, engagements // 400))
    groups = max(20, engagements // 12)
    with path.open("w", encoding="utf-8") as out:
        t = _writer(out)
        regions = []
        for c in range(6):
            continent = f"{DATA}region-{c}"
            t(continent, RDF_TYPE, f"{COOP}Region")
            t(continent, LABEL, f"Continent {c}", "@en")
            for k in range(10):
                country = f"{continent}-{k}"
                t(country, RDF_TYPE, f"{COOP}Region")
                t(country, LABEL, f"Country {c}.{k}", "@en")
                t(country, f"{COOP}withinRegion", continent)
                for p in range(5):
                    province = f"{country}-{p}"
                    t(province, RDF_TYPE, f"{COOP}Region")
                    t(province, LABEL, f"Province {c}.{k}.{p}", "@en")
                    t(province, f"{COOP}withinRegion", country)
                    regions.append(province)
        sources = [f"{DATA}source-{i}" for i in range(500)]
        for i, source in enumerate(sources):
            t(source, RDF_TYPE, f"{COOP}Source")
            t(source, CITATION, f"Synthetic report {i} (benchmark data)", "")
        state_ids = [f"{DATA}state-{i}" for i in range(states)]
        for i, state in enumerate(state_ids):
            t(state, RDF_TYPE, f"{COOP}State")
            t(state, LABEL, f"State {i}", "@en")
        group_ids = [f"{DATA}group-{i}" for i in range(groups)]
        home = {}
        for i, group in enumerate(group_ids):
            t(group, RDF_TYPE, f"{COOP}{NON_STATE_KINDS[i % len(NON_STATE_KINDS)]}")
            t(group, LABEL, f"Group {i}", "@en")
            t(group, f"{COOP}existedFrom", str(rng.randint(1960, 2015)), f"^^<{XSD}gYear>")
            home[group] = rng.choice(regions)
        # A few states are very active, most are not (Zipf-like weights).
        state_weights = [1 / (r + 1) for r in range(states)]
        group_weights = [1 / (r + 1) ** 0.5 for r in range(groups)]
        for i in range(engagements):
            e = f"{DATA}engagement-{i}"
            provider = rng.choices(state_ids, state_weights)[0]
            if rng.random() < 0.15:
                partner = rng.choice(state_ids)
                place = rng.choice(regions)
            else:
                partner = rng.choices(group_ids, group_weights)[0]
                place = home[partner]
            t(e, RDF_TYPE, f"{COOP}Engagement")
            t(e, f"{COOP}provider", provider)
            t(e, f"{COOP}partner", partner)
            t(e, f"{COOP}engagementType", f"{COOP}{rng.choice(ENGAGEMENT_TYPES)}")
            start = rng.randint(1990, 2024)
            t(e, f"{COOP}startDate", str(start), f"^^<{XSD}gYear>")
            if rng.random() < 0.8:
                t(e, f"{COOP}endDate", f"{start + rng.randint(0, 10)}-12-31", f"^^<{XSD}date>")
            t(e, f"{COOP}formality", f"{COOP}{rng.choice(['Formal', 'SemiFormal', 'Informal'])}")
            t(e, f"{COOP}place", place)
            t(e, f"{COOP}hasSource", rng.choice(sources))
        for i in range(max(5, states // 2)):
            record = f"{DATA}alliance-{i}"
            t(record, RDF_TYPE, f"{COOP}Alliance")
            for member in rng.sample(state_ids, 3):
                t(record, f"{COOP}allianceMember", member)
            t(record, f"{COOP}startDate", str(rng.randint(1950, 2020)), f"^^<{XSD}gYear>")
        for i in range(groups // 50 + 1):
            record = f"{DATA}membership-{i}"
            t(record, RDF_TYPE, f"{COOP}Membership")
            t(record, f"{COOP}member", rng.choice(group_ids))
            t(record, f"{COOP}organisation", rng.choice(group_ids))
        for i in range(groups // 100 + 1):
            original, resulting = rng.sample(group_ids, 2)
            record = f"{DATA}split-{i}"
            t(record, RDF_TYPE, f"{COOP}Split")
            t(record, f"{COOP}originalActor", original)
            t(record, f"{COOP}resultingActor", resulting)
            t(record, f"{COOP}date", str(rng.randint(1990, 2024)), f"^^<{XSD}gYear>")
            record = f"{DATA}turn-{i}"
            former, new = rng.sample(state_ids, 2)
            t(record, RDF_TYPE, f"{COOP}AllegianceChange")
            t(record, f"{COOP}changingActor", rng.choice(group_ids))
            t(record, f"{COOP}formerAlly", former)
            t(record, f"{COOP}newAlly", new)
            t(record, f"{COOP}date", f"{rng.randint(1990, 2024)}-06-01", f"^^<{XSD}date>")
        for i in range(groups // 20 + 1):
            record = f"{DATA}designation-{i}"
            t(record, RDF_TYPE, f"{COOP}TerroristDesignation")
            t(record, f"{COOP}designatedActor", rng.choice(group_ids))
            t(record, f"{COOP}designatingAuthority", rng.choice(state_ids))
            t(record, f"{COOP}startDate", str(rng.randint(1995, 2024)), f"^^<{XSD}gYear>")
        for _ in range(states // 4):
            a, b = rng.sample(state_ids, 2)
            t(a, f"{COOP}rivalOf", b)
    return path


def generate(n_triples: int, seed: int, directory: Path) -> tuple[Path, str]:
    """The shared synthetic generator's file when it exists, else the minimal one's."""
    shared = Path(__file__).with_name("synthetic.py")
    if shared.exists():
        spec = importlib.util.spec_from_file_location("synthetic", shared)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return Path(module.generate(n_triples, seed, defects=True)), "bench/synthetic.py"
    return generate_minimal(n_triples, seed, directory), "bench_network.generate_minimal"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def load(path: str, workdir: str) -> dict[str, Any]:
    """Load the file into the on-disk Oxigraph store (run in a child process)."""
    from coopgraph.store import open_store

    started = time.perf_counter()
    with open_store(f"oxigraph:{workdir}/store") as store:
        triples = store.load(path, graph="https://w3id.org/coopgraph/bench/graph")
    return {"triples": triples, "load_s": time.perf_counter() - started}


def project_in_memory(path: str, workdir: str) -> dict[str, Any]:
    """Project from an in-memory Oxigraph store (run in a child process)."""
    from coopgraph import network
    from coopgraph.network.projection import _shipped_ontology
    from coopgraph.store import open_store

    _shipped_ontology()
    with open_store("oxigraph:") as store:
        store.load(path)
        started = time.perf_counter()
        network.project(store)
        seconds = time.perf_counter() - started
    # No memory figure: the peak of loading the file hides the projection's.
    return {"projection_s": seconds}


def measure(path: str, workdir: str) -> dict[str, Any]:
    """Project from the on-disk store and analyse (run in a child process)."""
    from coopgraph import network
    from coopgraph.network.analysis import cooperation_graph
    from coopgraph.network.projection import _shipped_ontology
    from coopgraph.store import open_store

    _shipped_ontology()  # read once per process; not part of any one projection's cost
    result: dict[str, Any] = {}
    with open_store(f"oxigraph:{workdir}/store") as store:
        baseline = _rss_mb()
        started = time.perf_counter()
        graph = network.project(store)
        result["projection_s"] = time.perf_counter() - started
    result["projection_mb"] = _rss_mb() - baseline
    result["actors"] = graph.number_of_nodes()
    result["edges"] = graph.number_of_edges()
    simple = cooperation_graph(graph)
    result["actor_pairs"] = simple.number_of_edges()
    by_degree = sorted(simple, key=lambda n: (-simple.degree(n), n))
    hub, other = by_degree[0], by_degree[len(by_degree) // 2]
    timings: dict[str, Any] = {}

    def timed(name: str, call: Callable[[], Any], note: Callable[[Any], str] | None = None) -> None:
        began = time.perf_counter()
        value = call()
        timings[name] = [round(time.perf_counter() - began, 2), note(value) if note else ""]

    timed("restrict as of 2015", lambda: network.restrict(graph, window=network.as_of("2015")),
          lambda g: f"{g.number_of_edges()} edges")  # fmt: skip
    timed("centrality", lambda: network.centrality(graph), lambda r: r.method)
    timed("brokers", lambda: network.brokers(graph), lambda r: f"{len(r)} brokers")
    timed("communities", lambda: network.communities(graph),
          lambda r: f"{len(r.communities)} communities, modularity {r.modularity:.3f}")  # fmt: skip
    timed("paths", lambda: network.paths(graph, hub, other), lambda r: f"{len(r)} paths")
    timed("ego radius 2", lambda: network.ego(graph, hub, radius=2),
          lambda g: f"{g.number_of_nodes()} actors")  # fmt: skip
    timed("changes 2010 to 2020", lambda: network.changes(graph, "2010", "2020"),
          lambda r: f"{len(r.appeared)} appeared, {len(r.ended)} ended, "
          f"{len(r.switched)} switched")  # fmt: skip
    timed("competing sponsors", lambda: network.competing_sponsors(graph),
          lambda r: f"{len(r)} regions")  # fmt: skip
    for fmt in ("graphml", "gexf", "json"):
        target = Path(workdir) / f"network.{fmt}"
        timed(f"export {fmt}", lambda t=target: network.write(graph, t),
              lambda _, t=target: f"{t.stat().st_size / 1e6:.0f} MB")  # fmt: skip
    timed("draw ego network (png)",
          lambda: network.draw(network.ego(graph, other), Path(workdir) / "ego.png"))  # fmt: skip
    result["analyses"] = timings
    result["peak_mb"] = _rss_mb() - baseline
    return result


STEPS = {"load": load, "memory": project_in_memory, "measure": measure}


def _child(step: str, path: Path, workdir: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", step, str(path), str(workdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"{step} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", nargs=3, metavar=("STEP", "FILE", "WORKDIR"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args(argv)
    if args.child:
        step, path, workdir = args.child
        print(json.dumps(STEPS[step](path, workdir)))
        return 0
    began = time.perf_counter()
    sum(range(10**7))
    print(f"machine speed: sum(range(10**7)) takes {time.perf_counter() - began:.2f} s here")
    with tempfile.TemporaryDirectory(prefix="coopgraph-bench-network-") as tmp:
        for size in args.sizes:
            workdir = Path(tmp) / f"run-{size}"
            workdir.mkdir()
            path, generator = generate(size, args.seed, workdir)
            loaded = _child("load", path, workdir)
            memory = _child("memory", path, workdir)
            row = _child("measure", path, workdir)
            print(
                f"\n{loaded['triples']:,} triples ({generator}, seed {args.seed}): "
                f"{row['actors']:,} actors, {row['edges']:,} edges, "
                f"{row['actor_pairs']:,} cooperating pairs"
            )
            print(f"  load into on-disk Oxigraph      {loaded['load_s']:7.2f} s")
            print(
                f"  projection, on-disk store       {row['projection_s']:7.2f} s   "
                f"peak {row['projection_mb']:,.0f} MB above the open store"
            )
            print(f"  projection, in-memory store     {memory['projection_s']:7.2f} s")
            for name, (seconds, note) in row["analyses"].items():
                print(f"  {name:<31} {seconds:7.2f} s   {note}")
            print(
                f"  peak memory of the analyses     {row['peak_mb']:,.0f} MB above the open store"
            )
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
