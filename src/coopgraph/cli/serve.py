"""``coopgraph serve``: a SPARQL 1.1 Protocol endpoint over a store (see :mod:`coopgraph.server`).

Without ``--store`` it serves the bundled ontology and the example knowledge base (or the
ontology and ``--data`` files) from an in-memory Oxigraph store. Stops cleanly on SIGINT and
SIGTERM: the listening socket is closed and the store released.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from coopgraph.cli import add_subcommand
from coopgraph.dataset import open_dataset
from coopgraph.errors import InputError, ParameterError, StoreError
from coopgraph.server import ServerSettings, SparqlServer, is_loopback
from coopgraph.store import Store, open_store

TOKEN_ENV = "COOPGRAPH_SERVE_TOKEN"
DEFAULT_PORT = 8000
# The longest wait for a query that threading allows (about 292 years on 64-bit systems).
MAX_TIMEOUT = threading.TIMEOUT_MAX


def _token(args: argparse.Namespace) -> str | None:
    """The bearer token from --token-file, else the environment; None when neither."""
    if args.token_file:
        try:
            token = Path(args.token_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{args.token_file}: cannot read the token: {exc}") from None
        if not token:
            raise InputError(f"{args.token_file}: the token file is empty")
        return token
    return os.environ.get(TOKEN_ENV, "").strip() or None


def _open(args: argparse.Namespace) -> Store:
    if args.store and args.data:
        raise ParameterError("give --store or --data, not both")
    if args.store:  # a new, empty store only makes sense when updates may fill it
        return open_store(args.store, create=args.allow_update)
    return open_dataset(args.data)


def _serve(args: argparse.Namespace) -> int:
    token = _token(args)
    if args.allow_update and token is None:
        raise ParameterError(
            f"--allow-update needs a bearer token: --token-file FILE or ${TOKEN_ENV}"
        )
    settings = ServerSettings(
        timeout=args.timeout,
        max_rows=args.max_rows,
        max_body=args.max_body,
        allow_update=args.allow_update,
        token=token if args.allow_update else None,
        base_iri=args.base,
        cors_origins=tuple(args.cors or ()),
    )
    with _open(args) as store:
        try:
            server = SparqlServer(store, (args.host, args.port), settings)
        except OSError as exc:
            raise StoreError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
        if not is_loopback(args.host):
            print(
                f"coopgraph serve: warning: listening on {args.host}, reachable from other "
                "machines; anyone who can reach it can read the whole store",
                file=sys.stderr,
            )

        def stop(signum: int, frame: FrameType | None) -> None:
            # shutdown() waits for serve_forever() to return: call it from another thread.
            threading.Thread(target=server.shutdown, daemon=True).start()

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        mode = "updates with the bearer token" if args.allow_update else "read-only"
        print(
            f"coopgraph serve: {server.url}/ ({mode}; store {store.location}); Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )
        try:
            server.serve_forever()
        finally:
            server.server_close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    print("coopgraph serve: stopped", file=sys.stderr)
    return 0


def _number(
    kind: type[int] | type[float], above: float, most: float, what: str
) -> Callable[[str], int | float]:
    """An argparse type: a ``kind`` more than ``above`` and at most ``most``, never NaN."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = math.nan  # refused below with the same message
        if not above < value <= most:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    return parse


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = add_subcommand(
        subparsers,
        "serve",
        _serve,
        "Serve a store as a SPARQL 1.1 Protocol endpoint (/sparql), a Graph Store Protocol "
        "endpoint (/rdf-graph-store), the canned queries (/queries) and a query page (/).",
    )
    source = serve.add_argument_group("what to serve (default: ontology + example knowledge base)")
    source.add_argument(
        "--store",
        metavar="S",
        help="oxigraph:PATH or a directory, memory, or an http(s):// SPARQL endpoint",
    )
    source.add_argument(
        "--data",
        nargs="+",
        metavar="FILE",
        help="serve the bundled ontology with these RDF files instead of the examples",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; others are reachable from the network)",
    )
    serve.add_argument(
        "--port",
        type=_number(int, -1, 65535, "a port number (0 to 65535)"),
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0: any)",
    )
    serve.add_argument(
        "--timeout",
        type=_number(
            float, 0, MAX_TIMEOUT, f"a positive number of seconds (at most {MAX_TIMEOUT:.0f})"
        ),
        default=30.0,
        metavar="SECONDS",
        help="time limit per request (503 after it; the store may keep computing; default 30)",
    )
    serve.add_argument(
        "--max-rows",
        type=_number(int, 0, math.inf, "a positive number"),
        default=10_000,
        metavar="N",
        help="refuse (413) answers with more rows or triples (default 10000)",
    )
    serve.add_argument(
        "--max-body",
        type=_number(int, 0, math.inf, "a positive number"),
        default=1_000_000,
        metavar="BYTES",
        help="refuse (413) request bodies larger than this (default 1000000)",
    )
    serve.add_argument(
        "--base",
        metavar="IRI",
        help="base IRI of relative IRIs in queries and updates (default: the endpoint's URL)",
    )
    serve.add_argument(
        "--cors",
        action="append",
        metavar="ORIGIN",
        help="let web pages from ORIGIN (e.g. https://example.org; repeatable; * for any) read "
        "the answers (CORS; off by default)",
    )
    serve.add_argument(
        "--allow-update",
        action="store_true",
        help="accept SPARQL updates that carry the bearer token",
    )
    serve.add_argument(
        "--token-file",
        metavar="FILE",
        help=f"file holding the bearer token for updates (else ${TOKEN_ENV})",
    )
