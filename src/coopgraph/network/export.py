"""Writing the projected network for other tools: GraphML, GEXF (Gephi) and node-link JSON.

Node-link JSON keeps every attribute as it is in the projection (lists, the designation
records, the graph's vocabulary tables). GraphML and GEXF hold only scalar values, so
:func:`flat` turns the projection into the graph they store: a list becomes its items joined
with ``"; "``, a designation the text "<kind> by <authority>, <start> to <end>", a missing
value is left out, and the graph keeps only its scalar attributes (``window``, the filters).
In GEXF an edge's ``start`` and ``end`` are full dates (the first day of the start, the last
day of the end, as :mod:`coopgraph.network.periods` reads them), so Gephi's timeline works.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import networkx as nx

from coopgraph.errors import InputError, ParameterError
from coopgraph.network.periods import day_range

FORMATS = {"graphml": ".graphml", "gexf": ".gexf", "json": ".json"}
"""Export formats and the file suffix each is recognised by."""

LIST_SEPARATOR = "; "


def designation_text(designation: dict[str, Any]) -> str:
    """A designation as one line: "terrorist designation by State A, 2016 to (in force)"."""
    authority = designation["authority_label"] or "an unrecorded authority"
    start = designation["start"] or "(unknown start)"
    end = designation["end"] or "(in force)"
    return f"{designation['kind_label']} by {authority}, {start} to {end}"


def _flat_value(name: str, value: Any) -> str | int | float | bool | None:
    if value is None or value == []:
        return None
    if name == "designations":
        return LIST_SEPARATOR.join(designation_text(d) for d in value)
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(map(str, value))
    if isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"attribute {name} has a value GraphML cannot hold: {value!r}")


def flat(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The projection with scalar attributes only, as GraphML and GEXF store it."""

    def scalars(data: dict[str, Any]) -> dict[str, Any]:
        values = {name: _flat_value(name, value) for name, value in data.items()}
        return {name: value for name, value in values.items() if value is not None}

    def scalar_or_names(value: Any) -> bool:  # the window and the filters, not the tables
        return isinstance(value, str | int) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )

    result = nx.MultiDiGraph()
    result.graph.update(
        {
            name: _flat_value(name, value)
            for name, value in graph.graph.items()
            if scalar_or_names(value)
        }
    )
    result.add_nodes_from((n, scalars(data)) for n, data in graph.nodes(data=True))
    result.add_edges_from(
        (u, v, k, scalars(data)) for u, v, k, data in graph.edges(keys=True, data=True)
    )
    return result


def gexf_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """:func:`flat`, with edge periods as full dates for Gephi's timeline."""
    result = flat(graph)
    for _, _, data in result.edges(data=True):
        for name, end in (("start", 0), ("end", 1)):
            if name in data:
                days = day_range(data[name])
                if days is None:  # unreadable: kept as an ordinary attribute, not a time
                    data[f"{name}_text"] = data.pop(name)
                else:
                    data[name] = days[end].isoformat()
    return result


def node_link(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """The projection as networkx node-link data (``nodes``, ``edges`` with ``key``)."""
    return nx.node_link_data(graph, edges="edges")


def write(graph: nx.MultiDiGraph, path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """Write ``graph`` to ``path`` in ``fmt`` (by default from the suffix); returns the format."""
    target = Path(path)
    fmt = fmt or next((f for f, suffix in FORMATS.items() if target.suffix == suffix), None)
    if fmt not in FORMATS:
        raise ParameterError(
            f"--output: cannot tell the format of {target.name!r}; use a name ending in "
            + ", ".join(FORMATS.values())
            + " or give --format"
        )
    try:
        if fmt == "graphml":
            nx.write_graphml(flat(graph), target, encoding="utf-8", named_key_ids=True)
        elif fmt == "gexf":
            nx.write_gexf(gexf_graph(graph), target, encoding="utf-8")
        else:
            text = json.dumps(node_link(graph), indent=1, ensure_ascii=False, sort_keys=True)
            target.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    return fmt
