"""A remote SPARQL 1.1 endpoint as a store: any conformant server, Virtuoso's quirks handled.

Only the standard protocols are spoken (SPARQL 1.1 Query, Update, Graph Store HTTP Protocol),
with stdlib ``urllib``, so the toolkit can target any server; the query, update and GSP URLs
are configured separately because every server lays them out differently. What the client
does so that a remote store answers exactly like the embedded ones:

* **Requests**: queries go as GET, or as a form POST when long, never as a direct
  ``application/sparql-query`` POST (Virtuoso never answers one). The Accept header is chosen
  per query form (Virtuoso takes the first type literally; Oxigraph answers 406 to a type it
  cannot produce): SPARQL JSON for SELECT/ASK, N-Triples for CONSTRUCT/DESCRIBE.
* **Dataset**: the store is scoped to named graphs, sent as ``default-graph-uri`` *and*
  ``named-graph-uri``, so the default graph is the union of those graphs (as on the embedded
  backends) and never Virtuoso's system graphs. The scope is the ``graphs`` given when opening
  plus every graph loaded through the store; with no ``graphs`` it is every named graph on the
  server except Virtuoso's own, listed lazily and again after each write through this client.
  A remote store has no default graph to write to: loads need a graph. A request's
  :class:`QueryDataset` is sent the same way (``using-graph-uri``/``using-named-graph-uri``
  for an update), an empty graph standing for an empty default graph or no named graphs. A
  base IRI is sent as ``BASE`` before the request text.
* **Parameters** go in a SPARQL 1.1 ``VALUES`` block written from validated terms (IRIs
  checked, literals escaped, control characters included), never as spliced user text. The
  block opens the query's WHERE pattern (found by a SPARQL lexer) rather than trailing it:
  Virtuoso refuses a trailing VALUES after ASK/CONSTRUCT/DESCRIBE, and inside the pattern the
  parameter is bound before FILTERs and aggregates see it, as on the embedded backends.
* **Booleans**: Virtuoso returns ``true``/``false`` as 1/0. Coerced back to xsd:boolean
  ``true``/``false``: every ``"1"/"0"^^xsd:boolean`` literal, ASK answers, and
  ``"1"/"0"^^xsd:integer`` in a variable the query binds (BIND or a SELECT expression) to a
  boolean-valued expression: a comparison, ``&&``, ``||``, ``!``, ``isIRI``, ``isBlank``,
  ``isLiteral``, ``isNumeric``, ``bound``, ``sameTerm``, ``regex``, ``contains``,
  ``strStarts``, ``strEnds``, ``langMatches``, ``EXISTS``, ``NOT EXISTS``, a boolean constant,
  or ``IF``/``COALESCE`` of those; or to a boolean constant in a VALUES block (a boolean
  parameter included: Virtuoso turns ``VALUES ?x { true }`` into 1). *Not* coerced
  (indistinguishable from real integers): a boolean that reaches the result any other way,
  e.g. through an aggregate (``SAMPLE``/``MIN`` of a boolean expression), a subquery's plain
  projection of a variable bound outside, or a function the client does not know to be
  boolean.
* **Truncation**: Virtuoso cuts results at ``ResultSetMaxRows`` and still answers 200. A SELECT
  cut this way carries ``X-SPARQL-MaxRows`` and raises StoreError (never partial results).
  CONSTRUCT/DESCRIBE answers carry no such header: one that reaches the server's cap raises
  too; the cap is ``max_rows`` if given, else one seen in a header, else (Virtuoso only) found
  with a cheap probe query. Export pages with ORDER BY + LIMIT/OFFSET below the cap.
* **Writes**: loads are staged in a fresh graph and moved into place with one ``ADD`` update,
  so a file that fails half way leaves the target graphs as they were. Statements go by
  the Graph Store Protocol when a GSP URL is given, else as ``INSERT DATA`` in batches of at
  most 1000 triples (Virtuoso fails above that); batches with blank nodes use
  ``INSERT { } WHERE { }`` (Virtuoso refuses blank nodes in INSERT DATA) and keep all the
  statements about one blank node in the same request, so blank nodes stay blank nodes.
* **Updates** are sent as written. On Virtuoso, ``DROP GRAPH`` without ``SILENT`` fails for a
  graph that was never explicitly created (loading does not create it): use ``DROP SILENT``.
* **Errors**: an unreachable endpoint, a timeout or a server error is a one-line StoreError
  (exit 4); a request the server rejects as malformed (HTTP 400) is an InputError (exit 2).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import math
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Sequence
from email.message import Message
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from coopgraph import __version__, rdfio
from coopgraph.errors import InputError, ParameterError, StoreError
from coopgraph.store.analysis import (
    BindingTerm,
    QueryDataset,
    RequestInfo,
    bind_as_text,
    sparql_literal_text,
    validate_iri,
)
from coopgraph.store.base import (
    AskResult,
    GraphResult,
    QueryResult,
    SelectResult,
    Store,
    retarget,
)

SPARQL_JSON = "application/sparql-results+json"
RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
DEFAULT_PAGE_SIZE = 10000
MAX_GET_LENGTH = 2000
"""Longer requests go as a form POST (URLs beyond a few KB are refused by some servers)."""
EMPTY_GRAPH = "urn:coopgraph:empty"
"""A graph that never holds anything: the scope of a store that has no graphs yet."""
STAGING_PREFIX = "urn:coopgraph:staging:"
AUTH_KINDS = ("basic", "digest", "bearer")

_VIRTUOSO_SYSTEM_GRAPHS = {
    "http://www.w3.org/ns/ldp#",
    "http://www.w3.org/2002/07/owl#",
    "http://localhost:8890/sparql",
    "http://localhost:8890/DAV/",
}
_VIRTUOSO_SYSTEM_PREFIXES = ("http://www.openlinksw.com/",)
_XSD_BOOLEAN = str(XSD.boolean)
_XSD_INTEGER = str(XSD.integer)
_XSD_STRING = str(XSD.string)
_ONE_ZERO = ("1", "0")


def _one_line(message: object, limit: int = 300) -> str:
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_endpoint_url(name: str, url: str) -> None:
    """Refuse an endpoint URL that no request could be sent to, before any request is tried."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ParameterError(f"the {name} URL {url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise ParameterError(f"the {name} URL {url!r} is not an http(s) URL")
    if not parts.hostname:
        raise ParameterError(f"the {name} URL {url!r} names no host")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise ParameterError(f"the {name} URL {url!r} contains spaces or control characters")


class SparqlStore(Store):
    """A SPARQL 1.1 endpoint: ``query_url`` plus optional update and Graph Store URLs.

    ``auth`` is ``basic``, ``digest`` or ``bearer`` (the token is ``password``); it defaults to
    basic when a user is given. ``graphs`` scopes the store (see the module docstring); the
    first one also receives loads that name no graph. ``max_rows`` is the server's result cap
    when known (Virtuoso's ``ResultSetMaxRows``).
    """

    kind = "sparql"

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        auth: str | None = None,
        graphs: Sequence[str] | None = None,
        allow_network: bool = False,
        timeout: float = 60.0,
        max_rows: int | None = None,
        batch_size: int = 1000,
    ) -> None:
        super().__init__(allow_network=allow_network)
        for name, url in (("query", query_url), ("update", update_url), ("GSP", gsp_url)):
            if url is not None:
                _check_endpoint_url(name, url)
        self.query_url = query_url
        self.update_url = update_url
        self.gsp_url = gsp_url
        self.timeout = timeout
        self.max_rows = max_rows
        self.batch_size = max(1, min(batch_size, 1000))
        self._explicit = (
            [validate_iri(str(g), "graph name") for g in graphs] if graphs is not None else None
        )
        self._write_graph = self._explicit[0] if self._explicit else None
        self._server_graphs: list[str] | None = None
        self._learned_cap: int | None = None
        self._cap_above = 0  # the server's cap is known to be above this many rows
        self._is_virtuoso = False
        self._answered = False
        origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(query_url))
        self._system_graphs = _VIRTUOSO_SYSTEM_GRAPHS | {f"{origin}/sparql", f"{origin}/DAV/"}
        self._headers = {"User-Agent": f"coopgraph/{__version__}"}
        self._opener = self._build_opener(user, password, auth)

    def _build_opener(
        self, user: str | None, password: str | None, auth: str | None
    ) -> urllib.request.OpenerDirector:
        kind = (auth or ("basic" if user else "")).lower()
        if kind and kind not in AUTH_KINDS:
            raise ParameterError(f"unknown auth kind {auth!r}; use one of {', '.join(AUTH_KINDS)}")
        handlers: list[urllib.request.BaseHandler] = []
        if kind == "bearer":
            if not password:
                raise ParameterError("bearer auth needs a token (given as the password)")
            self._headers["Authorization"] = f"Bearer {password}"
        elif kind == "basic":
            pair = f"{user or ''}:{password or ''}".encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        elif kind == "digest":
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            urls = [u for u in (self.query_url, self.update_url, self.gsp_url) if u]
            manager.add_password(None, urls, user or "", password or "")  # type: ignore[arg-type]
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
        return urllib.request.build_opener(*handlers)

    @property
    def location(self) -> str:
        return self.query_url

    @property
    def dialect(self) -> str:
        """``virtuoso`` when the server says it is Virtuoso (its Server header; one ASK asks
        it when no answer has come yet), else ``standard``."""
        if not self._answered:
            self.query("ASK {}")
        return "virtuoso" if self._is_virtuoso else "standard"

    # ------------------------------------------------------------------ HTTP

    def _send(
        self,
        url: str,
        params: list[tuple[str, str]],
        accept: str,
        *,
        method: str = "AUTO",
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> tuple[bytes, Message]:
        """One HTTP exchange; every failure becomes a one-line coopgraph error."""
        encoded = urllib.parse.urlencode(params)
        separator = "&" if urllib.parse.urlsplit(url).query else "?"
        headers = dict(self._headers, Accept=accept)
        if body is not None:
            target = f"{url}{separator}{encoded}" if encoded else url
            data: bytes | None = body
            if content_type:
                headers["Content-Type"] = content_type
        elif method == "GET" or (method == "AUTO" and len(url) + len(encoded) < MAX_GET_LENGTH):
            target, data, method = f"{url}{separator}{encoded}", None, "GET"
        else:  # form POST: the one POST every server, Virtuoso included, answers
            target, data, method = url, encoded.encode("utf-8"), "POST"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if method == "AUTO":
            method = "POST"
        request = urllib.request.Request(target, data=data, headers=headers, method=method)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                payload = response.read()
                self._answered = True
                if "virtuoso" in (response.headers.get("Server") or "").lower():
                    self._is_virtuoso = True
                return payload, response.headers
        except urllib.error.HTTPError as exc:
            detail = _error_text(exc)
            if exc.code == 400:
                raise InputError(f"{url} rejected the request (HTTP 400): {detail}") from None
            if exc.code in (401, 403):
                raise StoreError(
                    f"{url}: not authorised (HTTP {exc.code}); check the user, password and "
                    f"auth kind: {detail}"
                ) from None
            raise StoreError(f"{url}: HTTP {exc.code}: {detail}") from None
        except urllib.error.URLError as exc:
            raise StoreError(
                f"cannot reach the SPARQL endpoint {url}: {_one_line(exc.reason)}"
            ) from None
        except TimeoutError:
            raise StoreError(f"{url}: no answer within {self.timeout:g} s") from None
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            raise StoreError(f"{url}: connection failed: {_one_line(exc)}") from None

    # ------------------------------------------------------------------ scope

    def _scope(self) -> list[str]:
        if self._explicit is not None:
            return list(self._explicit)
        if self._server_graphs is None:
            text = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
            _, rows, _ = self._select(text, [("query", text)], frozenset())
            self._server_graphs = sorted(
                str(row[0])
                for row in rows
                if isinstance(row[0], URIRef) and not self._hidden_graph(str(row[0]))
            )
        return list(self._server_graphs)

    def _hidden_graph(self, iri: str) -> bool:
        if iri.startswith(STAGING_PREFIX):
            return True
        return self._is_virtuoso and (
            iri in self._system_graphs or iri.startswith(_VIRTUOSO_SYSTEM_PREFIXES)
        )

    def _dataset_params(self) -> list[tuple[str, str]]:
        graphs = self._scope() or [EMPTY_GRAPH]
        return [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]

    def _written(self, graphs: Sequence[str]) -> None:
        """Forget the cached graph list after a write; widen an explicit scope to new graphs."""
        self._server_graphs = None
        if self._explicit is not None:
            self._explicit.extend(g for g in graphs if g not in self._explicit)

    # ------------------------------------------------------------------ queries

    def _query(
        self,
        sparql: str,
        info: RequestInfo,
        bindings: dict[str, BindingTerm],
        dataset: QueryDataset | None,
        base_iri: str | None,
    ) -> QueryResult:
        text = _with_base(bind_as_text(sparql, bindings), base_iri)
        params = [("query", text)]
        if dataset is not None:
            params += _protocol_dataset(dataset, "default-graph-uri", "named-graph-uri")
        elif not info.has_dataset_clause:
            params += self._dataset_params()
        if info.form == "SELECT":
            booleans = info.boolean_vars | {
                name
                for name, value in bindings.items()
                if isinstance(value, Literal) and value.datatype == XSD.boolean
            }
            variables, rows, cap = self._select(text, params, booleans)
            if cap is not None and len(rows) >= cap and (info.limit is None or info.limit > cap):
                raise StoreError(
                    f"{self.query_url} cut the result at {cap} rows (X-SPARQL-MaxRows): it is "
                    "incomplete; raise ResultSetMaxRows in the server's [SPARQL] settings, or "
                    "page the query with ORDER BY and LIMIT/OFFSET"
                )
            return SelectResult(variables, rows)
        if info.form == "ASK":
            payload, _ = self._send(self.query_url, params, SPARQL_JSON)
            return AskResult(_ask_value(payload, self.query_url))
        payload, headers = self._send(self.query_url, params, RDF_ACCEPT)
        graph = _parse_rdf(payload, headers, self.query_url)
        cap = self._cap_reached(len(graph))
        if cap is not None:
            raise StoreError(
                f"{self.query_url} returned {len(graph)} triples, as many as its result cap "
                f"({cap} rows): the answer may be cut; raise ResultSetMaxRows in the server's "
                "[SPARQL] settings, or narrow the query"
            )
        return GraphResult(graph)

    def _cap_reached(self, count: int) -> int | None:
        """The server's result cap if an RDF answer of ``count`` triples may have been cut.

        RDF answers carry no X-SPARQL-MaxRows header, so the cap comes from ``max_rows``, from
        a header seen earlier, or, on Virtuoso, from a probe: a SELECT of more than ``count``
        constant rows, which the server cuts (and says so) only if its cap is that low.
        """
        cap = self.max_rows or self._learned_cap
        if cap is not None:
            return cap if count >= cap else None
        if not self._is_virtuoso or count <= self._cap_above:
            return None
        side = math.isqrt(count) + 1
        numbers = " ".join(str(i) for i in range(side))
        text = f"SELECT ?a ?b WHERE {{ VALUES ?a {{ {numbers} }} VALUES ?b {{ {numbers} }} }}"
        _, rows, cap = self._select(text, [("query", text)], frozenset())
        if cap is not None:
            return cap if count >= cap else None
        self._cap_above = max(self._cap_above, len(rows) - 1)
        return None

    def _select(
        self, text: str, params: list[tuple[str, str]], boolean_vars: frozenset[str]
    ) -> tuple[list[str], list[tuple[Any, ...]], int | None]:
        """Run a SELECT; returns variables, rows and the X-SPARQL-MaxRows cap if sent."""
        payload, headers = self._send(self.query_url, params, SPARQL_JSON)
        try:
            document = json.loads(payload)
            variables = list(document["head"].get("vars", []))
            bindings = document["results"]["bindings"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise StoreError(
                f"{self.query_url} did not answer with SPARQL JSON results: "
                f"{_one_line(payload[:200].decode('utf-8', 'replace'))}"
            ) from None
        coerce = [name in boolean_vars for name in variables]
        convert = _JsonTerms()
        rows = [
            tuple(
                convert(solution[name], flag) if name in solution else None
                for name, flag in zip(variables, coerce, strict=True)
            )
            for solution in bindings
        ]
        cap_text = headers.get("X-SPARQL-MaxRows")
        cap = int(cap_text) if cap_text and cap_text.strip().isdigit() else None
        if cap is not None:
            self._learned_cap = cap
        return variables, rows, cap

    # ------------------------------------------------------------------ updates

    def _update(
        self, sparql: str, info: RequestInfo, dataset: QueryDataset | None, base_iri: str | None
    ) -> None:
        using = (
            _protocol_dataset(dataset, "using-graph-uri", "using-named-graph-uri")
            if dataset is not None
            else []
        )
        try:
            self._post_update(_with_base(sparql, base_iri), using)
        finally:
            self._written([])

    def _post_update(self, text: str, params: Sequence[tuple[str, str]] = ()) -> None:
        if not self.update_url:
            raise StoreError(f"{self.query_url} is read-only here: no update URL was given")
        self._send(self.update_url, [("update", text), *params], "*/*", method="POST")

    # ------------------------------------------------------------------ writes

    def _add_quads(self, quads: list[ox.Quad], graph: ox.NamedNode | None) -> int:
        if graph is None and self._write_graph is not None:
            graph = ox.NamedNode(self._write_graph)
        by_graph: dict[str, list[ox.Triple]] = {}
        for quad in retarget(quads, graph):
            if not isinstance(quad.graph_name, ox.NamedNode):
                raise ParameterError(
                    "a remote store has no default graph to write to: name a graph "
                    "(graph=IRI, --graph IRI)"
                )
            by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
        if not by_graph:
            return 0
        if not self.update_url and not self.gsp_url:
            raise StoreError(f"{self.query_url} is read-only here: no update or GSP URL was given")
        if not self.update_url:  # GSP only: no way to stage, so one request per graph
            try:
                for target, triples in by_graph.items():
                    self._gsp_post(target, triples)
            finally:
                self._written(list(by_graph))
            return len(quads)
        run = uuid.uuid4().hex
        staging = {target: f"{STAGING_PREFIX}{run}:{i}" for i, target in enumerate(by_graph)}
        try:
            if self.gsp_url:
                for target, triples in by_graph.items():
                    self._gsp_post(staging[target], triples)
            else:
                staged = [(staging[t], x) for t, triples in by_graph.items() for x in triples]
                for batch in _batches(staged, self.batch_size):
                    self._post_update(_insert_text(batch))
            moves = [f"ADD <{staging[t]}> TO <{t}>" for t in by_graph]
            drops = [f"DROP SILENT GRAPH <{s}>" for s in staging.values()]
            self._post_update(" ;\n".join(moves + drops))
        except BaseException:
            # Best effort: a staging graph left behind is hidden from the scope anyway.
            with contextlib.suppress(StoreError, InputError):
                self._post_update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in staging.values()))
            raise
        finally:
            self._written(list(by_graph))
        return len(quads)

    def _gsp_post(self, graph: str, triples: list[ox.Triple]) -> None:
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        assert self.gsp_url is not None
        self._send(
            self.gsp_url,
            [("graph", graph)],
            "*/*",
            method="POST",
            body=body,
            content_type="application/n-triples",
        )

    # ------------------------------------------------------------------ reads

    def graphs(self) -> list[URIRef]:
        self._check_open()
        if self._explicit is None:
            return [URIRef(g) for g in self._scope()]
        text = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        _, rows, _ = self._select(text, [("query", text), *self._dataset_params()], frozenset())
        return sorted(URIRef(str(row[0])) for row in rows if isinstance(row[0], URIRef))

    def __len__(self) -> int:
        self._check_open()
        if not self._scope():
            return 0
        text = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        _, rows, _ = self._select(text, [("query", text), *self._dataset_params()], frozenset())
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    def _all_quads(self) -> list[ox.Quad]:
        """Every statement in scope, paged below the server's cap in a total order."""
        if not self._scope():
            return []
        page = min(c for c in (self.max_rows, self._learned_cap, DEFAULT_PAGE_SIZE) if c)
        convert = rdfio.from_rdflib
        quads: list[ox.Quad] = []
        offset = 0
        while True:
            text = (
                "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } "
                f"ORDER BY ?g ?s ?p ?o LIMIT {page} OFFSET {offset}"
            )
            _, rows, cap = self._select(
                text, [("query", text), *self._dataset_params()], frozenset()
            )
            if cap is not None and len(rows) >= cap and cap < page:
                page = cap  # the server cut the page: ask again for pages it can answer whole
                continue
            quads.extend(
                ox.Quad(convert(s), convert(p), convert(o), convert(g)) for g, s, p, o in rows
            )
            if len(rows) < page:
                return quads
            offset += page


