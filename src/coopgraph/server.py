"""A SPARQL 1.1 Protocol endpoint over any :class:`~coopgraph.store.Store` (stdlib HTTP server).

Endpoints (see :class:`SparqlServer`):

* ``/sparql``: SPARQL 1.1 Protocol queries by ``GET ?query=``, by ``POST`` of a form
  (``query=``) or of ``application/sparql-query``; updates by ``POST`` of ``update=`` or
  ``application/sparql-update`` (only with ``allow_update`` and the bearer token).
  ``GET /sparql`` without a query answers the SPARQL 1.1 Service Description (Turtle).
* ``/queries``: the canned query catalogue as JSON; ``/queries/NAME?param=value`` runs one, its
  parameters resolved and bound as RDF terms by :mod:`coopgraph.catalogue`.
* ``/rdf-graph-store?graph=IRI`` (or ``?default``): the SPARQL 1.1 Graph Store HTTP Protocol.
  GET and HEAD (content negotiated; 404 for a graph that holds nothing); PUT (replace), POST
  (merge) and DELETE of a named graph in Turtle or N-Triples, with ``allow_update`` and the
  bearer token, as updates (201 when the request creates the graph, 204 otherwise). A store of
  quads has no empty graphs: a PUT or POST of an empty body creates none (204; a PUT empties
  the graph), and GET then answers 404. The default graph is the union of the named graphs, as
  for queries: readable, not writable (405).
* ``/``: a small HTML page (no scripts, no external assets) with a query form and one form per
  canned query (an input per parameter); results as a table.

HEAD is answered wherever GET is, with GET's status and headers and no body. An answer goes in
the type the Accept header prefers among those that can hold it (RDF/XML cannot write a
predicate that does not end in an XML name, XML cannot hold a control character): else in the
next acceptable type, or 406 says why none can.

Safe by default: the CLI binds to 127.0.0.1; the store is opened without network access, so
``SERVICE``, ``LOAD`` and ``FROM``/``FROM NAMED`` are refused (403, the store finds them by
parsing); updates are refused unless enabled and authorised; request bodies over
``max_body`` bytes (413), results over ``max_rows`` rows or triples (413) and queries that run
over ``timeout`` seconds (503) are refused, each with a one-line ``text/plain`` message (as
are the HTTP parser's own refusals, such as 414 for a request line over 64 KiB). A request
carries one Host header (two: 400; none: 400 for HTTP/1.1, while HTTP/1.0 is served, as no
browser sends it); on a server that listens on loopback only, a Host that names another
machine (host names in any case) gets 403, so that a web page cannot read the endpoint through
a rebound DNS name. A request body the answer did not need is read and dropped (up to
``max_body``; above, or chunked, the connection is closed), so that it is never taken for the
next request on the connection. A query that ran over its time limit cannot be cancelled inside
the store engines: it keeps computing in a background thread until it ends, and holds one of
the ``max_running`` query slots meanwhile (when all are taken, new queries get 503 at once).

The protocol's dataset parameters (``default-graph-uri`` and ``named-graph-uri`` for a query,
``using-graph-uri`` and ``using-named-graph-uri`` for an update) choose the request's dataset
among the stored graphs (a :class:`QueryDataset`); they override a query's FROM clauses, and an
update that names its own (USING, WITH) is refused with 400. Without them a query's default
graph is the union of the store's graphs (``sd:UnionDefaultGraph``). Relative IRIs resolve
against ``base_iri`` (default: the endpoint's URL). CORS is off unless ``cors_origins`` names
the origins (or ``*``) that may read answers; OPTIONS then answers preflight requests.
"""

from __future__ import annotations

import hmac
import html
import ipaddress
import json
import re
import socket
import sys
import threading
import time
import traceback
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, TypeVar

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from coopgraph import __version__, rdfio
from coopgraph.catalogue import CannedQuery, catalogue, resolve_value
from coopgraph.errors import (
    InputError,
    NetworkRefusedError,
    ParameterError,
    StoreError,
)
from coopgraph.render import display, label_map, render_boolean, render_rows
from coopgraph.store import AskResult, GraphResult, QueryResult, SelectResult, Store
from coopgraph.store.analysis import sparql_term, validate_iri
from coopgraph.store.base import QueryDataset

T = TypeVar("T")

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS_NS = rdflib.Namespace("http://www.w3.org/ns/formats/")

FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
QUERY_DATASET = ("default-graph-uri", "named-graph-uri")
UPDATE_DATASET = ("using-graph-uri", "using-named-graph-uri")
GRAPH_STORE_PATH = "/rdf-graph-store"
GRAPH_STORE_INPUT = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}
"""What a Graph Store PUT/POST body may be (formats of triples, parsed without fetching)."""
_GRAPH_STORE_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")
_CORS_HEADERS = "Accept, Authorization, Content-Type"

