"""Network analyses of the projected cooperation network (see :mod:`coopgraph.network`).

Centrality, brokers, communities, paths and ego networks read the *cooperation graph*: an
undirected simple graph with every actor of the projection as a node and an edge between two
actors when at least one edge of the chosen relations (engagements by default) joins them in
either direction, weighted by how many do. Changes and competing sponsors read the
engagement edges of the projection and their periods directly.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations, pairwise
from typing import Any

import networkx as nx

from coopgraph.errors import ParameterError
from coopgraph.network.periods import Window, as_of, period
from coopgraph.network.projection import RELATIONS
from coopgraph.vocab import COOP

ENGAGEMENTS_ONLY: tuple[str, ...] = ("engagement",)

LARGE_NETWORK = 2000
"""Above this many actors the analyses keep to a time budget: betweenness is estimated from
:data:`DEFAULT_SAMPLES` source actors and Louvain runs :data:`LARGE_NETWORK_RUNS` times."""

DEFAULT_SAMPLES = 100
"""Source actors sampled for approximate betweenness on a large network (networkx's ``k``)."""

DEFAULT_RUNS = 10
"""Louvain runs whose best partition :func:`communities` keeps."""

LARGE_NETWORK_RUNS = 3
"""Louvain runs on a large network."""


# ----------------------------------------------------------------------------- helpers


def check_count(option: str, value: object) -> None:
    """Refuse a count that is not a whole number of at least 1 (a str, a float, 0)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        shown = value if isinstance(value, int) else repr(value)
        raise ParameterError(f"{option}: {shown} is not a positive number")


def cooperation_graph(
    graph: nx.MultiDiGraph, relations: Collection[str] = ENGAGEMENTS_ONLY
) -> nx.Graph:
    """Every actor, and an undirected edge weighted by the number of ``relations`` edges."""
    relations = check_relations(relations)
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes(data=True))
    for u, v, relation in graph.edges(data="relation"):
        if relation in relations and u != v:
            if simple.has_edge(u, v):
                simple[u][v]["weight"] += 1
            else:
                simple.add_edge(u, v, weight=1)
    return simple


def check_relations(relations: Collection[str]) -> frozenset[str]:
    unknown = sorted(set(relations) - set(RELATIONS))
    if unknown or not relations:
        raise ParameterError(
            f"--relation: {unknown[0] if unknown else 'none given'} is not one of "
            + ", ".join(RELATIONS)
        )
    return frozenset(relations)


def check_actor(graph: nx.MultiDiGraph, actor: str, parameter: str) -> str:
    """``actor`` (a node id) if the projected network holds it, else ParameterError."""
    if actor not in graph:
        raise ParameterError(
            f"{parameter}: {actor} is not an actor in the network ({graph.graph['window']})"
        )
    return actor


def is_state(graph: nx.MultiDiGraph, node: str) -> bool:
    """Whether the actor is a state (its kind is coop:State or a subclass of it)."""
    return is_state_kind(graph, graph.nodes[node]["kind"])


def is_state_kind(graph: nx.MultiDiGraph, kind: str) -> bool:
    """Whether an actor kind is coop:State or a subclass of it."""
    entry = graph.graph["actor_kinds"].get(kind, {"broader": []})
    return kind == str(COOP.State) or str(COOP.State) in entry["broader"]


def _label(graph: nx.MultiDiGraph, node: str) -> str:
    return graph.nodes[node]["label"]


@dataclass(frozen=True)
class Actor:
    """An actor as analyses report it."""

    iri: str
    label: str
    kind: str

    @classmethod
    def of(cls, graph: nx.MultiDiGraph, node: str) -> Actor:
        data = graph.nodes[node]
        return cls(node, data["label"], data["kind_label"])


@dataclass(frozen=True)
class EngagementEdge:
    """One engagement edge: who gave what to whom, when."""

    iri: str
    provider: Actor
    partner: Actor
    engagement_type: str | None
    start: str | None
    end: str | None

    @classmethod
    def of(cls, graph: nx.MultiDiGraph, u: str, v: str, data: dict[str, Any]) -> EngagementEdge:
        return cls(
            data["iri"],
            Actor.of(graph, u),
            Actor.of(graph, v),
            data["engagement_type_label"],
            data["start"],
            data["end"],
        )


def _engagements(graph: nx.MultiDiGraph) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for u, v, data in graph.edges(data=True):
        if data["relation"] == "engagement":
            yield u, v, data


# ----------------------------------------------------------------------------- centrality


@dataclass(frozen=True)
class CentralityRow:
    actor: Actor
    neighbours: int
    """Distinct actors joined to this one by the chosen relations."""
    provided: int
    """Engagements this actor provides."""
    received: int
    """Engagements in which this actor is a partner."""
    degree_centrality: float
    betweenness: float


@dataclass(frozen=True)
class CentralityResult:
    rows: list[CentralityRow]
    method: str
    """How betweenness was computed: exact, or sampled with k sources and a seed."""


def centrality(
    graph: nx.MultiDiGraph,
    *,
    relations: Collection[str] = ENGAGEMENTS_ONLY,
    samples: int | None = None,
    exact: bool = False,
    seed: int = 0,
) -> CentralityResult:
    """Degree and betweenness centrality of every actor, most between first.

    Both are normalised as networkx does on the cooperation graph (degree / (n - 1);
    betweenness over the (n - 1)(n - 2) / 2 pairs of other actors). Betweenness is exact up to
    :data:`LARGE_NETWORK` actors or when ``exact``; otherwise, or when ``samples``
    is given, networkx estimates it from ``samples`` source actors drawn with ``seed``.
    """
    simple = cooperation_graph(graph, relations)
    n = simple.number_of_nodes()
    if samples is not None:
        check_count("--samples", samples)
    if samples is None and not exact and n > LARGE_NETWORK:
        samples = DEFAULT_SAMPLES
    if samples is not None and samples < n:
        betweenness = nx.betweenness_centrality(simple, k=samples, seed=seed)
        method = f"betweenness estimated from {samples} of {n} source actors (seed {seed})"
    else:
        betweenness = nx.betweenness_centrality(simple)
        method = "exact betweenness"
    degree = nx.degree_centrality(simple) if n > 1 else dict.fromkeys(simple, 0.0)
    # Sets of engagements, not counts of edges: an engagement with two partners is one
    # engagement its provider provides (and one with two providers, one its partner receives).
    provided: defaultdict[str, set[str]] = defaultdict(set)
    received: defaultdict[str, set[str]] = defaultdict(set)
    for u, v, data in _engagements(graph):
        provided[u].add(data["iri"])
        received[v].add(data["iri"])
    rows = [
        CentralityRow(
            Actor.of(graph, node),
            simple.degree(node),
            len(provided[node]),
            len(received[node]),
            degree[node],
            betweenness[node],
        )
        for node in simple
    ]
    rows.sort(key=lambda r: (-r.betweenness, -r.degree_centrality, r.actor.label, r.actor.iri))
    return CentralityResult(rows, method)


# ----------------------------------------------------------------------------- brokers


@dataclass(frozen=True)
class Broker:
    actor: Actor
    state_pairs: list[tuple[Actor, Actor]]
    """Pairs of states both joined to this actor but not to each other."""
    separated_pairs: list[tuple[Actor, Actor]]
    """Those of the pairs that no other chain of the network joins: without this actor the
    two states would not be connected at all."""


def brokers(
    graph: nx.MultiDiGraph, *, relations: Collection[str] = ENGAGEMENTS_ONLY
) -> list[Broker]:
    """Actors that connect otherwise unconnected states, the most separated pairs first.

    A broker is joined to two states that are not joined to each other (Burt's structural
    hole, Gould and Fernandez's brokerage). A pair is *separated* when removing the broker
    disconnects the two states: their edges to the broker lie in different biconnected
    components.
    """
    simple = cooperation_graph(graph, relations)
    component: dict[frozenset[str], int] = {}
    for index, edges in enumerate(nx.biconnected_component_edges(simple)):
        for u, v in edges:
            component[frozenset((u, v))] = index
    result = []
    for node in simple:
        states = sorted(n for n in simple[node] if is_state(graph, n))
        pairs = [(a, b) for a, b in combinations(states, 2) if not simple.has_edge(a, b)]
        if not pairs:
            continue
        separated = [
            (a, b)
            for a, b in pairs
            if component[frozenset((node, a))] != component[frozenset((node, b))]
        ]
        result.append(
            Broker(
                Actor.of(graph, node), _actor_pairs(graph, pairs), _actor_pairs(graph, separated)
            )
        )
    result.sort(
        key=lambda b: (-len(b.separated_pairs), -len(b.state_pairs), b.actor.label, b.actor.iri)
    )
    return result


def _actor_pairs(graph: nx.MultiDiGraph, pairs: list[tuple[str, str]]) -> list[tuple[Actor, Actor]]:
    return [(Actor.of(graph, a), Actor.of(graph, b)) for a, b in pairs]


# ----------------------------------------------------------------------------- communities


@dataclass(frozen=True)
class Community:
    number: int
    members: list[Actor]
    engagements: int
    """Edges of the chosen relations inside the community."""


@dataclass(frozen=True)
class CommunitiesResult:
    communities: list[Community]
    modularity: float
    method: str
    unconnected: int
    """Actors without any edge of the chosen relations: in no community."""


def communities(
    graph: nx.MultiDiGraph,
    *,
    relations: Collection[str] = ENGAGEMENTS_ONLY,
    seed: int = 0,
    resolution: float = 1.0,
    runs: int | None = None,
) -> CommunitiesResult:
    """Clusters of actors that cooperate: Louvain modularity communities, seeded.

    Louvain is greedy and can stop at a local optimum that depends on the seed, so it runs
    ``runs`` times (by default :data:`DEFAULT_RUNS`, or :data:`LARGE_NETWORK_RUNS` above
    :data:`LARGE_NETWORK` actors; seeds ``seed``, ``seed + 1``, ...) and keeps the partition
    with the highest
    modularity (the first of equals). Edge weights are the number of edges between two actors.
    Actors without any edge are in no community (the result counts them). Largest communities
    first, numbered from 1.
    """
    simple = cooperation_graph(graph, relations)
    if not 0 < resolution < math.inf:  # NaN too
        raise ParameterError(f"--resolution: {resolution} is not a positive number")
    if runs is None:
        runs = DEFAULT_RUNS if simple.number_of_nodes() <= LARGE_NETWORK else LARGE_NETWORK_RUNS
    check_count("--runs", runs)

    def run(run_seed: int) -> tuple[float, list[set[str]]]:
        found = nx.community.louvain_communities(
            simple, weight="weight", resolution=resolution, seed=run_seed
        )
        if not simple.number_of_edges():
            return 0.0, found
        return nx.community.modularity(simple, found, weight="weight", resolution=resolution), found

    # max() keeps the first of equal scores: the lowest seed wins a tie.
    modularity, found = max((run(s) for s in range(seed, seed + runs)), key=lambda r: r[0])
    ordered = sorted(
        (
            sorted(members, key=lambda n: (_label(graph, n), n))
            for members in found
            if len(members) > 1 or simple.degree(next(iter(members)))
        ),
        key=lambda ms: (-len(ms), _label(graph, ms[0]), ms[0]),
    )
    result = [
        Community(
            number,
            [Actor.of(graph, n) for n in members],
            int(simple.subgraph(members).size(weight="weight")),
        )
        for number, members in enumerate(ordered, start=1)
    ]
    method = (
        f"Louvain (networkx), resolution {resolution:g}, best modularity of {runs} "
        f"run{'s' if runs != 1 else ''} from seed {seed}"
    )
    unconnected = sum(1 for n in simple if simple.degree(n) == 0)
    return CommunitiesResult(result, modularity, method, unconnected)


# ----------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class Hop:
    source: Actor
    target: Actor
    edges: list[dict[str, Any]]
    """The edges that join the two actors (either direction): relation, iri, provider or
    first actor, type, period."""


@dataclass(frozen=True)
class Path:
    hops: list[Hop]

    @property
    def actors(self) -> list[Actor]:
        return [self.hops[0].source, *(hop.target for hop in self.hops)] if self.hops else []


def paths(
    graph: nx.MultiDiGraph,
    source: str,
    target: str,
    *,
    relations: Collection[str] = ENGAGEMENTS_ONLY,
    limit: int = 10,
) -> list[Path]:
    """The shortest chains from ``source`` to ``target``, with the edges of each hop.

    Hops follow edges in either direction. At most ``limit`` paths, in the order of their
    actors' labels; no path gives an empty list.
    """
    check_actor(graph, source, "source")
    check_actor(graph, target, "target")
    check_count("--limit", limit)
    if source == target:
        raise ParameterError("source and target are the same actor")
    relations = check_relations(relations)
    simple = cooperation_graph(graph, relations)
    if not nx.has_path(simple, source, target):
        return []
    found = sorted(
        nx.all_shortest_paths(simple, source, target),
        key=lambda p: [(_label(graph, n), n) for n in p],
    )[:limit]
    return [
        Path(
            [
                Hop(Actor.of(graph, a), Actor.of(graph, b), _hop_edges(graph, a, b, relations))
                for a, b in pairwise(p)
            ]
        )
        for p in found
    ]


def _hop_edges(
    graph: nx.MultiDiGraph, a: str, b: str, relations: frozenset[str]
) -> list[dict[str, Any]]:
    edges = []
    for u, v in ((a, b), (b, a)):
        for data in (graph.get_edge_data(u, v) or {}).values():
            if data["relation"] in relations:
                edges.append(
                    {
                        "relation": data["relation"],
                        "iri": data.get("iri"),
                        "from": u,
                        "to": v,
                        "type": data.get("engagement_type_label"),
                        "start": data.get("start", data.get("date")),
                        "end": data.get("end", data.get("date")),
                    }
                )
    edges.sort(key=lambda e: (e["start"] or "", e["iri"] or ""))
    return edges


# ----------------------------------------------------------------------------- ego network


def ego(
    graph: nx.MultiDiGraph,
    actor: str,
    *,
    radius: int = 1,
    relations: Collection[str] = ENGAGEMENTS_ONLY,
) -> nx.MultiDiGraph:
    """The actors within ``radius`` hops of ``actor`` and the ``relations`` edges among them."""
    check_actor(graph, actor, "actor")
    check_count("--radius", radius)
    relations = check_relations(relations)
    near = nx.single_source_shortest_path_length(cooperation_graph(graph, relations), actor, radius)
    sub = nx.MultiDiGraph()
    sub.graph.update(graph.graph, ego=actor, radius=radius)
    sub.add_nodes_from((n, graph.nodes[n]) for n in sorted(near))
    sub.add_edges_from(
        (u, v, k, data)
        for u, v, k, data in graph.edges(keys=True, data=True)
        if u in near and v in near and data["relation"] in relations
    )
    return sub


def edge_rows(graph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """Every edge of a (sub)network as a flat row: relation, actors, type, period, record."""
    rows = []
    for u, v, data in graph.edges(data=True):
        rows.append(
            {
                "relation": data["relation"],
                "from": u,
                "from_label": _label(graph, u),
                "to": v,
                "to_label": _label(graph, v),
                "type": data.get("engagement_type_label"),
                "start": data.get("start", data.get("date")),
                "end": data.get("end", data.get("date")),
                "iri": data.get("iri"),
            }
        )
    rows.sort(
        key=lambda r: (
            r["relation"],
            r["from_label"],
            r["to_label"],
            r["start"] or "",
            r["iri"] or "",
        )
    )
    return rows


# ----------------------------------------------------------------------------- changes


@dataclass(frozen=True)
class Switch:
    partner: Actor
    before: list[Actor]
    """Its providers (engagements) or former allies (recorded change)."""
    after: list[Actor]
    basis: str
    """``engagements`` (its providers differ between the two dates) or ``recorded`` (a
    coop:AllegianceChange dated between them)."""
    event: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Changes:
    start: str
    end: str
    appeared: list[EngagementEdge]
    """Active at ``end`` but not at ``start``."""
    ended: list[EngagementEdge]
    """Active at ``start`` but not at ``end``."""
    came_and_went: list[EngagementEdge]
    """Began after ``start`` and ended before ``end``: active at neither date."""
    switched: list[Switch] = field(default_factory=list)


def changes(graph: nx.MultiDiGraph, start: str, end: str) -> Changes:
    """How the engagement network changed from ``start`` to ``end`` (YYYY, YYYY-MM or a date).

    The network "at" a date is what is active on any day it names (a year covers the year).
    A partner switched sides when it lost a provider and gained another: its providers at
    ``end`` include one it did not have at ``start`` and lack one it had. Recorded
    allegiance changes dated from the first day of ``start`` to the last day of ``end`` are
    listed too.
    """
    before, after = as_of(start, "start"), as_of(end, "end")
    if after.last < before.first:
        raise ParameterError(f"end: {end!r} is before start {start!r}")
    appeared, ended, transient = [], [], []
    providers_before: dict[str, set[str]] = defaultdict(set)
    providers_after: dict[str, set[str]] = defaultdict(set)
    for u, v, data in _engagements(graph):
        then, now = (w.overlaps(data["start"], data["end"]) for w in (before, after))
        if then:
            providers_before[v].add(u)
        if now:
            providers_after[v].add(u)
        row = EngagementEdge.of(graph, u, v, data)
        if now and not then:
            appeared.append(row)
        elif then and not now:
            ended.append(row)
        elif not then and not now:
            first, last = period(data["start"], data["end"])
            if first > before.last and last < after.first:
                transient.append(row)
    switched = []
    for partner in sorted(set(providers_before) | set(providers_after)):
        lost = providers_before[partner] - providers_after[partner]
        gained = providers_after[partner] - providers_before[partner]
        if lost and gained:
            switched.append(
                Switch(
                    Actor.of(graph, partner),
                    _actors(graph, providers_before[partner]),
                    _actors(graph, providers_after[partner]),
                    "engagements",
                )
            )
    window = Window(before.first, after.last, f"between {start} and {end}")
    switched.extend(_recorded_switches(graph, window))
    key = lambda e: (e.start or "", e.provider.label, e.partner.label, e.iri)  # noqa: E731
    return Changes(
        start,
        end,
        sorted(appeared, key=key),
        sorted(ended, key=key),
        sorted(transient, key=key),
        switched,
    )


def _actors(graph: nx.MultiDiGraph, nodes: Iterable[str]) -> list[Actor]:
    return sorted((Actor.of(graph, n) for n in nodes), key=lambda a: (a.label, a.iri))


def _recorded_switches(graph: nx.MultiDiGraph, window: Window) -> list[Switch]:
    events: dict[str, dict[str, Any]] = {}
    for u, v, data in graph.edges(data=True):
        if data["relation"] == "allegiance_change" and window.contains(data["date"]):
            event = events.setdefault(
                data["iri"], {"actor": u, "date": data["date"], "former": set(), "new": set()}
            )
            event[data["side"]].add(v)
    return [
        Switch(
            Actor.of(graph, e["actor"]),
            _actors(graph, e["former"]),
            _actors(graph, e["new"]),
            "recorded",
            iri,
            e["date"],
        )
        for iri, e in sorted(events.items(), key=lambda item: (item[1]["date"] or "", item[0]))
    ]


# ----------------------------------------------------------------------------- competing sponsors


@dataclass(frozen=True)
class Competition:
    """A region where two or more states backed different partners at the same time."""

    region: str
    label: str
    periods: list[tuple[str | None, str | None]]
    """When: first and last day of each span (None: open, unknown start or ongoing)."""
    states: list[Actor]
    partners: list[Actor]
    engagements: list[str]
    rival_states: list[tuple[Actor, Actor]]
    """Pairs of the states recorded as rivals (coop:rivalOf)."""


@dataclass
class _Backing:
    """One engagement as competing sponsors see it: when, who provides, whom it backs."""

    first: int
    end: int
    """The day after the last (a half-open range of ordinals)."""
    iri: str
    providers: set[str] = field(default_factory=set)
    states: set[str] = field(default_factory=set)
    partners: set[str] = field(default_factory=set)

    def backs_against(self, other: _Backing) -> bool:
        """Whether this engagement has a state provider the other lacks, and a partner the
        other neither backs nor provides: then, both ways, they back different partners."""
        return bool(self.states - other.providers) and bool(
            self.partners - other.partners - other.providers
        )


def competing_sponsors(graph: nx.MultiDiGraph) -> list[Competition]:
    """Regions where at some time two or more states backed different partners.

    An engagement counts for its place and every region that place lies within. Two
    engagements in a region compete while both are active when each has a state provider
    that the other lacks and a partner that the other neither backs nor provides (the rule
    of the canned query ``competing-sponsors``): allies backing the same partners, jointly
    or apart, and a state backing another state's own engagement do not compete. The answer
    lists the spans of days with a competing pair, and the states, partners and engagements
    of those pairs, within the projection's window when it has one. The destabilisation
    signal of competency question 8 (coop:CompetingExternalSponsors); unlike the canned
    query, which needs one of the two engagements placed at the region itself, two
    engagements anywhere within the region count.
    """
    regions = graph.graph["regions"]
    backings: dict[str, _Backing] = {}
    covering: dict[str, set[str]] = defaultdict(set)
    for u, v, data in _engagements(graph):
        backing = backings.get(data["iri"])
        if backing is None:
            first, last = period(data["start"], data["end"])
            backing = backings[data["iri"]] = _Backing(
                first.toordinal(), last.toordinal() + 1, data["iri"]
            )
            for place in data["places"]:
                covering[data["iri"]].add(place)
                covering[data["iri"]].update(regions.get(place, {"within": []})["within"])
        backing.providers.add(u)
        backing.partners.add(v)
        if is_state(graph, u):
            backing.states.add(u)
    by_region: dict[str, list[_Backing]] = defaultdict(list)
    for iri, backing in backings.items():
        if backing.states:
            for region in covering[iri]:
                by_region[region].append(backing)
    rivals = {frozenset((u, v)) for u, v, r in graph.edges(data="relation") if r == "rivalry"}
    window = (
        date.fromisoformat(graph.graph.get("window_first", date.min.isoformat())).toordinal(),
        date.fromisoformat(graph.graph.get("window_last", date.max.isoformat())).toordinal() + 1,
    )
    result = []
    for region, engagements in by_region.items():
        overlaps, involved = _competing_pairs(engagements, window)
        if not overlaps:
            continue
        states = set().union(*(b.states for b in involved))
        result.append(
            Competition(
                region,
                regions.get(region, {"label": region})["label"],
                [
                    (_day(s, open_value=1), _day(e - 1, open_value=date.max.toordinal()))
                    for s, e in _merged(overlaps)
                ],
                _actors(graph, states),
                _actors(graph, set().union(*(b.partners for b in involved))),
                sorted(b.iri for b in involved),
                [
                    (Actor.of(graph, a), Actor.of(graph, b))
                    for a, b in combinations(sorted(states), 2)
                    if frozenset((a, b)) in rivals
                ],
            )
        )
    result.sort(key=lambda c: (c.label, c.region))
    return result


def _competing_pairs(
    engagements: list[_Backing], window: tuple[int, int]
) -> tuple[list[tuple[int, int]], list[_Backing]]:
    """The day ranges (within ``window``) in which two of the engagements compete, and the
    engagements of those pairs.

    A sweep by start day meets each engagement with those still active when it begins.
    Comparing it with every one of them is quadratic (minutes at 1M triples), so only those
    that share an actor with it are compared: one that shares none competes with it (each
    then has a state provider and a partner that the other lacks). The latest end among its
    competitors closes the range; each competitor is marked involved once.
    """
    clipped = sorted(
        (
            (max(b.first, window[0]), min(b.end, window[1]), b)
            for b in engagements
            if b.first < window[1] and b.end > window[0]
        ),
        key=lambda item: (item[0], item[2].iri),
    )
    backing_of = {b.iri: b for _, _, b in clipped}
    ends: dict[str, int] = {}  # the active engagements, with their ends
    expiring: list[tuple[int, str]] = []  # a min-heap of (end, iri) over them
    latest: list[tuple[int, str]] = []  # a max-heap of (-end, iri), cleared lazily
    by_actor: dict[str, set[str]] = defaultdict(set)
    unmarked: set[str] = set()  # active and not yet known to compete
    overlaps: list[tuple[int, int]] = []
    involved: dict[str, _Backing] = {}
    for first, end, backing in clipped:
        while expiring and expiring[0][0] <= first:
            iri = heapq.heappop(expiring)[1]
            del ends[iri]
            unmarked.discard(iri)
            for actor in backing_of[iri].providers | backing_of[iri].partners:
                by_actor[actor].discard(iri)
        actors = backing.providers | backing.partners
        excluded = {
            iri
            for actor in actors
            for iri in by_actor.get(actor, ())
            if not (
                backing.backs_against(backing_of[iri]) and backing_of[iri].backs_against(backing)
            )
        }
        last = _latest_end(latest, ends, excluded)
        if last is not None:
            overlaps.append((first, min(end, last)))
            involved[backing.iri] = backing
            for iri in [i for i in unmarked if i not in excluded]:
                involved[iri] = backing_of[iri]
                unmarked.discard(iri)
        else:
            unmarked.add(backing.iri)
        ends[backing.iri] = end
        heapq.heappush(expiring, (end, backing.iri))
        heapq.heappush(latest, (-end, backing.iri))
        for actor in actors:
            by_actor[actor].add(backing.iri)
    return overlaps, sorted(involved.values(), key=lambda b: b.iri)


def _latest_end(
    latest: list[tuple[int, str]], ends: dict[str, int], excluded: set[str]
) -> int | None:
    """The latest end of an active engagement not in ``excluded`` (None if there is none);
    entries of engagements no longer active are dropped from the heap on the way."""
    set_aside = []
    found = None
    while latest:
        iri = latest[0][1]
        if iri not in ends:
            heapq.heappop(latest)
        elif iri in excluded:
            set_aside.append(heapq.heappop(latest))
        else:
            found = -latest[0][0]
            break
    for item in set_aside:
        heapq.heappush(latest, item)
    return found


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Half-open day ranges merged where they overlap or touch, in order."""
    merged: list[tuple[int, int]] = []
    for first, end in sorted(ranges):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((first, end))
    return merged


def _day(ordinal: int, open_value: int) -> str | None:
    return None if ordinal == open_value else date.fromordinal(ordinal).isoformat()
