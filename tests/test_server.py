"""``coopgraph serve``: the SPARQL endpoint used by real clients, its refusals, its page, its CLI.

Servers run in-process on a free loopback port (:func:`running`); SPARQLWrapper and rdflib's
SPARQLStore are the consumers. The W3C protocol manifest is in ``test_server_protocol.py``.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, XML, SPARQLWrapper

from coopgraph.cli import build_parser, main
from coopgraph.cli.serve import MAX_TIMEOUT
from coopgraph.cli.serve import _open as open_served_store
from coopgraph.dataset import open_dataset
from coopgraph.errors import InputError, StoreError
from coopgraph.server import (
    ServerSettings,
    SparqlServer,
    is_loopback,
    negotiate,
    serialize_result,
)
from coopgraph.store import MemoryStore, OxigraphStore, SelectResult, Store

DATA = "https://w3id.org/coopgraph/data/"
COOP = "https://w3id.org/coopgraph/ontology#"
TOKEN = "s3cret-token"
GERMANY_ENGAGEMENTS = f"""PREFIX coop: <{COOP}>
PREFIX data: <{DATA}>
SELECT ?engagement ?partner ?start WHERE {{
  ?engagement a coop:Engagement ; coop:provider data:Germany ; coop:partner ?partner .
  OPTIONAL {{ ?engagement coop:startDate ?start }}
}} ORDER BY ?engagement"""
GERMANY_PARTNERS_GRAPH = (
    f"CONSTRUCT {{ ?e <{COOP}partner> ?p }} "
    f"WHERE {{ ?e <{COOP}provider> <{DATA}Germany> ; <{COOP}partner> ?p }}"
)
GERMANY_ROWS = [
    (
        URIRef(DATA + "eng-germany-peshmerga-training"),
        URIRef(DATA + "Peshmerga"),
        Literal("2015-01-29", datatype=XSD.date),
    ),
    (
        URIRef(DATA + "eng-germany-peshmerga-weapons"),
        URIRef(DATA + "Peshmerga"),
        Literal("2014", datatype=XSD.gYear),
    ),
]


# --------------------------------------------------------------------------- helpers


@contextmanager
def running(store: Store, settings: ServerSettings | None = None) -> Iterator[SparqlServer]:
    """A server over ``store`` on a free loopback port, serving in a thread until the end."""
    for name in ("no_proxy", "NO_PROXY"):
        os.environ[name] = "127.0.0.1,localhost"
    server = SparqlServer(store, ("127.0.0.1", 0), settings, log=io.StringIO())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def call(
    server: SparqlServer,
    method: str,
    path: str,
    body: bytes | str | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One raw HTTP request: (status, headers, body)."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=30)
    try:
        data = body.encode("utf-8") if isinstance(body, str) else body
        connection.request(method, path, body=data, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def form(**fields: str) -> tuple[str, dict[str, str]]:
    from urllib.parse import urlencode

    return urlencode(fields), {"Content-Type": "application/x-www-form-urlencoded"}


def get_query(query: str, **extra: str) -> str:
    from urllib.parse import urlencode

    return "/sparql?" + urlencode({"query": query, **extra})


def json_rows(body: bytes) -> list[dict[str, dict[str, str]]]:
    return json.loads(body)["results"]["bindings"]


@pytest.fixture(scope="module")
def kb_server() -> Iterator[SparqlServer]:
    """The default server: the ontology and the example knowledge base, read-only."""
    with open_dataset() as store, running(store) as server:
        yield server


@pytest.fixture
def update_server() -> Iterator[SparqlServer]:
    """An empty in-memory Oxigraph store that accepts updates with :data:`TOKEN`."""
    with (
        OxigraphStore() as store,
        running(store, ServerSettings(allow_update=True, token=TOKEN)) as server,
    ):
        yield server


# --------------------------------------------------------------------------- real clients


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("return_format", [JSON, XML])
def test_sparqlwrapper_select(kb_server: SparqlServer, method: str, return_format: str) -> None:
    client = SPARQLWrapper(f"{kb_server.url}/sparql")
    client.setQuery(GERMANY_ENGAGEMENTS)
    client.setMethod(method)
    client.setReturnFormat(return_format)
    result = client.query().convert()
    if return_format == JSON:
        rows = [
            (b["engagement"]["value"], b["partner"]["value"], b["start"]["value"])
            for b in result["results"]["bindings"]
        ]
        datatypes = [b["start"]["datatype"] for b in result["results"]["bindings"]]
    else:
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        rows, datatypes = [], []
        for solution in result.getElementsByTagNameNS(ns["r"], "result"):
            cells = {
                b.getAttribute("name"): b.firstChild
                for b in solution.getElementsByTagName("binding")
            }
            rows.append(tuple(cells[n].firstChild.data for n in ("engagement", "partner", "start")))
            datatypes.append(cells["start"].getAttribute("datatype"))
    assert rows == [tuple(str(t) for t in row) for row in GERMANY_ROWS]
    assert datatypes == [str(XSD.date), str(XSD.gYear)]


@pytest.mark.parametrize("return_format", [JSON, XML])
def test_sparqlwrapper_ask(kb_server: SparqlServer, return_format: str) -> None:
    client = SPARQLWrapper(f"{kb_server.url}/sparql", returnFormat=return_format)
    answers = []
    for target in ("Peshmerga", "NoSuchActor"):
        client.setQuery(f"ASK {{ ?e <{COOP}partner> <{DATA}{target}> }}")
        result = client.query().convert()
        if return_format == JSON:
            answers.append(result["boolean"])
        else:
            answers.append(result.getElementsByTagName("boolean")[0].firstChild.data == "true")
    assert answers == [True, False]


def test_sparqlwrapper_construct(kb_server: SparqlServer) -> None:
    client = SPARQLWrapper(f"{kb_server.url}/sparql", returnFormat="turtle")
    client.setQuery(GERMANY_PARTNERS_GRAPH)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert set(graph) == {(row[0], URIRef(COOP + "partner"), row[1]) for row in GERMANY_ROWS}


def test_sparqlwrapper_update_with_token(update_server: SparqlServer) -> None:
    client = SPARQLWrapper(f"{update_server.url}/sparql")
    client.setMethod(POST)
    client.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    client.setQuery(
        "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> "
        "<http://example.org/p> 1 } }"
    )
    client.query()
    assert len(update_server.store) == 1


def test_rdflib_sparqlstore(kb_server: SparqlServer) -> None:
    store = SPARQLStore(f"{kb_server.url}/sparql", returnFormat="xml")
    rows = list(store.query(GERMANY_ENGAGEMENTS))
    assert [tuple(row) for row in rows] == GERMANY_ROWS
    assert store.query(f"ASK {{ <{DATA}Germany> ?p ?o }}").askAnswer is True
    graph = rdflib.Graph(store=store)
    assert set(
        graph.objects(URIRef(DATA + "eng-germany-peshmerga-weapons"), URIRef(COOP + "partner"))
    ) == {URIRef(DATA + "Peshmerga")}


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/json"),
    ],
)
def test_select_content_negotiation(
    kb_server: SparqlServer, accept: str | None, content_type: str
) -> None:
    status, headers, body = call(
        kb_server,
        "GET",
        get_query(GERMANY_ENGAGEMENTS),
        headers={"Accept": accept} if accept else {},
    )
    assert status == 200
    assert headers["Content-Type"] == f"{content_type}; charset=utf-8"
    if content_type == "text/csv":
        assert list(csv.reader(io.StringIO(body.decode()))) == [
            ["engagement", "partner", "start"],
            *([str(t) for t in row] for row in GERMANY_ROWS),
        ]
    elif content_type == "text/tab-separated-values":
        assert body.decode().splitlines() == [
            "?engagement\t?partner\t?start",
            *("\t".join(t.n3() for t in row) for row in GERMANY_ROWS),
        ]
    elif content_type.endswith("xml"):
        root = ET.fromstring(body)
        assert len(root.findall(".//{http://www.w3.org/2005/sparql-results#}result")) == 2
    else:
        assert [b["engagement"]["value"] for b in json_rows(body)] == [
            str(row[0]) for row in GERMANY_ROWS
        ]


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_formats(kb_server: SparqlServer, accept: str, fmt: str) -> None:
    status, headers, body = call(
        kb_server, "GET", get_query(GERMANY_PARTNERS_GRAPH), headers={"Accept": accept}
    )
    assert (status, headers["Content-Type"]) == (200, f"{accept}; charset=utf-8")
    graph = rdflib.Graph().parse(data=body.decode(), format=fmt)
    assert set(graph) == {(row[0], URIRef(COOP + "partner"), row[1]) for row in GERMANY_ROWS}


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("SELECT * { ?s ?p ?o } LIMIT 1", "text/turtle"),
        ("ASK {}", "text/csv"),
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "application/sparql-results+json"),
        ("ASK {}", "text/html, image/*;q=0.5"),
        ("ASK {}", "application/sparql-results+json;q=0"),
    ],
)
def test_unacceptable_accept_is_406(kb_server: SparqlServer, query: str, accept: str) -> None:
    status, headers, body = call(kb_server, "GET", get_query(query), headers={"Accept": accept})
    assert status == 406
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert body.decode().startswith("406 Not Acceptable: cannot answer in any type")


def test_negotiate_prefers_specific_ranges_and_server_order() -> None:
    offered = (("a/x", "x"), ("a/y", "y"), ("b/z", "z"))
    x, y, z = offered
    assert negotiate("a/*;q=0.5, b/z;q=0.4", offered) == [x, y, z]
    assert negotiate("a/*;q=0.5, a/y", offered) == [y, x]
    assert negotiate("*/*;q=0.1, b/z", offered) == [z, x, y]
    assert negotiate("b/z, a/x;q=0", offered) == [z]
    assert negotiate("", offered) == [x, y, z]


def test_service_description(kb_server: SparqlServer) -> None:
    status, headers, body = call(kb_server, "GET", "/sparql", headers={"Accept": "text/turtle"})
    assert (status, headers["Content-Type"]) == (200, "text/turtle; charset=utf-8")
    graph = rdflib.Graph().parse(data=body.decode(), format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    (service,) = graph.subjects(rdflib.RDF.type, sd.Service)
    assert set(graph.objects(service, sd.endpoint)) == {URIRef(f"{kb_server.url}/sparql")}
    assert set(graph.objects(service, sd.supportedLanguage)) == {sd.SPARQL11Query}
    assert set(graph.objects(service, sd.feature)) == {sd.UnionDefaultGraph}
    names = set(graph.objects(None, sd.name))
    assert names == {
        URIRef("https://w3id.org/coopgraph/graph/ontology"),
        URIRef("https://w3id.org/coopgraph/graph/examples"),
    }
    formats = {str(f).rsplit("/", 1)[1] for f in graph.objects(service, sd.resultFormat)}
    assert formats == {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    }


def test_service_description_names_update_when_allowed(update_server: SparqlServer) -> None:
    status, _, body = call(update_server, "GET", "/sparql")
    graph = rdflib.Graph().parse(data=body.decode(), format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert status == 200
    assert set(graph.objects(None, sd.supportedLanguage)) == {sd.SPARQL11Query, sd.SPARQL11Update}


# --------------------------------------------------------------------------- canned queries


def test_queries_list(kb_server: SparqlServer) -> None:
    status, headers, body = call(kb_server, "GET", "/queries")
    assert (status, headers["Content-Type"]) == (200, "application/json")
    listed = {q["name"]: q for q in json.loads(body)["queries"]}
    from coopgraph.catalogue import catalogue

    assert list(listed) == list(catalogue())
    state = listed["state-partners"]
    assert state["url"] == "/queries/state-partners"
    assert state["parameters"] == [
        {
            "name": "state",
            "kind": "IRI",
            "required": False,
            "example": "data:UnitedStates",
            "description": "The providing state (all states if omitted).",
        }
    ]
    assert [c["name"] for c in state["columns"]] == [
        "state",
        "partner",
        "engagement",
        "engagementType",
        "start",
        "end",
    ]


@pytest.mark.parametrize("value", ["data:Germany", f"<{DATA}Germany>", "Germany"])
def test_canned_query_with_parameter(kb_server: SparqlServer, value: str) -> None:
    from urllib.parse import quote

    status, _, body = call(kb_server, "GET", f"/queries/state-partners?state={quote(value)}")
    assert status == 200
    rows = [(b["engagement"]["value"], b["engagementType"]["value"]) for b in json_rows(body)]
    assert rows == [
        (DATA + "eng-germany-peshmerga-training", COOP + "JointTraining"),
        (DATA + "eng-germany-peshmerga-weapons", COOP + "WeaponsSupply"),
    ]


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/queries/state-partners?country=data:Germany", 400, "has no parameter 'country'"),
        ("/queries/state-partners?state=Nowhere%20Land", 400, "parameter state: 'Nowhere Land'"),
        ("/queries/state-partners?state=data:A&state=data:B", 400, "parameter state is given more"),
        ("/queries/state-partners?state=%3Chttp://x%20y%3E", 400, "parameter state"),
        ("/queries/engagement-facts", 400, "needs the parameter engagement"),
        ("/queries/no-such-query", 404, "no canned query 'no-such-query'"),
    ],
)
def test_canned_query_refusals(
    kb_server: SparqlServer, path: str, status: int, message: str
) -> None:
    got, headers, body = call(kb_server, "GET", path)
    assert got == status
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert message in body.decode()


def test_canned_parameter_is_bound_not_spliced(kb_server: SparqlServer) -> None:
    # A value that would change the query if pasted into its text is just a label to look up.
    from urllib.parse import quote

    value = '"} UNION { ?state ?p ?o } #'
    status, _, body = call(kb_server, "GET", f"/queries/state-partners?state={quote(value)}")
    assert status == 400
    assert "is not an IRI, a compact name" in body.decode()


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("query", "construct"),
    [
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }", "FROM"),
        (
            "SELECT * FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
            "FROM NAMED",
        ),
    ],
)
def test_network_constructs_refused(kb_server: SparqlServer, query: str, construct: str) -> None:
    status, _, body = call(kb_server, "GET", get_query(query))
    assert status == 403
    assert body.decode().startswith("403 Forbidden: refused: ")
    assert construct in body.decode()


def test_load_refused_even_with_token(update_server: SparqlServer) -> None:
    body, headers = form(update="LOAD <http://example.org/data.ttl>")
    status, _, text = call(
        update_server, "POST", "/sparql", body, {**headers, "Authorization": f"Bearer {TOKEN}"}
    )
    assert status == 403
    assert "LOAD <http://example.org/data.ttl>" in text.decode()
    assert len(update_server.store) == 0


def test_malformed_query_gives_parser_message(kb_server: SparqlServer) -> None:
    status, _, body = call(kb_server, "GET", get_query("SELECT ?s WHERE { ?s ?p }"))
    assert status == 400
    assert body.decode().startswith("400 Bad Request: SPARQL query syntax error at line 1")


INSERT = (
    "INSERT DATA { GRAPH <http://example.org/g> { "
    "<http://example.org/s> <http://example.org/p> 1 } }"
)


def test_update_refused_when_read_only(kb_server: SparqlServer) -> None:
    before = len(kb_server.store)
    body, headers = form(update=INSERT)
    status, _, text = call(
        kb_server, "POST", "/sparql", body, {**headers, "Authorization": f"Bearer {TOKEN}"}
    )
    assert status == 403
    assert "read-only" in text.decode()
    assert len(kb_server.store) == before


@pytest.mark.parametrize(
    ("authorization", "status", "message"),
    [
        (None, 401, "needs an Authorization: Bearer"),
        ("Basic dXNlcjpwYXNz", 401, "needs an Authorization: Bearer"),
        ("Bearer wrong-token", 403, "the bearer token is not the server's"),
        (f"Bearer {TOKEN}x", 403, "the bearer token is not the server's"),
    ],
)
def test_update_authorisation(
    update_server: SparqlServer, authorization: str | None, status: int, message: str
) -> None:
    headers = {"Content-Type": "application/sparql-update"}
    if authorization:
        headers["Authorization"] = authorization
    got, response_headers, body = call(update_server, "POST", "/sparql", INSERT, headers)
    assert got == status
    assert message in body.decode()
    if status == 401:
        assert response_headers["WWW-Authenticate"] == 'Bearer realm="coopgraph"'
    assert len(update_server.store) == 0


def test_update_with_token_then_query(update_server: SparqlServer) -> None:
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    status, _, body = call(update_server, "POST", "/sparql", INSERT, headers)
    assert (status, body) == (200, b"update done\n")
    status, _, body = call(
        update_server, "GET", get_query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    )
    assert [b["o"]["value"] for b in json_rows(body)] == ["1"]


def test_body_too_large_is_413(kb_server: SparqlServer) -> None:
    # The server answers from Content-Length alone, before any of the body arrives. (Sending
    # the body first raced with that answer: the client could get a broken pipe instead.)
    limit = kb_server.settings.max_body
    host, port = kb_server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=30)
    try:
        connection.putrequest("POST", "/sparql")
        connection.putheader("Content-Type", "application/sparql-query")
        connection.putheader("Content-Length", str(limit + 6))
        connection.endheaders()
        response = connection.getresponse()
        status, headers, body = response.status, response.headers, response.read()
    finally:
        connection.close()
    assert status == 413
    assert body.decode() == (
        f"413 Request Entity Too Large: the request body has {limit + 6} bytes, more than the "
        f"limit of {limit}\n"
    )
    assert headers["Connection"] == "close"


def test_row_cap_is_413() -> None:
    with open_dataset() as store, running(store, ServerSettings(max_rows=1)) as server:
        status, _, body = call(server, "GET", get_query(GERMANY_ENGAGEMENTS))
        assert status == 413
        assert "the answer has 2 rows, more than this endpoint's limit of 1" in body.decode()
        status, _, body = call(server, "GET", get_query(GERMANY_PARTNERS_GRAPH))
        assert status == 413
        assert "the answer has 2 triples" in body.decode()
        status, _, body = call(server, "GET", get_query(GERMANY_ENGAGEMENTS + " LIMIT 1"))
        assert status == 200
        assert len(json_rows(body)) == 1


class SlowStore(MemoryStore):
    """A store whose queries wait until the test releases them (an engine that cannot stop)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.finished = threading.Event()

    def _query(self, *args):  # type: ignore[no-untyped-def]
        self.release.wait(30)
        try:
            return super()._query(*args)
        finally:
            self.finished.set()


