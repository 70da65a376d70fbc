"""``coopgraph network ...``: analyses, exports and pictures of the cooperation network.

Every subcommand projects the store (or the files given with ``--data``) onto the network
documented in :mod:`coopgraph.network`, optionally as of a date, between two dates, or
restricted to engagement types or regions, then runs one analysis and prints it as a table,
JSON or CSV, or writes a file.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import networkx as nx
from rdflib import URIRef

from coopgraph import network
from coopgraph.catalogue import resolve_term
from coopgraph.cli import add_subcommand
from coopgraph.cli.store import add_remote_options, store_or_dataset
from coopgraph.errors import ParameterError
from coopgraph.network.analysis import (
    ENGAGEMENTS_ONLY,
    Actor,
    check_actor,
    check_count,
    edge_rows,
)
from coopgraph.network.projection import RELATIONS
from coopgraph.render import TABLE_FORMATS, Cell, compact_iri, render_rows

# draw lays out groups of over 300 actors with networkx's spring layout, whose numpy seed
# must be from 0 to 2**32 - 1.
LAYOUT_SEED_MAX = 2**32 - 1

# ----------------------------------------------------------------------------- options


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "data (default: the bundled ontology and example knowledge base)"
    ).add_mutually_exclusive_group()
    group.add_argument(
        "--store",
        metavar="SPEC",
        help="read this store: oxigraph:PATH, a directory, memory, or an http(s):// SPARQL "
        "endpoint",
    )
    group.add_argument(
        "--data",
        metavar="FILE",
        action="append",
        default=[],
        help="read the bundled ontology and these RDF files (repeatable)",
    )
    add_remote_options(parser)
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
        "--format", choices=TABLE_FORMATS, default="table", help="output (default: table)"
    )


# ----------------------------------------------------------------------------- projection


def _network(
    args: argparse.Namespace, *actors: tuple[str, str]
) -> tuple[nx.MultiDiGraph, list[str]]:
    """The projected network, and the actors named by ``(text, parameter)`` as node ids.

    The data is the store named with --store, else the bundled ontology with the --data files
    (by default the example knowledge base). Names (IRI, compact name or exact label) are
    resolved in that data, as every command does, then looked up in the network.
    """
    window = None
    if args.as_of:
        window = network.as_of(args.as_of)
    elif args.between:
        window = network.between(*args.between)
    store = store_or_dataset(args)
    with store:
        types = [str(resolve_term(store, t, "--type")) for t in args.types]
        regions = [str(resolve_term(store, r, "--region")) for r in args.regions]
        named = [str(resolve_term(store, text, parameter)) for text, parameter in actors]
        graph = network.project(store, window=window, engagement_types=types, regions=regions)
    for iri, (_, parameter) in zip(named, actors, strict=True):
        check_actor(graph, iri, parameter)
    return graph, named


# ----------------------------------------------------------------------------- output


def _label_list(actors: Iterable[Actor]) -> str:
    return "; ".join(a.label for a in actors)


def _pairs(pairs: Iterable[tuple[Actor, Actor]]) -> str:
    return "; ".join(f"{a.label} / {b.label}" for a, b in pairs)


def _iri(value: str | None) -> URIRef | str | None:
    """A node id as a cell: an IRI as a term, a blank node (``_:id``) as its text."""
    if value is None or value.startswith("_:"):
        return value
    return URIRef(value)


def _emit(
    args: argparse.Namespace,
    columns: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    notes: Sequence[str] = (),
) -> None:
    """Print the rows in the chosen format (:mod:`coopgraph.render`); notes go to stderr."""
    sys.stdout.write(render_rows(columns, rows, args.format))
    for note in notes:
        print(f"coopgraph: note: {note}", file=sys.stderr)


def _scope_note(graph: nx.MultiDiGraph) -> str:
    parts = [f"network {graph.graph['window']}"]
    if graph.graph.get("engagement_type_filter"):
        parts.append("types " + ", ".join(map(compact_iri, graph.graph["engagement_type_filter"])))
    if graph.graph.get("region_filter"):
        parts.append("regions " + ", ".join(map(compact_iri, graph.graph["region_filter"])))
    parts.append(f"{graph.number_of_nodes()} actors, {graph.number_of_edges()} edges")
    return "; ".join(parts)


def _relations(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(args.relations or ENGAGEMENTS_ONLY)


# ----------------------------------------------------------------------------- handlers


def _summary(args: argparse.Namespace) -> int:
    graph, _ = _network(args)
    kinds = Counter(data["kind"] for _, data in graph.nodes(data=True))
    relations = Counter(r for _, _, r in graph.edges(data="relation"))
    labels = graph.graph["actor_kinds"]
    rows: list[tuple[Cell, ...]] = [
        ("actors", URIRef(k), labels[k]["label"], n) for k, n in sorted(kinds.items())
    ]
    rows += [("edges", None, r, n) for r, n in sorted(relations.items())]
    _emit(args, ["what", "kind", "label", "count"], rows, [_scope_note(graph)])
    return 0


def _actor_cells(actor: Actor) -> tuple[Cell, ...]:
    return (_iri(actor.iri), actor.label, actor.kind)


def _centrality(args: argparse.Namespace) -> int:
    if args.top is not None:
        check_count("--top", args.top)
    graph, _ = _network(args)
    result = network.centrality(
        graph, relations=_relations(args), samples=args.samples, exact=args.exact, seed=args.seed
    )
    columns = ["actor", "label", "kind", "neighbours", "provided", "received", "degree",
               "betweenness", "betweenness_method"]  # fmt: skip
    rows = [
        (*_actor_cells(r.actor), r.neighbours, r.provided, r.received,
         round(r.degree_centrality, 6), round(r.betweenness, 6), result.method)
        for r in result.rows[: args.top]
    ]  # fmt: skip
    _emit(args, columns, rows, [_scope_note(graph), result.method])
    return 0


def _brokers(args: argparse.Namespace) -> int:
    if args.top is not None:
        check_count("--top", args.top)
    graph, _ = _network(args)
    found = network.brokers(graph, relations=_relations(args))
    columns = ["actor", "label", "kind", "state_pairs", "separated_pairs", "pairs", "separated"]
    rows = [
        (*_actor_cells(b.actor), len(b.state_pairs), len(b.separated_pairs),
         _pairs(b.state_pairs), _pairs(b.separated_pairs))
        for b in found[: args.top]
    ]  # fmt: skip
    _emit(args, columns, rows, [_scope_note(graph)])
    return 0


def _communities(args: argparse.Namespace) -> int:
    graph, _ = _network(args)
    result = network.communities(
        graph,
        relations=_relations(args),
        seed=args.seed,
        resolution=args.resolution,
        runs=args.runs,
    )
    rows = [
        (c.number, len(c.members), c.engagements, _label_list(c.members),
         "; ".join(m.iri for m in c.members))
        for c in result.communities
    ]  # fmt: skip
    notes = [_scope_note(graph), result.method, f"modularity {result.modularity:.4f}"]
    if result.unconnected:
        notes.append(f"{result.unconnected} actors without edges are in no community")
    _emit(args, ["community", "size", "edges", "members", "member_iris"], rows, notes)
    return 0


def _paths(args: argparse.Namespace) -> int:
    graph, (source, target) = _network(args, (args.source, "SOURCE"), (args.target, "TARGET"))
    found = network.paths(graph, source, target, relations=_relations(args), limit=args.limit)
    rows = [
        (number, step, _iri(hop.source.iri), hop.source.label, _iri(hop.target.iri),
         hop.target.label,
         "; ".join(f"{compact_iri(e['iri']) if e['iri'] else e['relation']} "
                   f"({e['type'] or e['relation']}, {e['start'] or '?'} to "
                   f"{e['end'] or 'ongoing'})" for e in hop.edges))
        for number, path in enumerate(found, start=1)
        for step, hop in enumerate(path.hops, start=1)
    ]  # fmt: skip
    notes = [_scope_note(graph)]
    if not found:
        notes.append("no chain joins the two actors")
    columns = ["path", "hop", "from", "from_label", "to", "to_label", "edges"]
    _emit(args, columns, rows, notes)
    return 0 if found else 1


def _edges(args: argparse.Namespace, graph: nx.MultiDiGraph, notes: list[str]) -> None:
    columns = ["relation", "from", "from_label", "to", "to_label", "type", "start", "end",
               "record"]  # fmt: skip
    rows = [
        (e["relation"], _iri(e["from"]), e["from_label"], _iri(e["to"]), e["to_label"],
         e["type"], e["start"], e["end"], _iri(e["iri"]))
        for e in edge_rows(graph)
    ]  # fmt: skip
    _emit(args, columns, rows, notes)


def _ego(args: argparse.Namespace) -> int:
    graph, (actor,) = _network(args, (args.actor, "ACTOR"))
    sub = network.ego(graph, actor, radius=args.radius, relations=_relations(args))
    note = f"{sub.number_of_nodes()} actors within {args.radius} hop(s) of {args.actor}"
    _edges(args, sub, [_scope_note(graph), note])
    return 0


def _changes(args: argparse.Namespace) -> int:
    graph, _ = _network(args)
    result = network.changes(graph, args.start, args.end)
    columns = ["change", "record", "provider", "partner", "type", "start", "end"]
    rows: list[tuple[Cell, ...]] = []
    for name, edges in (
        ("appeared", result.appeared),
        ("ended", result.ended),
        ("came and went", result.came_and_went),
    ):
        rows += [
            (name, _iri(e.iri), e.provider.label, e.partner.label, e.engagement_type, e.start,
             e.end)
            for e in edges
        ]  # fmt: skip
    rows += [
        (f"switched ({s.basis})", _iri(s.event),
         f"{_label_list(s.before) or '-'} -> {_label_list(s.after) or '-'}", s.partner.label,
         None, s.date, None)
        for s in result.switched
    ]  # fmt: skip
    _emit(args, columns, rows, [_scope_note(graph)])
    return 0


def _competing(args: argparse.Namespace) -> int:
    graph, _ = _network(args)
    found = network.competing_sponsors(graph)
    columns = ["region", "label", "periods", "states", "partners", "rivals", "engagements"]
    rows = [
        (_iri(c.region), c.label,
         "; ".join(f"{a or '...'} to {b or 'ongoing'}" for a, b in c.periods),
         _label_list(c.states), _label_list(c.partners), _pairs(c.rival_states),
         "; ".join(map(compact_iri, c.engagements)))
        for c in found
    ]  # fmt: skip
    _emit(args, columns, rows, [_scope_note(graph)])
    return 0


def _part(args: argparse.Namespace) -> nx.MultiDiGraph:
    """The ego network asked for with --ego, else the whole network."""
    if not args.ego:
        return _network(args)[0]
    graph, (actor,) = _network(args, (args.ego, "--ego"))
    return network.ego(graph, actor, radius=args.radius, relations=_relations(args))


def _export(args: argparse.Namespace) -> int:
    graph = _part(args)
    fmt = network.write(graph, args.output, args.format)
    print(
        f"wrote {args.output} ({fmt}: {graph.number_of_nodes()} actors, "
        f"{graph.number_of_edges()} edges)",
        file=sys.stderr,
    )
    return 0


def _draw(args: argparse.Namespace) -> int:
    if not 0 <= args.seed <= LAYOUT_SEED_MAX:
        raise ParameterError(f"--seed: {args.seed} is not a layout seed (0 to {LAYOUT_SEED_MAX})")
    graph = _part(args)
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
    parser.add_argument(
        "--top", type=int, metavar="N", help="show only the first N actors (default: all)"
    )
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
    parser.add_argument(
        "--top", type=int, metavar="N", help="show only the first N brokers (default: all)"
    )

    parser = sub(
        "communities",
        _communities,
        "Clusters of actors that cooperate (Louvain communities, seeded).",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the first run (default 0)")
    parser.add_argument("--runs", type=int,
                        help="Louvain runs (seeds SEED, SEED+1, ...); the best is kept "
                        "(default 10, or 3 above 2000 actors)")  # fmt: skip
    parser.add_argument(
        "--resolution",
        type=float,
        default=1.0,
        help="Louvain resolution, above 0: above 1 favours smaller communities (default 1)",
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
        "Regions where two or more states backed different partners at the same time: "
        "each backs a partner the other does not, so allies backing the same partners "
        "do not count (competency question 8).",
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
    draw_parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help=f"seed of the layout (0 to {LAYOUT_SEED_MAX}; default 0)",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2