# ---------------------------------------------------------------------- helpers


def _protocol_dataset(dataset: QueryDataset, default: str, named: str) -> list[tuple[str, str]]:
    """A request dataset as protocol parameters; an empty graph stands for "none", which the
    protocol cannot otherwise say for one kind of graph while giving the other."""
    return [(default, g) for g in dataset.default_graphs or [EMPTY_GRAPH]] + [
        (named, g) for g in dataset.named_graphs or [EMPTY_GRAPH]
    ]


def _with_base(text: str, base_iri: str | None) -> str:
    """The request with a ``BASE`` for its relative IRIs (a BASE of its own still wins)."""
    return text if base_iri is None else f"BASE <{validate_iri(base_iri)}>\n{text}"


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read(2000).decode("utf-8", "replace")
    except OSError:
        body = ""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    return _one_line(lines[0] if lines else exc.reason)


class _JsonTerms:
    """SPARQL JSON result terms to rdflib terms, with Virtuoso's 1/0 booleans coerced."""

    def __init__(self) -> None:
        self._cache: dict[tuple[Any, ...], Any] = {}

    def __call__(self, value: dict[str, str], boolean: bool) -> URIRef | BNode | Literal:
        key = (value.get("type"), value.get("value"), value.get("datatype"),
               value.get("xml:lang"), boolean)  # fmt: skip
        term = self._cache.get(key)
        if term is None:
            term = self._cache[key] = _json_term(value, boolean)
        return term