# What each kind of answer can be sent as: (media type, renderer name), server's preference
# first (the first is sent when the client accepts anything).
SELECT_TYPES = (
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("application/json", "json"),
)
ASK_TYPES = (
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("application/json", "json"),
)
GRAPH_TYPES = (
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
)
_RESULT_FORMATS = {
    "application/sparql-results+json": FORMATS_NS.SPARQL_Results_JSON,
    "application/sparql-results+xml": FORMATS_NS.SPARQL_Results_XML,
    "text/csv": FORMATS_NS.SPARQL_Results_CSV,
    "text/tab-separated-values": FORMATS_NS.SPARQL_Results_TSV,
    "text/turtle": FORMATS_NS.Turtle,
    "application/n-triples": FORMATS_NS["N-Triples"],
    "application/ld+json": FORMATS_NS["JSON-LD"],
    "application/rdf+xml": FORMATS_NS.RDF_XML,
}
_RESULTS_XML_NS = "http://www.w3.org/2005/sparql-results#"
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
_DECIMAL = re.compile(r"[0-9]+")  # int() would also take "+5", " 5" and "5_0"
_ORIGIN = re.compile(r"[a-z][a-z0-9+.\-]*://[^/?#\s]+")
_CONTROL = {i: f"\\x{i:02x}" for i in (*range(0x20), 0x7F)}
_LOG_PATH_CHARS = 300
_PAGE_EXAMPLE = """PREFIX coop: <https://w3id.org/coopgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?engagement ?provider ?partner WHERE {
  ?engagement a coop:Engagement ; coop:provider ?provider ; coop:partner ?partner .
}
ORDER BY ?engagement
LIMIT 20
"""


@dataclass(frozen=True)
class ServerSettings:
    """The limits and permissions of a server."""

    timeout: float = 30.0
    """Seconds a query or update may run before the client gets 503."""
    max_rows: int = 10_000
    """Most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) in an answer; more is refused (413)."""
    max_body: int = 1_000_000
    """Most bytes in a request body (413 above)."""
    allow_update: bool = False
    """Whether SPARQL updates are accepted at all (with the bearer token)."""
    token: str | None = None
    """The bearer token updates must carry; required when ``allow_update``."""
    max_running: int = 4
    """Queries that may run at once, counting those that ran over and still compute."""
    base_iri: str | None = None
    """The base of relative IRIs in queries and updates; None: the endpoint's own URL."""
    cors_origins: tuple[str, ...] = ()
    """Origins whose web pages may read answers (``*``: any); none: CORS is off."""

    def __post_init__(self) -> None:
        if self.allow_update and not self.token:
            raise InputError("updates need a bearer token (--token-file or the environment)")
        timeout_ok = 0 < self.timeout <= threading.TIMEOUT_MAX  # NaN and inf are not
        if not timeout_ok or min(self.max_rows, self.max_body) < 0 or self.max_running < 1:
            raise InputError("timeout, max_rows, max_body and max_running must be positive")
        if self.base_iri is not None:
            validate_iri(self.base_iri, "base IRI")
        for origin in self.cors_origins:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise InputError(
                    f"CORS origin {origin!r} is not scheme://host[:port] (or *), e.g. "
                    "https://example.org"
                )


