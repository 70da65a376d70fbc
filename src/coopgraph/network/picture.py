"""A picture of the projected network (or a part of it) as PNG or SVG, drawn with matplotlib.

Actors are dots coloured by their kind, sized by their number of neighbours and labelled
with their names. Engagements are arrows from provider to partner, coloured and dashed by the
broadest type of their engagement type (joint training and advising are both "training and
expertise"); several engagements of one family between the same two actors are one arrow,
thicker for each. Other relations, when asked for, are grey lines with their own dash pattern.
Arrows between the same two actors curve apart. Two legends name the actor kinds and the
edge styles.

The layout places each connected group of actors on its own (Kamada-Kawai, or networkx's
spring layout with a fixed seed on large groups) and packs the groups in rows, largest first,
so that a network of many small groups (the usual shape of cooperation data) stays readable.
Actors without any drawn edge are left out; the footer says how many.

Only matplotlib's object API is used (no pyplot), so drawing changes no global state.
"""

from __future__ import annotations

import itertools
import math
import os
from collections import Counter, defaultdict
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

_STATE_COLOUR = "#1f77b4"
_KIND_COLOURS = [
    "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
    "#7f7f7f", "#393b79", "#e7969c", "#637939",
]  # fmt: skip
_FAMILY_COLOURS = [
    "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999",
    "#1b9e77", "#66a61e", "#e6ab02", "#666666",
]  # fmt: skip
_DASHES: list[object] = ["solid", (0, (5, 2)), (0, (1, 1.5)), (0, (5, 2, 1, 2))]
_RELATION_DASHES: dict[str, object] = {
    "alliance": (0, (6, 2)),
    "membership": (0, (1, 2)),
    "split": (0, (4, 1, 1, 1)),
    "merger": (0, (4, 1, 1, 1, 1, 1)),
    "allegiance_change": (0, (8, 3, 2, 3)),
    "rivalry": (0, (2, 4)),
}
_INCHES_PER_UNIT = 2.3
"""Figure inches per layout unit: one unit is the side of a two-actor group."""
_MAX_INCHES = 40.0
_LEGEND_INCHES = 3.6