def _json_term(value: dict[str, str], boolean: bool) -> URIRef | BNode | Literal:
    kind, text = value.get("type"), value.get("value", "")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(_bnode_label(text))
    if kind in ("literal", "typed-literal"):
        lang, datatype = value.get("xml:lang"), value.get("datatype")
        if lang:
            return Literal(text, lang=lang.lower())
        is_boolean = datatype == _XSD_BOOLEAN or (boolean and datatype == _XSD_INTEGER)
        if is_boolean and text in ("1", "0", "true", "false"):
            return Literal(text in ("1", "true"))
        if datatype and datatype != _XSD_STRING:
            return Literal(text, datatype=URIRef(datatype))
        return Literal(text)
    raise StoreError(f"unsupported term in SPARQL results: {_one_line(value)}")


def _bnode_label(text: str) -> str:
    """A blank node id valid in N-Triples; Virtuoso's ``nodeID://b123`` becomes ``b123``,
    the label its N-Triples answers use, so JSON and RDF answers agree."""
    text = text.removeprefix("nodeID://")
    return re.sub(r"[^A-Za-z0-9_]", "_", text) or "b"


def _ask_value(payload: bytes, url: str) -> bool:
    try:
        answer = json.loads(payload)["boolean"]
    except (ValueError, KeyError, TypeError):
        raise StoreError(f"{url} did not answer the ASK with SPARQL JSON") from None
    if isinstance(answer, str):
        return answer.strip().lower() in ("true", "1")
    return bool(answer)  # true/false, or Virtuoso-style 1/0


