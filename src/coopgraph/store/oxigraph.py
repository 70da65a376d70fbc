"""The default backend: an embedded pyoxigraph store, persistent in a directory or in memory.

Oxigraph is a conformant SPARQL 1.1 engine (none of Virtuoso's quirks) that loads and
answers fast without a server. Queries see the union of all graphs as their default graph;
parameters go in as ``substitutions`` (bound terms, never text). A file is checked and parsed
to the end, then written by Oxigraph's own loader in one transaction, so a load either
completes or leaves the store untouched; a big file (``bulk_threshold`` statements or more) on
disk goes through the much faster bulk loader, whose failed writes are undone.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import URIRef

from coopgraph import rdfio
from coopgraph.errors import InputError, ParameterError, StoreError
from coopgraph.store.analysis import BindingTerm, QueryDataset, RequestInfo, with_using
from coopgraph.store.base import (
    AskResult,
    GraphResult,
    QueryResult,
    SelectResult,
    Store,
    StorePath,
    retarget,
)


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


class OxigraphStore(Store):
    """pyoxigraph.Store at ``path``, or in memory when ``path`` is None.

    A missing store is created only when ``create`` is true: a command that only reads must
    not answer "nothing there" from an empty store made out of a mistyped path.
    """

    kind = "oxigraph"
    bulk_threshold = 100_000
    """Files with at least this many statements go through the bulk loader (see _bulk_add)."""

    def __init__(
        self, path: StorePath | None = None, *, allow_network: bool = False, create: bool = True
    ) -> None:
        super().__init__(allow_network=allow_network)
        self.path = Path(path) if path is not None else None
        try:
            if self.path is None:
                self._store = ox.Store()
            else:
                _check_store_directory(self.path, create)
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(os.fspath(self.path))
        except OSError as exc:
            message = _one_line(exc)
            if "lock" in message.lower():
                message = "the store is in use by another process (its lock is held)"
            raise StoreError(f"cannot open the Oxigraph store at {self.path}: {message}") from None

    @property
    def location(self) -> str:
        return f"oxigraph:{self.path}" if self.path is not None else "oxigraph:(memory)"

    # ------------------------------------------------------------------ queries

    def _query(
        self,
        sparql: str,
        info: RequestInfo,
        bindings: dict[str, BindingTerm],
        dataset: QueryDataset | None,
        base_iri: str | None,
    ) -> QueryResult:
        substitutions = {ox.Variable(k): rdfio.from_rdflib(v) for k, v in bindings.items()}
        graphs: dict[str, list[ox.NamedNode]] = {}
        if dataset is not None:  # replaces the union default graph and any FROM clause
            graphs["default_graph"] = [ox.NamedNode(g) for g in dataset.default_graphs]
            graphs["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
        try:
            result = self._store.query(
                sparql,
                base_iri=base_iri,
                use_default_graph_as_union=dataset is None,
                substitutions=substitutions or None,
                **graphs,  # type: ignore[arg-type]
            )
            if isinstance(result, ox.QueryBoolean):
                return AskResult(bool(result))
            if isinstance(result, ox.QuerySolutions):
                variables = [v.value for v in result.variables]
                convert = _Converter()
                rows = [tuple(convert(term) for term in solution) for solution in result]
                return SelectResult(variables, rows)
            graph = rdflib.Graph()
            convert = _Converter()
            for triple in result:
                s, p, o = triple.subject, triple.predicate, triple.object
                graph.add((convert(s), convert(p), convert(o)))
            return GraphResult(graph)
        except SyntaxError as exc:
            raise InputError(f"SPARQL query syntax error: {_one_line(exc.msg or exc)}") from None
        except RuntimeError as exc:  # e.g. a substitution pyoxigraph refuses
            raise ParameterError(_one_line(exc)) from None
        except OSError as exc:
            raise StoreError(f"{self.location}: {_one_line(exc)}") from None

    def _update(
        self, sparql: str, info: RequestInfo, dataset: QueryDataset | None, base_iri: str | None
    ) -> None:
        text = sparql if dataset is None else with_using(sparql, dataset)
        try:
            self._store.update(text, base_iri=base_iri)
        except SyntaxError as exc:
            raise InputError(f"SPARQL update syntax error: {_one_line(exc.msg or exc)}") from None
        except RuntimeError as exc:  # the update fails on the data ("graph does not exist")
            raise InputError(f"{self.location}: update failed: {_one_line(exc)}") from None
        except OSError as exc:
            raise StoreError(f"{self.location}: update failed: {_one_line(exc)}") from None

    # ------------------------------------------------------------------ writes

    def load(
        self,
        path: StorePath,
        fmt: str | None = None,
        graph: str | None = None,
        *,
        progress: rdfio.Progress | None = None,
    ) -> int:
        """Add one RDF file, all or nothing, with Oxigraph's own loader.

        The file is checked and parsed to the end first (a syntax error leaves the store as
        it was, having written nothing), then Oxigraph reads it again straight into the
        store: about 3x faster and 4x less memory than building every quad in Python
        (bench/bench_store.py). In memory and for files under ``bulk_threshold`` statements
        that write is one transaction; a big file on disk goes through the bulk loader when
        every graph it writes to is empty, and that graph is cleared again if the write
        fails. N3, and big files for graphs that already hold data, take the general path.
        """
        self._check_open()
        target = self._graph_term(graph)
        try:
            source = rdfio.check_file(path, fmt)
            summary = rdfio.scan(source, progress)
        except InputError as exc:
            exc.args = (f"{exc}; none of it was loaded into {self.location}",)
            raise
        written = {
            target if target is not None and isinstance(g, ox.DefaultGraph) else g
            for g in summary.graphs
        }
        transactional = self.path is None or summary.statements < self.bulk_threshold
        if source.fmt == "n3" or not (transactional or self._all_empty(written)):
            return super().load(path, fmt, graph, progress=progress)
        arguments = {
            "input": source.input("writing", progress),
            "format": source.ox_format,
            "base_iri": source.base_iri,
        }
        if target is not None:
            arguments["to_graph"] = target
        try:
            if transactional:
                self._store.load(**arguments)
            else:
                self._undo_on_failure(written, lambda: self._store.bulk_load(**arguments))
        except (SyntaxError, ValueError) as exc:  # the loader refuses what the scan accepted
            raise InputError(
                f"{source.name}: {_one_line(exc)}; none of it was loaded into {self.location}"
            ) from None
        except (OSError, RuntimeError) as exc:
            raise StoreError(
                f"{source.name}: cannot write to {self.location}: {_one_line(exc)}; "
                f"none of it was loaded into {self.location}"
            ) from None
        return summary.statements

    def _add_quads(self, quads: list[ox.Quad], graph: ox.NamedNode | None) -> int:
        quads = retarget(quads, graph)
        try:
            if len(quads) < self.bulk_threshold:
                self._store.extend(quads)  # one transaction: all or nothing, even on a crash
            else:
                self._bulk_add(quads)
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"cannot write to {self.location}: {_one_line(exc)}") from None
        return len(quads)

    def _bulk_add(self, quads: list[ox.Quad]) -> None:
        """Add many quads with the bulk loader, undoing a failed write.

        One ``extend`` transaction of a million quads takes 5x the time and twice the memory
        of ``bulk_extend`` (see bench/bench_store.py), but the bulk loader is not a transaction:
        if it fails, what it wrote is removed again. Only the quads that were not already in
        the store are written, so undoing never removes older data (when every target graph
        is empty beforehand, all quads are new and undoing clears those graphs). A crash in
        the middle of a bulk load can leave part of the file in the store.
        """
        store = self._store
        graphs = {q.graph_name for q in quads}
        if self._all_empty(graphs):
            self._undo_on_failure(graphs, lambda: store.bulk_extend(quads))
            return
        new = [q for q in quads if q not in store]
        try:
            store.bulk_extend(new)
        except (OSError, RuntimeError) as exc:
            try:
                for q in new:
                    store.remove(q)
            except (OSError, RuntimeError) as undo:
                raise self._undo_failed(exc, undo) from None
            raise

    def _all_empty(self, graphs: Iterable[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]) -> bool:
        return all(
            next(iter(self._store.quads_for_pattern(None, None, None, g)), None) is None
            for g in graphs
        )

    def _undo_on_failure(
        self,
        graphs: Iterable[ox.NamedNode | ox.BlankNode | ox.DefaultGraph],
        write: Callable[[], None],
    ) -> None:
        """Run a bulk write into empty ``graphs``; clear them again if it fails."""
        try:
            write()
        except (OSError, RuntimeError, SyntaxError, ValueError) as exc:
            try:
                for g in graphs:
                    self._store.clear_graph(g)
            except (OSError, RuntimeError) as undo:
                raise self._undo_failed(exc, undo) from None
            raise

    def _undo_failed(self, exc: Exception, undo: Exception) -> StoreError:
        return StoreError(
            f"cannot write to {self.location}: {_one_line(exc)}; undoing the partial "
            f"write failed too ({_one_line(undo)}): the store may hold part of the file"
        )

    # ------------------------------------------------------------------ reads

    def _all_quads(self) -> list[ox.Quad]:
        return list(self._store)

    def graphs(self) -> list[URIRef]:
        self._check_open()
        return sorted(
            URIRef(g.value)
            for g in self._store.named_graphs()
            if isinstance(g, ox.NamedNode)
            and next(iter(self._store.quads_for_pattern(None, None, None, g)), None) is not None
        )

    def __len__(self) -> int:
        self._check_open()
        return len(self._store)

    def close(self) -> None:
        """Flush and release the directory lock (pyoxigraph closes when the object goes)."""
        if not self._closed and self.path is not None:
            with contextlib.suppress(OSError):
                self._store.flush()
        self.__dict__.pop("_store", None)
        super().close()


def _check_store_directory(path: Path, create: bool) -> None:
    """Refuse a path that is not an Oxigraph store (and, unless ``create``, a missing one)."""
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path}: is a file, not an Oxigraph store directory")
    entries = {entry.name for entry in path.iterdir()} if path.exists() else set()
    if entries and _STORE_MARKER not in entries:
        # RocksDB files would be written among the user's own files
        raise StoreError(f"{path}: is a directory that holds no Oxigraph store")
    if not entries and not create:
        raise StoreError(f"no Oxigraph store at {path} (coopgraph load creates one)")


_STORE_MARKER = "CURRENT"
"""The file every Oxigraph (RocksDB) store directory holds: the name of its current manifest."""


class _Converter:
    """rdfio.to_rdflib with a cache (result rows repeat terms) and ``None`` for unbound."""

    def __init__(self) -> None:
        self._cache: dict[object, object] = {}

    def __call__(self, term: object) -> object:
        if term is None:
            return None
        node = self._cache.get(term)
        if node is None:
            node = self._cache[term] = rdfio.to_rdflib(term)
        return node