def test_timeout_is_503_and_slots_are_held() -> None:
    store = SlowStore()
    settings = ServerSettings(timeout=0.3, max_running=1)
    with running(store, settings) as server:
        started = time.monotonic()
        status, _, body = call(server, "GET", get_query("ASK {}"))
        assert status == 503
        assert time.monotonic() - started < 5
        assert body.decode() == (
            "503 Service Unavailable: the request ran over the time limit of 0.3 s; the store "
            "may keep computing it in the background\n"
        )
        # The query that ran over still holds the only slot: the next one is refused at once.
        status, headers, body = call(server, "GET", get_query("ASK {}"))
        assert status == 503
        assert "1 queries are running already" in body.decode()
        assert headers["Retry-After"] == "1"
        store.release.set()
        assert store.finished.wait(10)
        time.sleep(0.1)
        status, _, body = call(server, "GET", get_query("ASK {}"))
        assert (status, json.loads(body)) == (200, {"head": {}, "boolean": True})


def test_timeout_with_a_real_slow_query() -> None:
    """Oxigraph releases the GIL: the request thread answers 503 while the engine computes."""
    with OxigraphStore() as store:
        store.update(
            "INSERT DATA { GRAPH <http://example.org/g> { "
            + " ".join(f"<http://example.org/s{i}> <http://example.org/p> {i} ." for i in range(60))
            + " } }"
        )
        # 60^4 = 13 million solutions: seconds of work
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?p ?y . ?c ?p ?z . ?d ?p ?w }"
        with running(store, ServerSettings(timeout=0.2)) as server:
            started = time.monotonic()
            status, _, body = call(server, "GET", get_query(slow))
            elapsed = time.monotonic() - started
        assert status == 503
        assert "ran over the time limit of 0.2 s" in body.decode()
        assert elapsed < 2


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("PUT", "/sparql", 405, "GET, HEAD, POST"),
        ("DELETE", "/sparql", 405, "GET, HEAD, POST"),
        ("POST", "/queries", 405, "GET, HEAD"),
        ("POST", "/queries/state-partners", 405, "GET, HEAD"),
        ("GET", "/nothing-here", 404, None),
    ],
)
def test_methods_and_paths(
    kb_server: SparqlServer, method: str, path: str, status: int, allow: str | None
) -> None:
    got, headers, body = call(kb_server, method, path, b"", {"Content-Type": "text/plain"})
    assert got == status
    assert headers.get("Allow") == allow
    assert body.decode().startswith(f"{status} ")


