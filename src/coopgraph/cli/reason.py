"""``coopgraph check``, ``coopgraph reason`` and ``coopgraph qc``: reasoning and ontology quality.

* ``check [DATA...]``: HermiT consistency of the ontology (by default the bundled core and
  alignment module) with the data; exit 1 when inconsistent or a class is unsatisfiable.
* ``reason DATA... -o OUT``: the OWL 2 RL closure of ontology + data written to OUT;
  ``--explain`` prints how each derived fact about the data was derived.
* ``qc [ONTOLOGY...]``: the ROBOT-style quality report; exit 1 at or above ``--fail-on``.
"""

from __future__ import annotations

import argparse
import sys

from coopgraph import ontology_qc, rdfio
from coopgraph import reason as reasoning
from coopgraph.cli import add_subcommand
from coopgraph.errors import ParameterError
from coopgraph.render import TABLE_FORMATS, render_rows
from coopgraph.vocab import COOP


def _add_ontology_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ontology",
        metavar="FILE",
        action="append",
        help="use these ontology files instead of the bundled core and alignment module "
        "(repeatable)",
    )
    _add_catalog_option(parser)


def _add_catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        metavar="FILE",
        action="append",
        default=[],
        help="an OASIS XML catalog resolving owl:imports to local files (repeatable); the "
        "catalog-v001.xml beside each file and the bundled one are always consulted",
    )


def _ontology(args: argparse.Namespace) -> list:
    return args.ontology if args.ontology else reasoning.bundled_ontology_files()


# ----------------------------------------------------------------------------- check


def _check(args: argparse.Namespace) -> int:
    if args.java_memory < 64:
        raise ParameterError(f"--java-memory {args.java_memory}: give at least 64 (MB)")
    result = reasoning.check(
        [*_ontology(args), *args.data], catalogs=args.catalog, java_memory_mb=args.java_memory
    )
    if not result.consistent:
        print("inconsistent")
        if result.explanation:
            print("OWL 2 RL clashes:")
            for clash in result.explanation:
                print("\n".join(f"  {line}" for line in clash.lines()))
        else:
            print("(no OWL 2 RL clash explains it: the contradiction needs full OWL 2 DL)")
        return 1
    print("consistent")
    if result.unsatisfiable:
        print(f"unsatisfiable classes ({len(result.unsatisfiable)}):")
        for iri in result.unsatisfiable:
            print(f"  {iri}")
        return 1
    return 0


# ----------------------------------------------------------------------------- reason


def _reason(args: argparse.Namespace) -> int:
    fmt = rdfio.detect_format(args.output, args.format)  # a bad -o fails before reasoning
    modules = _ontology(args)
    m = reasoning.reason(args.data, ontology=modules, catalogs=args.catalog, engine=args.engine)
    statements = m.statements(inferred_only=args.inferred_only)
    rdfio.write(statements, args.output, fmt)
    inferred = len(m.triples) - len(m.asserted)
    print(
        f"{len(m.asserted)} asserted and {inferred} inferred triples;"
        f" wrote {len(statements)} to {args.output}",
        file=sys.stderr,
    )
    if args.explain:
        ontology_terms = set(reasoning.load_graph(modules, catalogs=args.catalog).subjects())
        for derivation in reasoning.explain(m, m.data_inferences(ontology_terms)):
            print(derivation)
    return 0


# ----------------------------------------------------------------------------- qc


def _qc(args: argparse.Namespace) -> int:
    report = ontology_qc.run_qc(
        args.ontology or None, base=args.base, catalogs=args.catalog, dl_profile=args.dl_profile
    )
    variables = ["level", "check", "entity", "property", "value"]
    text = render_rows(variables, (v.row() for v in report.violations), args.format)
    sys.stdout.write(text if text.endswith("\n") else f"{text}\n")
    summary = "; ".join(f"{level}: {n}" for level, n in report.counts().items())
    print(f"Violations: {len(report.violations)}; {summary}", file=sys.stderr)
    return 1 if report.fails(args.fail_on) else 0


# ----------------------------------------------------------------------------- registration


def register(subparsers: argparse._SubParsersAction) -> None:
    check = add_subcommand(
        subparsers,
        "check",
        _check,
        "Check with HermiT that the ontology and DATA are consistent and every class is "
        "satisfiable (exit 1 if not).",
    )
    check.add_argument("data", nargs="*", metavar="DATA", help="RDF data files")
    _add_ontology_options(check)
    check.add_argument(
        "--java-memory",
        type=int,
        default=2000,
        metavar="MB",
        help="the Java heap for HermiT (default: 2000)",
    )

    reason = add_subcommand(
        subparsers,
        "reason",
        _reason,
        "Materialise the OWL 2 RL closure of the ontology and DATA, and write it to OUT.",
    )
    reason.add_argument("data", nargs="+", metavar="DATA", help="RDF data files")
    reason.add_argument("-o", "--output", required=True, metavar="OUT", help="the file to write")
    reason.add_argument("--format", help="the RDF format of OUT (default: from its extension)")
    _add_ontology_options(reason)
    reason.add_argument(
        "--engine",
        choices=["reasonable", "owlrl"],
        default="reasonable",
        help="reasonable (default, fast, completed with property chains) or owlrl (pure "
        "Python reference)",
    )
    reason.add_argument(
        "--inferred-only", action="store_true", help="write only the derived triples"
    )
    reason.add_argument(
        "--explain",
        action="store_true",
        help="print how each derived coop: fact about the data was derived, rule by rule",
    )

    qc = add_subcommand(
        subparsers,
        "qc",
        _qc,
        "Report ontology quality problems (labels, definitions, metadata, declarations) "
        "by level; exit 1 at or above --fail-on.",
    )
    qc.add_argument(
        "ontology",
        nargs="*",
        metavar="ONTOLOGY",
        help="ontology files (default: the bundled core and alignment module)",
    )
    qc.add_argument(
        "--fail-on",
        choices=[*ontology_qc.LEVELS, "none"],
        default="ERROR",
        help="exit 1 if there is a violation at this level or a more severe one (default: ERROR)",
    )
    qc.add_argument(
        "--base",
        default=str(COOP),
        metavar="NAMESPACE",
        help=f"the namespace whose terms are checked (default: {COOP})",
    )
    qc.add_argument(
        "--dl-profile",
        action="store_true",
        help="also run the OWL API's OWL 2 DL profile check (needs Java and libowlapi-java)",
    )
    qc.add_argument("--format", choices=TABLE_FORMATS, default="table")
    _add_catalog_option(qc)
