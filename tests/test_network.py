"""The network projection and analyses, on the hand-built fixture tests/fixtures/network/small.ttl.

Every expected value below is worked out by hand from the fixture's header comment; the
comments show the working. The engagement graph (undirected, all dates) is

    State A -- Militia One -- State B -- Rebels Two -- State C -- Group Three
        \\                    /                             \\
         `-- Kin Council ---'                               `-- Splinter

plus Coalition Z, which has no engagement (it is a member of nothing but C's membership):
9 actors, 8 distinct engagement pairs (A-M1 carries two engagements, e1 and e3).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterator
from datetime import date
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph

from coopgraph.dataset import open_dataset
from coopgraph.errors import ParameterError
from coopgraph.network import (
    analysis,
    as_of,
    between,
    brokers,
    centrality,
    changes,
    communities,
    competing_sponsors,
    ego,
    paths,
    project,
    restrict,
)
from coopgraph.network.analysis import EngagementEdge, cooperation_graph
from coopgraph.network.periods import Window, day_range, period
from coopgraph.store import OxigraphStore, Store
from coopgraph.vocab import COOP, DATA

SMALL = Path(__file__).parent / "fixtures" / "network" / "small.ttl"

A, B, C = (str(DATA[n]) for n in ("StateA", "StateB", "StateC"))
M1, K, R2, G3, S, Z = (str(DATA[n]) for n in ("M1", "K", "R2", "G3", "S", "Z"))
NORTH, SOUTH, XLAND = (str(DATA[n]) for n in ("North", "South", "Xland"))


def e(n: int) -> str:
    return str(DATA[f"e{n}"])


@pytest.fixture(scope="module")
def small() -> nx.MultiDiGraph:
    with OxigraphStore() as store:
        store.load(SMALL)
        return project(store)


# ----------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("lexical", "expected"),
    [
        ("2015", (date(2015, 1, 1), date(2015, 12, 31))),
        ("2016-02", (date(2016, 2, 1), date(2016, 2, 29))),
        ("2017-06-01", (date(2017, 6, 1), date(2017, 6, 1))),
        ("2017-06-01T10:00:00Z", (date(2017, 6, 1), date(2017, 6, 1))),
        ("2015Z", (date(2015, 1, 1), date(2015, 12, 31))),
        ("2015-13-01", None),
        ("2015-02-30", None),
        ("spring 2015", None),
    ],
)
def test_day_range_covers_every_day_a_date_names(lexical: str, expected: object) -> None:
    assert day_range(lexical) == expected


def test_period_is_open_where_a_bound_is_missing_or_unreadable() -> None:
    assert period("2014", "2016") == (date(2014, 1, 1), date(2016, 12, 31))
    assert period(None, "2016") == (date.min, date(2016, 12, 31))
    assert period("2017-06-01", None) == (date(2017, 6, 1), date.max)
    assert period("unknown", "2016") == (date.min, date(2016, 12, 31))


def test_window_overlap_counts_shared_days_and_open_ends() -> None:
    window = as_of("2016")
    assert window == Window(date(2016, 1, 1), date(2016, 12, 31), "as of 2016")
    assert window.overlaps("2014", "2016")
    assert window.overlaps("2016-12-31", None)
    assert not window.overlaps("2017-01-01", None)
    assert not window.overlaps(None, "2015-12-31")
    assert window.contains(None)  # an undated event is never excluded
    assert between("2014", "2016-06").last == date(2016, 6, 30)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: as_of("2015-1-1"), "--as-of: '2015-1-1' is not a date"),
        (lambda: as_of("2015-01-01T00:00:00"), "--as-of: '2015-01-01T00:00:00' is not a date"),
        (lambda: between("2016", "2015"), "--between: '2015' is before '2016'"),
    ],
)
def test_bad_dates_are_parameter_errors(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ParameterError, match="^" + message):
        call()


# ----------------------------------------------------------------------------- projection

EXPECTED_NODES = {
    A: ("State A", "State", []),
    B: ("State B", "State", []),
    C: ("State C", "State", []),
    M1: ("Militia One", "Militia", []),  # typed Militia and NonStateArmedGroup: most specific
    K: ("Kin Council", "CommunityGroup", []),
    R2: ("Rebels Two", "RebelGroup", []),
    G3: ("Group Three", "InsurgentGroup", [str(DATA.g3Listed)]),
    S: ("Splinter", "InsurgentGroup", []),
    Z: ("Coalition Z", "Coalition", []),
}
EXPECTED_EDGES = {
    (A, M1, e(1), "engagement"),
    (B, M1, e(2), "engagement"),
    (A, M1, e(3), "engagement"),
    (B, R2, e(4), "engagement"),
    (C, R2, e(5), "engagement"),
    (C, G3, e(6), "engagement"),
    (A, K, e(7), "engagement"),
    (B, K, e(8), "engagement"),
    (C, S, e(9), "engagement"),
    (A, B, str(DATA.abAlliance), "alliance"),
    (C, Z, str(DATA.cInZ), "membership"),
    (G3, S, str(DATA.g3Split), "split"),
    (G3, C, str(DATA.g3Turn), "allegiance_change"),
    (G3, B, str(DATA.g3Turn), "allegiance_change"),
    (A, C, str(COOP.rivalOf), "rivalry"),
}


def _shape(graph: nx.MultiDiGraph) -> tuple[dict[str, object], set[tuple[str, str, str, str]]]:
    nodes = {
        n: (d["label"], d["kind"].removeprefix(str(COOP)), [x["iri"] for x in d["designations"]])
        for n, d in graph.nodes(data=True)
    }
    edges = {(u, v, k, d["relation"]) for u, v, k, d in graph.edges(keys=True, data=True)}
    return nodes, edges


def test_projection_of_the_fixture_on_every_backend(
    loaded_store: Callable[..., Store],
) -> None:
    graph = project(loaded_store(SMALL))
    assert _shape(graph) == (EXPECTED_NODES, EXPECTED_EDGES)
    assert graph.edges[A, M1, e(1)] == {
        "relation": "engagement",
        "iri": e(1),
        "engagement_type": str(COOP.IntelligenceSharing),
        "engagement_type_label": "intelligence sharing",
        "start": "2014",
        "end": "2016",
        "formality": str(COOP.Formal),
        "formality_label": "formal",
        "places": [NORTH],
        "sources": ["Fixture source one (test data).", "Fixture source two (test data)."],
    }
    assert graph.nodes[G3]["designations"] == [
        {
            "iri": str(DATA.g3Listed),
            "kind": str(COOP.TerroristDesignation),
            "kind_label": "terrorist designation",
            "authority": A,
            "authority_label": "State A",
            "start": "2016",
            "end": None,
        }
    ]
    assert graph.nodes[S]["existed_from"] == "2018"
    assert graph.edges[G3, B, str(DATA.g3Turn)]["side"] == "new"
    assert graph.edges[G3, C, str(DATA.g3Turn)]["side"] == "former"
    assert graph.graph["regions"] == {
        NORTH: {"label": "North", "within": [XLAND]},
        SOUTH: {"label": "South", "within": [XLAND]},
        XLAND: {"label": "Xland", "within": []},
    }
    assert graph.graph["engagement_types"][str(COOP.JointTraining)] == {
        "label": "joint training",
        "broader": [str(COOP.TrainingAndExpertise)],
    }
    assert graph.graph["window"] == "all dates"


def test_projection_reads_data_loaded_without_the_ontology_like_data_with_it(
    small: nx.MultiDiGraph,
) -> None:
    with open_dataset([SMALL]) as store:  # the bundled ontology and the fixture
        with_ontology = project(store)
    assert _shape(with_ontology) == _shape(small)
    assert with_ontology.graph == small.graph


def test_an_untyped_partner_is_an_actor_by_the_range_of_coop_partner() -> None:
    with OxigraphStore() as store:
        store.add(
            _turtle(
                "data:x a coop:Engagement ; coop:provider data:StateA ; coop:partner data:Y .\n"
                'data:StateA a coop:State ; rdfs:label "State A"@en .'
            )
        )
        graph = project(store)
    assert dict(graph.nodes(data="kind")) == {A: str(COOP.State), str(DATA.Y): str(COOP.Actor)}
    assert graph.nodes[str(DATA.Y)]["label"] == "Y"  # the local name when there is no label
    assert graph.edges[A, str(DATA.Y), str(DATA.x)]["engagement_type"] is None


def _turtle(body: str) -> Graph:
    """An rdflib graph from a few Turtle statements with the usual prefixes."""
    prefixes = (
        "@prefix coop: <https://w3id.org/coopgraph/ontology#> .\n"
        "@prefix data: <https://w3id.org/coopgraph/data/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    )
    return Graph().parse(data=prefixes + body, format="turtle")


# ----------------------------------------------------------------------------- restrictions


def _engagements(graph: nx.MultiDiGraph) -> set[str]:
    return {k for _, _, k, r in graph.edges(keys=True, data="relation") if r == "engagement"}


def test_as_of_a_year_keeps_what_overlaps_that_year(small: nx.MultiDiGraph) -> None:
    graph = restrict(small, window=as_of("2015"))
    # e1 2014..2016, e2 2015..2019, e4 2014..2017, e6 2012..2018; e8 starts 2016.
    assert _engagements(graph) == {e(1), e(2), e(4), e(6)}
    # Splinter existed from 2018 and had no edge in 2015; the others have no recorded end.
    assert set(graph) == {A, B, C, M1, K, R2, G3, Z}
    relations = {d["relation"] for _, _, d in graph.edges(data=True)}
    # The split and the allegiance change (2018) fall outside; rivalry is timeless.
    assert relations == {"engagement", "alliance", "membership", "rivalry"}
    assert graph.nodes[G3]["designations"] == []  # designated from 2016 only
    assert graph.graph["window"] == "as of 2015"
    assert small.nodes[G3]["designations"] != []  # the source graph is left alone


def test_as_of_a_day_and_between_two_dates(small: nx.MultiDiGraph) -> None:
    # 2017-05-31: e2, e4, e6, e8 active; e3 starts the next day.
    assert _engagements(restrict(small, window=as_of("2017-05-31"))) == {e(2), e(4), e(6), e(8)}
    assert _engagements(restrict(small, window=as_of("2017-06-01"))) == {
        e(2),
        e(3),
        e(4),
        e(6),
        e(8),
    }
    # 2020-06 .. 2021: the ongoing e3, e7, e9, and e5 (ends 2020).
    assert _engagements(restrict(small, window=between("2020-06", "2021"))) == {
        e(3),
        e(5),
        e(7),
        e(9),
    }


def test_engagement_types_include_narrower_types(small: nx.MultiDiGraph) -> None:
    graph = restrict(small, engagement_types=[str(COOP.TrainingAndExpertise)])
    # joint training (e3), advising (e5) and capacity building (e7) are narrower.
    assert _engagements(graph) == {e(3), e(5), e(7)}
    # Only the actors of those engagements stay, with the other relations among them.
    assert set(graph) == {A, M1, C, R2, K}
    assert {k for _, _, k in graph.edges(keys=True)} == {e(3), e(5), e(7), str(COOP.rivalOf)}
    assert graph.graph["engagement_type_filter"] == [str(COOP.TrainingAndExpertise)]


def test_regions_include_the_regions_within_them(small: nx.MultiDiGraph) -> None:
    assert _engagements(restrict(small, regions=[SOUTH])) == {e(4), e(5), e(6), e(9)}
    assert _engagements(restrict(small, regions=[XLAND])) == {e(n) for n in range(1, 10)}
    combined = restrict(
        small, window=as_of("2019"), regions=[NORTH], engagement_types=[str(COOP.WeaponsSupply)]
    )
    assert _engagements(combined) == {e(2)}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"engagement_types": [str(COOP.Nothing)]}, "--type: .*#Nothing is not an engagement type"),
        ({"regions": [str(DATA.Atlantis)]}, "--region: .*/Atlantis is not a region"),
        ({"regions": [A]}, "--region: .*/StateA is not a region"),
    ],
)
def test_unknown_types_and_regions_are_parameter_errors(
    small: nx.MultiDiGraph, options: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(ParameterError, match=message):
        restrict(small, **options)


# ----------------------------------------------------------------------------- centrality


def test_degree_and_betweenness_centrality_worked_out_by_hand(small: nx.MultiDiGraph) -> None:
    result = centrality(small)
    assert result.method == "exact betweenness"
    # Degree centrality = distinct neighbours / (9 - 1).
    # Betweenness: sum over pairs {s, t} of the share of shortest s-t paths through the actor,
    # divided by the (9 - 1)(9 - 2) / 2 = 28 pairs of other actors.
    #   State B: A, M1, K to each of R2, C, G3, S (12 pairs, all through B) + M1-K (1 of 2) = 12.5
    #   Rebels Two: {A, M1, K, B} x {C, G3, S} = 12
    #   State C: {A, M1, K, B, R2} x {G3, S} + G3-S = 11
    #   Militia One: A-B (1 of 2 paths) + A to R2, C, G3, S (1 of 2 each) = 2.5; Kin Council too
    #   State A: M1-K (1 of 2) = 0.5
    expected = [
        ("State B", 3, 3, 0, Fraction(3, 8), Fraction(25, 2)),
        ("Rebels Two", 2, 0, 2, Fraction(2, 8), Fraction(12)),
        ("State C", 3, 3, 0, Fraction(3, 8), Fraction(11)),
        ("Kin Council", 2, 0, 2, Fraction(2, 8), Fraction(5, 2)),
        ("Militia One", 2, 0, 3, Fraction(2, 8), Fraction(5, 2)),
        ("State A", 2, 3, 0, Fraction(2, 8), Fraction(1, 2)),
        ("Group Three", 1, 0, 1, Fraction(1, 8), Fraction(0)),
        ("Splinter", 1, 0, 1, Fraction(1, 8), Fraction(0)),
        ("Coalition Z", 0, 0, 0, Fraction(0), Fraction(0)),
    ]
    got = [
        (r.actor.label, r.neighbours, r.provided, r.received, r.degree_centrality, r.betweenness)
        for r in result.rows
    ]
    assert [g[:4] for g in got] == [x[:4] for x in expected]
    for (*_, degree, betweenness), (*_, want_degree, want_pairs) in zip(got, expected, strict=True):
        assert degree == pytest.approx(float(want_degree), abs=1e-12)
        assert betweenness == pytest.approx(float(want_pairs / 28), abs=1e-12)


def test_provided_and_received_count_engagements_not_edges() -> None:
    # An engagement with two partners was counted twice for its provider, and one with two
    # providers twice for its partner.
    with OxigraphStore() as store:
        store.add(
            _turtle(
                "data:e1 a coop:Engagement; coop:provider data:A; coop:partner data:P1, data:P2.\n"
                "data:e2 a coop:Engagement ; coop:provider data:A, data:B ; coop:partner data:P3.\n"
                "data:e3 a coop:Engagement ; coop:provider data:B ; coop:partner data:P3 .\n"
                "data:A a coop:State . data:B a coop:State ."
            )
        )
        graph = project(store)
    rows = {r.actor.label: (r.provided, r.received) for r in centrality(graph).rows}
    assert rows == {"A": (2, 0), "B": (2, 0), "P1": (0, 1), "P2": (0, 1), "P3": (0, 2)}


def test_sampled_betweenness_says_so_and_is_seeded(small: nx.MultiDiGraph) -> None:
    first = centrality(small, samples=4, seed=7)
    again = centrality(small, samples=4, seed=7)
    assert first.method == "betweenness estimated from 4 of 9 source actors (seed 7)"
    assert [(r.actor.iri, r.betweenness) for r in first.rows] == [
        (r.actor.iri, r.betweenness) for r in again.rows
    ]
    # More samples than actors is the exact computation.
    assert centrality(small, samples=9).method == "exact betweenness"
    with pytest.raises(ParameterError, match="--samples: 0"):
        centrality(small, samples=0)


def test_large_networks_switch_to_sampling_unless_exact_is_asked(
    small: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analysis, "LARGE_NETWORK", 5)
    monkeypatch.setattr(analysis, "DEFAULT_SAMPLES", 3)
    assert centrality(small).method == "betweenness estimated from 3 of 9 source actors (seed 0)"
    assert centrality(small, exact=True).method == "exact betweenness"


def test_other_relations_can_join_actors(small: nx.MultiDiGraph) -> None:
    graph = cooperation_graph(small, ["engagement", "alliance", "membership"])
    assert graph.has_edge(A, B) and graph.has_edge(C, Z)
    assert graph[A][M1]["weight"] == 2  # e1 and e3
    with pytest.raises(ParameterError, match="--relation: friendship is not one of"):
        cooperation_graph(small, ["friendship"])


# ----------------------------------------------------------------------------- brokers


def test_brokers_between_states(small: nx.MultiDiGraph) -> None:
    found = brokers(small)
    # Rebels Two joins B and C, which nothing else joins (removing it cuts the network);
    # Militia One and Kin Council each join A and B, which the other one also joins.
    assert [
        (
            b.actor.label,
            [(x.label, y.label) for x, y in b.state_pairs],
            [(x.label, y.label) for x, y in b.separated_pairs],
        )
        for b in found
    ] == [
        ("Rebels Two", [("State B", "State C")], [("State B", "State C")]),
        ("Kin Council", [("State A", "State B")], []),
        ("Militia One", [("State A", "State B")], []),
    ]


def test_states_joined_directly_need_no_broker(small: nx.MultiDiGraph) -> None:
    # With the alliance A-B as an edge, A and B are joined: only Rebels Two brokers.
    found = brokers(small, relations=["engagement", "alliance"])
    assert [b.actor.label for b in found] == ["Rebels Two"]


# ----------------------------------------------------------------------------- communities


TWO_CLUSTERS = [
    ["Group Three", "Rebels Two", "Splinter", "State C"],
    ["Kin Council", "Militia One", "State A", "State B"],
]


def test_communities_are_the_two_clusters(small: nx.MultiDiGraph) -> None:
    result = communities(small, seed=0)
    # Weighted modularity (m = 9: A-M1 weighs 2). For {A, M1, B, K} | {R2, C, G3, S} | {Z}:
    # 5/9 - (11/18)^2 + 3/9 - (7/18)^2 = 59/162 = 0.3642; moving R2 to the first cluster
    # gives 6/9 - (13/18)^2 + 2/9 - (5/18)^2 = 0.2901. No partition does better (below).
    assert [[m.label for m in c.members] for c in result.communities] == TWO_CLUSTERS
    assert [c.engagements for c in result.communities] == [3, 5]
    assert result.unconnected == 1  # Coalition Z has no engagement: in no community
    assert result.modularity == pytest.approx(59 / 162, abs=1e-12)
    assert result.method == (
        "Louvain (networkx), resolution 1, best modularity of 10 runs from seed 0"
    )


@pytest.mark.parametrize("resolution", [0.0, -1.0, math.nan, math.inf])
def test_communities_refuse_a_resolution_that_is_not_a_positive_number(
    small: nx.MultiDiGraph, resolution: float
) -> None:
    # NaN and inf passed the old `<= 0` test: every actor alone, "modularity nan".
    with pytest.raises(ParameterError, match=f"^--resolution: {resolution} is not a positive"):
        communities(small, resolution=resolution)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda g: centrality(g, samples="5"), "--samples: '5' is not a positive number"),
        (lambda g: communities(g, runs=2.5), "--runs: 2.5 is not a positive number"),
        (lambda g: paths(g, A, B, limit=True), "--limit: True is not a positive number"),
        (lambda g: ego(g, A, radius="2"), "--radius: '2' is not a positive number"),
    ],
)
def test_counts_that_are_not_whole_numbers_are_parameter_errors(
    small: nx.MultiDiGraph, call: Callable[[nx.MultiDiGraph], object], message: str
) -> None:
    # They were raw TypeErrors ("'<' not supported between str and int"), or ran with 2.5.
    with pytest.raises(ParameterError, match=f"^{re.escape(message)}$"):
        call(small)


def _partitions(items: list[str]) -> Iterator[list[list[str]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in _partitions(rest):
        yield [[first], *partition]
        for i in range(len(partition)):
            yield [*partition[:i], [first, *partition[i]], *partition[i + 1 :]]


def test_the_two_clusters_are_the_best_partition_of_all(small: nx.MultiDiGraph) -> None:
    simple = cooperation_graph(small)
    connected = sorted(n for n in simple if simple.degree(n))
    best = max(
        nx.community.modularity(simple, [*p, [Z]], weight="weight")
        for p in _partitions(connected)  # all 4140 partitions of the 8 connected actors
    )
    assert best == pytest.approx(59 / 162, abs=1e-12)


def test_one_louvain_run_can_stop_at_a_local_optimum(small: nx.MultiDiGraph) -> None:
    # Why communities() keeps the best of several runs: seed 1 alone ends at 0.3272.
    single = communities(small, seed=1, runs=1)
    assert [[m.label for m in c.members] for c in single.communities] == [
        ["Group Three", "Splinter", "State C"],
        ["Kin Council", "Rebels Two", "State B"],
        ["Militia One", "State A"],
    ]
    assert single.modularity < 59 / 162
    for seed in range(5):
        result = communities(small, seed=seed)
        assert [[m.label for m in c.members] for c in result.communities] == TWO_CLUSTERS


# ----------------------------------------------------------------------------- paths and ego


def test_paths_list_the_engagements_of_each_hop(small: nx.MultiDiGraph) -> None:
    found = paths(small, A, G3)
    assert [[a.label for a in p.actors] for p in found] == [
        ["State A", "Kin Council", "State B", "Rebels Two", "State C", "Group Three"],
        ["State A", "Militia One", "State B", "Rebels Two", "State C", "Group Three"],
    ]
    assert [[[x["iri"] for x in h.edges] for h in p.hops] for p in found] == [
        [[e(7)], [e(8)], [e(4)], [e(5)], [e(6)]],
        [[e(1), e(3)], [e(2)], [e(4)], [e(5)], [e(6)]],
    ]
    hop = found[1].hops[1]  # Militia One -> State B, made by B's engagement e2
    assert hop.edges == [
        {
            "relation": "engagement",
            "iri": e(2),
            "from": B,
            "to": M1,
            "type": "weapons supply",
            "start": "2015",
            "end": "2019",
        }
    ]
    assert len(paths(small, A, G3, limit=1)) == 1


def test_no_path_is_an_empty_list_and_unknown_actors_are_errors(small: nx.MultiDiGraph) -> None:
    assert paths(small, A, Z) == []
    # As of 2013 the only engagement is e6 (2012..2018).
    assert paths(restrict(small, window=as_of("2013")), C, G3)[0].hops[0].edges[0]["iri"] == e(6)
    with pytest.raises(ParameterError, match=r"target: .*/Nobody is not an actor in the network"):
        paths(small, A, str(DATA.Nobody))
    with pytest.raises(ParameterError, match="source and target are the same actor"):
        paths(small, A, A)


def test_paths_through_other_relations(small: nx.MultiDiGraph) -> None:
    # The alliance A-B is one hop; with it A reaches B directly.
    found = paths(small, A, B, relations=["engagement", "alliance"])
    assert [[a.label for a in p.actors] for p in found] == [["State A", "State B"]]
    assert found[0].hops[0].edges[0]["relation"] == "alliance"


def test_ego_network(small: nx.MultiDiGraph) -> None:
    one = ego(small, R2)
    assert set(one) == {R2, B, C}
    assert {k for _, _, k in one.edges(keys=True)} == {e(4), e(5)}
    two = ego(small, R2, radius=2)
    assert set(two) == {R2, B, C, M1, K, G3, S}
    assert {k for _, _, k in two.edges(keys=True)} == {e(2), e(4), e(5), e(6), e(8), e(9)}
    assert two.graph["ego"] == R2
    with pytest.raises(ParameterError, match="--radius: 0"):
        ego(small, R2, radius=0)


# ----------------------------------------------------------------------------- changes


def _iris(edges: list[EngagementEdge]) -> list[str]:
    return [x.iri for x in edges]


def test_changes_between_two_years(small: nx.MultiDiGraph) -> None:
    result = changes(small, "2015", "2019")
    # Active in 2015: e1, e2, e4, e6. Active in 2019: e2, e3, e5, e7, e9.
    assert _iris(result.appeared) == [e(3), e(5), e(7), e(9)]
    assert _iris(result.ended) == [e(6), e(1), e(4)]  # by start, then provider
    assert _iris(result.came_and_went) == [e(8)]  # 2016..2017, between the two dates
    # Rebels Two was backed by B in 2015 and by C in 2019; Group Three's recorded turn from C
    # to B on 2018-07-01. Militia One kept A and B; Group Three only lost C (no switch).
    assert [
        (s.partner.label, [a.label for a in s.before], [a.label for a in s.after], s.basis, s.date)
        for s in result.switched
    ] == [
        ("Rebels Two", ["State B"], ["State C"], "engagements", None),
        ("Group Three", ["State C"], ["State B"], "recorded", "2018-07-01"),
    ]
    assert result.switched[1].event == str(DATA.g3Turn)


def test_changes_outside_the_recorded_turn(small: nx.MultiDiGraph) -> None:
    result = changes(small, "2019", "2021")
    assert _iris(result.appeared) == []
    assert _iris(result.ended) == [e(2), e(5)]
    assert result.switched == []
    with pytest.raises(ParameterError, match="end: '2014' is before start '2015'"):
        changes(small, "2015", "2014")


# ----------------------------------------------------------------------------- competing sponsors


def test_competing_sponsors_by_region(small: nx.MultiDiGraph) -> None:
    found = competing_sponsors(small)
    summary = [
        (
            c.label,
            c.periods,
            [a.label for a in c.states],
            [a.label for a in c.partners],
            c.engagements,
            [(x.label, y.label) for x, y in c.rival_states],
        )
        for c in found
    ]
    assert summary == [
        # North: A and B back M1 (same partner) until B also backs K in 2016..2017; A backs
        # M1 again from 2017-06-01 while B backs K; in 2019 A backs K while B backs M1.
        (
            "North",
            [
                ("2016-01-01", "2016-12-31"),
                ("2017-06-01", "2017-12-31"),
                ("2019-01-01", "2019-12-31"),
            ],
            ["State A", "State B"],
            ["Kin Council", "Militia One"],
            [e(1), e(2), e(3), e(7), e(8)],
            [],
        ),
        # South: B backs R2 while C backs G3 (2014..2017); from 2018 only C is there.
        (
            "South",
            [("2014-01-01", "2017-12-31")],
            ["State B", "State C"],
            ["Group Three", "Rebels Two"],
            [e(4), e(6)],
            [],
        ),
        # Xland holds both: from 2014 there are always two states and two partners, and the
        # ongoing e3, e7 (A) and e9 (C) keep it so; A and C are rivals.
        (
            "Xland",
            [("2014-01-01", None)],
            ["State A", "State B", "State C"],
            ["Group Three", "Kin Council", "Militia One", "Rebels Two", "Splinter"],
            [e(n) for n in range(1, 10)],
            [("State A", "State C")],
        ),
    ]


def test_competing_sponsors_as_of_a_year(small: nx.MultiDiGraph) -> None:
    found = competing_sponsors(restrict(small, window=as_of("2018")))
    # 2018: B->M1, A->M1 in the North (one partner); C->G3, C->R2 in the South (one state);
    # together in Xland: A, B, C and M1, G3, R2. Spans are cut to the window.
    assert [(c.label, c.periods, c.engagements) for c in found] == [
        ("Xland", [("2018-01-01", "2018-12-31")], [e(2), e(3), e(5), e(6)])
    ]


def _competing_by_every_pair(
    engagements: list[analysis._Backing], window: tuple[int, int]
) -> tuple[list[tuple[int, int]], list[str]]:
    """The definition, pair by pair: what the sweep must find."""
    overlaps, involved = [], set()
    for a, b in combinations(engagements, 2):
        first, end = max(a.first, b.first, window[0]), min(a.end, b.end, window[1])
        if first < end and a.backs_against(b) and b.backs_against(a):
            overlaps.append((first, end))
            involved |= {a.iri, b.iri}
    return analysis._merged(overlaps), sorted(involved)


@pytest.mark.parametrize("seed", range(40))
def test_the_competing_sponsors_sweep_finds_what_every_pair_would(seed: int) -> None:
    # Comparing each engagement with every active one took 199 s at 1M triples; the sweep
    # compares only those sharing an actor. Random engagements among few actors (so that
    # many share one), with several providers and partners, open ends and a window.
    rng = random.Random(seed)
    states, others = ["S1", "S2", "S3", "S4"], ["P1", "P2", "P3", "S1"]
    engagements = []
    for n in range(rng.randint(2, 30)):
        first = rng.randint(0, 50)
        end = 10**6 if rng.random() < 0.2 else first + rng.randint(1, 30)
        backing = analysis._Backing(first, end, f"e{n}")
        backing.states = set(rng.sample(states, rng.randint(1, 2)))
        backing.providers = backing.states | set(rng.sample(["N1", "N2"], rng.randint(0, 1)))
        backing.partners = set(rng.sample(others, rng.randint(1, 2))) - backing.providers or {"P9"}
        engagements.append(backing)
    window = (rng.randint(-5, 20), rng.choice([10**6 + 1, rng.randint(30, 80)]))
    overlaps, involved = analysis._competing_pairs(engagements, window)
    assert (analysis._merged(overlaps), [b.iri for b in involved]) == _competing_by_every_pair(
        engagements, window
    )