class HttpError(Exception):
    """A request refused with an HTTP status and a one-line message for the client."""

    def __init__(
        self, status: HTTPStatus, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class Response:
    """A response ready to send."""

    status: HTTPStatus
    body: bytes
    content_type: str
    headers: Mapping[str, str] | None = None


# --------------------------------------------------------------------------- the server


class SparqlServer(ThreadingHTTPServer):
    """A threading HTTP server answering the SPARQL 1.1 Protocol over ``store``.

    The server does not own the store: the caller closes it after :meth:`server_close`.
    """

    daemon_threads = True

    def __init__(
        self,
        store: Store,
        address: tuple[str, int] = ("127.0.0.1", 0),
        settings: ServerSettings | None = None,
        log: IO[str] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or ServerSettings()
        self.log = log if log is not None else sys.stderr
        self._slots = threading.BoundedSemaphore(self.settings.max_running)
        self._update_lock = threading.Lock()
        self._log_lock = threading.Lock()
        host = address[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        """The base URL clients use (``http://host:port``)."""
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else str(host)
        return f"http://{shown}:{port}"

    @property
    def base_iri(self) -> str:
        """The base of relative IRIs in requests: the setting, else the endpoint's URL."""
        return self.settings.base_iri or f"{self.url}/sparql"

    @property
    def loopback_only(self) -> bool:
        """Whether the server listens on a loopback address only."""
        return is_loopback(str(self.server_address[0]))

    def write_log(self, line: str) -> None:
        with self._log_lock:
            self.log.write(line.translate(_CONTROL) + "\n")
            self.log.flush()

    def run_limited(self, work: Callable[[], T]) -> T:
        """``work()`` in a worker thread, waited for at most ``settings.timeout`` seconds.

        503 when every query slot is taken or the time runs out; the worker of a query that ran
        over keeps its slot until the store returns (store engines cannot be interrupted).
        """
        if not self._slots.acquire(blocking=False):
            raise HttpError(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"{self.settings.max_running} queries are running already (some may have run "
                "over their time limit and still be computing); try again later",
                {"Retry-After": str(max(1, round(self.settings.timeout)))},
            )
        future: Future[T] = Future()

        def run() -> None:
            try:
                future.set_result(work())
            except BaseException as exc:  # handed to the request thread, which reports it
                future.set_exception(exc)
            finally:
                self._slots.release()

        threading.Thread(target=run, name="coopgraph-query", daemon=True).start()
        try:
            return future.result(timeout=self.settings.timeout)
        except TimeoutError:
            raise HttpError(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"the request ran over the time limit of {self.settings.timeout:g} s; the store "
                "may keep computing it in the background",
            ) from None

    def run_write(self, write: Callable[[], T]) -> T:
        """One write at a time (the in-memory rdflib backend is not safe for concurrent writes)."""

        def work() -> T:
            with self._update_lock:
                return write()

        return self.run_limited(work)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name, any case, or an address) is this machine's loopback interface."""
    if host.lower().removesuffix(".") in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------- requests


class _Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = f"coopgraph/{__version__}"
    protocol_version = "HTTP/1.1"

    # ------------------------------------------------------------------ dispatch

    _body_read = False
    """Whether the current request's body has been read (see :meth:`_settle_unread_body`)."""

    def setup(self) -> None:
        # A client that goes quiet (an idle keep-alive, a body shorter than its Content-Length)
        # is dropped after the request time limit instead of holding a thread for ever.
        self.timeout = self.server.settings.timeout
        super().setup()

    def _dispatch(self) -> None:
        self._handle(self.command)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _dispatch

    def _handle(self, method: str) -> None:
        started = time.monotonic()
        self._body_read = False
        try:
            response = self._route(method)
        except HttpError as exc:
            response = _error_response(exc)
        except Exception as exc:  # a bug: the client gets 500, the log the traceback
            self.server.write_log(f"internal error: {type(exc).__name__}: {exc}")
            self.server.log.write(traceback.format_exc())
            response = _error_response(
                HttpError(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    f"internal error: {type(exc).__name__} (see the server log)",
                )
            )
        self._settle_unread_body()
        self._send(self._with_cors(response), method)
        elapsed = time.monotonic() - started
        path = self.path if len(self.path) <= _LOG_PATH_CHARS else self.path[:_LOG_PATH_CHARS] + "…"
        self.server.write_log(
            f'{self.client_address[0]} "{method} {path}" {int(response.status)} '
            f"{len(response.body)} {elapsed:.3f}s"
        )

    def _route(self, method: str) -> Response:
        self._check_host()
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        allowed = _methods(path)
        if allowed is None:
            raise HttpError(
                HTTPStatus.NOT_FOUND,
                f"no resource {path}; try /, /sparql, /queries or {GRAPH_STORE_PATH}",
            )
        if method == "OPTIONS" and self.server.settings.cors_origins:
            return self._preflight(allowed)
        if method not in allowed:
            raise HttpError(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"{method} is not allowed here; use {', '.join(allowed[:-1])} or {allowed[-1]}",
                {"Allow": ", ".join(allowed)},
            )
        if method == "HEAD":  # answered as GET; _send leaves the body out
            method = "GET"
        if path in ("/sparql", "/sparql/"):
            return self._sparql(method, url.query)
        if path == "/":
            return self._page(method, url.query)
        if path == GRAPH_STORE_PATH:
            return self._graph_store(method, url.query)
        if path in ("/queries", "/queries/"):
            return _json_response(_catalogue_document())
        name = urllib.parse.unquote(path[len("/queries/") :])
        return self._canned(name, url.query)

    # ------------------------------------------------------------------ CORS

    def _allowed_origin(self) -> str | None:
        """What Access-Control-Allow-Origin says for this request's Origin; None: nothing."""
        origins = self.server.settings.cors_origins
        origin = self.headers.get("Origin")
        if origin is None or not origins:
            return None
        if "*" in origins:
            return "*"
        return origin if origin in origins else None

    def _with_cors(self, response: Response) -> Response:
        allowed = self._allowed_origin()
        if allowed is None:
            return response
        headers = {**(response.headers or {}), "Access-Control-Allow-Origin": allowed}
        if allowed != "*":
            headers["Vary"] = "Origin"
        return Response(response.status, response.body, response.content_type, headers)

    def _preflight(self, allowed: tuple[str, ...]) -> Response:
        origin = self.headers.get("Origin")
        if origin is not None and self._allowed_origin() is None:
            raise HttpError(
                HTTPStatus.FORBIDDEN, f"the origin {origin!r} may not use this endpoint (CORS)"
            )
        methods = ", ".join(allowed)
        return Response(
            HTTPStatus.NO_CONTENT,
            b"",
            "",
            {
                "Allow": methods,
                "Access-Control-Allow-Methods": methods,
                "Access-Control-Allow-Headers": _CORS_HEADERS,
                "Access-Control-Max-Age": "600",
            },
        )

    def _check_host(self) -> None:
        """Require one Host header, naming this machine when listening on loopback only.

        A web page cannot then read the local endpoint through a rebound DNS name. An HTTP/1.0
        request may omit Host (RFC 9112 section 3.2): browsers always send it, so such a
        request cannot come from a web page, and it arrived on the loopback interface.
        """
        hosts = self.headers.get_all("Host", [])
        if len(hosts) > 1:
            raise HttpError(HTTPStatus.BAD_REQUEST, "the request has more than one Host header")
        if not hosts and self.request_version != "HTTP/1.0":
            raise HttpError(HTTPStatus.BAD_REQUEST, "an HTTP/1.1 request needs a Host header")
        if not hosts or not self.server.loopback_only:
            return
        host = hosts[0]
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name.startswith("[") and "]" in name:
            name = name[1 : name.index("]")]
        if not is_loopback(name):
            raise HttpError(
                HTTPStatus.FORBIDDEN,
                f"this endpoint answers requests for the loopback interface only, not {host!r}",
            )

    # ------------------------------------------------------------------ parameters

    def _parameters(self, method: str, query_string: str) -> tuple[dict[str, list[str]], str]:
        """The request's parameters (URL and form body) and, for a direct POST, its type.

        The second value is the media type of a direct POST body (query or update) whose text
        is stored under ``query``/``update``; "" otherwise.
        """
        params = _parse_form(query_string, "the URL")
        if method != "POST":
            return params, ""
        media_type, options = _media_type(self.headers.get("Content-Type"))
        if media_type not in (FORM_TYPE, QUERY_TYPE, UPDATE_TYPE):
            shown = f"Content-Type {media_type}" if media_type else "no Content-Type"
            raise HttpError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"a POST with {shown}: send {FORM_TYPE}, {QUERY_TYPE} or {UPDATE_TYPE}",
            )
        charset = options.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise HttpError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"charset {charset} is not accepted: send the request body in UTF-8",
            )
        text = _decode(self._read_body(), "the request body")
        if media_type == FORM_TYPE:
            for name, values in _parse_form(text, "the request body").items():
                params.setdefault(name, []).extend(values)
            return params, ""
        field = "query" if media_type == QUERY_TYPE else "update"
        if field in params:
            raise HttpError(
                HTTPStatus.BAD_REQUEST,
                f"a {media_type} POST carries the {field} in its body, not in the URL",
            )
        params[field] = [text]
        return params, media_type

    def _read_body(self) -> bytes:
        """The request body; a refused one is left to :meth:`_settle_unread_body`."""
        if self.headers.get("Transfer-Encoding"):
            raise HttpError(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length")
        declared = self.headers.get_all("Content-Length", [])
        if not declared:
            raise HttpError(HTTPStatus.LENGTH_REQUIRED, f"a {self.command} needs a Content-Length")
        length = _content_length(self.headers)
        if length is None:
            shown = ", ".join(declared)
            raise HttpError(HTTPStatus.BAD_REQUEST, f"Content-Length {shown!r} is not a size")
        limit = self.server.settings.max_body
        if length > limit:
            raise HttpError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request body has {length} bytes, more than the limit of {limit}",
            )
        self._body_read = True
        return self.rfile.read(length)

    def _settle_unread_body(self) -> None:
        """Read and drop a body the answer did not need, or close the connection after it.

        Bytes left unread would be parsed as the next request on the connection (request
        smuggling, RFC 9112 section 9.3). A body within ``max_body`` is drained, so that the
        connection stays usable and the client is not cut off while it sends; one that is
        larger, chunked or of unknown length closes the connection.
        """
        if self._body_read:
            return
        chunked = self.headers.get("Transfer-Encoding") is not None
        length = None if chunked else _content_length(self.headers)
        if length is None or length > self.server.settings.max_body:
            self.close_connection = True
        elif length:
            self.rfile.read(length)

    # ------------------------------------------------------------------ /sparql

    def _sparql(self, method: str, query_string: str) -> Response:
        params, _ = self._parameters(method, query_string)
        queries, updates = params.get("query", []), params.get("update", [])
        if queries and updates:
            raise HttpError(
                HTTPStatus.BAD_REQUEST, "a request carries a query or an update, not both"
            )
        if len(queries) > 1 or len(updates) > 1:
            which = "query" if len(queries) > 1 else "update"
            raise HttpError(HTTPStatus.BAD_REQUEST, f"a request carries one {which}, not several")
        if updates:
            if method != "POST":
                raise HttpError(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    "an update must be sent by POST",
                    {"Allow": "POST"},
                )
            return self._update(updates[0], _request_dataset(params, UPDATE_DATASET, "update"))
        dataset = _request_dataset(params, QUERY_DATASET, "query")
        if not queries:
            if method == "POST":
                raise HttpError(HTTPStatus.BAD_REQUEST, "the request carries no query or update")
            return self._service_description()
        text, store, base = queries[0], self.server.store, self.server.base_iri
        result = self.server.run_limited(
            lambda: _guarded(lambda: store.query(text, dataset=dataset, base_iri=base))
        )
        return self._answer(result)

    def _update(self, update: str, dataset: QueryDataset | None) -> Response:
        self._authorise_update()
        store, base = self.server.store, self.server.base_iri
        self.server.run_write(
            lambda: _guarded(lambda: store.update(update, dataset=dataset, base_iri=base))
        )
        return Response(HTTPStatus.OK, b"update done\n", "text/plain; charset=utf-8")

    def _authorise_update(self) -> None:
        """Refuse a write unless updates are on and the request carries the bearer token."""
        settings = self.server.settings
        if not settings.allow_update:
            raise HttpError(
                HTTPStatus.FORBIDDEN,
                "this endpoint is read-only (start the server with --allow-update to accept "
                "updates)",
            )
        scheme, _, credentials = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise HttpError(
                HTTPStatus.UNAUTHORIZED,
                "an update needs an Authorization: Bearer <token> header",
                {"WWW-Authenticate": 'Bearer realm="coopgraph"'},
            )
        assert settings.token is not None  # ServerSettings requires it with allow_update
        if not hmac.compare_digest(credentials.strip().encode(), settings.token.encode()):
            raise HttpError(HTTPStatus.FORBIDDEN, "the bearer token is not the server's")

    def _answer(self, result: QueryResult) -> Response:
        """A query result in the format the client accepts, within the row cap."""
        _check_size(result, self.server.settings.max_rows)
        if isinstance(result, SelectResult):
            offered = SELECT_TYPES
        elif isinstance(result, AskResult):
            offered = ASK_TYPES
        else:
            offered = GRAPH_TYPES
        return self._negotiated(result, offered)

    def _negotiated(self, result: QueryResult, offered: tuple[tuple[str, str], ...]) -> Response:
        """``result`` in the type the client prefers among those that can hold it; else 406.

        A format may be unable to write an answer (RDF/XML a predicate that ends in a digit, XML
        a control character): the next acceptable type is tried.
        """
        failures: list[str] = []
        for media_type, fmt in negotiate(self.headers.get("Accept"), offered):
            try:
                body = serialize_result(result, fmt)
            except InputError as exc:
                failures.append(f"{media_type}: {exc}")
                continue
            return Response(HTTPStatus.OK, body, _with_charset(media_type))
        raise HttpError(
            HTTPStatus.NOT_ACCEPTABLE,
            "the answer cannot be written in any type the Accept header allows: "
            + "; ".join(failures),
        )

    def _service_description(self) -> Response:
        return self._negotiated(GraphResult(service_description(self.server)), GRAPH_TYPES)

    # ------------------------------------------------------------------ the Graph Store

    def _graph_store(self, method: str, query_string: str) -> Response:
        graph = _graph_target(_parse_form(query_string, "the URL"))
        store = self.server.store
        if method == "GET":
            result = self.server.run_limited(lambda: _guarded(lambda: _read_graph(store, graph)))
            if result is None:
                raise HttpError(HTTPStatus.NOT_FOUND, f"no graph <{graph}> in the store")
            return self._answer(result)
        if graph is None:
            raise HttpError(
                HTTPStatus.METHOD_NOT_ALLOWED,
                "the default graph is the union of the named graphs, read-only here; "
                "write to a named graph (?graph=IRI)",
                {"Allow": "GET, HEAD"},
            )
        self._authorise_update()
        quads = [] if method == "DELETE" else self._graph_body(graph)
        existed = self.server.run_write(
            lambda: _guarded(lambda: _write_graph(store, method, graph, quads))
        )
        if method == "DELETE" and not existed:
            raise HttpError(HTTPStatus.NOT_FOUND, f"no graph <{graph}> in the store")
        if existed or not quads:  # an empty graph is no graph in a quad store: none is created
            return Response(HTTPStatus.NO_CONTENT, b"", "")
        return Response(
            HTTPStatus.CREATED, f"created <{graph}>\n".encode(), "text/plain; charset=utf-8"
        )

    def _graph_body(self, graph: str) -> list[ox.Quad]:
        """The request body's triples, parsed completely before the store is touched."""
        media_type, _ = _media_type(self.headers.get("Content-Type"))
        fmt = GRAPH_STORE_INPUT.get(media_type)
        if fmt is None:
            shown = f"Content-Type {media_type}" if media_type else "no Content-Type"
            raise HttpError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"a graph sent with {shown}: send {' or '.join(GRAPH_STORE_INPUT)}",
            )
        body = self._read_body()
        try:
            return list(ox.parse(body, fmt, base_iri=graph))
        except SyntaxError as exc:
            message = " ".join(str(exc).split())
            raise HttpError(
                HTTPStatus.BAD_REQUEST, f"the graph does not parse: {message}"
            ) from None

    # ------------------------------------------------------------------ /queries

    def _canned(self, name: str, query_string: str) -> Response:
        query = _canned_query(name)
        values = _single_values(_parse_form(query_string, "the URL"))
        store = self.server.store
        result = self.server.run_limited(lambda: _run_canned(store, query, values))
        return self._answer(result)

    # ------------------------------------------------------------------ the HTML page

    def _page(self, method: str, query_string: str) -> Response:
        params = _single_values(self._parameters(method, query_string)[0])
        name = params.pop("canned", None)
        text = params.get("query")
        if name is not None and text is not None:
            raise HttpError(HTTPStatus.BAD_REQUEST, "a request runs a query or a canned query")
        if text is None and name is None:
            return _html_response(HTTPStatus.OK, _page_html(_PAGE_EXAMPLE, ""))
        store = self.server.store
        if name is not None:  # from a page form: an optional input left empty is not given
            query = _canned_query(name)
            values = {key: value for key, value in params.items() if value}
            run = lambda: _run_canned(store, query, values)  # noqa: E731
        else:
            base = self.server.base_iri
            run = lambda: _guarded(lambda: store.query(text, base_iri=base))  # noqa: E731
        shown = _PAGE_EXAMPLE if text is None else text
        try:
            result = self.server.run_limited(run)
            _check_size(result, self.server.settings.max_rows)
            labels = self.server.run_limited(lambda: _labels_for(store, result))
        except HttpError as exc:
            message = f'<p class="error">{int(exc.status)} {html.escape(exc.message)}</p>'
            return _html_response(exc.status, _page_html(shown, message, name, params))
        page = _page_html(shown, _result_html(result, labels), name, params)
        return _html_response(HTTPStatus.OK, page)

    # ------------------------------------------------------------------ sending

    def _send(self, response: Response, method: str) -> None:
        self.send_response(response.status)
        if response.status != HTTPStatus.NO_CONTENT:
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (response.headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib's own refusals (a malformed request line, a request line over 64 KiB, too
        many headers) as one line of text, like every other error; the connection is closed,
        as the rest of the request is not read."""
        status = HTTPStatus(code)
        if status == HTTPStatus.REQUEST_URI_TOO_LONG:
            message = "the request line is longer than 65536 bytes; send a long query by POST"
        self.log_error("code %d, message %s", code, message or status.phrase)
        self.close_connection = True
        response = _error_response(HttpError(status, message or status.description))
        self._send(response, self.command or "")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silent: :meth:`_handle` logs one line per request with its size and duration."""

    def log_message(self, format: str, *args: object) -> None:
        # Only the stdlib's own errors (a malformed request line) arrive here.
        self.server.write_log(f"{self.client_address[0]} {format % args}")