def test_foreign_host_header_refused(kb_server: SparqlServer) -> None:
    status, _, body = call(kb_server, "GET", "/", headers={"Host": "attacker.example:80"})
    assert status == 403
    assert "loopback interface only, not 'attacker.example:80'" in body.decode()


def test_is_loopback() -> None:
    loopback = ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LocalHost", "localhost.")
    assert [is_loopback(h) for h in loopback] == [True] * 7
    assert [is_loopback(h) for h in ("0.0.0.0", "192.168.1.2", "example.org", "")] == [False] * 4


def test_settings_need_a_token_for_updates() -> None:
    with pytest.raises(InputError, match="updates need a bearer token"):
        ServerSettings(allow_update=True)


@pytest.mark.parametrize("timeout", [0.0, math.nan, math.inf, threading.TIMEOUT_MAX * 2])
def test_settings_refuse_a_timeout_no_wait_can_use(timeout: float) -> None:
    # 1e300 used to be accepted, then every query failed with "timestamp out of range".
    with pytest.raises(InputError, match=r"^timeout, max_rows, max_body and max_running must be"):
        ServerSettings(timeout=timeout)


def test_one_log_line_per_request() -> None:
    with MemoryStore() as store, running(store) as server:
        log = server.log
        assert isinstance(log, io.StringIO)
        call(server, "GET", "/queries/no-such-query")
        deadline = time.monotonic() + 5  # the line is written once the response is sent
        while not log.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        lines = log.getvalue().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r'127\.0\.0\.1 "GET /queries/no-such-query" 404 \d+ \d+\.\d{3}s', lines[0])


