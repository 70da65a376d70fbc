"""``coopgraph network ...``: analyses, exports and pictures of the cooperation network.

Every subcommand projects the store (or the files given with ``--data``) onto the network
documented in :mod:`coopgraph.network`, optionally as of a date, between two dates, or
restricted to engagement types or regions, then runs one analysis and prints it as a table,
JSON or CSV, or writes a file.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import networkx as nx

from coopgraph import network
from coopgraph.cli import add_subcommand
from coopgraph.errors import UnknownTermError
from coopgraph.network.analysis import Actor, edge_rows
from coopgraph.network.projection import RELATIONS
from coopgraph.store import OxigraphStore, open_store
from coopgraph.vocab import PREFIXES

ANALYSIS_FORMATS = ("table", "json", "csv")


# ----------------------------------------------------------------------------- options


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("data")
    group.add_argument(
        "--store",
        metavar="SPEC",
        help="the store to read: oxigraph:PATH, a directory, memory, or an http(s):// SPARQL "
        "endpoint (default: $COOPGRAPH_STORE or the per-user store)",
    )
    group.add_argument(
        "--data",
        metavar="FILE",
        action="append",
        default=[],
        help="read these RDF files instead of a store (repeatable)",
    )
    scope = parser.add_argument_group("projection")
    when = scope.add_mutually_exclusive_group()
    when.add_argument(
        "--as-of", metavar="DATE", help="only what was active on DATE (YYYY, YYYY-MM, YYYY-MM-DD)"
    )
    when.add_argument(
        "--between",
        nargs=2,
        metavar=("FROM", "TO"),
        help="only what was active at some time from FROM to TO",
    )
    scope.add_argument(
        "--type",
        dest="types",
        metavar="TYPE",
        action="append",
        default=[],
        help="only engagements of this type or a narrower one (IRI, coop:Name or label; "
        "repeatable)",
    )
    scope.add_argument(
        "--region",
        dest="regions",
        metavar="REGION",
        action="append",
        default=[],
        help="only engagements in this region or one within it (IRI, data:Name or label; "
        "repeatable)",
    )


def _relation_option(parser: argparse.ArgumentParser, scope: str = "") -> None:

    parser.add_argument(
        "--relation",
        dest="relations",
        metavar="RELATION",
        action="append",
        choices=RELATIONS,
        help="edge kinds that join actors"
        + scope
        + ": "
        + ", ".join(RELATIONS)
        + " (repeatable; default: engagement)",
    )


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=ANALYSIS_FORMATS, default="table", help="output (default: table)"
    )


# ----------------------------------------------------------------------------- projection


def _network(args: argparse.Namespace) -> nx.MultiDiGraph:
    """Open the data, project it with the options given, and close the store."""

    window = None
    if args.as_of:
        window = network.as_of(args.as_of)
    elif args.between:
        window = network.between(*args.between)
    if args.data:
        store = OxigraphStore()
        for path in args.data:
            store.load(path)
    else:
        store = open_store(args.store)
    with store:
        graph = network.project(store)
    types = [_resolve(graph, "engagement_types", t, "--type") for t in args.types]
    regions = [_resolve(graph, "regions", r, "--region") for r in args.regions]
    return network.restrict(graph, window=window, engagement_types=types, regions=regions)


def _expand(text: str) -> str:
    prefix, _, local = text.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES and local else text


def _resolve(graph: nx.MultiDiGraph, table: str | None, text: str, parameter: str) -> str:
    """The node id (``table`` None) or the vocabulary entry that an IRI, compact name or label
    names."""
    entries: dict[str, str] = (
        {n: d["label"] for n, d in graph.nodes(data=True)}
        if table is None
        else {iri: entry["label"] for iri, entry in graph.graph[table].items()}
    )
    iri = _expand(text.strip())
    if iri in entries:
        return iri
    matches = sorted(i for i, label in entries.items() if label == text.strip())
    if len(matches) == 1:
        return matches[0]
    what = {None: "an actor", "engagement_types": "an engagement type", "regions": "a region"}
    if matches:
        raise UnknownTermError(
            f"{parameter}: {text!r} names several {what[table]}s: " + ", ".join(matches)
        )
    raise UnknownTermError(
        f"{parameter}: {text!r} is not {what[table]} in the network ({graph.graph['window']})"
    )


# ----------------------------------------------------------------------------- output


def _label_list(actors: Iterable[Actor]) -> str:
    return "; ".join(a.label for a in actors)


def _pairs(pairs: Iterable[tuple[Actor, Actor]]) -> str:
    return "; ".join(f"{a.label} / {b.label}" for a, b in pairs)


def _emit(
    args: argparse.Namespace,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    payload: Any,
    notes: Sequence[str] = (),
) -> None:
    """Print the rows as a table or CSV, or ``payload`` as JSON; notes go with them."""
    out = sys.stdout
    if args.format == "json":
        json.dump(_jsonable(payload), out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    if args.format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(v) for v in row] for row in rows)
        for note in notes:
            print(f"coopgraph: note: {note}", file=sys.stderr)
        return
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    if not rows:
        print("(none)")
    for note in notes:
        print(f"note: {note}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def _scope(graph: nx.MultiDiGraph) -> dict[str, Any]:
    return {
        "window": graph.graph["window"],
        "engagement_types": graph.graph.get("engagement_type_filter", []),
        "regions": graph.graph.get("region_filter", []),
        "actors": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
    }


def _relations(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(args.relations or ("engagement",))


# ----------------------------------------------------------------------------- handlers


def _summary(args: argparse.Namespace) -> int:
    graph = _network(args)
    kinds = Counter(data["kind_label"] for _, data in graph.nodes(data=True))
    relations = Counter(r for _, _, r in graph.edges(data="relation"))
    rows = [("actors", k, n) for k, n in sorted(kinds.items())]
    rows += [("edges", r, n) for r, n in sorted(relations.items())]
    payload = {
        "network": _scope(graph),
        "actor_kinds": dict(sorted(kinds.items())),
        "relations": dict(sorted(relations.items())),
    }
    _emit(args, ["what", "kind", "count"], rows, payload, [f"network: {graph.graph['window']}"])
    return 0


def _centrality(args: argparse.Namespace) -> int:

    graph = _network(args)
    result = network.centrality(
        graph, relations=_relations(args), samples=args.samples, exact=args.exact, seed=args.seed
    )
    shown = result.rows[: args.top] if args.top else result.rows
    rows = [
        (r.actor.iri, r.actor.label, r.actor.kind, r.neighbours, r.provided, r.received,
         r.degree_centrality, r.betweenness)
        for r in shown
    ]  # fmt: skip
    columns = ["actor", "label", "kind", "neighbours", "provided", "received", "degree",
               "betweenness"]  # fmt: skip
    payload = {"network": _scope(graph), "method": result.method, "rows": shown}
    _emit(args, columns, rows, payload, [result.method])
    return 0


def _brokers(args: argparse.Namespace) -> int:

    graph = _network(args)
    found = network.brokers(graph, relations=_relations(args))
    shown = found[: args.top] if args.top else found
    rows = [
        (b.actor.iri, b.actor.label, b.actor.kind, len(b.state_pairs), len(b.separated_pairs),
         _pairs(b.state_pairs))
        for b in shown
    ]  # fmt: skip
    columns = ["actor", "label", "kind", "state_pairs", "separated_pairs", "pairs"]
    _emit(args, columns, rows, {"network": _scope(graph), "brokers": shown})
    return 0


def _communities(args: argparse.Namespace) -> int:

    graph = _network(args)
    result = network.communities(
        graph, relations=_relations(args), seed=args.seed, resolution=args.resolution
    )
    rows = [
        (c.number, len(c.members), c.engagements, _label_list(c.members))
        for c in result.communities
    ]
    payload = {
        "network": _scope(graph),
        "method": result.method,
        "modularity": result.modularity,
        "communities": result.communities,
    }
    notes = [result.method, f"modularity {result.modularity:.4f}"]
    _emit(args, ["community", "size", "edges", "members"], rows, payload, notes)
    return 0


def _paths(args: argparse.Namespace) -> int:

    graph = _network(args)
    source = _resolve(graph, None, args.source, "SOURCE")
    target = _resolve(graph, None, args.target, "TARGET")
    found = network.paths(graph, source, target, relations=_relations(args), limit=args.limit)
    rows = [
        (number, step, hop.source.label, hop.target.label,
         "; ".join(f"{e['iri']} ({e['type'] or e['relation']}, {e['start'] or '?'} to "
                   f"{e['end'] or 'ongoing'})" for e in hop.edges))
        for number, path in enumerate(found, start=1)
        for step, hop in enumerate(path.hops, start=1)
    ]  # fmt: skip
    notes = [] if found else ["no chain joins the two actors"]
    payload = {"network": _scope(graph), "source": source, "target": target, "paths": found}
    _emit(args, ["path", "hop", "from", "to", "edges"], rows, payload, notes)
    return 0 if found else 1


def _ego(args: argparse.Namespace) -> int:

    graph = _network(args)
    actor = _resolve(graph, None, args.actor, "ACTOR")
    sub = network.ego(graph, actor, radius=args.radius, relations=_relations(args))
    edges = edge_rows(sub)
    columns = ["relation", "from", "to", "type", "start", "end", "record"]
    rows = [
        (e["relation"], e["from_label"], e["to_label"], e["type"], e["start"], e["end"], e["iri"])
        for e in edges
    ]
    actors = [
        {"iri": n, "label": d["label"], "kind": d["kind_label"]} for n, d in sub.nodes(data=True)
    ]
    payload = {"network": _scope(graph), "actor": actor, "radius": args.radius,
               "actors": actors, "edges": edges}  # fmt: skip
    notes = [f"{sub.number_of_nodes()} actors within {args.radius} hop(s) of {args.actor}"]
    _emit(args, columns, rows, payload, notes)
    return 0


def _changes(args: argparse.Namespace) -> int:

    graph = _network(args)
    result = network.changes(graph, args.start, args.end)
    columns = ["change", "record", "provider", "partner", "type", "start", "end"]
    rows: list[tuple[Any, ...]] = []
    for name, edges in (
        ("appeared", result.appeared),
        ("ended", result.ended),
        ("came and went", result.came_and_went),
    ):
        rows += [
            (name, e.iri, e.provider.label, e.partner.label, e.engagement_type, e.start, e.end)
            for e in edges
        ]
    rows += [
        (f"switched ({s.basis})", s.event,
         f"{_label_list(s.before) or '-'} -> {_label_list(s.after) or '-'}", s.partner.label,
         None, s.date, None)
        for s in result.switched
    ]  # fmt: skip
    _emit(args, columns, rows, {"network": _scope(graph), "changes": result})
    return 0


def _competing(args: argparse.Namespace) -> int:

    graph = _network(args)
    found = network.competing_sponsors(graph)
    rows = [
        (c.region, c.label,
         "; ".join(f"{a or '...'} to {b or 'ongoing'}" for a, b in c.periods),
         _label_list(c.states), _label_list(c.partners), _pairs(c.rival_states),
         len(c.engagements))
        for c in found
    ]  # fmt: skip
    columns = ["region", "label", "periods", "states", "partners", "rivals", "engagements"]
    _emit(args, columns, rows, {"network": _scope(graph), "regions": found})
    return 0


def _part(args: argparse.Namespace, graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The ego network asked for with --ego, else the whole network."""
    if not args.ego:
        return graph

    actor = _resolve(graph, None, args.ego, "--ego")
    return network.ego(graph, actor, radius=args.radius, relations=_relations(args))