# --------------------------------------------------------------------------- running


def _methods(path: str) -> tuple[str, ...] | None:
    """The methods a resource answers; None when there is no such resource."""
    if path in ("/", "/sparql", "/sparql/"):
        return ("GET", "HEAD", "POST")
    if path == GRAPH_STORE_PATH:
        return _GRAPH_STORE_METHODS
    if path in ("/queries", "/queries/") or path.startswith("/queries/"):
        return ("GET", "HEAD")
    return None


def _guarded(work: Callable[[], T]) -> T:
    """``work()`` with the store's refusals turned into HTTP errors (400, 403, 502)."""
    try:
        return work()
    except (InputError, RecursionError) as exc:
        raise _input_refusal(exc) from None
    except StoreError as exc:
        raise HttpError(HTTPStatus.BAD_GATEWAY, str(exc)) from None


def _content_length(headers: Message) -> int | None:
    """The body length the Content-Length header declares (0 without one); None when it is not
    one decimal size (a bad value, or several that differ: RFC 9112 section 6.3)."""
    values = {value.strip() for value in headers.get_all("Content-Length", [])}
    if not values:
        return 0
    value = values.pop() if len(values) == 1 else ""
    return int(value) if _DECIMAL.fullmatch(value) else None


def _request_dataset(
    params: Mapping[str, list[str]], names: tuple[str, str], kind: str
) -> QueryDataset | None:
    """The dataset the protocol parameters ``names`` (default, named) choose; None if none.

    The other kind's parameters (``using-*`` on a query, ``*-graph-uri`` on an update) are
    refused: they would silently do nothing.
    """
    wrong = [n for n in (*QUERY_DATASET, *UPDATE_DATASET) if n in params and n not in names]
    if wrong:
        raise HttpError(
            HTTPStatus.BAD_REQUEST,
            f"{wrong[0]} is not a parameter of a {kind}; use {' or '.join(names)}",
        )
    default, named = (params.get(name, []) for name in names)
    if not default and not named:
        return None
    try:
        return QueryDataset(default_graphs=default, named_graphs=named)
    except ParameterError as exc:
        raise HttpError(HTTPStatus.BAD_REQUEST, str(exc)) from None