# --------------------------------------------------------------------------- the page


def test_page_has_a_form(kb_server: SparqlServer) -> None:
    status, headers, body = call(kb_server, "GET", "/")
    page = body.decode()
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert '<form method="post" action="/">' in page
    assert '<textarea id="query" name="query"' in page
    assert "<script" not in page and "http://" not in page.split("<body>")[1].split("PREFIX")[0]
    assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_submitted_query_renders_a_table(kb_server: SparqlServer) -> None:
    body, headers = form(query=GERMANY_ENGAGEMENTS)
    status, _, page_bytes = call(kb_server, "POST", "/", body, headers)
    page = page_bytes.decode()
    assert status == 200
    table = page[page.index("<table>") : page.index("</table>")]
    assert "<th>engagement</th><th>partner</th><th>start</th>" in table
    cells = re.findall(r"<td>(.*?)</td>", table)
    assert cells == [
        "data:eng-germany-peshmerga-training (Bundeswehr training of the Peshmerga in Erbil)",
        "data:Peshmerga (Kurdistan Region Peshmerga)",
        "2015-01-29",
        "data:eng-germany-peshmerga-weapons (German weapons supply to the Peshmerga)",
        "data:Peshmerga (Kurdistan Region Peshmerga)",
        "2014",
    ]
    assert "<p>2 rows</p>" in page


def test_page_shows_errors_escaped(kb_server: SparqlServer) -> None:
    body, headers = form(query="SELECT <script> {")
    status, _, page = call(kb_server, "POST", "/", body, headers)
    assert status == 400
    assert '<p class="error">400 SPARQL query syntax error' in page.decode()
    assert "<script>" not in page.decode()
    assert "SELECT &lt;script&gt; {" in page.decode()


# --------------------------------------------------------------------------- the command


def test_cli_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "coopgraph", "serve", "--port", "0", "--timeout", "5"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"},
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        match = re.match(r"coopgraph serve: (http://127\.0\.0\.1:\d+)/ \(read-only; ", first)
        assert match, first
        client = SPARQLWrapper(f"{match[1]}/sparql", returnFormat=JSON)
        client.setQuery(f"ASK {{ <{DATA}Germany> ?p ?o }}")
        assert client.query().convert()["boolean"] is True
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        rest = process.stderr.read()
        assert re.search(r'"GET /sparql\?query=ASK.*" 200 ', rest)
        assert rest.rstrip().endswith("coopgraph serve: stopped")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--allow-update"], "--allow-update needs a bearer token"),
        (["--store", "memory", "--data", "x.ttl"], "give --store or --data, not both"),
        (["--token-file", "/nonexistent/token", "--allow-update"], "cannot read the token"),
    ],
)
def test_cli_usage_errors(
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("COOPGRAPH_SERVE_TOKEN", raising=False)
    try:
        status = main(["serve", "--port", "0", *args])
    except SystemExit as exc:  # argparse's own usage errors
        status = exc.code
    assert status == 2
    assert message in capsys.readouterr().err


def test_cli_serving_a_missing_store_is_exit_4_unless_updates_may_fill_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A mistyped --store used to be served as a new, empty store.
    typo = tmp_path / "typo"
    assert main(["serve", "--port", "0", "--store", str(typo)]) == 4
    assert capsys.readouterr().err == (
        f"coopgraph: error: no Oxigraph store at {typo} (coopgraph load creates one)\n"
    )
    assert not typo.exists()
    # with --allow-update, SPARQL Update or the Graph Store Protocol can fill a new store
    fresh = argparse.Namespace(store=str(typo), data=None, allow_update=True)
    with open_served_store(fresh) as store:
        assert len(store) == 0
    assert (typo / "CURRENT").is_file()


SECONDS = f"is not a positive number of seconds (at most {MAX_TIMEOUT:.0f})"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "argument --port: '99999' is not a port number (0 to 65535)"),
        (["--port", "-1"], "argument --port: '-1' is not a port number (0 to 65535)"),
        (["--port", "x"], "argument --port: 'x' is not a port number (0 to 65535)"),
        (["--timeout", "0"], f"argument --timeout: '0' {SECONDS}"),
        (["--timeout", "nan"], f"argument --timeout: 'nan' {SECONDS}"),
        (["--timeout", "inf"], f"argument --timeout: 'inf' {SECONDS}"),
        (["--timeout", "1e300"], f"argument --timeout: '1e300' {SECONDS}"),
        (["--max-rows", "0"], "argument --max-rows: '0' is not a positive number"),
        (["--max-body", "-1"], "argument --max-body: '-1' is not a positive number"),
    ],
)
def test_cli_numeric_options_out_of_range(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Parsing only: a value let through would start a server.
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["serve", *args])
    assert exc.value.code == 2
    assert capsys.readouterr().err == f"coopgraph: error: {message}\n"


def test_cli_numeric_options_at_their_limits() -> None:
    args = build_parser().parse_args(
        ["serve", "--port", "65535", "--timeout", str(MAX_TIMEOUT), "--max-rows", "1"]
    )
    assert (args.port, args.timeout, args.max_rows) == (65535, MAX_TIMEOUT, 1)
    assert build_parser().parse_args(["serve", "--port", "0"]).port == 0


# --------------------------------------------------------------------------- dataset parameters

G1, G2 = "http://example.org/g1", "http://example.org/g2"
GRAPH_ROWS = "SELECT ?s ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } ORDER BY ?s"


@pytest.fixture
def two_graphs() -> Iterator[SparqlServer]:
    """Two named graphs, <s1> in G1 and <s2> in G2; updates with :data:`TOKEN`."""
    with OxigraphStore() as store:
        store.update(
            f"INSERT DATA {{ GRAPH <{G1}> {{ <http://example.org/s1> <http://example.org/p> 1 }} "
            f"GRAPH <{G2}> {{ <http://example.org/s2> <http://example.org/p> 2 }} }}"
        )
        with running(store, ServerSettings(allow_update=True, token=TOKEN)) as server:
            yield server


