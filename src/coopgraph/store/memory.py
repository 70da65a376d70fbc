"""An rdflib Dataset in memory: the reference backend that every other one is compared with.

It is slower than Oxigraph and holds everything in Python objects, but it needs nothing
beyond rdflib, and rdflib is the engine the rest of the toolkit (pyshacl, owlrl) already
uses. Its default graph is the union of all graphs (``default_union=True``); parameters go
in as rdflib ``initBindings``. A request's :class:`QueryDataset` is evaluated over a copy of
the chosen graphs (rdflib would fetch FROM/USING IRIs over the network and does not restrict
USING NAMED), and an update's DELETE/INSERT templates then write to the store itself.
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from pyparsing import ParseBaseException
from rdflib import Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.evaluate import evalPart
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import QueryContext, Update
from rdflib.plugins.sparql.update import _fillTemplate, evalUpdate

from coopgraph import rdfio
from coopgraph.errors import InputError
from coopgraph.store.analysis import BindingTerm, QueryDataset, RequestInfo
from coopgraph.store.base import (
    AskResult,
    GraphResult,
    QueryResult,
    SelectResult,
    Store,
    retarget,
)


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


class MemoryStore(Store):
    """rdflib ``Dataset(default_union=True)``; gone when the process ends."""

    kind = "memory"

    def __init__(self, *, allow_network: bool = False) -> None:
        super().__init__(allow_network=allow_network)
        self._dataset = rdflib.Dataset(default_union=True)

    @property
    def location(self) -> str:
        return "memory"

    @property
    def dataset(self) -> rdflib.Dataset:
        """The rdflib Dataset itself, for code that needs rdflib (pyshacl, owlrl)."""
        return self._dataset

    # ------------------------------------------------------------------ queries

    def _query(
        self,
        sparql: str,
        info: RequestInfo,
        bindings: dict[str, BindingTerm],
        dataset: QueryDataset | None,
        base_iri: str | None,
    ) -> QueryResult:
        try:
            prepared = prepareQuery(sparql, base=base_iri)
        except ParseBaseException as exc:  # analysis parsed it already; kept for safety
            raise InputError(f"SPARQL query syntax error: {_one_line(exc)}") from None
        except Exception as exc:  # rdflib raises bare Exception (unknown prefix)
            raise InputError(f"SPARQL query error: {_one_line(exc)}") from None
        init = {Variable(name): value for name, value in bindings.items()}
        source = self._dataset
        if dataset is not None:
            prepared.algebra["datasetClause"] = None  # overridden: never loaded
            source = self._view(dataset)
        result = source.query(prepared, initBindings=init)
        if result.type == "ASK":
            return AskResult(bool(result.askAnswer))
        if result.type == "SELECT":
            variables = [str(v) for v in result.vars or []]
            return SelectResult(variables, [tuple(row) for row in result])  # type: ignore[arg-type]
        graph = rdflib.Graph()
        for triple in result.graph or []:
            graph.add(triple)
        return GraphResult(graph)

    def _update(
        self, sparql: str, info: RequestInfo, dataset: QueryDataset | None, base_iri: str | None
    ) -> None:
        try:
            update = translateUpdate(parseUpdate(sparql), base_iri)
        except ParseBaseException as exc:
            raise InputError(f"SPARQL update syntax error: {_one_line(exc)}") from None
        for operation in update.algebra:
            if operation.name == "InsertData" and operation.triples:
                # rdflib adds them to the union default graph, which takes only quads
                quads = operation.quads if operation.quads is not None else {}
                quads.setdefault(DATASET_DEFAULT_GRAPH_ID, []).extend(operation.triples)
                operation.quads, operation.triples = quads, []
        try:
            if dataset is None:
                evalUpdate(self._dataset, update)
                return
            for operation in update.algebra:
                if operation.name == "Modify":
                    self._modify(operation, dataset)
                else:
                    evalUpdate(self._dataset, Update(update.prologue, [operation]))
        except Exception as exc:  # rdflib failing on the update or the data, as Oxigraph does
            raise InputError(f"memory: update failed: {_one_line(exc)}") from None

    def _view(self, dataset: QueryDataset) -> rdflib.Dataset:
        """A copy of the chosen graphs as a dataset: the default graph their merge."""
        view = rdflib.Dataset()
        for name in dataset.default_graphs:
            view.default_graph += self._dataset.get_context(URIRef(name))
        for name in dataset.named_graphs:
            named = view.graph(URIRef(name))
            named += self._dataset.get_context(URIRef(name))
        return view

    def _modify(self, operation: CompValue, dataset: QueryDataset) -> None:
        """DELETE/INSERT with its WHERE read from ``dataset``, as rdflib's evalModify does
        with USING (the base refused USING and WITH alongside a dataset): every deletion,
        then every insertion, into the store's graphs."""
        context = QueryContext(self._view(dataset), initBindings={})
        context.prologue = operation.prologue
        solutions = list(evalPart(context, operation.where))
        default = self._dataset.default_graph
        for template, add in ((operation.delete, False), (operation.insert, True)):
            for solution in solutions if template else []:
                targets = [(default, template.triples or [])] + [
                    (self._dataset.graph(solution.get(g)), quads)
                    for g, quads in template.quads.items()
                ]
                for graph, triples in targets:
                    filled = _fillTemplate(triples, solution)
                    if add:
                        graph += filled
                    else:
                        graph -= filled

    # ------------------------------------------------------------------ writes

    def _add_quads(self, quads: list[ox.Quad], graph: ox.NamedNode | None) -> int:
        # Convert everything first: a term rdflib cannot hold fails before anything is added.
        convert = rdfio.to_rdflib
        cache: dict[object, object] = {}

        def term(node: object) -> object:
            found = cache.get(node)
            if found is None:
                found = convert(node)
                lang = found.language if isinstance(found, Literal) else None
                if lang and lang != lang.lower():
                    # RDF language tags are case-insensitive; keep the lower-case form that
                    # Oxigraph and Virtuoso store, so results compare equal across backends.
                    found = Literal(str(found), lang=lang.lower())
                cache[node] = found
            return found

        statements = []
        contexts: dict[object, rdflib.Graph] = {}
        for quad in retarget(quads, graph):
            name = term(quad.graph_name)
            context = contexts.get(name)
            if context is None:
                context = contexts[name] = self._dataset.graph(name)  # type: ignore[arg-type]
            statements.append(
                (term(quad.subject), term(quad.predicate), term(quad.object), context)
            )
        self._dataset.addN(statements)  # type: ignore[arg-type]
        return len(quads)

    # ------------------------------------------------------------------ reads

    def _all_quads(self) -> list[ox.Quad]:
        convert = rdfio.from_rdflib
        return [
            ox.Quad(convert(s), convert(p), convert(o), convert(g))
            for s, p, o, g in self._dataset.quads((None, None, None, None))
        ]

    def graphs(self) -> list[URIRef]:
        self._check_open()
        return sorted(
            URIRef(str(c.identifier))
            for c in self._dataset.graphs()
            if c.identifier != DATASET_DEFAULT_GRAPH_ID
            and isinstance(c.identifier, URIRef)
            and len(c) > 0
        )

    def __len__(self) -> int:
        self._check_open()
        return sum(len(c) for c in self._dataset.graphs())