def _graph_target(params: Mapping[str, list[str]]) -> str | None:
    """The graph a Graph Store request names: an IRI, or None for ``?default``."""
    if set(params) - {"graph", "default"} or len(params) != 1:
        raise HttpError(
            HTTPStatus.BAD_REQUEST, "name one graph: ?graph=IRI or ?default (and nothing else)"
        )
    if "default" in params:
        if params["default"] != [""]:
            raise HttpError(HTTPStatus.BAD_REQUEST, "?default takes no value")
        return None
    if len(params["graph"]) != 1:
        raise HttpError(HTTPStatus.BAD_REQUEST, "the parameter graph is given more than once")
    try:
        return validate_iri(params["graph"][0], "graph")
    except ParameterError as exc:
        raise HttpError(HTTPStatus.BAD_REQUEST, str(exc)) from None


def _read_graph(store: Store, graph: str | None) -> GraphResult | None:
    """The graph's triples (the union default graph for None); None if it holds nothing."""
    if graph is not None and URIRef(graph) not in store.graphs():
        return None
    dataset = QueryDataset(default_graphs=[graph]) if graph is not None else None
    result = store.query("CONSTRUCT WHERE { ?s ?p ?o }", dataset=dataset)
    assert isinstance(result, GraphResult)
    return result