def cells(body: bytes) -> list[tuple[str, ...]]:
    """The bound values of each row in the head's variable order, rows sorted."""
    names = json.loads(body)["head"]["vars"]
    return sorted(tuple(b[v]["value"] for v in names if v in b) for b in json_rows(body))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([], [("http://example.org/s1",), ("http://example.org/s1", G1),
              ("http://example.org/s2",), ("http://example.org/s2", G2)]),
        ([("default-graph-uri", G1)], [("http://example.org/s1",)]),
        ([("named-graph-uri", G2)], [("http://example.org/s2", G2)]),
        (
            [("default-graph-uri", G1), ("default-graph-uri", G2), ("named-graph-uri", G1)],
            [("http://example.org/s1",), ("http://example.org/s1", G1), ("http://example.org/s2",)],
        ),
    ],
    ids=["union", "default", "named", "both"],
)  # fmt: skip
def test_query_dataset_parameters(
    two_graphs: SparqlServer, params: list[tuple[str, str]], expected: list[tuple[str, ...]]
) -> None:
    from urllib.parse import urlencode

    status, _, body = call(
        two_graphs, "GET", "/sparql?" + urlencode([("query", GRAPH_ROWS), *params])
    )
    assert status == 200
    assert cells(body) == expected


def test_dataset_parameters_override_from(two_graphs: SparqlServer) -> None:
    query = f"SELECT ?s FROM <{G2}> WHERE {{ ?s ?p ?o }}"
    status, _, body = call(two_graphs, "GET", get_query(query, **{"default-graph-uri": G1}))
    assert (status, cells(body)) == (200, [("http://example.org/s1",)])
    status, _, body = call(two_graphs, "GET", get_query(query))
    assert status == 403 and "FROM <http://example.org/g2>" in body.decode()


def test_update_dataset_parameters(two_graphs: SparqlServer) -> None:
    update = (
        "INSERT { GRAPH <http://example.org/out> { ?s a <http://example.org/Found> } } "
        "WHERE { ?s ?p ?o }"
    )
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    status, _, body = call(two_graphs, "POST", f"/sparql?using-graph-uri={G2}", update, headers)
    assert (status, body) == (200, b"update done\n")
    found = "SELECT ?s WHERE { GRAPH <http://example.org/out> { ?s ?p ?o } }"
    assert cells(call(two_graphs, "GET", get_query(found))[2]) == [("http://example.org/s2",)]


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/sparql?query=ASK%7B%7D&using-graph-uri=http://example.org/g1", None,
         "using-graph-uri is not a parameter of a query; use default-graph-uri or named-graph-uri"),
        ("/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri", None,
         "default graph: 'not an iri' is not an absolute IRI"),
        ("/sparql?default-graph-uri=http://example.org/g1", "INSERT DATA { }",
         "default-graph-uri is not a parameter of a update; use using-graph-uri or "
         "using-named-graph-uri"),
        (f"/sparql?using-graph-uri={G1}", f"WITH <{G2}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
         "the update names its own dataset (USING or WITH) and the request gives one too"),
    ],
    ids=["using-on-query", "bad-iri", "default-on-update", "with-conflict"],
)  # fmt: skip
def test_dataset_parameter_refusals(
    two_graphs: SparqlServer, path: str, body: str | None, message: str
) -> None:
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    status, _, text = call(
        two_graphs, "POST" if body else "GET", path, body, headers if body else None
    )
    assert status == 400
    assert text.decode().startswith(f"400 Bad Request: {message}")
    assert len(text.decode().splitlines()) == 1
    assert len(two_graphs.store) == 2


@pytest.mark.parametrize(
    ("settings", "base"),
    [(None, "{url}/sparql"), (ServerSettings(base_iri="http://example.org/base/"), "http://example.org/base/")],
)  # fmt: skip
def test_base_iri(settings: ServerSettings | None, base: str) -> None:
    with OxigraphStore() as store, running(store, settings) as server:
        status, _, body = call(
            server, "GET", get_query("CONSTRUCT { <s> <p> <o> } WHERE {}"),
            headers={"Accept": "application/n-triples"},
        )  # fmt: skip
        prefix = base.format(url=server.url).rsplit("/", 1)[0] + "/"
    assert (status, body.decode()) == (200, f"<{prefix}s> <{prefix}p> <{prefix}o> .\n")


# --------------------------------------------------------------------------- Graph Store Protocol

GSP = "/rdf-graph-store"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = {"Content-Type": "text/turtle", **AUTH}


def graph_text(server: SparqlServer, graph: str) -> tuple[int, str]:
    status, _, body = call(
        server, "GET", f"{GSP}?graph={graph}", headers={"Accept": "application/n-triples"}
    )
    return status, body.decode()


def test_graph_store_get_and_head(two_graphs: SparqlServer) -> None:
    assert graph_text(two_graphs, G1) == (
        200,
        f'<http://example.org/s1> <http://example.org/p> "1"^^<{XSD.integer}> .\n',
    )
    status, headers, body = call(two_graphs, "HEAD", f"{GSP}?graph={G1}")
    assert (status, headers["Content-Type"], body) == (200, "text/turtle; charset=utf-8", b"")
    _, turtle_headers, turtle = call(two_graphs, "GET", f"{GSP}?graph={G1}")
    assert turtle_headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert int(headers["Content-Length"]) == len(turtle)  # what GET would send
    status, _, body = call(
        two_graphs, "GET", f"{GSP}?default", headers={"Accept": "application/n-triples"}
    )
    assert (status, sorted(body.decode().splitlines())) == (200, sorted(
        graph_text(two_graphs, G1)[1].splitlines() + graph_text(two_graphs, G2)[1].splitlines()
    ))  # fmt: skip
    status, _, body = call(two_graphs, "GET", f"{GSP}?graph=http://example.org/none")
    assert (status, body) == (
        404,
        b"404 Not Found: no graph <http://example.org/none> in the store\n",
    )
    status, _, _ = call(two_graphs, "GET", f"{GSP}?graph={G1}", headers={"Accept": "image/png"})
    assert status == 406