def _parse_rdf(payload: bytes, headers: Message, url: str) -> rdflib.Graph:
    media_type = (headers.get_content_type() or "application/n-triples").lower()
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise StoreError(f"{url} answered with {media_type}, not an RDF format coopgraph reads")
    graph = rdflib.Graph()
    convert = rdfio.to_rdflib
    cache: dict[object, Any] = {}

    def term(node: object) -> Any:
        found = cache.get(node)
        if found is None:
            found = cache[node] = convert(node)
            if isinstance(node, ox.BlankNode):
                found = cache[node] = BNode(_bnode_label(node.value))
            elif (
                isinstance(found, Literal) and found.datatype == XSD.boolean and found in _ONE_ZERO
            ):
                found = cache[node] = Literal(str(found) == "1")
        return found

    try:
        for quad in ox.parse(payload, fmt, base_iri=url):
            graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))
    except SyntaxError as exc:
        message = _one_line(exc)
        raise StoreError(f"{url} sent an RDF answer that does not parse: {message}") from None
    return graph


def _ox_term(term: object, labels: dict[str, str]) -> str:
    """A pyoxigraph term as SPARQL text (IRIs validated, literals escaped)."""
    if isinstance(term, ox.NamedNode):
        return f"<{validate_iri(term.value)}>"
    if isinstance(term, ox.BlankNode):
        label = labels.get(term.value)
        if label is None:
            label = labels[term.value] = f"b{len(labels)}"
        return f"_:{label}"
    if isinstance(term, ox.Literal):
        text = sparql_literal_text(term.value)
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype.value != _XSD_STRING:
            return f"{text}^^<{validate_iri(term.datatype.value)}>"
        return text
    raise ParameterError(f"cannot write {term!r} in a SPARQL update")