def _write_graph(store: Store, method: str, graph: str, quads: list[ox.Quad]) -> bool:
    """PUT (replace), POST (merge) or DELETE a named graph; whether it held statements before.

    A PUT empties the graph, then adds the parsed body: the body cannot fail to parse by then,
    but a store that fails between the two steps leaves the graph empty.
    """
    existed = URIRef(graph) in store.graphs()
    if existed and method in ("PUT", "DELETE"):
        store.update(f"DROP SILENT GRAPH {sparql_term(URIRef(graph))}")
    if method != "DELETE":
        store.add(quads, graph=graph)
    return existed


def _canned_query(name: str) -> CannedQuery:
    query = catalogue().get(name)
    if query is None:
        raise HttpError(HTTPStatus.NOT_FOUND, f"no canned query {name!r}; GET /queries lists them")
    return query


def _run_canned(store: Store, query: CannedQuery, values: Mapping[str, str]) -> QueryResult:
    """The canned query with its parameters resolved and bound as terms, never spliced."""

    def run() -> QueryResult:
        bindings: dict[str, URIRef | Literal] = {}
        for name, value in values.items():
            parameter = query.parameter(name)
            bindings[name] = resolve_value(store, parameter, value, f"parameter {name}")
        missing = [p for p in query.parameters if p.required and p.name not in bindings]
        if missing:
            raise HttpError(
                HTTPStatus.BAD_REQUEST,
                f"query {query.name} needs the parameter {missing[0].name} "
                f"({missing[0].description} Example: {missing[0].example})",
            )
        return store.query(query.text_for(store.dialect), bindings)

    return _guarded(run)


def _input_refusal(exc: BaseException) -> HttpError:
    if isinstance(exc, NetworkRefusedError):
        return HttpError(HTTPStatus.FORBIDDEN, f"refused: {exc}")
    if isinstance(exc, RecursionError):
        return HttpError(HTTPStatus.BAD_REQUEST, "the request is nested too deeply to parse")
    return HttpError(HTTPStatus.BAD_REQUEST, str(exc))


def _check_size(result: QueryResult, max_rows: int) -> None:
    if isinstance(result, AskResult):
        return
    size = len(result)
    if size > max_rows:
        what = "rows" if isinstance(result, SelectResult) else "triples"
        raise HttpError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"the answer has {size} {what}, more than this endpoint's limit of {max_rows}; "
            "narrow the query or add LIMIT",
        )


def _labels_for(store: Store, result: QueryResult) -> dict[URIRef, str]:
    if isinstance(result, SelectResult):
        return label_map(store, (cell for row in result.rows for cell in row))
    return {}


# --------------------------------------------------------------------------- formats