def test_graph_store_put_post_delete(two_graphs: SparqlServer) -> None:
    new = "http://example.org/new"
    status, _, body = call(two_graphs, "PUT", f"{GSP}?graph={new}", "<a:s> <a:p> 1 .", TURTLE)
    assert (status, body) == (201, f"created <{new}>\n".encode())
    assert graph_text(two_graphs, new) == (
        200,
        '<a:s> <a:p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
    )
    status, headers, body = call(
        two_graphs, "POST", f"{GSP}?graph={new}", "<a:s> <a:p> <a:o> .", TURTLE
    )
    assert (status, body, headers.get("Content-Length")) == (204, b"", None)
    assert graph_text(two_graphs, new)[1] == (
        '<a:s> <a:p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n<a:s> <a:p> <a:o> .\n'
    )
    status, _, _ = call(two_graphs, "PUT", f"{GSP}?graph={new}", "<a:x> <a:y> <rel> .", TURTLE)
    assert status == 204
    assert graph_text(two_graphs, new) == (200, f"<a:x> <a:y> <{new[:-3]}rel> .\n")
    status, _, body = call(two_graphs, "DELETE", f"{GSP}?graph={new}", None, AUTH)
    assert (status, body) == (204, b"")
    assert graph_text(two_graphs, new)[0] == 404
    status, _, _ = call(two_graphs, "DELETE", f"{GSP}?graph={new}", None, AUTH)
    assert status == 404
    assert len(two_graphs.store) == 2


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "message"),
    [
        ("PUT", f"{GSP}?graph={G1}", "<a:s> <a:p> 1 .", {"Content-Type": "text/turtle"}, 401,
         "an update needs an Authorization: Bearer <token> header"),
        ("PUT", f"{GSP}?graph={G1}", "<a:s> <a:p> 1 .",
         {"Content-Type": "text/turtle", "Authorization": "Bearer x"}, 403,
         "the bearer token is not the server's"),
        ("PUT", f"{GSP}?graph={G1}", "{}", {"Content-Type": "application/ld+json", **AUTH}, 415,
         "a graph sent with Content-Type application/ld+json: send text/turtle or "
         "application/n-triples"),
        ("POST", f"{GSP}?graph={G1}", "<a:s> <a:p> .", TURTLE, 400, "the graph does not parse: "),
        ("PUT", f"{GSP}?default", "<a:s> <a:p> 1 .", TURTLE, 405,
         "the default graph is the union of the named graphs, read-only here"),
        ("GET", GSP, None, {}, 400, "name one graph: ?graph=IRI or ?default (and nothing else)"),
        ("GET", f"{GSP}?graph={G1}&default", None, {}, 400, "name one graph"),
        ("GET", f"{GSP}?graph=relative", None, {}, 400, "graph: 'relative' is not an absolute IRI"),
        ("PATCH", f"{GSP}?graph={G1}", "", TURTLE, 405, "PATCH is not allowed here"),
    ],
    ids=["no-token", "wrong-token", "json-ld", "bad-turtle", "default", "no-graph", "both",
         "relative", "patch"],
)  # fmt: skip
def test_graph_store_refusals(
    two_graphs: SparqlServer, method: str, path: str, body: str | None,
    headers: dict[str, str], status: int, message: str,
) -> None:  # fmt: skip
    before = two_graphs.store.export("nquads")
    got, _, text = call(two_graphs, method, path, body, headers)
    assert got == status
    assert text.decode().startswith(f"{status} ") and message in text.decode()
    assert len(text.decode().splitlines()) == 1
    assert two_graphs.store.export("nquads") == before


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_graph_store_empty_body_creates_nothing(two_graphs: SparqlServer, method: str) -> None:
    # A store of quads has no empty graphs: an empty PUT or POST used to answer 201 Created
    # for a graph that GET then did not find.
    new = "http://example.org/new"
    for _ in range(2):
        status, headers, body = call(two_graphs, method, f"{GSP}?graph={new}", "", TURTLE)
        assert (status, body, headers.get("Content-Length")) == (204, b"", None)
        assert graph_text(two_graphs, new)[0] == 404
    assert len(two_graphs.store) == 2


def test_graph_store_empty_put_empties_the_graph(two_graphs: SparqlServer) -> None:
    status, _, body = call(two_graphs, "PUT", f"{GSP}?graph={G1}", "", TURTLE)
    assert (status, body) == (204, b"")
    assert graph_text(two_graphs, G1)[0] == 404
    assert [str(g) for g in two_graphs.store.graphs()] == [G2]


def test_graph_store_read_only_server(kb_server: SparqlServer) -> None:
    status, _, body = call(kb_server, "DELETE", f"{GSP}?graph={DATA}x", None, AUTH)
    assert status == 403 and "read-only" in body.decode()


# --------------------------------------------------------------------------- CORS


def test_cors_off_by_default(kb_server: SparqlServer) -> None:
    _, headers, _ = call(
        kb_server, "GET", get_query("ASK {}"), headers={"Origin": "https://a.example"}
    )
    assert "Access-Control-Allow-Origin" not in headers
    status, _, _ = call(kb_server, "OPTIONS", "/sparql", headers={"Origin": "https://a.example"})
    assert status == 405


@pytest.mark.parametrize(
    ("origins", "origin", "allowed", "vary"),
    [
        (("https://a.example", "https://b.example"), "https://b.example", "https://b.example",
         "Origin"),
        (("*",), "https://c.example", "*", None),
        (("https://a.example",), "https://c.example", None, None),
    ],
)  # fmt: skip
def test_cors_headers_and_preflight(
    origins: tuple[str, ...], origin: str, allowed: str | None, vary: str | None
) -> None:
    with MemoryStore() as store, running(store, ServerSettings(cors_origins=origins)) as server:
        status, headers, _ = call(server, "GET", get_query("ASK {}"), headers={"Origin": origin})
        assert (status, headers.get("Access-Control-Allow-Origin"), headers.get("Vary")) == (
            200, allowed, vary,
        )  # fmt: skip
        status, headers, body = call(
            server, "OPTIONS", GSP,
            headers={"Origin": origin, "Access-Control-Request-Method": "PUT"},
        )  # fmt: skip
    if allowed is None:
        assert (status, body) == (
            403,
            f"403 Forbidden: the origin {origin!r} may not use this endpoint (CORS)\n".encode(),
        )
        return
    assert (status, body) == (204, b"")
    shown = {
        k: v for k, v in headers.items() if k.startswith("Access-Control") or k in ("Allow", "Vary")
    }
    assert shown == {
        "Allow": "GET, HEAD, PUT, POST, DELETE",
        "Access-Control-Allow-Methods": "GET, HEAD, PUT, POST, DELETE",
        "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type",
        "Access-Control-Max-Age": "600",
        "Access-Control-Allow-Origin": allowed,
        **({"Vary": vary} if vary else {}),
    }  # fmt: skip


def test_cors_origin_must_be_an_origin() -> None:
    with pytest.raises(InputError, match=r"CORS origin 'example\.org' is not scheme://host"):
        ServerSettings(cors_origins=("example.org",))


# --------------------------------------------------------------------------- canned forms


def test_page_has_a_form_per_canned_query(kb_server: SparqlServer) -> None:
    from coopgraph.catalogue import catalogue

    page = call(kb_server, "GET", "/")[2].decode()
    forms = re.findall(r'<form method="get" action="/" id="canned-([a-z-]+)">(.*?)</form>', page)
    assert [name for name, _ in forms] == list(catalogue())
    inputs = dict(forms)
    assert re.findall(r'<input name="(\w+)"', inputs["state-partners"]) == ["state"]
    assert '<input name="engagement" value="" placeholder="data:' in inputs["applicable-risks"]
    assert inputs["applicable-risks"].count(" required>") == 1
    assert "<input name=" not in inputs["competing-sponsors"]


