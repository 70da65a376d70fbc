"""Exports of the network read back with networkx, and the pictures, on the hand-built fixture."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import networkx as nx
import pytest

from coopgraph.errors import ParameterError
from coopgraph.network import as_of, draw, ego, project, restrict, write
from coopgraph.network.export import flat, gexf_graph
from coopgraph.store import OxigraphStore
from coopgraph.vocab import COOP, DATA

SMALL = Path(__file__).parent / "fixtures" / "network" / "small.ttl"
A, G3, R2 = str(DATA.StateA), str(DATA.G3), str(DATA.R2)


@pytest.fixture(scope="module")
def small() -> nx.MultiDiGraph:
    with OxigraphStore() as store:
        store.load(SMALL)
        return project(store)


def _edges(graph: nx.MultiDiGraph) -> dict[tuple[str, str, str], dict[str, object]]:
    return {(u, v, k): d for u, v, k, d in graph.edges(keys=True, data=True)}


def test_flat_attributes_are_what_graphml_can_hold(small: nx.MultiDiGraph) -> None:
    graph = flat(small)
    assert graph.nodes[G3] == {
        "label": "Group Three",
        "kind": str(COOP.InsurgentGroup),
        "kind_label": "insurgent group",
        "designations": "terrorist designation by State A, 2016 to (in force)",
    }
    assert graph.edges[A, str(DATA.M1), str(DATA.e1)]["sources"] == (
        "Fixture source one (test data).; Fixture source two (test data)."
    )
    assert "end" not in graph.edges[A, str(DATA.M1), str(DATA.e3)]  # ongoing: no value
    assert graph.graph == {"window": "all dates"}


def test_graphml_reads_back_equal(small: nx.MultiDiGraph, tmp_path: Path) -> None:
    target = tmp_path / "network.graphml"
    assert write(small, target) == "graphml"
    back = nx.read_graphml(target, force_multigraph=True)
    expected = flat(small)
    assert isinstance(back, nx.MultiDiGraph)
    assert dict(back.nodes(data=True)) == dict(expected.nodes(data=True))
    assert _edges(back) == _edges(expected)
    assert {k: v for k, v in back.graph.items() if not k.endswith("_default")} == expected.graph
    assert back.number_of_edges() == 15


def test_gexf_reads_back_equal_with_dates_for_the_timeline(
    small: nx.MultiDiGraph, tmp_path: Path
) -> None:
    target = tmp_path / "network.gexf"
    assert write(small, target) == "gexf"
    back = nx.read_gexf(target)
    expected = gexf_graph(small)
    assert dict(back.nodes(data=True)) == dict(expected.nodes(data=True))
    edges = {
        key: {n: v for n, v in data.items() if n != "id"} for key, data in _edges(back).items()
    }
    assert edges == _edges(expected)
    e1 = edges[A, str(DATA.M1), str(DATA.e1)]
    assert (e1["start"], e1["end"]) == ("2014-01-01", "2016-12-31")  # gYears as whole years
    assert back.graph["mode"] == "dynamic"


def test_node_link_json_keeps_everything(small: nx.MultiDiGraph, tmp_path: Path) -> None:
    target = tmp_path / "network.json"
    assert write(small, target) == "json"
    back = nx.node_link_graph(json.loads(target.read_text(encoding="utf-8")), edges="edges")
    assert nx.utils.graphs_equal(back, small)
    assert _edges(back) == _edges(small)
    assert back.graph == small.graph


def test_a_restricted_subnetwork_exports_as_itself(small: nx.MultiDiGraph, tmp_path: Path) -> None:
    part = ego(restrict(small, window=as_of("2019")), R2)
    write(part, tmp_path / "ego.graphml")
    back = nx.read_graphml(tmp_path / "ego.graphml", force_multigraph=True)
    assert set(back) == {R2, str(DATA.StateC)}  # in 2019 only C backs Rebels Two (e5)
    assert [k for _, _, k in back.edges(keys=True)] == [str(DATA.e5)]
    assert back.graph["window"] == "as of 2019"


def test_the_format_comes_from_the_name_or_is_given(small: nx.MultiDiGraph, tmp_path: Path) -> None:
    assert write(small, tmp_path / "n.xml", "graphml") == "graphml"
    assert nx.read_graphml(tmp_path / "n.xml", force_multigraph=True).number_of_nodes() == 9
    with pytest.raises(ParameterError, match=r"cannot tell the format of 'n\.txt'"):
        write(small, tmp_path / "n.txt")


# ----------------------------------------------------------------------------- pictures


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_png_picture(small: nx.MultiDiGraph, tmp_path: Path) -> None:
    target = draw(small, tmp_path / "network.png")
    assert target == tmp_path / "network.png"
    # One group of 8 actors (Coalition Z has no engagement): a cell of 1.15 * sqrt(8) = 3.25
    # units plus 1.3 for labels, at 2.3 inches a unit, plus 3.6 inches of legends and 1 of
    # title and footer: 14.07 x 8.48 inches at 150 dpi.
    assert _png_size(target) == (2110, 1272)


def test_svg_picture_has_labels_and_legends(small: nx.MultiDiGraph, tmp_path: Path) -> None:
    svg = draw(small, tmp_path / "network.svg").read_text(encoding="utf-8")
    actors = ["State A", "State B", "State C", "Militia One", "Kin Council", "Rebels Two",
              "Group Three", "Splinter"]  # fmt: skip
    kinds = ["state", "community group", "insurgent group", "militia", "rebel group"]
    # Engagement types by family: advising, capacity building and joint training are
    # training and expertise; strategic dialogue is military diplomacy.
    types = ["funding", "intelligence sharing", "military diplomacy", "training and expertise",
             "weapons supply"]  # fmt: skip
    for text in [*actors, *kinds, *types, "actor kind", "engagement type"]:
        assert f">{text}<" in svg, text
    assert ">Coalition Z<" not in svg  # no engagement: left out, and the footer says so
    assert "not shown: 1 without edges" in svg
    assert "9 edges" in svg


def test_nothing_to_draw_and_bad_names_are_parameter_errors(
    small: nx.MultiDiGraph, tmp_path: Path
) -> None:
    with pytest.raises(ParameterError, match=r"'network\.jpg' is not a picture name"):
        draw(small, tmp_path / "network.jpg")
    empty = restrict(small, window=as_of("1990"))
    with pytest.raises(ParameterError, match="nothing to draw"):
        draw(empty, tmp_path / "network.png")


def test_many_small_groups_are_packed_into_a_landscape_page(tmp_path: Path) -> None:
    state, group = str(COOP.State), str(COOP.Militia)
    graph = nx.MultiDiGraph(
        window="all dates",
        actor_kinds={state: {"label": "state", "broader": []},
                     group: {"label": "militia", "broader": []}},
        engagement_types={str(COOP.Funding): {"label": "funding", "broader": []}},
    )  # fmt: skip
    for i in range(12):  # twelve provider-partner pairs, no two of them connected
        graph.add_node(f"s{i}", label=f"State {i}", kind=state)
        graph.add_node(f"g{i}", label=f"Group {i}", kind=group)
        graph.add_edge(f"s{i}", f"g{i}", key=f"e{i}", relation="engagement",
                       engagement_type=str(COOP.Funding))  # fmt: skip
    width, height = _png_size(draw(graph, tmp_path / "pairs.png"))
    # A pair is a cell 0.75 units high and 0.75 + 1.3 wide. Rows of j pairs give a page of
    # 2.05 j x 0.75 ceil(12 / j) units; the smallest 1.4 : 1 box holding it has the side
    # 9 (j = 1), 4.5 (2), 4.39 (3), 5.86 (4), 7.3 (5), ...: four rows of three, 6.15 x 3
    # units, at 2.3 inches a unit plus 3.6 inches of legends and 1 of title and footer.
    assert (width, height) == (2661, 1185)