def _media_type(header: str | None) -> tuple[str, dict[str, str]]:
    """A Content-Type's media type (lower case) and its parameters."""
    if not header:
        return "", {}
    kind, *options = header.split(";")
    parsed = {}
    for option in options:
        name, _, value = option.partition("=")
        parsed[name.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), parsed


def negotiate(accept: str | None, offered: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """The offered (media type, format) pairs the Accept header allows, best first; 406 when it
    accepts none.

    The most specific matching range gives a type's quality; among equal qualities the server's
    order decides. No Accept header means anything.
    """
    if not accept or not accept.strip():
        return list(offered)
    ranges: list[tuple[str, str, float]] = []
    for item in accept.split(","):
        kind, options = _media_type(item)
        if not kind:
            continue
        try:
            quality = float(options.get("q", "1"))
        except ValueError:
            quality = 0.0
        main, _, sub = kind.partition("/")
        ranges.append((main, sub or "*", quality))
    qualities = {pair: _quality(pair[0], ranges) for pair in offered}
    ranked = sorted((pair for pair in offered if qualities[pair] > 0), key=lambda p: -qualities[p])
    if not ranked:
        types = ", ".join(media_type for media_type, _ in offered)
        raise HttpError(
            HTTPStatus.NOT_ACCEPTABLE,
            f"cannot answer in any type the Accept header allows ({accept}); this answer "
            f"comes as {types}",
        )
    return ranked


def _quality(media_type: str, ranges: list[tuple[str, str, float]]) -> float:
    main, _, sub = media_type.partition("/")
    specificity, quality = -1, 0.0
    for range_main, range_sub, range_quality in ranges:
        if range_main == main and range_sub == sub:
            level = 2
        elif range_main == main and range_sub == "*":
            level = 1
        elif range_main == "*":
            level = 0
        else:
            continue
        if level > specificity:
            specificity, quality = level, range_quality
    return quality


def serialize_result(result: QueryResult, fmt: str) -> bytes:
    """A query result as UTF-8 in a format of :data:`SELECT_TYPES`, :data:`ASK_TYPES` or
    :data:`GRAPH_TYPES`; InputError when the format cannot hold it (a character XML 1.0
    excludes, a predicate RDF/XML cannot name, a lone surrogate that has no UTF-8 form)."""
    if isinstance(result, GraphResult):
        text = rdfio.serialize(result.graph, fmt)
    elif fmt == "xml":
        text = results_xml(result)
    elif isinstance(result, AskResult):
        text = render_boolean(result, fmt)
    else:
        text = render_rows(result.variables, result.rows, fmt)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate an rdflib graph may hold
        raise InputError(_unwritable(exc.object[exc.start], "UTF-8")) from None


def _unwritable(character: str, encoding: str) -> str:
    return f"the answer holds the character U+{ord(character):04X}, which {encoding} cannot hold"


def results_xml(result: SelectResult | AskResult) -> str:
    """The W3C SPARQL Query Results XML Format of a SELECT or ASK answer; InputError when it
    holds a character XML 1.0 cannot (a control character: the document would be malformed)."""
    ET.register_namespace("", _RESULTS_XML_NS)

    def tag(name: str) -> str:
        return f"{{{_RESULTS_XML_NS}}}{name}"

    root = ET.Element(tag("sparql"))
    head = ET.SubElement(root, tag("head"))
    if isinstance(result, AskResult):
        ET.SubElement(root, tag("boolean")).text = "true" if result else "false"
    else:
        for name in result.variables:
            ET.SubElement(head, tag("variable"), name=name)
        results = ET.SubElement(root, tag("results"))
        for row in result.rows:
            solution = ET.SubElement(results, tag("result"))
            for name, term in zip(result.variables, row, strict=True):
                if term is None:
                    continue
                binding = ET.SubElement(solution, tag("binding"), name=name)
                if isinstance(term, URIRef):
                    ET.SubElement(binding, tag("uri")).text = str(term)
                elif isinstance(term, BNode):
                    ET.SubElement(binding, tag("bnode")).text = str(term)
                else:
                    literal = ET.SubElement(binding, tag("literal"))
                    literal.text = str(term)
                    if term.language:
                        literal.set("{http://www.w3.org/XML/1998/namespace}lang", term.language)
                    elif term.datatype is not None and term.datatype != XSD.string:
                        literal.set("datatype", str(term.datatype))
    text = f"<?xml version='1.0' encoding='utf-8'?>\n{ET.tostring(root, encoding='unicode')}\n"
    unwritable = rdfio.NOT_XML_CHAR.search(text)
    if unwritable:
        raise InputError(_unwritable(unwritable.group(), "XML 1.0"))
    return text


def _with_charset(media_type: str) -> str:
    return f"{media_type}; charset=utf-8"


def _parse_form(text: str, where: str) -> dict[str, list[str]]:
    try:
        return urllib.parse.parse_qs(
            text, keep_blank_values=True, strict_parsing=False, errors="strict"
        )
    except UnicodeDecodeError:
        raise HttpError(
            HTTPStatus.BAD_REQUEST, f"{where} has percent-encoded bytes that are not UTF-8"
        ) from None


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(
            HTTPStatus.BAD_REQUEST, f"{where} is not UTF-8 (byte {exc.start})"
        ) from None


def _single_values(params: dict[str, list[str]]) -> dict[str, str]:
    repeated = [name for name, values in params.items() if len(values) > 1]
    if repeated:
        raise HttpError(
            HTTPStatus.BAD_REQUEST, f"the parameter {repeated[0]} is given more than once"
        )
    return {name: values[0] for name, values in params.items()}


def _error_response(exc: HttpError) -> Response:
    body = f"{int(exc.status)} {exc.status.phrase}: {exc.message}\n".encode()
    return Response(exc.status, body, "text/plain; charset=utf-8", exc.headers)


def _json_response(document: object) -> Response:
    body = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return Response(HTTPStatus.OK, body, "application/json")


# --------------------------------------------------------------------------- descriptions


def _catalogue_document() -> dict[str, object]:
    """The canned queries, their parameters and columns, as ``/queries`` lists them."""
    return {
        "queries": [
            {
                "name": query.name,
                "title": query.title,
                "description": query.description,
                "question": query.question,
                "url": f"/queries/{query.name}",
                "parameters": [
                    {
                        "name": p.name,
                        "kind": p.kind,
                        "required": p.required,
                        "example": p.example,
                        "description": p.description,
                    }
                    for p in query.parameters
                ],
                "columns": [{"name": c.name, "description": c.description} for c in query.columns],
            }
            for query in catalogue().values()
        ]
    }


def service_description(server: SparqlServer) -> rdflib.Graph:
    """The SPARQL 1.1 Service Description of ``server``: languages, formats, dataset, limits."""
    graph = rdflib.Graph()
    graph.bind("sd", SD)
    graph.bind("formats", FORMATS_NS)
    settings = server.settings
    service = URIRef(f"{server.url}/sparql#service")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(f"{server.url}/sparql")))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if settings.allow_update:
        graph.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for media_type in dict(SELECT_TYPES + GRAPH_TYPES):
        if media_type in _RESULT_FORMATS:
            graph.add((service, SD.resultFormat, _RESULT_FORMATS[media_type]))
    limits = (
        f"coopgraph {__version__} over {server.store.location}; "
        f"{'updates with a bearer token' if settings.allow_update else 'read-only'}; "
        f"at most {settings.max_rows} rows or triples per answer; "
        f"{settings.timeout:g} s per request; request bodies up to {settings.max_body} bytes; "
        "SERVICE, LOAD and FROM are refused; the protocol's dataset parameters choose "
        "stored graphs"
    )
    graph.add((service, RDFS.comment, Literal(limits)))
    dataset = BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    for name in server.store.graphs():
        named = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, name))
    return graph


