"""The one small interface every capability uses to read and write RDF, whatever holds it.

Validation, canned queries, risk reports, the network projection and export talk to a
:class:`Store` only, so each of them works unchanged on the embedded Oxigraph store, on an
rdflib dataset in memory, or on a remote SPARQL 1.1 endpoint. The rules that make the
backends interchangeable live here, not in the backends:

* Results are rdflib terms (:class:`SelectResult`, :class:`AskResult`, :class:`GraphResult`),
  whatever engine produced them.
* The default graph of a query is the union of all the store's graphs (a remote store: of
  the graphs it is scoped to). A statement held in two graphs is one row in that union on
  rdflib but one row per graph on Oxigraph and Virtuoso, and Virtuoso repeats rows of ``*``/``+``
  paths: write ``DISTINCT`` where it matters. Updates should name their graphs
  (``GRAPH``/``WITH``): the default graph of an update is the backend's own.
* Parameters are bound as RDF terms, never spliced into the query text as user text
  (:func:`~coopgraph.store.analysis.check_bindings` says which values are accepted).
* ``SERVICE``, ``LOAD``, ``FROM``/``FROM NAMED`` and ``USING`` are refused unless the store was
  opened with ``allow_network=True``; they are found by parsing, not by searching the text.
* A request may choose its dataset among the stored graphs (``dataset=QueryDataset(...)``, the
  protocol's ``default-graph-uri``/``named-graph-uri`` and ``using-*`` parameters): it replaces
  the union default graph and a query's FROM clauses; an update with USING or WITH cannot
  take one (the protocol calls that a conflict). ``base_iri`` resolves relative IRIs.
* :meth:`Store.load` is atomic per file: the file is parsed completely first, then added in
  one transaction; a file that fails leaves the store as it was, and the error says so.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import ClassVar, Self

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef

from coopgraph import rdfio
from coopgraph.errors import InputError, ParameterError, StoreError
from coopgraph.store.analysis import (
    BindingTerm,
    QueryDataset,
    RequestInfo,
    analyse_query,
    analyse_update,
    check_bindings,
    refuse_network,
    validate_iri,
)

Term = URIRef | BNode | Literal
"""A term in a result row: an IRI, a blank node or a literal."""

StorePath = str | os.PathLike[str]


@dataclass(frozen=True)
class SelectResult:
    """The answer to a SELECT: the projected variable names and one tuple per solution.

    An unbound variable is ``None`` in its row. Row order is the engine's unless the query
    has ORDER BY.
    """

    variables: list[str]
    rows: list[tuple[Term | None, ...]]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[tuple[Term | None, ...]]:
        return iter(self.rows)

    def dicts(self) -> list[dict[str, Term]]:
        """Each row as ``{variable: term}`` with the unbound variables left out."""
        return [
            {
                name: value
                for name, value in zip(self.variables, row, strict=True)
                if value is not None
            }
            for row in self.rows
        ]

    def column(self, name: str) -> list[Term | None]:
        """The values of one variable, in row order."""
        index = self.variables.index(name)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class AskResult:
    """The answer to an ASK."""

    value: bool

    def __bool__(self) -> bool:
        return self.value


@dataclass(frozen=True)
class GraphResult:
    """The answer to a CONSTRUCT or DESCRIBE, as an rdflib Graph."""

    graph: rdflib.Graph

    def __len__(self) -> int:
        return len(self.graph)

    def __iter__(self) -> Iterator[tuple[Term, Term, Term]]:
        return iter(self.graph)  # type: ignore[arg-type]


QueryResult = SelectResult | AskResult | GraphResult

RdfInput = rdflib.Graph | Iterable[ox.Quad] | Iterable[ox.Triple]
"""What :meth:`Store.add` takes: an rdflib Graph or Dataset, or pyoxigraph quads or triples."""


class Store(ABC):
    """A dataset of RDF graphs behind the operations every capability needs.

    Use it as a context manager, or call :meth:`close`: the embedded store holds a lock on its
    directory until then.
    """

    kind: ClassVar[str] = "store"
    """The backend's name in messages and test ids."""

    def __init__(self, *, allow_network: bool = False) -> None:
        self.allow_network = allow_network
        self._closed = False

    # ------------------------------------------------------------------ public API

    @property
    def dialect(self) -> str:
        """The SPARQL engine's dialect, for queries that ship a form written for it:
        ``standard`` (a conformant engine), or ``virtuoso``."""
        return "standard"

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the data lives (a path, ``memory``, a URL), for messages."""

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, BindingTerm] | None = None,
        *,
        dataset: QueryDataset | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL 1.1 query; ``bindings`` maps variable names to RDF terms.

        ``dataset`` chooses the default and named graphs (it overrides FROM / FROM NAMED);
        ``base_iri`` resolves the query's relative IRIs. Raises InputError for a syntax error,
        ParameterError for a bad parameter, NetworkRefusedError for SERVICE/FROM without
        network access, StoreError when the store cannot answer.
        """
        self._check_open()
        info = analyse_query(sparql)
        _check_dataset(dataset)
        refuse_network(info, self.allow_network, overridden=dataset is not None)
        params = check_bindings(info, bindings)
        return self._query(sparql, info, params, dataset, _base(base_iri))

    def update(
        self, sparql: str, *, dataset: QueryDataset | None = None, base_iri: str | None = None
    ) -> None:
        """Run a SPARQL 1.1 update (LOAD and USING are refused without network access).

        ``dataset`` is what the WHERE clauses read (as USING / USING NAMED would say); an update
        that names its own (USING, WITH) or has a DELETE WHERE is refused with it.
        """
        self._check_open()
        info = analyse_update(sparql)
        _check_dataset(dataset)
        if dataset is not None and info.has_dataset_clause:
            raise ParameterError(
                "the update names its own dataset (USING or WITH) and the request gives one "
                "too: give one or the other"
            )
        if dataset is not None and "DeleteWhere" in info.operations:
            raise ParameterError(
                "a DELETE WHERE cannot be given a dataset; write it as DELETE { ... } WHERE { ... }"
            )
        refuse_network(info, self.allow_network)
        self._update(sparql, info, dataset, _base(base_iri))

    def load(
        self,
        path: StorePath,
        fmt: str | None = None,
        graph: str | None = None,
        *,
        progress: rdfio.Progress | None = None,
    ) -> int:
        """Add one RDF file, all or nothing; returns the number of statements read.

        ``graph`` names the graph that receives the file's default-graph triples (a Turtle
        file's triples); named graphs in TriG/N-Quads keep their names. The file is parsed
        completely before the store is touched, and added in one transaction. ``progress``
        is told ``(step, bytes done, bytes in all)`` as the file is read: step ``"parsing"``;
        a backend with a loader of its own reads it twice, ``"checking"`` then ``"writing"``.
        """
        self._check_open()
        target = self._graph_term(graph)
        try:
            quads = rdfio.read_quads(path, fmt, progress=progress)
        except InputError as exc:
            exc.args = (f"{exc}; none of it was loaded into {self.location}",)
            raise
        try:
            return self._add_quads(quads, target)
        except (InputError, StoreError) as exc:
            exc.args = (f"{os.fspath(path)}: {exc}; none of it was loaded into {self.location}",)
            raise

    def add(self, data: RdfInput, graph: str | None = None) -> int:
        """Add statements in one transaction; returns how many were given.

        ``data`` is an rdflib Graph or Dataset (a Dataset's quads keep their graphs) or
        pyoxigraph quads/triples; ``graph`` receives the default-graph statements.
        """
        self._check_open()
        return self._add_quads(_as_quads(data), self._graph_term(graph))

    def export(self, fmt: str, graph: str | None = None, *, expanded: bool = False) -> str:
        """The store's content as text in ``fmt`` (any format rdfio writes).

        Quad formats (trig, nquads, json-ld) keep the graphs; triple formats get the union of
        all graphs, as rdfio does, unless ``graph`` selects one graph. JSON-LD is compacted with
        the published context unless ``expanded``.
        """
        self._check_open()
        rdfio.detect_format("<export>", fmt)  # an unknown format fails before the work
        target = self._graph_term(graph)
        quads = self._all_quads()
        if target is not None:
            quads = [q for q in quads if q.graph_name == target]
        return rdfio.serialize(quads, fmt, expanded=expanded)

    @abstractmethod
    def graphs(self) -> list[URIRef]:
        """The named graphs that hold at least one statement, sorted."""

    @abstractmethod
    def __len__(self) -> int:
        """The number of statements (quads) in all graphs, the default graph included."""

    def close(self) -> None:
        """Release the store (the embedded store's lock, the HTTP connections)."""
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"

    # ------------------------------------------------------------------ backend hooks

    @abstractmethod
    def _query(
        self,
        sparql: str,
        info: RequestInfo,
        bindings: dict[str, BindingTerm],
        dataset: QueryDataset | None,
        base_iri: str | None,
    ) -> QueryResult:
        """Run a checked query with checked parameters, dataset and base IRI."""

    @abstractmethod
    def _update(
        self, sparql: str, info: RequestInfo, dataset: QueryDataset | None, base_iri: str | None
    ) -> None:
        """Run a checked update."""

    @abstractmethod
    def _add_quads(self, quads: list[ox.Quad], graph: ox.NamedNode | None) -> int:
        """Add parsed quads in one transaction; default-graph quads go to ``graph`` if given."""

    @abstractmethod
    def _all_quads(self) -> list[ox.Quad]:
        """Every statement, for export."""

    # ------------------------------------------------------------------ helpers

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the store {self.location} is closed")

    @staticmethod
    def _graph_term(graph: str | None) -> ox.NamedNode | None:
        if graph is None:
            return None
        return ox.NamedNode(validate_iri(str(graph), "graph name"))


