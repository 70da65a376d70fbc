"""``coopgraph validate``: check RDF data against the ontology and the SHACL shapes."""

from __future__ import annotations

import argparse
import sys

from rdflib import Graph

from coopgraph.cli import add_subcommand
from coopgraph.cli.store import add_store_options, store_from_args
from coopgraph.errors import InputError, ParameterError
from coopgraph.validate import ENGINES, INFERENCE, REPORT_FORMATS, SEVERITIES, render, validate

_FORMAT_HELP = "(turtle, nt, nquads, trig, xml, json-ld, n3); default: by file extension"

_DESCRIPTION = """\
Validate RDF data against the bundled coopgraph ontology and SHACL shapes, offline.

All DATA files (any RDF format, by extension or --format) are pooled into one data
graph with the ontology. First every IRI in the coopgraph namespace that the ontology
does not define is reported with the closest defined term ("did you mean ...?"); such
terms make the data non-conforming unless --allow-undefined. Then the shapes run.

Severities: a Violation is data that is wrong; a Warning is a gap the data should
close (a missing safeguard); an Info is advice. Only violations fail, unless
--fail-on warning (or info). Switch a bundled shape off with an extra shapes file
holding `cgsh:SomeShape sh:deactivated true .` (prefix cgsh:
<https://w3id.org/coopgraph/shapes#>).

The options of pySHACL's and CASE's command lines work here too, mapped onto these:
pySHACL's -f/--format is --report; -w/--allow-warnings is --fail-on violation (the
default) and --allow-infos is --fail-on warning; -s/--shacl adds to the bundled shapes
as --shapes does; -e/--ont-graph is --ontology. --focus and --shape take full IRIs or
compact names (coop:, data:, cgsh:, sh:, ...), repeated or comma-separated; with both,
each named shape is applied to each named node, as pySHACL does. cgsh:DefinedTermsCheck
names the check for undefined terms. With --abort the shapes stop at the first
constraint that yields a finding at or above --fail-on: the report holds the undefined
terms and the findings up to that constraint, and says it may be incomplete (the fast
engine stops after one constraint, pySHACL after the node shape being checked).
Not offered: pySHACL's -im/--imports (validation never fetches anything), -j/--js,
--max-depth and --validate-each; for CASE's --review-tbox, review the ontology with
`coopgraph qc` and `coopgraph check`.
"""

_EXIT = """\
exit status:
  0  the data conforms (no finding at or above --fail-on)
  1  the data does not conform
  2  bad input or usage (unreadable or malformed file, unknown format, bad option,
     invalid shapes)
  3  internal error (a bug: please report it)
"""


def _data(args: argparse.Namespace) -> list[str] | Graph:
    """The DATA files, or the content of the store --store names (any backend)."""
    if args.store is None:
        if not args.data:
            raise ParameterError("give DATA files to validate, or --store")
        return args.data
    if args.data:
        raise ParameterError("give DATA files or --store, not both")
    with store_from_args(args) as store:
        return Graph().parse(data=store.export("nt"), format="nt")


def _names(values: list[str]) -> list[str]:
    """Repeated and comma-separated IRIs (pySHACL takes one comma-separated list)."""
    return [name for value in values for name in value.split(",") if name.strip()]


