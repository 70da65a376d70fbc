"""``coopgraph load``, ``export`` and ``convert``: moving RDF into, out of and between stores.

The store options (``--store`` and the remote endpoint's settings) are added by
:func:`add_store_options` and read by :func:`store_from_args`, so every command that works on
a store spells them the same way. Without ``--store`` the per-user default store is used:
``$COOPGRAPH_STORE``, else ``$XDG_DATA_HOME/coopgraph/store`` (``~/.local/share/coopgraph/store``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from coopgraph import rdfio
from coopgraph.cli import add_subcommand
from coopgraph.dataset import open_dataset
from coopgraph.errors import CoopgraphError, InputError, ParameterError
from coopgraph.store import STORE_ENV, Store, default_store_location, open_store
from coopgraph.store.analysis import validate_iri
from coopgraph.store.sparql import AUTH_KINDS

PASSWORD_ENV = "COOPGRAPH_STORE_PASSWORD"


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """``--store`` and the options of a remote SPARQL endpoint."""
    parser.add_argument(
        "--store",
        metavar="S",
        help="oxigraph:PATH or a directory (embedded, persistent), memory, or an http(s):// "
        "SPARQL query URL; default: $COOPGRAPH_STORE, else ~/.local/share/coopgraph/store "
        f"(now {default_store_location()})",
    )
    add_remote_options(parser)


def add_remote_options(parser: argparse.ArgumentParser) -> None:
    """The options of a remote SPARQL endpoint named with ``--store http(s)://...``."""
    remote = parser.add_argument_group("remote SPARQL endpoint (--store http(s)://...)")
    remote.add_argument("--update-url", metavar="URL", help="SPARQL 1.1 Update URL")
    remote.add_argument("--gsp-url", metavar="URL", help="Graph Store Protocol URL (bulk loads)")
    remote.add_argument("--user", help="user name for the endpoint")
    remote.add_argument(
        "--password",
        help=f"password (or bearer token); better: set ${PASSWORD_ENV}, which argv does not show",
    )
    remote.add_argument("--auth", choices=AUTH_KINDS, help="HTTP auth kind (default: basic)")
    remote.add_argument(
        "--scope",
        metavar="IRI",
        action="append",
        help="limit the store to this named graph (repeatable); default: every named graph "
        "on the server except Virtuoso's own",
    )
    remote.add_argument(
        "--max-rows", type=int, metavar="N", help="the server's result cap (ResultSetMaxRows)"
    )
    parser.add_argument(
        "--allow-network",
        action="store_true",
        help="allow SERVICE, LOAD and FROM <url> in SPARQL (refused by default)",
    )


def store_or_dataset(args: argparse.Namespace) -> Store:
    """The store ``--store`` names, else the bundled ontology with the ``--data`` files (by
    default the example knowledge base) in an in-memory store."""
    if args.store:
        return store_from_args(args)
    given = [_REMOTE_OPTION_NAMES[name] for name in _remote_options(args, remote=False)]
    if given:  # ignoring them would, e.g. for --scope, silently widen the answer
        raise ParameterError(f"{', '.join(given)}: only for a remote store (--store http(s)://...)")
    return open_dataset(args.data or None, allow_network=args.allow_network)


def store_from_args(args: argparse.Namespace, *, create: bool = False) -> Store:
    """Open the store the options name (remote options given for a local store are an error);
    an embedded store that does not exist is created only when ``create`` (for writing)."""
    spec = args.store or default_store_location()
    remote = spec.strip().lower().startswith(("http://", "https://"))
    given = _remote_options(args, remote=remote)
    try:
        return open_store(spec, allow_network=args.allow_network, create=create, **given)  # type: ignore[arg-type]
    except CoopgraphError as exc:
        if not args.store and os.environ.get(STORE_ENV):  # say where the spec came from
            exc.args = (f"${STORE_ENV}: {exc}",)
        raise


_REMOTE_OPTION_NAMES = {
    "update_url": "--update-url",
    "gsp_url": "--gsp-url",
    "user": "--user",
    "password": "--password",
    "auth": "--auth",
    "graphs": "--scope",
    "max_rows": "--max-rows",
}
"""The command-line option of each remote keyword of :func:`open_store`."""


def _remote_options(args: argparse.Namespace, *, remote: bool) -> dict[str, object]:
    """The remote endpoint options given, as keywords of :func:`open_store` (the password
    also from the environment when the store is remote)."""
    options = {
        "update_url": args.update_url,
        "gsp_url": args.gsp_url,
        "user": args.user,
        "password": args.password or (os.environ.get(PASSWORD_ENV) if remote else None),
        "auth": args.auth,
        "graphs": args.scope,
        "max_rows": args.max_rows,
    }
    return {name: value for name, value in options.items() if value is not None}