def draw(
    graph: nx.MultiDiGraph,
    path: str | os.PathLike[str],
    *,
    relations: Collection[str] = ENGAGEMENTS_ONLY,
    title: str | None = None,
    seed: int = 0,
    max_labels: int = 120,
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

    layout, (width, height) = _layout(simple, seed)
    scale = min(_INCHES_PER_UNIT, (_MAX_INCHES - _LEGEND_INCHES) / max(width, height))
    plot_w, plot_h = max(4.0, width * scale), max(3.0, height * scale)
    fig_w, fig_h = plot_w + _LEGEND_INCHES, max(plot_h + 1.0, 6.5)
    n = simple.number_of_nodes()
    figure = Figure(figsize=(fig_w, fig_h), dpi=150 if fig_w * fig_h < 500 else 100)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.1 / fig_w, 0.45 / fig_h, plot_w / fig_w, plot_h / fig_h))
    axes.set_axis_off()
    axes.set_xlim(-0.1, width + 0.1)
    axes.set_ylim(-0.1, height + 0.1)

    kind_colour = _kind_colours(graph)
    degrees = dict(simple.degree())
    sizes = {v: 90 + 40 * min(degrees[v], 12) for v in simple}
    nodes = sorted(simple)
    axes.scatter(
        [layout[v][0] for v in nodes],
        [layout[v][1] for v in nodes],
        s=[sizes[v] for v in nodes],
        c=[kind_colour[graph.nodes[v]["kind"]] for v in nodes],
        edgecolors="white",
        linewidths=1.2,
        zorder=3,
    )

    bundles = _bundles(graph, simple, relations)
    styles = _styles(bundles)
    drawn_pairs: Counter[frozenset[str]] = Counter()
    for (u, v, name, relation), count in sorted(bundles.items()):
        pair = frozenset((u, v))
        index = drawn_pairs[pair]
        drawn_pairs[pair] += 1
        # The first arrow of a pair is straight, the next ones bend to alternate sides; the
        # sign flips with the direction so that opposite arrows do not overlap.
        rad = 0.18 * ((index + 1) // 2) * (1 if index % 2 else -1) * (1 if u < v else -1)
        colour, dash = styles[name]
        axes.add_patch(
            FancyArrowPatch(
                layout[u],
                layout[v],
                arrowstyle="-|>" if relation == "engagement" else "-",
                mutation_scale=12,
                connectionstyle=f"arc3,rad={rad}",
                color=colour,
                linestyle=dash,
                linewidth=1.3 + 0.9 * (min(count, 6) - 1),
                alpha=0.85,
                shrinkA=sizes[u] ** 0.5 / 2 + 1,
                shrinkB=sizes[v] ** 0.5 / 2 + 2,
                zorder=2,
            )
        )

    labelled = sorted(nodes, key=lambda v: (-degrees[v], graph.nodes[v]["label"]))[:max_labels]
    for v in labelled:
        axes.annotate(
            _wrap(graph.nodes[v]["label"]),
            layout[v],
            xytext=(sizes[v] ** 0.5 / 2 + 3, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=8,
            zorder=4,
            bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.8},
        )

    kinds = sorted({graph.nodes[v]["kind"] for v in nodes}, key=lambda k: _kind_order(graph, k))
    legend_x = (plot_w + 0.3) / fig_w
    kind_handles = [
        Line2D([], [], marker="o", linestyle="", markersize=8, color=kind_colour[k],
               label=graph.graph["actor_kinds"].get(k, {"label": k})["label"])
        for k in kinds
    ]  # fmt: skip
    kind_legend = figure.legend(
        handles=kind_handles,
        title="actor kind",
        loc="upper left",
        bbox_to_anchor=(legend_x, 1 - 0.5 / fig_h),
        fontsize=8,
        title_fontsize=9,
        frameon=False,
        alignment="left",
    )
    figure.add_artist(kind_legend)
    figure.legend(
        handles=[
            Line2D([], [], color=colour, linestyle=dash, linewidth=2, label=name)
            for name, (colour, dash) in styles.items()
        ],
        title="engagement type" if relations == {"engagement"} else "engagement type, relation",
        loc="lower left",
        bbox_to_anchor=(legend_x, 0.45 / fig_h),
        fontsize=8,
        title_fontsize=9,
        frameon=False,
        alignment="left",
    )
    window = graph.graph.get("window", "all dates")
    figure.text(0.1 / fig_w, 1 - 0.35 / fig_h, title or f"Cooperation network, {window}",
                fontsize=13, va="center")  # fmt: skip
    footer = (
        f"{n} actors, {sum(bundles.values())} edges; arrows point from provider to partner, "
        "thicker for several engagements of one type family"
    )
    if hidden:
        footer += f"; not shown: {len(hidden)} without edges"
    if len(labelled) < n:
        footer += f"; the {len(labelled)} best-connected actors labelled"
    figure.text(0.1 / fig_w, 0.18 / fig_h, footer, fontsize=8, color="#555555")
    try:
        with rc_context({"svg.fonttype": "none"}):  # SVG text stays text: searchable, smaller
            figure.savefig(target, format=target.suffix.lower()[1:])
    except OSError as exc:
        raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    return target


def _wrap(label: str, width: int = 28) -> str:
    """A long label on two lines, broken at a space near the middle."""
    if len(label) <= width or " " not in label:
        return label
    middle = len(label) // 2
    spaces = [i for i, c in enumerate(label) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - middle))
    return label[:cut] + "\n" + label[cut + 1 :]


# ----------------------------------------------------------------------------- layout


_LABEL_ROOM = 1.3
"""Layout units right of a group's cell kept free for the labels."""
_ASPECT = 1.4
"""The width-to-height ratio the packed groups should come close to."""


def _layout(
    simple: nx.Graph, seed: int
) -> tuple[dict[str, tuple[float, float]], tuple[float, float]]:
    """Positions of every actor and the size of the whole, in layout units.

    Each connected group gets a square cell whose side grows with the square root of its
    size, plus room on the right for labels. The cells are packed in rows, largest first;
    of the row widths that fit the first j groups, the one whose result is closest to a
    landscape page (:data:`_ASPECT`) wins.
    """
    groups = sorted(
        (sorted(c) for c in nx.connected_components(simple)), key=lambda c: (-len(c), c[0])
    )
    cells = [0.75 if len(g) <= 2 else max(1.2, 1.15 * math.sqrt(len(g))) for g in groups]
    widths = [c + _LABEL_ROOM for c in cells]
    candidates = {max(widths)} | set(itertools.accumulate(widths))  # a first row of j groups
    row_width = min(
        (w for w in candidates if w >= max(widths)),
        key=lambda w: (_fit(_pack(cells, w)[1]), w),
    )
    origins, (width, height) = _pack(cells, row_width)
    positions: dict[str, tuple[float, float]] = {}
    for group, side, (x, y) in zip(groups, cells, origins, strict=True):
        for node, (px, py) in _group_layout(simple.subgraph(group), seed).items():
            positions[node] = (x + 0.1 + px * (side - 0.2), height - (y + 0.15 + py * (side - 0.3)))
    return positions, (width, height)


