"""``coopgraph query``, ``sparql``, ``risks``, ``report`` and ``demo``.

They read the bundled ontology and example knowledge base by default, the bundled ontology and
the user's files with ``--data``, or an existing store with ``--store``; the canned queries and
the risk assessment run unchanged on each.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from coopgraph import catalogue, risks
from coopgraph.cli import add_subcommand
from coopgraph.cli.store import add_remote_options, store_or_dataset
from coopgraph.dataset import open_dataset
from coopgraph.errors import InputError, ParameterError
from coopgraph.render import GRAPH_FORMATS, TABLE_FORMATS, label_map, render_result, render_rows
from coopgraph.store import GraphResult, SelectResult, Store
from coopgraph.vocab import example_files

DEMO_ENGAGEMENTS = 3
"""How many case-study engagements ``coopgraph demo`` assesses unless told."""


# ----------------------------------------------------------------------------- helpers


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "data (default: the bundled ontology and example knowledge base)"
    ).add_mutually_exclusive_group()
    group.add_argument(
        "--data",
        metavar="FILE",
        action="append",
        default=[],
        help="use the bundled ontology and these RDF files instead (repeatable)",
    )
    group.add_argument(
        "--store",
        metavar="SPEC",
        help="query this store as it is: oxigraph:PATH, a directory, memory, or an http(s):// "
        "SPARQL endpoint",
    )
    add_remote_options(parser)


@contextlib.contextmanager
def _dataset(args: argparse.Namespace) -> Iterator[Store]:
    store = store_or_dataset(args)
    try:
        yield store
    finally:
        store.close()


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{output}: cannot write: {exc.strerror}") from None


def _print_result(store: Store, result: object, fmt: str | None, output: str | None) -> None:
    labels = None
    if isinstance(result, SelectResult) and fmt in (None, "table", "markdown"):
        labels = label_map(store, (term for row in result.rows for term in row))
    _write(render_result(result, fmt, labels), output)  # type: ignore[arg-type]


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise ParameterError(f"--param {pair!r}: write it as name=value")
        if key.strip() in params:
            raise ParameterError(f"--param {key.strip()} is given twice")
        params[key.strip()] = value
    return params


# ----------------------------------------------------------------------------- query


def _query_list(args: argparse.Namespace) -> int:
    rows = [
        (
            q.name,
            q.question,
            q.title,
            ", ".join(
                f"{p.name} ({p.kind}, {'required' if p.required else 'optional'})"
                for p in q.parameters
            ),
        )
        for q in catalogue.catalogue().values()
    ]
    _write(render_rows(["name", "question", "title", "parameters"], rows, args.format), None)
    return 0


def _query_show(args: argparse.Namespace) -> int:
    sys.stdout.write(catalogue.get_query(args.name).text)
    return 0


def _query_run(args: argparse.Namespace) -> int:
    catalogue.get_query(args.name)  # an unknown name is an error before any store is opened
    params = _parse_params(args.param)
    with _dataset(args) as store:
        result = catalogue.run_query(store, args.name, params)
        _print_result(store, result, _output_format(args, result), args.output)
    return 0


def _sparql(args: argparse.Namespace) -> int:
    if (args.query is None) == (args.file is None):
        raise ParameterError("give the query as an argument or with -f FILE (one of them)")
    text = args.query
    if args.file is not None:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{args.file}: cannot read the query: {exc}") from None
    with _dataset(args) as store:
        result = store.query(text)
        _print_result(store, result, _output_format(args, result), args.output)
    return 0


_OUTPUT_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".srj": "json",
    ".md": "markdown",
    ".ttl": "turtle",
    ".jsonld": "json-ld",
}
"""The answer format a ``-o`` file's extension names when ``--format`` is not given."""


def _output_format(args: argparse.Namespace, result: object) -> str | None:
    """``--format``, else the format ``-o``'s extension names (a ``.csv`` file gets CSV, not
    the text table), else None (the default); ParameterError when it cannot hold the answer."""
    fmt, given = args.format, f"--format {args.format}"
    if fmt is None and args.output:
        fmt, given = _OUTPUT_SUFFIXES.get(Path(args.output).suffix.lower()), f"-o {args.output}"
    if fmt in GRAPH_FORMATS and not isinstance(result, GraphResult):
        raise ParameterError(f"{given}: {fmt} is for CONSTRUCT and DESCRIBE answers")
    if fmt in TABLE_FORMATS and isinstance(result, GraphResult):
        raise ParameterError(f"{given}: {fmt} is for SELECT and ASK answers; use turtle or json-ld")
    return fmt


# ----------------------------------------------------------------------------- risks


def _assessment_text(assessment: risks.Assessment) -> str:
    """The assessment for a terminal: one block per risk and per framework."""
    name = assessment.name
    lines = [
        f"Risk assessment of {name(assessment.engagement)} <{assessment.engagement}>",
        risks.summary(assessment),
    ]
    for finding in assessment.risks:
        lines += ["", f"Risk: {name(finding.risk)}"]
        lines += [f"  why: {risks.explain(r, name, 'the risk')}" for r in finding.reasons]
        in_place = [m for m in finding.mitigations if m.status == risks.IN_PLACE]
        if in_place:
            lines.append("  in place: " + "; ".join(name(m.countermeasure) for m in in_place))
        if finding.lacking:
            lines.append(
                "  lacking: "
                + "; ".join(f"{name(m.countermeasure)} ({m.status})" for m in finding.lacking)
            )
        if not finding.mitigations:
            lines.append("  no countermeasure known")
    for framework in assessment.frameworks:
        lines += ["", f"Legal framework: {name(framework.framework)}"]
        lines += [f"  why: {risks.explain(r, name, 'the framework')}" for r in framework.reasons]
    return "\n".join(lines) + "\n"