_BAR_WIDTH = 24


def render_bar(prefix: str, step: str, done: int, total: int) -> str:
    """One frame of a file's progress bar: ``prefix: step [####....]  50%  1.0/2.0 MB``."""
    percent = 100 if total <= 0 else min(100, done * 100 // total)
    filled = _BAR_WIDTH * percent // 100
    bar = "#" * filled + "." * (_BAR_WIDTH - filled)
    return f"{prefix}: {step:<8} [{bar}] {percent:3d}%  {done / 1e6:.1f}/{total / 1e6:.1f} MB"


class _ProgressLine:
    """A status line on stderr, redrawn in place, only when someone is watching."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self._shown: tuple[str, int] | None = None
        self.prefix = ""

    def bar(self, step: str, done: int, total: int) -> None:
        """The progress callback of :meth:`Store.load`: a redraw per step and per cent."""
        key = (step, 100 if total <= 0 else done * 100 // total)
        if key != self._shown:
            self._shown = key
            self.show(render_bar(self.prefix, step, done, total))

    def show(self, message: str, final: bool = False) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\033[K{message}" + ("\n" if final else ""))
            sys.stderr.flush()


def _load(args: argparse.Namespace) -> int:
    loaded: list[str] = []
    total = 0
    started = time.monotonic()
    line = _ProgressLine()
    if args.graph is not None:  # before a new store is created for nothing
        validate_iri(args.graph, "--graph")
    with store_from_args(args, create=True) as store:
        for number, path in enumerate(args.data, 1):
            line.prefix = f"[{number}/{len(args.data)}] {path}"
            began = time.monotonic()
            try:
                count = store.load(
                    path, args.format, args.graph, progress=line.bar if line.enabled else None
                )
            except CoopgraphError as exc:
                line.show("")
                if loaded:
                    exc.args = (f"{exc} (loaded before it: {', '.join(loaded)})",)
                raise
            loaded.append(path)
            total += count
            line.show(
                f"{line.prefix}: {count} statements in {time.monotonic() - began:.1f} s", True
            )
        size = len(store)
        where = store.location + (f", graph <{args.graph}>" if args.graph else "")
    print(
        f"loaded {total} statements from {len(loaded)} file(s) into {where} in "
        f"{time.monotonic() - started:.1f} s; the store holds {size} statements"
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    fmt = args.format
    if fmt is None:
        if not args.output or args.output == "-":
            raise InputError("give --format (or -o FILE with a known extension)")
        fmt = rdfio.detect_format(args.output)
    with store_from_args(args) as store:
        text = store.export(fmt, args.graph, expanded=args.expanded)
    _write_text(text, args.output)
    return 0


def _convert(args: argparse.Namespace) -> int:
    if args.output == "-" and args.to_format is None:
        raise InputError("give --to when writing to standard output")
    quads = rdfio.read_quads(args.input, args.from_format)
    if args.output == "-":
        _write_text(rdfio.serialize(quads, args.to_format, expanded=args.expanded), None)
    else:
        rdfio.write(quads, args.output, args.to_format, expanded=args.expanded)
    return 0


def _write_text(text: str, output: str | None) -> None:
    """Standard output, or a file written only once the whole text exists."""
    if not output or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{output}: cannot write: {exc.strerror or exc}") from None


def _add_expanded_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--expanded",
        action="store_true",
        help="JSON-LD: write flat expanded JSON-LD instead of compacting it with the published "
        "context (about ten times faster on a million statements)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    load = add_subcommand(
        subparsers,
        "load",
        _load,
        "Load RDF files into a store, each file all or nothing.",
    )
    load.add_argument("data", nargs="+", metavar="DATA", help="RDF files (format by extension)")
    load.add_argument(
        "--graph", metavar="IRI", help="named graph for the files' triples (needed remotely)"
    )
    load.add_argument("--format", metavar="F", help="RDF format of all the files (turtle, nt, ...)")
    add_store_options(load)

    export = add_subcommand(subparsers, "export", _export, "Write a store's content as RDF.")
    export.add_argument(
        "--format",
        metavar="F",
        help="turtle, nt, nquads, trig, xml, json-ld, n3 (triple formats get the union of "
        "all graphs unless --graph)",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.add_argument("--graph", metavar="IRI", help="export only this named graph")
    _add_expanded_option(export)
    add_store_options(export)

    convert = add_subcommand(
        subparsers, "convert", _convert, "Convert an RDF file from one format to another."
    )
    convert.add_argument("input", metavar="IN", help="RDF file to read")
    convert.add_argument("output", metavar="OUT", help="file to write, or - for stdout")
    convert.add_argument("--from", dest="from_format", metavar="F", help="format of IN")
    convert.add_argument("--to", dest="to_format", metavar="F", help="format of OUT")
    _add_expanded_option(convert)
