"""A picture of the projected network (or a part of it) as PNG or SVG, drawn with matplotlib.

Actors are dots coloured by their kind and sized by their number of neighbours, labelled
with their names; engagements are arrows from provider to partner, coloured and dashed by
engagement type; other relations, when asked for, are grey lines with their own dash
pattern. Parallel edges between two actors curve apart so each stays visible. Two legends
name the actor kinds and the edge styles. Actors without any drawn edge are left out (the
footer says how many). The layout is networkx's spring layout with a fixed seed, so the same
network gives the same picture.

Only matplotlib's object API is used (no pyplot), so drawing changes no global state.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Collection
from pathlib import Path

import networkx as nx
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from coopgraph.errors import InputError, ParameterError
from coopgraph.network.analysis import (
    ENGAGEMENTS_ONLY,
    check_relations,
    cooperation_graph,
    is_state_kind,
)

PICTURE_FORMATS = (".png", ".svg")

_KIND_COLOURS = [
    "#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#e7969c",
]  # fmt: skip
_TYPE_COLOURS = [
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4",
]  # fmt: skip
_DASHES = ["solid", "dashed", "dotted", "dashdot"]
_RELATION_DASHES = {
    "alliance": (0, (6, 2)),
    "membership": (0, (1, 2)),
    "split": (0, (4, 1, 1, 1)),
    "merger": (0, (4, 1, 1, 1, 1, 1)),
    "allegiance_change": (0, (8, 3, 2, 3)),
    "rivalry": (0, (2, 4)),
}
_STATE_COLOUR = "#1f77b4"


def draw(
    graph: nx.MultiDiGraph,
    path: str | os.PathLike[str],
    *,
    relations: Collection[str] = ENGAGEMENTS_ONLY,
    title: str | None = None,
    seed: int = 0,
    max_labels: int = 80,
) -> Path:
    """Draw ``graph`` to ``path`` (``.png`` or ``.svg``); returns the path written.

    ``max_labels``: on larger networks only the actors with most neighbours are labelled.
    """
    target = Path(path)
    if target.suffix.lower() not in PICTURE_FORMATS:
        raise ParameterError(
            f"--output: {target.name!r} is not a picture name; end it in .png or .svg"
        )
    relations = check_relations(relations)
    simple = cooperation_graph(graph, relations)
    hidden = [n for n in simple if simple.degree(n) == 0]
    simple.remove_nodes_from(hidden)
    if simple.number_of_nodes() == 0:
        raise ParameterError("nothing to draw: no actor has an edge of the chosen relations")

    n = simple.number_of_nodes()
    side = min(40.0, max(10.0, 1.6 * n**0.5 * 1.6))
    figure = Figure(figsize=(side * 1.35, side), dpi=100 if n > 150 else 150)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.01, 0.04, 0.72, 0.9))
    axes.set_axis_off()
    layout = nx.spring_layout(simple, seed=seed, k=2.2 / n**0.5, iterations=300, weight=None)

    kind_colour = _kind_colours(graph)
    kinds = sorted({graph.nodes[v]["kind"] for v in simple}, key=lambda k: _kind_order(graph, k))
    degrees = dict(simple.degree())
    sizes = {v: 120 + 60 * degrees[v] for v in simple}
    axes.scatter(
        [layout[v][0] for v in simple],
        [layout[v][1] for v in simple],
        s=[sizes[v] for v in simple],
        c=[kind_colour[graph.nodes[v]["kind"]] for v in simple],
        edgecolors="white",
        linewidths=1.2,
        zorder=3,
    )

    styles = _edge_styles(graph, simple, relations)
    parallel: dict[frozenset[str], int] = defaultdict(int)
    for u, v, data in sorted(
        graph.edges(data=True), key=lambda e: (e[0], e[1], str(e[2].get("iri")))
    ):
        if data["relation"] not in relations or u not in simple or v not in simple or u == v:
            continue
        pair = frozenset((u, v))
        index = parallel[pair]
        parallel[pair] += 1
        rad = 0.0 if index == 0 else (0.12 * ((index + 1) // 2)) * (1 if index % 2 else -1)
        colour, dash = styles[_style_key(data)]
        axes.add_patch(
            FancyArrowPatch(
                layout[u],
                layout[v],
                arrowstyle="-|>" if data["relation"] == "engagement" else "-",
                mutation_scale=11,
                connectionstyle=f"arc3,rad={rad}",
                color=colour,
                linestyle=dash,
                linewidth=1.4,
                alpha=0.85,
                shrinkA=(sizes[u] ** 0.5) / 2 + 1,
                shrinkB=(sizes[v] ** 0.5) / 2 + 1,
                zorder=2,
            )
        )

    labelled = sorted(simple, key=lambda v: (-degrees[v], graph.nodes[v]["label"]))[:max_labels]
    for v in labelled:
        x, y = layout[v]
        axes.annotate(
            graph.nodes[v]["label"],
            (x, y),
            xytext=(0, 7 + sizes[v] ** 0.5 / 2),
            textcoords="offset points",
            ha="center",
            fontsize=8 if n <= 80 else 6,
            zorder=4,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
        )
    axes.margins(0.08)

    kind_handles = [
        Line2D([], [], marker="o", linestyle="", markersize=9, color=kind_colour[k],
               label=graph.graph["actor_kinds"].get(k, {"label": k})["label"])
        for k in kinds
    ]  # fmt: skip
    legend = axes.legend(
        handles=kind_handles,
        title="actor kind",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=9,
        title_fontsize=10,
        frameon=False,
    )
    axes.add_artist(legend)
    edge_handles = [
        Line2D([], [], color=colour, linestyle=dash, linewidth=2, label=name)
        for name, (colour, dash) in styles.items()
    ]
    axes.legend(
        handles=edge_handles,
        title="engagement type" if relations == {"engagement"} else "engagement type, relation",
        loc="lower left",
        bbox_to_anchor=(1.01, 0.0),
        fontsize=9,
        title_fontsize=10,
        frameon=False,
    )
    window = graph.graph.get("window", "all dates")
    figure.suptitle(title or f"Cooperation network, {window}", fontsize=14, x=0.38)
    footer = f"{n} actors, {sum(parallel.values())} edges; arrows point from provider to partner"
    if hidden:
        footer += f"; not shown: {len(hidden)} without edges"
    if len(labelled) < n:
        footer += f"; the {len(labelled)} best-connected actors labelled"
    figure.text(0.01, 0.01, footer, fontsize=9, color="#555555")
    try:
        with rc_context({"svg.fonttype": "none"}):  # SVG text stays text: searchable, smaller
            figure.savefig(target, format=target.suffix.lower()[1:])
    except OSError as exc:
        raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    return target


def _kind_order(graph: nx.MultiDiGraph, kind: str) -> tuple[int, str]:
    """States first, then the other kinds by label."""
    label = graph.graph["actor_kinds"].get(kind, {"label": kind})["label"]
    return (0 if is_state_kind(graph, kind) else 1, label)


def _kind_colours(graph: nx.MultiDiGraph) -> dict[str, str]:
    """A colour per actor kind of the whole projection, so parts of it keep the colours."""
    kinds = sorted(graph.graph["actor_kinds"], key=lambda k: _kind_order(graph, k))
    others = iter(c for c in _KIND_COLOURS if c != _STATE_COLOUR)
    colours = {}
    for kind in kinds:
        state = is_state_kind(graph, kind)
        colours[kind] = _STATE_COLOUR if state else next(others, "#555555")
    return colours


def _style_key(data: dict[str, object]) -> str:
    if data["relation"] == "engagement":
        return str(data.get("engagement_type_label") or "type not recorded")
    return str(data["relation"]).replace("_", " ")


def _edge_styles(
    graph: nx.MultiDiGraph, simple: nx.Graph, relations: Collection[str]
) -> dict[str, tuple[str, object]]:
    """Colour and dash of each engagement type drawn, then of each other relation."""
    drawn = [
        data
        for u, v, data in graph.edges(data=True)
        if data["relation"] in relations and u in simple and v in simple
    ]
    types = sorted({_style_key(d) for d in drawn if d["relation"] == "engagement"})
    styles: dict[str, tuple[str, object]] = {
        name: (
            _TYPE_COLOURS[i % len(_TYPE_COLOURS)],
            _DASHES[i // len(_TYPE_COLOURS) % len(_DASHES)],
        )
        for i, name in enumerate(types)
    }
    for relation in sorted({d["relation"] for d in drawn} - {"engagement"}):
        styles[relation.replace("_", " ")] = ("#777777", _RELATION_DASHES[relation])
    return styles