def test_canned_form_runs_and_escapes_labels() -> None:
    evil = "<script>alert(1)</script>"
    with MemoryStore() as store:
        store.update(
            f"INSERT DATA {{ GRAPH <{DATA}g> {{ <{DATA}s> a <{COOP}State> ; "
            f'<http://www.w3.org/2000/01/rdf-schema#label> "{evil}" . '
            f"<{DATA}e> <{COOP}provider> <{DATA}s> ; <{COOP}partner> <{DATA}n> . "
            f"<{DATA}n> a <{COOP}NonStateActor> }} }}"
        )
        with running(store) as server:
            status, _, body = call(server, "GET", f"/?canned=state-partners&state={DATA}s")
            missing = call(server, "GET", "/?canned=applicable-risks&engagement=")
            unknown = call(server, "GET", "/?canned=nope")
    page = body.decode()
    assert status == 200
    assert "<script" not in page
    table = page[page.index("<table>") : page.index("</table>")]
    assert re.findall(r"<td>(.*?)</td>", table)[:2] == [
        "data:s (&lt;script&gt;alert(1)&lt;/script&gt;)", "data:n",
    ]  # fmt: skip
    assert f'<input name="state" value="{DATA}s"' in page
    assert page.index('id="canned-state-partners"') < page.index("<table>")
    assert missing[0] == 400
    assert (
        '<p class="error">400 query applicable-risks needs the parameter engagement'
        in missing[2].decode()
    )
    assert unknown[0] == 404


def test_cli_cors_and_base_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0", "--cors", "nope"]) == 2
    assert "CORS origin 'nope' is not scheme://host" in capsys.readouterr().err
    assert main(["serve", "--port", "0", "--base", "relative"]) == 2
    assert "base IRI: 'relative' is not an absolute IRI" in capsys.readouterr().err


# --------------------------------------------------------------------------- HTTP framing

SMUGGLED = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
"""A request hidden in the body of another: it must never be answered."""


def exchange(server: SparqlServer, data: bytes) -> tuple[list[int], bytes]:
    """``data`` sent raw on one connection whose sending side is then closed: the status of
    each response the server wrote before closing it, and all it wrote."""
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), int(port)), timeout=30) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        received = b"".join(iter(lambda: sock.recv(65536), b""))
    statuses = [int(code) for code in re.findall(rb"^HTTP/1\.1 (\d{3}) ", received, re.M)]
    return statuses, received


def raw_request(method: str, path: str, headers: str = "", body: bytes = SMUGGLED) -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (raw_request("PUT", f"{GSP}?graph={G1}", "Content-Type: text/turtle\r\n"), 401),
        (raw_request("PUT", f"{GSP}?graph={G1}", "Authorization: Bearer wrong\r\n"), 403),
        (raw_request("PUT", f"{GSP}?default", f"Authorization: Bearer {TOKEN}\r\n"), 405),
        (raw_request("POST", "/sparql", "Content-Type: text/plain\r\n"), 415),
        (raw_request("POST", "/nothing-here"), 404),
        (raw_request("PUT", "/sparql"), 405),
        (raw_request("POST", "/queries"), 405),
        (raw_request("GET", "/sparql?query=ASK%7B%7D"), 200),
        (raw_request("POST", "/", "Host: 127.0.0.1\r\n"), 400),
        (raw_request("PUT", f"{GSP}?graph={G1}", "Content-Type: application/ld+json\r\n"
                     f"Authorization: Bearer {TOKEN}\r\n"), 415),
        (b"POST /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
         + b"%x\r\n" % len(SMUGGLED) + SMUGGLED + b"\r\n0\r\n\r\n", 404),
        (raw_request("PUT", f"{GSP}?graph={G1}", "Content-Type: text/turtle\r\n",
                     SMUGGLED + b"x" * 1000), 401),
    ],
    ids=["gsp-401", "gsp-403", "gsp-405", "sparql-415", "404", "405", "queries-405", "get-body",
         "two-hosts", "gsp-415", "chunked", "over-max-body"],
)  # fmt: skip
def test_an_unread_body_is_never_taken_for_a_request(request_bytes: bytes, status: int) -> None:
    # Refused before its body was read, a request left the body on the connection, where it
    # was parsed as the next request: a body that was a request got an answer of its own.
    settings = ServerSettings(allow_update=True, token=TOKEN, max_body=1000)
    with MemoryStore() as store, running(store, settings) as server:
        statuses, received = exchange(server, request_bytes)
        assert len(store) == 0
    assert statuses == [status], received.decode(errors="replace")


@pytest.mark.parametrize(
    ("extra", "body", "connection"),
    [("", b"<a:s> <a:p> 1 .", None), ("Transfer-Encoding: chunked\r\n", b"0\r\n\r\n", "close")],
    ids=["drained", "chunked"],
)
def test_a_refused_body_is_drained_within_the_limit_else_the_connection_closes(
    two_graphs: SparqlServer, extra: str, body: bytes, connection: str | None
) -> None:
    host, port = two_graphs.server_address[:2]
    client = http.client.HTTPConnection(str(host), int(port), timeout=30)
    try:
        client.putrequest("PUT", f"{GSP}?graph={G1}")
        client.putheader("Authorization", "Bearer wrong")
        client.putheader("Content-Type", "text/turtle")
        if extra:
            client.putheader(*extra.strip().split(": "))
        else:
            client.putheader("Content-Length", str(len(body)))
        client.endheaders(body)
        response = client.getresponse()
        assert (response.status, response.read()) == (
            403, b"403 Forbidden: the bearer token is not the server's\n",
        )  # fmt: skip
        assert response.headers.get("Connection") == connection
        if connection is None:  # the same connection serves the next request
            client.request("GET", get_query("ASK {}"))
            assert client.getresponse().status == 200
    finally:
        client.close()


@pytest.mark.parametrize(
    ("lengths", "shown"),
    [(["3", "4"], "3, 4"), (["1_0"], "1_0"), (["+5"], "+5")],
)
def test_a_bad_content_length_is_400_and_closes(
    kb_server: SparqlServer, lengths: list[str], shown: str
) -> None:
    headers = "".join(f"Content-Length: {length}\r\n" for length in lengths)
    statuses, received = exchange(
        kb_server,
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
        + headers.encode() + b"\r\nASK {}" + SMUGGLED,
    )  # fmt: skip
    assert statuses == [400]
    assert b"\r\nConnection: close\r\n" in received
    assert received.endswith(f"400 Bad Request: Content-Length '{shown}' is not a size\n".encode())