def _pack(
    cells: list[float], row_width: float
) -> tuple[list[tuple[float, float]], tuple[float, float]]:
    """Top-left corners of the cells packed in rows no wider than ``row_width``, and the size."""
    origins = []
    x = y = row_height = width = 0.0
    for side in cells:
        if x > 0 and x + side + _LABEL_ROOM > row_width + 1e-9:
            y += row_height
            x = row_height = 0.0
        origins.append((x, y))
        x += side + _LABEL_ROOM
        width = max(width, x)
        row_height = max(row_height, side)
    return origins, (width, y + row_height)


def _fit(size: tuple[float, float]) -> float:
    """The side of the smallest landscape box (:data:`_ASPECT`) that holds ``size``."""
    width, height = size
    return max(width / _ASPECT, height)


def _group_layout(group: nx.Graph, seed: int) -> dict[str, tuple[float, float]]:
    """Positions in the unit square (y down) for one connected group."""
    nodes = sorted(group)
    if len(nodes) == 1:
        return {nodes[0]: (0.5, 0.5)}
    if len(nodes) == 2:  # one above the other: the labels go to the right, never overlap
        return {nodes[0]: (0.15, 0.0), nodes[1]: (0.15, 1.0)}
    if len(nodes) <= 300:
        raw = nx.kamada_kawai_layout(group, weight=None)
    else:
        raw = nx.spring_layout(group, seed=seed, weight=None)
    xs = [p[0] for p in raw.values()]
    ys = [p[1] for p in raw.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    return {n: ((raw[n][0] - min(xs)) / span, (raw[n][1] - min(ys)) / span) for n in nodes}


# ----------------------------------------------------------------------------- styles


def _kind_order(graph: nx.MultiDiGraph, kind: str) -> tuple[int, str]:
    """States first, then the other kinds by label."""
    label = graph.graph["actor_kinds"].get(kind, {"label": kind})["label"]
    return (0 if is_state_kind(graph, kind) else 1, label)


def _kind_colours(graph: nx.MultiDiGraph) -> dict[str, str]:
    """A colour per actor kind of the whole projection, so parts of it keep the colours."""
    kinds = sorted(graph.graph["actor_kinds"], key=lambda k: _kind_order(graph, k))
    others = iter(_KIND_COLOURS)
    return {
        kind: _STATE_COLOUR if is_state_kind(graph, kind) else next(others, "#555555")
        for kind in kinds
    }


def _family(graph: nx.MultiDiGraph, engagement_type: str | None) -> str:
    """The label of the broadest type above an engagement type (itself when it has none)."""
    if engagement_type is None:
        return "type not recorded"
    types = graph.graph["engagement_types"]
    entry = types.get(engagement_type, {"label": engagement_type, "broader": []})
    roots = [t for t in entry["broader"] if not types.get(t, {"broader": []})["broader"]]
    root = min(roots) if roots else engagement_type
    return types.get(root, entry)["label"]


def _bundles(
    graph: nx.MultiDiGraph, simple: nx.Graph, relations: Collection[str]
) -> Counter[tuple[str, str, str, str]]:
    """How many edges go from u to v per style (type family or relation)."""
    bundles: Counter[tuple[str, str, str, str]] = Counter()
    for u, v, data in graph.edges(data=True):
        relation = data["relation"]
        if relation in relations and u in simple and v in simple and u != v:
            name = (
                _family(graph, data["engagement_type"])
                if relation == "engagement"
                else relation.replace("_", " ")
            )
            bundles[(u, v, name, relation)] += 1
    return bundles


def _styles(bundles: Counter[tuple[str, str, str, str]]) -> dict[str, tuple[str, object]]:
    """Colour and dash of each type family drawn, then of each other relation."""
    families = sorted({name for _, _, name, relation in bundles if relation == "engagement"})
    styles: dict[str, tuple[str, object]] = {
        name: (
            _FAMILY_COLOURS[i % len(_FAMILY_COLOURS)],
            _DASHES[i // len(_FAMILY_COLOURS) % len(_DASHES)],
        )
        for i, name in enumerate(families)
    }
    others: dict[str, str] = defaultdict(str)
    for _, _, name, relation in bundles:
        if relation != "engagement":
            others[name] = relation
    for name in sorted(others):
        styles[name] = ("#777777", _RELATION_DASHES[others[name]])
    return styles