def _run(args: argparse.Namespace) -> int:
    result = validate(
        _data(args),
        format=args.format,
        shapes=args.shapes,
        ontology=args.ontology,
        inference=args.inference,
        engine=args.engine,
        fail_on=args.fail_on,
        allow_undefined=args.allow_undefined,
        focus=_names(args.focus),
        use_shapes=_names(args.shape),
        abort=args.abort,
        metashacl=args.metashacl,
        advanced=args.advanced,
        iterate_rules=args.iterate_rules,
        shapes_format=args.shapes_format,
        ontology_format=args.ontology_format,
    )
    text = render(result, args.report)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as stream:
                stream.write(text)
        except OSError as error:
            raise InputError(f"{args.output}: cannot write: {error.strerror or error}") from None
        counts = ", ".join(f"{n} {s.lower()}" for s, n in result.counts().items())
        verdict = "conforms" if result.conforms else "does not conform"
        print(f"coopgraph validate: {verdict} ({counts}); report in {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0 if result.conforms else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = add_subcommand(subparsers, "validate", _run, "Validate RDF data against the shapes.")
    sub.description = _DESCRIPTION
    sub.epilog = _EXIT
    sub.add_argument(
        "data", nargs="*", metavar="DATA", help="RDF files to validate, pooled (or --store)"
    )
    add_store_options(sub)
    sub.add_argument(
        "--format",
        "--data-format",
        "-df",
        metavar="FORMAT",
        help=f"RDF format of the DATA files {_FORMAT_HELP}",
    )
    sub.add_argument(
        "--shapes",
        "--shacl",
        "-s",
        action="append",
        default=[],
        metavar="FILE",
        help="an extra shapes file, added to the bundled shapes (repeatable)",
    )
    sub.add_argument(
        "--shapes-format", "-sf", metavar="FORMAT", help=f"RDF format of --shapes {_FORMAT_HELP}"
    )
    sub.add_argument(
        "--ontology",
        "--ont-graph",
        "-e",
        action="append",
        default=[],
        metavar="FILE",
        help="an extra ontology file, added to the bundled ontology (repeatable)",
    )
    sub.add_argument(
        "--ontology-format",
        "-ef",
        metavar="FORMAT",
        help=f"RDF format of --ontology {_FORMAT_HELP}",
    )
    sub.add_argument(
        "--inference",
        "-i",
        choices=INFERENCE,
        default="none",
        help="pre-inference over data and ontology before validation (default: none;"
        " both: RDFS and OWL RL)",
    )
    sub.add_argument(
        "--focus",
        action="append",
        default=[],
        metavar="IRI",
        help="validate only this focus node (repeatable, or comma-separated)",
    )
    sub.add_argument(
        "--shape",
        action="append",
        default=[],
        metavar="IRI",
        help="validate only with this shape (repeatable, or comma-separated)",
    )
    sub.add_argument(
        "--abort",
        action="store_true",
        help="stop at the first constraint with a finding at or above --fail-on",
    )
    sub.add_argument(
        "--metashacl",
        "-m",
        action="store_true",
        help="first check the shapes (bundled and extra) against SHACL-for-SHACL",
    )
    sub.add_argument(
        "--advanced",
        "-a",
        action="store_true",
        help="enable SHACL Advanced Features: rules, functions, custom targets (pySHACL runs them)",
    )
    sub.add_argument(
        "--iterate-rules",
        "-it",
        action="store_true",
        help="with --advanced, run the rules again until nothing new is inferred",
    )
    sub.add_argument(
        "--engine",
        choices=ENGINES,
        default="fast",
        help="fast: shapes compiled to SPARQL on Oxigraph (default); pyshacl: the reference",
    )
    sub.add_argument(
        "--report",
        choices=REPORT_FORMATS,
        default="human",
        help="report format (default: human; turtle, nt, xml and json-ld are the standard"
        " sh:ValidationReport)",
    )
    sub.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    failing = sub.add_mutually_exclusive_group()
    failing.add_argument(
        "--fail-on",
        choices=[s.lower() for s in SEVERITIES],
        default="violation",
        help="the least severe finding that makes the data non-conforming (default: violation)",
    )
    failing.add_argument(
        "--allow-warnings",
        "--allow-warning",
        "-w",
        dest="fail_on",
        action="store_const",
        const="violation",
        help="pySHACL's name for --fail-on violation (the default)",
    )
    failing.add_argument(
        "--allow-infos",
        "--allow-info",
        dest="fail_on",
        action="store_const",
        const="warning",
        help="pySHACL's name for --fail-on warning",
    )
    sub.add_argument(
        "--allow-undefined",
        action="store_true",
        help="report coopgraph terms the ontology does not define as warnings, not violations",
    )