def _export(args: argparse.Namespace) -> int:

    graph = _part(args, _network(args))
    fmt = network.write(graph, args.output, args.format)
    print(
        f"wrote {args.output} ({fmt}: {graph.number_of_nodes()} actors, "
        f"{graph.number_of_edges()} edges)",
        file=sys.stderr,
    )
    return 0


def _draw(args: argparse.Namespace) -> int:

    graph = _part(args, _network(args))
    path = network.draw(
        graph, args.output, relations=_relations(args), title=args.title, seed=args.seed
    )
    print(f"wrote {path}", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------- registration


def register(subparsers: argparse._SubParsersAction) -> None:
    command = add_subcommand(
        subparsers,
        "network",
        lambda _args: _usage(command),
        "Analyse the cooperation network: centrality, brokers, communities, paths, ego "
        "networks, changes, competing sponsors; export it or draw it.",
    )
    commands = command.add_subparsers(
        dest="network_command", metavar="SUBCOMMAND", parser_class=type(command)
    )

    def sub(
        name: str,
        handler: Callable[[argparse.Namespace], int],
        text: str,
        *,
        formats: bool = True,
        relations: bool = True,
    ) -> argparse.ArgumentParser:
        parser = add_subcommand(commands, name, handler, text)
        _add_source_options(parser)
        if relations:
            _relation_option(parser, " (with --ego)" if name == "export" else "")
        if formats:
            _format_option(parser)
        return parser

    sub("summary", _summary, "Count the actors by kind and the edges by relation.",
        relations=False)  # fmt: skip

    parser = sub("centrality", _centrality, "Degree and betweenness centrality of every actor.")
    parser.add_argument("--top", type=int, metavar="N", help="show only the first N actors")
    parser.add_argument(
        "--samples",
        type=int,
        metavar="K",
        help="estimate betweenness from K sampled source actors (networkx k)",
    )
    parser.add_argument(
        "--exact", action="store_true", help="exact betweenness even on a large network (slow)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampling (default 0)")

    parser = sub("brokers", _brokers, "Actors that connect states not otherwise connected.")
    parser.add_argument("--top", type=int, metavar="N", help="show only the first N brokers")

    parser = sub(
        "communities",
        _communities,
        "Clusters of actors that cooperate (Louvain communities, seeded).",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of Louvain (default 0)")
    parser.add_argument(
        "--resolution",
        type=float,
        default=1.0,
        help="Louvain resolution: above 1 favours smaller communities",
    )

    parser = sub(
        "paths",
        _paths,
        "The shortest chains from one actor to another, with the "
        "engagements of each hop (exit status 1 when there is none).",
    )
    parser.add_argument("source", metavar="SOURCE", help="an actor: IRI, data:Name or label")
    parser.add_argument("target", metavar="TARGET", help="an actor: IRI, data:Name or label")
    parser.add_argument("--limit", type=int, default=10, help="at most this many paths")

    parser = sub("ego", _ego, "The actors near one actor and the edges among them.")
    parser.add_argument("actor", metavar="ACTOR", help="an actor: IRI, data:Name or label")
    parser.add_argument("--radius", type=int, default=1, help="hops from the actor (default 1)")

    parser = sub(
        "changes",
        _changes,
        "Engagements that appeared or ended, and partners that "
        "switched sides, from one date to another.",
        relations=False,
    )
    parser.add_argument("start", metavar="FROM", help="YYYY, YYYY-MM or YYYY-MM-DD")
    parser.add_argument("end", metavar="TO", help="YYYY, YYYY-MM or YYYY-MM-DD")

    sub(
        "competing-sponsors",
        _competing,
        "Regions where two or more states backed different "
        "partners at the same time (competency question 8).",
        relations=False,
    )

    for name, handler, text, suffixes in (
        ("export", _export, "Write the network as GraphML, GEXF (Gephi) or node-link JSON.",
         ".graphml, .gexf, .json"),
        ("draw", _draw, "Draw the network (or an ego network) as PNG or SVG.", ".png, .svg"),
    ):  # fmt: skip
        parser = sub(name, handler, text, formats=False)
        parser.add_argument(
            "-o", "--output", required=True, metavar="FILE", help=f"the file to write ({suffixes})"
        )
        parser.add_argument("--ego", metavar="ACTOR", help="only the ego network of this actor")
        parser.add_argument(
            "--radius", type=int, default=1, help="hops of the ego network (default 1)"
        )
    export_parser, draw_parser = commands.choices["export"], commands.choices["draw"]
    export_parser.add_argument(
        "--format",
        choices=["graphml", "gexf", "json"],
        help="the file format (default: from the file name)",
    )
    draw_parser.add_argument("--title", help="the picture's title")
    draw_parser.add_argument("--seed", type=int, default=0, help="seed of the layout")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2
