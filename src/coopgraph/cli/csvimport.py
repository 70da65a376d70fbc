"""``coopgraph import-csv``: turn a table of support relations into coopgraph RDF."""

from __future__ import annotations

import argparse
import sys

from coopgraph.cli import add_subcommand
from coopgraph.csvimport import convert, load_mapping, write_output
from coopgraph.errors import ParameterError

_DESCRIPTION = """\
Turn a CSV table of support relations (one row per supporter, recipient, year or
period and support type, like the UCDP External Support data) into coopgraph RDF,
through a declarative TOML mapping file: which columns give the provider, the partner,
the engagement type (a column of codes or yes/no columns per type), the year or the
start and end dates, the place, formality, visibility, support mode, arrangement
(bilateral or coalition) and the coalition, host-state consent, confidence and the
source. The shipped example examples/ucdp-esd-style.mapping.toml documents every key.

Generated IRIs are deterministic, so importing the same table again gives the same
RDF. Bad rows are reported as TABLE:ROW:COLUMN: message (the header is row 1), all of
them; then nothing is written, unless --skip-bad-rows writes the good rows.
"""

_EXIT = """\
exit status:
  0  every row converted and the output written
  2  bad input: a bad row (even with --skip-bad-rows), an unusable mapping or table,
     a bad option
  3  internal error (a bug: please report it)
"""


def _run(args: argparse.Namespace) -> int:
    to_stdout = args.output == "-"
    if to_stdout and args.format is None:
        raise ParameterError("give --format when writing to standard output (-o -)")
    mapping = load_mapping(args.mapping)
    result = convert(args.table, mapping)
    for error in result.errors:
        print(error.format(args.table), file=sys.stderr)
    bad_rows = len({error.row for error in result.errors})
    if bad_rows and not args.skip_bad_rows:
        print(
            f"coopgraph import-csv: {bad_rows} bad row{'s' if bad_rows != 1 else ''} of"
            f" {result.rows}; nothing written (--skip-bad-rows writes the good rows)",
            file=sys.stderr,
        )
        return 2
    if to_stdout:  # UTF-8, as RDF text is, whatever the terminal's encoding
        write_output(result, sys.stdout.buffer, args.format)
        sys.stdout.buffer.flush()
    else:
        write_output(result, args.output, args.format)
    skipped = f", {bad_rows} bad rows skipped" if bad_rows else ""
    where = "on standard output" if to_stdout else f"in {args.output}"
    print(
        f"coopgraph import-csv: {result.engagements} engagements from"
        f" {result.rows - bad_rows} rows{skipped}; {len(result.graph)} triples {where}",
        file=sys.stderr,
    )
    return 2 if bad_rows else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = add_subcommand(
        subparsers, "import-csv", _run, "Turn a CSV table of support relations into RDF."
    )
    sub.description = _DESCRIPTION
    sub.epilog = _EXIT
    sub.add_argument("table", metavar="TABLE", help="the CSV table (UTF-8, header in row 1)")
    sub.add_argument("--mapping", "-m", required=True, metavar="MAP", help="the TOML mapping file")
    sub.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="OUT",
        help="the RDF file to write; - writes to standard output (give --format)",
    )
    sub.add_argument(
        "--format",
        metavar="FORMAT",
        help="RDF format of OUT (turtle, nt, nquads, trig, xml, json-ld, n3);"
        " default: by extension",
    )
    sub.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="write the good rows even when some are bad (they are still reported, exit 2)",
    )
