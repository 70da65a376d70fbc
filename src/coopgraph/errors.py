"""One small exception hierarchy; the CLI maps each class to a documented exit status.

Exit statuses (documented in ``coopgraph --help`` and the README):

* 0: success (data conforms, ontology consistent, query answered)
* 1: a negative answer (data does not conform, ontology inconsistent)
* 2: bad input or usage (unreadable file, syntax error, bad parameter, unknown name, a
  missing Java, an output that cannot be written)
* 3: internal error (a bug: please report it)
* 4: a store or endpoint could not be used (unreachable server, locked database)
"""

from __future__ import annotations


class CoopgraphError(Exception):
    """Base class of every error coopgraph raises on purpose."""

    exit_code = 3


class InputError(CoopgraphError):
    """The user's input (a file, a format, a parameter, a name) cannot be used."""

    exit_code = 2


class ParseError(InputError):
    """An RDF file could not be parsed; the message names the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class ParameterError(InputError):
    """A query parameter or command option has a value of the wrong kind or is unknown."""


class UnknownTermError(InputError):
    """A name or label does not resolve to exactly one term; lists the candidates when ambiguous."""


class NetworkRefusedError(InputError):
    """The input asks for network access (SERVICE, LOAD, FROM <url>, remote context) not allowed."""


class StoreError(CoopgraphError):
    """A store or remote endpoint could not be opened, reached or written."""

    exit_code = 4