# --------------------------------------------------------------------------- HTML


_STYLE = """
body { font-family: sans-serif; margin: 1.5em; max-width: 70em; }
textarea { width: 100%; font-family: monospace; }
table { border-collapse: collapse; margin-top: 1em; }
th, td { border: 1px solid #999; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
.error { color: #a00; font-weight: bold; }
"""


def _page_html(
    query: str,
    result_html: str,
    canned: str | None = None,
    values: Mapping[str, str] | None = None,
) -> str:
    """The page: the query form, then one form per canned query; ``result_html`` follows the
    form that was run, whose inputs keep the ``values`` given."""
    query_result = result_html if canned is None else ""
    forms = "".join(
        _canned_form(q, result_html if q.name == canned else "", values or {})
        for q in catalogue().values()
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>coopgraph SPARQL</title><style>{_STYLE}</style></head>
<body>
<h1>coopgraph SPARQL endpoint</h1>
<form method="post" action="/">
<p><label for="query">SPARQL query</label></p>
<textarea id="query" name="query" rows="12">{html.escape(query)}</textarea>
<p><button type="submit">Run query</button></p>
</form>
{query_result}
<h2>Canned queries</h2>
<p>As JSON at <a href="/queries">/queries</a>; run one at /queries/NAME?parameter=value or
with its form below (a parameter is an IRI, a compact name such as data:x, or an exact
label).</p>
{forms}
<p>Protocol endpoint: <a href="/sparql">/sparql</a> (its service description); graphs at
{GRAPH_STORE_PATH}?graph=IRI.</p>
</body>
</html>
"""


def _canned_form(query: CannedQuery, result_html: str, values: Mapping[str, str]) -> str:
    """A form that runs one canned query on the page, an input per declared parameter."""
    name = html.escape(query.name)
    inputs = "".join(
        f"<label>{html.escape(p.name)} ({html.escape(p.kind)}"
        f"{'' if p.required else ', optional'}) "
        f'<input name="{html.escape(p.name)}" value="{html.escape(values.get(p.name, ""))}" '
        f'placeholder="{html.escape(p.example)}"{" required" if p.required else ""}></label> '
        for p in query.parameters
    )
    return (
        f'<form method="get" action="/" id="canned-{name}"><fieldset>'
        f'<legend><a href="/queries/{name}">{name}</a>: {html.escape(query.title)}</legend>'
        f'<input type="hidden" name="canned" value="{name}">{inputs}'
        f'<button type="submit">Run {name}</button></fieldset></form>{result_html}\n'
    )


def _result_html(result: QueryResult, labels: Mapping[URIRef, str]) -> str:
    if isinstance(result, AskResult):
        return f"<p>Answer: <strong>{'true' if result else 'false'}</strong></p>"
    if isinstance(result, GraphResult):
        text = rdfio.serialize(result.graph, "turtle")
        return f"<p>{len(result)} triples</p><pre>{html.escape(text)}</pre>"
    head = "".join(f"<th>{html.escape(name)}</th>" for name in result.variables)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(display(cell, labels))}</td>" for cell in row) + "</tr>"
        for row in result.rows
    )
    count = len(result)
    return (
        f"<p>{count} row{'s' if count != 1 else ''}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _html_response(status: HTTPStatus, page: str) -> Response:
    return Response(
        status,
        page.encode("utf-8"),
        "text/html; charset=utf-8",
        {
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "form-action 'self'; frame-ancestors 'none'",
        },
    )