def _base(base_iri: str | None) -> str | None:
    return None if base_iri is None else validate_iri(base_iri, "base IRI")


def _check_dataset(dataset: QueryDataset | None) -> None:
    if dataset is not None and not isinstance(dataset, QueryDataset):
        raise ParameterError(
            f"dataset is a QueryDataset (default and named graphs), not {type(dataset).__name__}"
        )


def retarget(quads: list[ox.Quad], graph: ox.NamedNode | None) -> list[ox.Quad]:
    """The quads with those in the default graph moved to ``graph`` (unchanged when None)."""
    if graph is None:
        return quads
    return [
        ox.Quad(q.subject, q.predicate, q.object, graph)
        if isinstance(q.graph_name, ox.DefaultGraph)
        else q
        for q in quads
    ]


def _as_quads(data: RdfInput) -> list[ox.Quad]:
    """pyoxigraph quads for what :meth:`Store.add` accepts."""
    convert = rdfio.from_rdflib
    if isinstance(data, rdflib.Graph):
        if isinstance(data, rdflib.ConjunctiveGraph):
            return [
                ox.Quad(convert(s), convert(p), convert(o), convert(g))
                for s, p, o, g in data.quads((None, None, None, None))
            ]
        return [ox.Quad(convert(s), convert(p), convert(o)) for s, p, o in data]
    quads: list[ox.Quad] = []
    for statement in data:
        if isinstance(statement, ox.Quad):
            quads.append(statement)
        elif isinstance(statement, ox.Triple):
            quads.append(ox.Quad(statement.subject, statement.predicate, statement.object))
        else:
            raise InputError(f"cannot add {statement!r}: not a pyoxigraph Quad or Triple")
    return quads
