"""``coopgraph docs -o DIR``: write the static HTML reference of the ontology."""

from __future__ import annotations

import argparse
import sys

from coopgraph.cli import add_subcommand
from coopgraph.docs import PAGE, build_site
from coopgraph.vocab import COOP


def _run(args: argparse.Namespace) -> int:
    report = build_site(
        args.output,
        ontology=args.ontology,
        shapes=[] if args.no_shapes else args.shapes,
        queries=[] if args.no_queries else args.queries,
        catalogs=args.catalog or (),
        namespace=args.namespace,
    )
    for warning in report.warnings:
        print(f"coopgraph: warning: {warning}", file=sys.stderr)
    counts = ", ".join(f"{n} {kind.lower()}" for kind, n in report.terms.items() if n)
    print(
        f"wrote {report.output_dir / PAGE} and {len(report.files) - 1} more files "
        f"({report.size / 1024:.0f} KiB) in {report.seconds:.1f} s: {counts or 'no terms'}, "
        f"{report.shapes} shapes, {report.queries} queries"
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = add_subcommand(
        subparsers,
        "docs",
        _run,
        "Write the HTML reference of the ontology (no scripts, no network) into a directory.",
    )
    sub.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DIR",
        help="directory to write (created if absent)",
    )
    sub.add_argument(
        "--ontology",
        action="append",
        metavar="FILE",
        help="ontology module to document (repeatable; default: the shipped core ontology "
        "and alignment module); owl:imports resolve through catalogs, never the network",
    )
    sub.add_argument(
        "--catalog",
        action="append",
        metavar="FILE",
        help="OASIS XML catalog mapping ontology IRIs to files (repeatable; the "
        "catalog-v001.xml beside each module is always read)",
    )
    sub.add_argument(
        "--namespace",
        metavar="IRI",
        help="document the terms of this namespace; each term's anchor is its local name "
        f"(default: {COOP}, or with --ontology the namespace in which the modules declare "
        "the most terms)",
    )
    shapes = sub.add_mutually_exclusive_group()
    shapes.add_argument(
        "--shapes",
        action="append",
        metavar="FILE",
        help="SHACL shapes file (repeatable; default: the shipped shapes, without --ontology)",
    )
    shapes.add_argument("--no-shapes", action="store_true", help="document no shapes")
    queries = sub.add_mutually_exclusive_group()
    queries.add_argument(
        "--queries",
        action="append",
        metavar="FILE",
        help="canned query file (repeatable; default: the shipped queries, without --ontology)",
    )
    queries.add_argument("--no-queries", action="store_true", help="document no queries")