def test_a_too_long_url_gets_a_one_line_414_and_closes(kb_server: SparqlServer) -> None:
    statuses, received = exchange(
        kb_server, b"GET /sparql?query=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    head, _, body = received.partition(b"\r\n\r\n")
    assert statuses == [414]
    assert b"\r\nContent-Type: text/plain; charset=utf-8\r\n" in head
    assert b"\r\nConnection: close" in head
    assert body == (
        b"414 Request-URI Too Long: the request line is longer than 65536 bytes; send a long "
        b"query by POST\n"
    )


@pytest.mark.parametrize(
    ("request_bytes", "status", "message"),
    [
        (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: LOCALHOST:80\r\n\r\n", 200, None),
        (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: Localhost.\r\n\r\n", 200, None),
        (b"GET /sparql?query=ASK%7B%7D HTTP/1.0\r\n\r\n", 200, None),
        (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n\r\n", 400,
         "an HTTP/1.1 request needs a Host header"),
        (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n",
         400, "the request has more than one Host header"),
        (b"GET /sparql?query=ASK%7B%7D HTTP/1.0\r\nHost: evil.example\r\n\r\n", 403,
         "this endpoint answers requests for the loopback interface only, not 'evil.example'"),
    ],
    ids=["upper-case", "trailing-dot", "http-1.0-without-host", "http-1.1-without-host",
         "two-hosts", "http-1.0-foreign"],
)  # fmt: skip
def test_host_header(
    kb_server: SparqlServer, request_bytes: bytes, status: int, message: str | None
) -> None:
    statuses, received = exchange(kb_server, request_bytes)
    assert statuses == [status]
    if message is not None:
        assert received.endswith(f"{status} {HTTPStatus(status).phrase}: {message}\n".encode())


@pytest.mark.parametrize(
    "path",
    ["/sparql?query=ASK%7B%7D", "/sparql", "/", "/queries",
     "/queries/state-partners?state=data:Germany"],
)  # fmt: skip
def test_head_answers_as_get_without_a_body(kb_server: SparqlServer, path: str) -> None:
    status, headers, body = call(kb_server, "HEAD", path)
    get_status, get_headers, get_body = call(kb_server, "GET", path)
    assert (status, body) == (get_status, b"") == (200, b"")
    assert headers["Content-Type"] == get_headers["Content-Type"]
    assert int(headers["Content-Length"]) == len(get_body)


# --------------------------------------------------------------------------- unwritable answers


@pytest.mark.parametrize(
    ("query", "accept", "status", "answer"),
    [
        ('CONSTRUCT { <http://a> <urn:x:123> "v" } WHERE { }',
         "application/rdf+xml, text/turtle;q=0.5", 200, "text/turtle"),
        ('CONSTRUCT { <http://a> <urn:x:123> "v" } WHERE { }', "application/rdf+xml", 406,
         "application/rdf+xml: cannot write predicate <urn:x:123> in RDF/XML: it does not end "
         "in a valid XML name; use turtle, nt or json-ld"),
        ('SELECT ?x WHERE { BIND("a\\u0001b" AS ?x) }', "application/sparql-results+xml", 406,
         "application/sparql-results+xml: the answer holds the character U+0001, which XML 1.0 "
         "cannot hold"),
        ('SELECT ?x WHERE { BIND("a\\u0001b" AS ?x) }',
         "application/sparql-results+xml, */*;q=0.1", 200, "application/sparql-results+json"),
        ('ASK { FILTER(false) }', "application/sparql-results+xml", 200,
         "application/sparql-results+xml"),
        ('CONSTRUCT { <http://a> <http://p> "\\u000B" } WHERE { }',
         "application/rdf+xml, application/n-triples;q=0.1", 200, "application/n-triples"),
        ('CONSTRUCT { <http://a> <http://p> "\\u000B" } WHERE { }', "application/rdf+xml", 406,
         'application/rdf+xml: cannot write "\\u000B" in RDF/XML: XML 1.0 cannot hold the '
         "character U+000B; use turtle, nt or json-ld"),
    ],
    ids=["rdfxml-falls-back", "rdfxml-406", "xml-control-406", "xml-control-falls-back",
         "xml-ask", "rdfxml-control-falls-back", "rdfxml-control-406"],
)  # fmt: skip
def test_a_format_that_cannot_hold_the_answer_gives_way(
    query: str, accept: str, status: int, answer: str
) -> None:
    # These were a 500 (RDF/XML) or ill-formed XML sent with 200 (a control character).
    with MemoryStore() as store, running(store) as server:
        got, headers, body = call(server, "GET", get_query(query), headers={"Accept": accept})
    if status == 406:
        assert (got, body.decode()) == (
            406,
            "406 Not Acceptable: the answer cannot be written in any type the Accept header "
            f"allows: {answer}\n",
        )
        return
    assert (got, headers["Content-Type"]) == (200, f"{answer}; charset=utf-8")
    if answer.endswith("xml"):
        ET.fromstring(body)


def test_a_lone_surrogate_is_refused_by_every_format() -> None:
    result = SelectResult(["x"], [(Literal("a\udcffb"),)])
    for fmt in ("json", "csv", "tsv"):
        with pytest.raises(InputError, match=r"holds the character U\+DCFF, which UTF-8 cannot"):
            serialize_result(result, fmt)
    with pytest.raises(InputError, match=r"U\+DCFF, which XML 1\.0 cannot hold"):
        serialize_result(result, "xml")


# --------------------------------------------------------------------------- failed updates


@pytest.mark.parametrize(
    ("update", "message"),
    [
        ("DROP GRAPH <http://example.org/missing>",
         "The graph <http://example.org/missing> does not exist"),
        (f"CREATE GRAPH <{G1}>", f"The graph <{G1}> already exists"),
        ("MOVE <http://example.org/missing> TO <http://example.org/g3>",
         "The graph <http://example.org/missing> does not exist"),
    ],
)  # fmt: skip
def test_an_update_that_fails_on_the_data_is_400(
    two_graphs: SparqlServer, update: str, message: str
) -> None:
    # It was 502 Bad Gateway, as if the embedded store had failed (the stores now raise
    # InputError for it; this checks the endpoint's answer end to end).
    headers = {"Content-Type": "application/sparql-update", **AUTH}
    before = two_graphs.store.export("nquads")
    status, _, body = call(two_graphs, "POST", "/sparql", update, headers)
    assert (status, body.decode()) == (
        400,
        f"400 Bad Request: oxigraph:(memory): update failed: {message}\n",
    )
    assert two_graphs.store.export("nquads") == before
    status, _, _ = call(two_graphs, "POST", "/sparql", update.replace(" ", " SILENT ", 1), headers)
    assert status == 200


class FailingStore(MemoryStore):
    """A store whose updates fail as a broken store's would."""

    def _update(self, *args):  # type: ignore[no-untyped-def]
        raise StoreError("memory: update failed: disk full")


def test_a_store_that_fails_on_update_is_502() -> None:
    settings = ServerSettings(allow_update=True, token=TOKEN)
    with FailingStore() as store, running(store, settings) as server:
        status, _, body = call(
            server, "POST", "/sparql", "DROP GRAPH <http://example.org/g>",
            {"Content-Type": "application/sparql-update", **AUTH},
        )  # fmt: skip
    assert (status, body) == (502, b"502 Bad Gateway: memory: update failed: disk full\n")


@pytest.mark.parametrize(
    "sent",
    [
        b"",  # opens the connection and says nothing
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 100\r\n\r\nASK",  # a body shorter than it said
    ],
)
def test_a_quiet_client_is_dropped_after_the_time_limit(sent: bytes) -> None:
    # Each such connection used to hold a server thread for ever.
    with (
        MemoryStore() as store,
        running(store, ServerSettings(timeout=0.5)) as server,
        socket.create_connection(server.server_address[:2], timeout=10) as client,
    ):
        client.sendall(sent)
        # The server closes the connection (recv gives b""); were it kept open, recv would
        # raise TimeoutError after the client's 10 s.
        while client.recv(65536):
            pass