def _print_assessment(assessment: risks.Assessment, fmt: str) -> None:
    if fmt in ("json", "markdown"):
        sys.stdout.write(risks.report(assessment, fmt))
    else:
        sys.stdout.write(_assessment_text(assessment))


def _risks(args: argparse.Namespace) -> int:
    with _dataset(args) as store:
        _print_assessment(risks.assess(store, args.engagement), args.format)
    return 0


def _report(args: argparse.Namespace) -> int:
    with _dataset(args) as store:
        _write(risks.report(risks.assess(store, args.engagement), args.format), args.output)
    return 0


# ----------------------------------------------------------------------------- demo


def _demo(args: argparse.Namespace) -> int:
    from coopgraph.validate import validate

    if args.engagements < 0:  # a negative count was a slice: all but the last ones
        raise ParameterError(f"--engagements: {args.engagements} is not a count (0 or more)")
    with open_dataset() as store:
        print(f"Loaded the bundled ontology and example knowledge base: {len(store)} statements.")
        with contextlib.ExitStack() as stack:
            paths = [stack.enter_context(resources.as_file(f)) for f in example_files()]
            result = validate(paths)
        counts = ", ".join(f"{n} {severity.lower()}(s)" for severity, n in result.counts().items())
        verdict = "conforms" if result.conforms else "does NOT conform"
        print(f"Validation against the ontology and shapes: the data {verdict} ({counts}).")
        studies = catalogue.run_select(store, "case-studies-by-type").dicts()
        engagements = list(dict.fromkeys(row["engagement"] for row in studies))
        for engagement in engagements[: args.engagements]:
            print()
            _print_assessment(risks.assess(store, engagement), "table")
    return 0


# ----------------------------------------------------------------------------- register


def register(subparsers: argparse._SubParsersAction) -> None:
    query = add_subcommand(
        subparsers, "query", lambda a: _missing_action(query), "List, show and run canned queries."
    )
    actions = query.add_subparsers(dest="action", metavar="ACTION")

    listing = add_subcommand(actions, "list", _query_list, "List the canned queries.")
    listing.add_argument("--format", choices=TABLE_FORMATS, default="table")

    show = add_subcommand(actions, "show", _query_show, "Print a canned query's text.")
    show.add_argument("name", help="the query's name (see coopgraph query list)")

    run = add_subcommand(actions, "run", _query_run, "Run a canned query.")
    run.add_argument("name", help="the query's name (see coopgraph query list)")
    run.add_argument(
        "--param",
        "-p",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="a parameter: an IRI, a compact name (coop:X, data:X), an exact label, a literal "
        "or a date, as the query declares (repeatable)",
    )
    _add_output_options(run, TABLE_FORMATS + GRAPH_FORMATS)
    _add_source_options(run)

    sparql = add_subcommand(subparsers, "sparql", _sparql, "Run an ad-hoc SPARQL query.")
    sparql.add_argument("query", nargs="?", help="the query text")
    sparql.add_argument("-f", "--file", metavar="FILE", help="read the query from FILE")
    _add_output_options(sparql, TABLE_FORMATS + GRAPH_FORMATS)
    _add_source_options(sparql)

    risk = add_subcommand(
        subparsers,
        "risks",
        _risks,
        "Assess an engagement: its risks and why, their countermeasures (in place or lacking) "
        "and the legal frameworks that govern it.",
    )
    risk.add_argument("engagement", help="the engagement: an IRI, data:Name or exact label")
    risk.add_argument("--format", choices=("table", "markdown", "json"), default="table")
    _add_source_options(risk)

    document = add_subcommand(
        subparsers,
        "report",
        _report,
        "Write an engagement's risk assessment as a document, with its facts and sources.",
    )
    document.add_argument("engagement", help="the engagement: an IRI, data:Name or exact label")
    document.add_argument("--format", choices=risks.REPORT_FORMATS, default="markdown")
    document.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    _add_source_options(document)

    demo = add_subcommand(
        subparsers,
        "demo",
        _demo,
        "Load the bundled data into the embedded store, validate it and assess a few "
        "case-study engagements.",
    )
    demo.add_argument(
        "--engagements",
        type=int,
        default=DEMO_ENGAGEMENTS,
        metavar="N",
        help=f"how many case-study engagements to assess (default {DEMO_ENGAGEMENTS})",
    )


def _add_output_options(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    parser.add_argument(
        "--format",
        choices=formats,
        help="output format (default: table for SELECT and ASK, turtle for CONSTRUCT/DESCRIBE)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE (default: stdout); without --format its extension chooses "
        f"({', '.join(f'{k} {v}' for k, v in _OUTPUT_SUFFIXES.items())})",
    )


def _missing_action(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