def _batches(
    statements: list[tuple[str, ox.Triple]], size: int
) -> list[list[tuple[str, ox.Triple]]]:
    """Batches of at most ``size`` statements; all statements that share a blank node (even
    across graphs) stay in one batch, because each request mints its blank nodes afresh."""
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        root = label
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[label] != root:
            parent[label], label = root, parent[label]
        return root

    plain: list[tuple[str, ox.Triple]] = []
    grouped: dict[str, list[tuple[str, ox.Triple]]] = {}
    owners: list[tuple[str, tuple[str, ox.Triple]]] = []
    for statement in statements:
        triple = statement[1]
        labels = [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        if not labels:
            plain.append(statement)
            continue
        first = find(labels[0])
        for other in labels[1:]:
            root = find(other)
            if root != first:
                parent[root] = first
        owners.append((labels[0], statement))
    for label, statement in owners:
        grouped.setdefault(find(label), []).append(statement)
    batches: list[list[tuple[str, ox.Triple]]] = []
    current: list[tuple[str, ox.Triple]] = []
    for component in [*grouped.values(), *([s] for s in plain)]:
        if current and len(current) + len(component) > size:
            batches.append(current)
            current = []
        current.extend(component)
    if current:
        batches.append(current)
    return batches


def _insert_text(batch: list[tuple[str, ox.Triple]]) -> str:
    """``INSERT DATA`` for a batch, or ``INSERT { } WHERE { }`` when it has blank nodes."""
    labels: dict[str, str] = {}
    by_graph: dict[str, list[str]] = {}
    for graph, triple in batch:
        by_graph.setdefault(graph, []).append(
            f"{_ox_term(triple.subject, labels)} {_ox_term(triple.predicate, labels)} "
            f"{_ox_term(triple.object, labels)} ."
        )
    body = "\n".join(
        f"GRAPH <{validate_iri(g)}> {{\n" + "\n".join(lines) + "\n}"
        for g, lines in by_graph.items()
    )
    if labels:
        return f"INSERT {{\n{body}\n}} WHERE {{}}"
    return f"INSERT DATA {{\n{body}\n}}"
