"""The ``coopgraph`` command: parse arguments, call the library, render, map errors to exit codes.

Each capability registers its subcommands from its own module in this package
(``register(subparsers)``); the library modules never import the CLI.
"""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from coopgraph import __version__
from coopgraph.errors import CoopgraphError

EXIT_STATUS_HELP = """\
exit status:
  0  success (data conforms, ontology consistent, query answered)
  1  a negative answer (data does not conform, ontology inconsistent)
  2  bad input or usage (unreadable file, syntax error, bad parameter,
     missing Java, an output that cannot be written)
  3  internal error (a bug: please report it)
  4  a store or endpoint could not be used
"""

# Modules under coopgraph.cli that add subcommands; each has register(subparsers).
COMMAND_MODULES = [
    "info",
    "validate",
    "query",
    "reason",
    "network",
    "store",
    "docs",
    "csvimport",
    "serve",
]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with status 2 in one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"coopgraph: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="coopgraph",
        description="Knowledge graph toolkit about military cooperation between states "
        "and non-state actors.",
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"coopgraph {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = import_module(f"coopgraph.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"coopgraph.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        status = handler(args)
        sys.stdout.flush()  # so that a full disk shows here, not at interpreter exit
        return status
    except CoopgraphError as exc:
        print(f"coopgraph: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("coopgraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS:
            return _internal_error(exc, argv)
        # what `-o FILE` reports for the same failure: the environment, not a bug
        print(f"coopgraph: error: cannot write the output: {exc.strerror}", file=sys.stderr)
        return 2
    except Exception as exc:
        return _internal_error(exc, argv)


_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})
"""Write failures that are the environment's (a full disk or quota, a dead terminal): an
OSError with one of these that reaches :func:`main` came from writing standard output."""


def _internal_error(exc: Exception, argv: Sequence[str] | None) -> int:
    """A bug: one line, status 3, no traceback unless ``--debug`` asks for it."""
    if "--debug" in (argv or sys.argv):
        raise exc
    print(f"coopgraph: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
    return 3


def add_subcommand(
    subparsers: argparse._SubParsersAction,
    name: str,
    handler: Callable[[argparse.Namespace], int],
    help_text: str,
) -> argparse.ArgumentParser:
    """Add a subcommand whose help ends with the exit statuses."""
    sub = subparsers.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub.set_defaults(handler=handler)
    return sub


if __name__ == "__main__":
    sys.exit(main())
