"""``coopgraph info``: what the bundled ontology and example knowledge base contain."""

from __future__ import annotations

import argparse
import json

from coopgraph.cli import add_subcommand
from coopgraph.info import statistics


def _run(args: argparse.Namespace) -> int:
    stats = statistics()
    if args.format == "json":
        print(json.dumps(vars(stats), indent=2))
    else:
        width = max(len(name) for name, _ in stats.rows())
        for name, value in stats.rows():
            print(f"{name:<{width}}  {value}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = add_subcommand(
        subparsers, "info", _run, "Show statistics of the bundled ontology and example data."
    )
    sub.add_argument("--format", choices=["table", "json"], default="table")
