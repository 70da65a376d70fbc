"""Backend-specific store behaviour: opening stores, and the remote client's protocol handling.

What every backend must do alike is in ``test_store_compliance.py``. Here: ``open_store``
specs, the embedded store's lock, and the remote client against a recording fake endpoint
(request shapes, Virtuoso's 1/0 booleans and silent truncation) and against the real
Virtuoso and Oxigraph servers (Digest auth, the Graph Store Protocol, truncation, a load that
the server rejects half way, an unreachable endpoint).
"""

from __future__ import annotations

import http.client
import io
import itertools
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDFS, XSD
from store_fixtures import COMPLIANCE_DATASET, G_ACTORS, G_ENGAGEMENTS, TEST_NS, ServerInfo

from coopgraph import rdfio
from coopgraph.catalogue import get_query
from coopgraph.cli import main
from coopgraph.errors import InputError, ParameterError, ParseError, StoreError
from coopgraph.server import SparqlServer
from coopgraph.store import (
    MemoryStore,
    OxigraphStore,
    SelectResult,
    SparqlStore,
    analysis,
    default_store_location,
    open_store,
)
from coopgraph.store.analysis import bind_as_text, with_values
from coopgraph.vocab import COOP

T = rdflib.Namespace(TEST_NS)

# --------------------------------------------------------------------------- open_store


def test_open_store_specs(tmp_path: Path) -> None:
    assert isinstance(open_store("memory"), MemoryStore)
    in_memory = open_store("oxigraph:")
    assert isinstance(in_memory, OxigraphStore) and in_memory.path is None
    with open_store(f"oxigraph:{tmp_path / 'a'}") as store:
        assert isinstance(store, OxigraphStore) and store.path == tmp_path / "a"
    with open_store(tmp_path / "b") as store:
        assert isinstance(store, OxigraphStore)
    remote = open_store("http://127.0.0.1:9/sparql", update_url="http://127.0.0.1:9/update")
    assert isinstance(remote, SparqlStore)


@pytest.mark.parametrize("spec", ["sqlite:data.db", "ftp://host/sparql", ""])
def test_open_store_bad_spec_is_named(spec: str) -> None:
    with pytest.raises(ParameterError, match="unknown store"):
        open_store(spec)


def test_remote_options_only_for_remote(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="update_url"):
        open_store("memory", update_url="http://x/update")


def test_default_store_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COOPGRAPH_STORE", str(tmp_path / "mine"))
    assert default_store_location() == str(tmp_path / "mine")
    monkeypatch.delenv("COOPGRAPH_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_store_location() == str(tmp_path / "data" / "coopgraph" / "store")


def test_oxigraph_store_is_persistent_and_locked(tmp_path: Path) -> None:
    path, graph = COMPLIANCE_DATASET[0]
    with OxigraphStore(tmp_path / "db") as store:
        store.load(path, graph=graph)
        with pytest.raises(StoreError, match="in use"):
            OxigraphStore(tmp_path / "db")
    with OxigraphStore(tmp_path / "db") as again:
        assert len(again) == 32
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        OxigraphStore(file)


class _FailingBulkLoader:
    """A pyoxigraph Store whose bulk loaders write (part of) their input, then fail."""

    def __init__(self, store: object) -> None:
        self._store = store

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def __contains__(self, quad: object) -> bool:
        return quad in self._store  # type: ignore[operator]

    def __len__(self) -> int:
        return len(self._store)  # type: ignore[arg-type]

    def bulk_extend(self, quads: list) -> None:
        quads = list(quads)
        self._store.bulk_extend(quads[: len(quads) // 2])  # type: ignore[attr-defined]
        raise OSError("No space left on device (simulated)")

    def bulk_load(self, **arguments: object) -> None:
        self._store.bulk_load(**arguments)  # type: ignore[attr-defined]
        raise OSError("No space left on device (simulated)")


@pytest.mark.parametrize("fresh", [True, False], ids=["empty-graph", "graph-with-data"])
def test_oxigraph_bulk_load_failure_is_undone(tmp_path: Path, fresh: bool) -> None:
    """Big files use the bulk loader, which is no transaction: a failed write is removed."""
    store = OxigraphStore(tmp_path / "db")
    store.bulk_threshold = 10
    path, graph = COMPLIANCE_DATASET[0]
    if not fresh:
        store.load(COMPLIANCE_DATASET[1][0], graph=graph)  # shares one statement with actors
    before = len(store)
    store._store = _FailingBulkLoader(store._store)  # type: ignore[assignment]
    with pytest.raises(StoreError, match=r"No space left.*none of it was loaded"):
        store.load(path, graph=graph)
    assert len(store) == before
    store._store = store._store._store  # type: ignore[attr-defined]
    assert store.load(path, graph=graph) == 32  # the bulk path itself works
    assert len(store) == before + 32 - (0 if fresh else 1)
    store.close()


_MIXED_TRIG = """\
@prefix ex: <http://example.org/> .
ex:a ex:p _:b , "one"@en , 2 .
_:b ex:q ex:c .
ex:g { ex:a ex:p _:b . _:b ex:q "in g" . }
"""


def _graphs(store: OxigraphStore) -> dict[str, rdflib.Graph]:
    """The store's graphs by name, for isomorphism checks (blank node labels differ)."""
    graphs: dict[str, rdflib.Graph] = {}
    for quad in store._store:
        name = str(quad.graph_name)
        graphs.setdefault(name, rdflib.Graph()).add(
            tuple(rdfio.to_rdflib(t) for t in (quad.subject, quad.predicate, quad.object))
        )
    return graphs


@pytest.mark.parametrize(
    ("on_disk", "bulk_threshold"),
    [(False, 100_000), (True, 100_000), (True, 1)],
    ids=["memory-transaction", "disk-transaction", "disk-bulk-loader"],
)
def test_oxigraph_loaders_write_what_the_general_path_writes(
    tmp_path: Path, on_disk: bool, bulk_threshold: int
) -> None:
    """Oxigraph's own loader (each write mode) gives the quads that read_quads gives."""
    path = tmp_path / "mixed.trig"
    path.write_text(_MIXED_TRIG, encoding="utf-8")
    store = OxigraphStore(tmp_path / "db" if on_disk else None)
    store.bulk_threshold = bulk_threshold
    assert store.load(path, graph="http://example.org/target") == 6
    expected = OxigraphStore()
    expected._add_quads(rdfio.read_quads(path), ox.NamedNode("http://example.org/target"))
    got, want = _graphs(store), _graphs(expected)
    assert sorted(got) == ["<http://example.org/g>", "<http://example.org/target>"]
    assert sorted(got) == sorted(want)
    for name in want:
        assert rdflib.compare.isomorphic(got[name], want[name]), name
    # A second load of the same file gives its blank nodes fresh identifiers.
    assert store.load(path, graph="http://example.org/target") == 6
    assert len(store) == 12 - 2  # its two ground statements are already there
    store.close()


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk-bulk-loader"])
def test_oxigraph_load_syntax_error_writes_nothing(tmp_path: Path, on_disk: bool) -> None:
    store = OxigraphStore(tmp_path / "db" if on_disk else None)
    store.bulk_threshold = 1
    store.load(COMPLIANCE_DATASET[0][0], graph=COMPLIANCE_DATASET[0][1])
    before = len(store)
    bad = tmp_path / "bad.nt"
    good = "".join(f"<http://example.org/s{i}> <http://example.org/p> {i} .\n" for i in range(50))
    bad.write_text(good + '<http://example.org/s> <http://example.org/p> "open .\n')
    with pytest.raises(ParseError, match=r"bad\.nt:51: .*none of it was loaded into oxigraph:"):
        store.load(bad, fmt="turtle", graph="http://example.org/other")
    assert len(store) == before
    assert store.graphs() == [URIRef(COMPLIANCE_DATASET[0][1])]
    store.close()


@pytest.mark.parametrize(
    ("backend", "steps"),
    [
        ("memory", ["parsing"]),
        ("oxigraph-memory", ["checking", "writing"]),
        ("oxigraph-disk-bulk", ["checking", "writing"]),
        ("oxigraph-disk-general", ["checking", "parsing"]),  # big file, graph with data
    ],
)
def test_load_reports_progress(tmp_path: Path, backend: str, steps: list[str]) -> None:
    """Store.load tells its progress callback each step from 0 to the file's size."""
    path, graph = COMPLIANCE_DATASET[0]
    if backend == "memory":
        store: MemoryStore | OxigraphStore = MemoryStore()
    else:
        store = OxigraphStore(None if backend == "oxigraph-memory" else tmp_path / "db")
        store.bulk_threshold = 1
    if backend == "oxigraph-disk-general":
        store.load(COMPLIANCE_DATASET[1][0], graph=graph)
    calls: list[tuple[str, int, int]] = []
    assert store.load(path, graph=graph, progress=lambda *call: calls.append(call)) == 32
    size = Path(path).stat().st_size
    assert [s for s, done, _ in calls if done == 0] == steps
    for step in steps:
        done = [d for s, d, total in calls if s == step and total == size]
        assert done == sorted(done) and done[0] == 0 and done[-1] == size, step
    assert {total for _, _, total in calls} == {size}
    store.close()


def test_closed_store_refuses_work() -> None:
    store = MemoryStore()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.query("ASK {}")


# --------------------------------------------------------------------------- with_values


def test_values_block_opens_the_where_pattern() -> None:
    bindings = {"x": URIRef("http://a/b"), "y": Literal('q}{#"')}
    text = with_values(
        "PREFIX e: <http://e/> # { SELECT\n"
        'SELECT ?x (EXISTS { ?x ?p ?o } AS ?z) ?y WHERE { ?x e:select "{" }',
        bindings,
    )
    assert text.endswith('WHERE {\nVALUES (?x ?y) { (<http://a/b> "q}{#\\"") }\n ?x e:select "{" }')
    short = with_values("CONSTRUCT WHERE { ?x ?p ?y } LIMIT 3", bindings)
    assert short.startswith("CONSTRUCT { ?x ?p ?y } WHERE {\nVALUES (?x ?y)")
    assert short.endswith("?x ?p ?y } LIMIT 3")
    long = with_values("CONSTRUCT { ?x <urn:p> ?y } WHERE { ?x ?p ?y }", bindings)
    assert long.startswith("CONSTRUCT { ?x <urn:p> ?y } WHERE {\nVALUES")


def test_bind_as_text_writes_every_kind_of_literal_exactly() -> None:
    bindings = {
        "a": URIRef("http://a/b"),
        "b": Literal('two "quoted"\nlines\t}', lang="en"),
        "c": Literal("2015", datatype=XSD.gYear),
        "d": Literal("plain", datatype=XSD.string),
        "e": Literal("\x01"),
    }
    text = bind_as_text("SELECT ?a ?b ?c ?d ?e WHERE { ?a ?p ?b }", bindings)
    assert text == (
        "SELECT ?a ?b ?c ?d ?e WHERE {\n"
        'VALUES (?a ?b ?c ?d ?e) { (<http://a/b> "two \\"quoted\\"\\nlines\\t}"@en '
        '"2015"^^<http://www.w3.org/2001/XMLSchema#gYear> "plain" "\\u0001") }\n'
        " ?a ?p ?b }"
    )


@pytest.mark.parametrize(
    "payload",
    [
        'a" . ?s ?p "b',  # a triple pattern after the block
        'a" "b',  # two values for one variable
        'a") } } UNION { VALUES (?y) { ("b',  # a second group
    ],
)
def test_bind_as_text_refuses_a_values_block_that_does_not_read_back(
    monkeypatch: pytest.MonkeyPatch, payload: str
) -> None:
    # As if escaping had a bug: the block is proven before it is used.
    monkeypatch.setattr(analysis, "sparql_literal_text", lambda text: f'"{text}"')
    with pytest.raises(ParameterError, match="the VALUES block does not read back"):
        bind_as_text("SELECT ?y WHERE { ?x ?p ?y }", {"y": Literal(payload)})


def test_bind_as_text_refuses_a_misplaced_block(monkeypatch: pytest.MonkeyPatch) -> None:
    def before_the_query(sparql: str, bindings: dict[str, object]) -> str:
        return f"{analysis.values_clause(bindings)} {sparql}"  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "with_values", before_the_query)
    with pytest.raises(InputError, match=r"^SPARQL query syntax error at line 1"):
        bind_as_text("SELECT ?y WHERE { ?x ?p ?y }", {"y": Literal("one")})


# --------------------------------------------------------------------------- fake endpoint


class _Recorder(BaseHTTPRequestHandler):
    """A SPARQL endpoint that records requests and answers like Virtuoso would."""

    requests: ClassVar[list[dict[str, object]]] = []
    max_rows = 5

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def version_string(self) -> str:  # the Server header
        return "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu"

    def _answer(
        self, status: int, body: bytes, content_type: str, extra: dict | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        params = urllib.parse.parse_qs(url.query)
        if self.headers.get("Content-Type") == "application/x-www-form-urlencoded":
            params.update(urllib.parse.parse_qs(body.decode()))
        record = {
            "method": method,
            "path": url.path,
            "accept": self.headers.get("Accept"),
            "content_type": self.headers.get("Content-Type"),
            "params": params,
        }
        type(self).requests.append(record)
        if "update" in params:
            self._answer(200, b"done", "text/plain")
            return
        query = params.get("query", [""])[0]
        if query.lstrip().upper().startswith("ASK") or "ASK" in query.split("{")[0].upper():
            self._answer(
                200, json.dumps({"boolean": 1}).encode(), "application/sparql-results+json"
            )
            return
        if "CONSTRUCT" in query:
            lines = "".join(f"<urn:s{i}> <urn:p> <urn:o> .\n" for i in range(7))
            self._answer(200, lines.encode(), "application/n-triples")
            return
        if "?a ?b" in query:  # the cap probe, or a big SELECT: cut at max_rows, as Virtuoso does
            rows = [{"a": {"type": "literal", "value": str(i)}} for i in range(self.max_rows)]
            document = {"head": {"vars": ["a", "b"]}, "results": {"bindings": rows}}
            self._answer(
                200,
                json.dumps(document).encode(),
                "application/sparql-results+json",
                {"X-SPARQL-MaxRows": str(self.max_rows)},
            )
            return
        integer, boolean = str(XSD.integer), str(XSD.boolean)
        document = {
            "head": {"vars": ["g", "flag", "test", "n"]},
            "results": {
                "bindings": [
                    {
                        "g": {"type": "uri", "value": G_ACTORS},
                        "flag": {"type": "typed-literal", "datatype": boolean, "value": "1"},
                        "test": {"type": "typed-literal", "datatype": integer, "value": "0"},
                        "n": {"type": "typed-literal", "datatype": integer, "value": "1"},
                    }
                ]
            },
        }
        self._answer(200, json.dumps(document).encode(), "application/sparql-results+json")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")


@pytest.fixture
def fake_endpoint() -> Iterator[tuple[str, list[dict[str, object]]]]:
    _Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", _Recorder.requests
    finally:
        server.shutdown()
        server.server_close()


def test_request_shapes(fake_endpoint: tuple[str, list[dict[str, object]]]) -> None:
    url, requests = fake_endpoint
    store = SparqlStore(url, update_url=url, graphs=[G_ACTORS])
    result = store.query(
        "SELECT ?g ?flag ?test ?n WHERE { GRAPH ?g { ?s ?p ?o } BIND(?s = ?o AS ?test) }"
    )
    assert isinstance(result, SelectResult)
    # Virtuoso's 1/0: the boolean literal, and the integer in a boolean-bound variable, but
    # not an ordinary integer.
    assert result.rows == [(URIRef(G_ACTORS), Literal(True), Literal(False), Literal(1))]
    first = requests[-1]
    assert first["method"] == "GET"
    assert first["accept"] == "application/sparql-results+json"
    assert first["params"]["default-graph-uri"] == [G_ACTORS]  # type: ignore[index]
    assert first["params"]["named-graph-uri"] == [G_ACTORS]  # type: ignore[index]
    assert store.query("ASK { ?s ?p ?o }").value is True  # Virtuoso-style 1
    long_query = (
        "SELECT ?g WHERE { ?s ?p ?o "
        + " ".join(f"OPTIONAL {{ ?s <urn:p{i}> ?o{i} }}" for i in range(200))
        + " }"
    )
    store.query(long_query)
    assert requests[-1]["method"] == "POST"
    assert requests[-1]["content_type"] == "application/x-www-form-urlencoded"
    assert all(r["content_type"] != "application/sparql-query" for r in requests)


def test_select_truncation_is_an_error(fake_endpoint: tuple[str, list[dict[str, object]]]) -> None:
    url, _ = fake_endpoint
    store = SparqlStore(url, graphs=[G_ACTORS])
    with pytest.raises(StoreError, match="X-SPARQL-MaxRows"):
        store.query("SELECT ?a ?b WHERE { ?a ?x ?b }")
    # A LIMIT no higher than the cap is a complete answer, even with the header.
    assert len(store.query("SELECT ?a ?b WHERE { ?a ?x ?b } LIMIT 5")) == 5


def test_construct_at_the_cap_is_an_error(
    fake_endpoint: tuple[str, list[dict[str, object]]],
) -> None:
    url, requests = fake_endpoint
    store = SparqlStore(url, graphs=[G_ACTORS])
    store.query("ASK { ?s ?p ?o }")  # the fake says it is Virtuoso
    with pytest.raises(StoreError, match="result cap"):
        store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert requests[-2]["accept"].startswith("application/n-triples")  # type: ignore[union-attr]
    assert "VALUES ?a" in requests[-1]["params"]["query"][0]  # type: ignore[index]  # the probe
    roomy = SparqlStore(url, graphs=[G_ACTORS], max_rows=100)
    assert len(roomy.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")) == 7


def test_inserts_are_batched_and_keep_blank_nodes(
    fake_endpoint: tuple[str, list[dict[str, object]]],
) -> None:
    url, requests = fake_endpoint
    store = SparqlStore(url, update_url=url, graphs=[G_ACTORS])
    graph = rdflib.Graph()
    for i in range(2300):
        graph.add((URIRef(f"{TEST_NS}x{i}"), URIRef(f"{TEST_NS}p"), Literal(i)))
    chain = [BNode() for _ in range(5)]
    for a, b in itertools.pairwise(chain):
        graph.add((a, URIRef(f"{TEST_NS}next"), b))
    graph.add((chain[-1], URIRef(f"{TEST_NS}label"), Literal('tab\there "quoted" \\')))
    store.add(graph)
    updates = [r["params"]["update"][0] for r in requests if "update" in r["params"]]  # type: ignore[operator,index]
    inserts, final = updates[:-1], updates[-1]
    assert len(inserts) == 3
    assert all(u.count(" .\n") <= 1000 for u in inserts)
    with_bnodes = [u for u in inserts if "_:" in u]
    assert len(with_bnodes) == 1 and with_bnodes[0].startswith("INSERT {")
    assert with_bnodes[0].rstrip().endswith("WHERE {}")
    assert all(u.startswith("INSERT DATA") for u in inserts if "_:" not in u)
    assert '"tab\\there \\"quoted\\" \\\\"' in with_bnodes[0]
    assert final.startswith("ADD <urn:coopgraph:staging:") and f"TO <{G_ACTORS}>" in final
    assert "DROP SILENT GRAPH <urn:coopgraph:staging:" in final


def test_remote_store_needs_a_graph(fake_endpoint: tuple[str, list[dict[str, object]]]) -> None:
    url, _ = fake_endpoint
    store = SparqlStore(url, update_url=url)
    with pytest.raises(ParameterError, match="no default graph"):
        store.load(COMPLIANCE_DATASET[0][0])


def test_unreachable_endpoint_is_a_store_error() -> None:
    store = open_store("http://127.0.0.1:9/sparql", graphs=G_ACTORS)
    with pytest.raises(StoreError, match="cannot reach the SPARQL endpoint") as caught:
        store.query("ASK { ?s ?p ?o }")
    assert caught.value.exit_code == 4 and "\n" not in str(caught.value)


# --------------------------------------------------------------------------- real servers


@pytest.mark.server
def test_virtuoso_digest_auth_and_graph_store(virtuoso_server: ServerInfo) -> None:
    virtuoso_server.reset()
    store = SparqlStore(
        virtuoso_server.auth_query_url or "",
        update_url=virtuoso_server.auth_query_url,
        gsp_url=virtuoso_server.auth_gsp_url,
        user=virtuoso_server.user,
        password=virtuoso_server.password,
        auth="digest",
    )
    for path, graph in COMPLIANCE_DATASET:
        store.load(path, graph=graph)
    assert len(store) == 53
    assert store.graphs() == [URIRef(G_ACTORS), URIRef(G_ENGAGEMENTS)]
    label = store.query(
        f"SELECT ?l WHERE {{ <{TEST_NS}eng1> <{COOP.hasSafeguard}> ?b . ?b <{RDFS.label}> ?l }}"
    )
    assert label.rows == [(Literal("Vetting of recruits", lang="en"),)]
    wrong = SparqlStore(
        virtuoso_server.auth_query_url or "", user="coopgraph", password="wrong", auth="digest"
    )
    with pytest.raises(StoreError, match="not authorised"):
        wrong.query("ASK { ?s ?p ?o }")


@pytest.mark.server
def test_virtuoso_select_truncation(virtuoso_server: ServerInfo) -> None:
    """More rows than ResultSetMaxRows: an error, never a silently partial answer."""
    store = virtuoso_server.open(graphs=[G_ACTORS])
    side = int(virtuoso_server.max_rows**0.5) + 2  # side² > the cap
    numbers = " ".join(str(i) for i in range(side))
    query = f"SELECT ?a ?b WHERE {{ VALUES ?a {{ {numbers} }} VALUES ?b {{ {numbers} }} }}"
    with pytest.raises(StoreError, match="X-SPARQL-MaxRows"):
        store.query(query)


@pytest.mark.server
def test_virtuoso_rejected_batch_leaves_graph_unchanged(
    virtuoso_server: ServerInfo, tmp_path: Path
) -> None:
    """Virtuoso refuses a bad integer in a SPARQL INSERT; the staged load is undone."""
    virtuoso_server.reset()
    store = virtuoso_server.open()
    store.load(COMPLIANCE_DATASET[0][0], graph=G_ACTORS)
    path = tmp_path / "late-error.ttl"
    lines = [f"<{TEST_NS}x{i}> <{TEST_NS}p> {i} ." for i in range(1500)]
    lines.append(f'<{TEST_NS}y> <{TEST_NS}p> "notanumber"^^<{XSD.integer}> .')
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises((InputError, StoreError), match="none of it was loaded"):
        store.load(path, graph=G_ACTORS)
    assert len(store) == 32
    assert virtuoso_server.graphs() - virtuoso_server.baseline_graphs == {G_ACTORS}


@pytest.mark.server
def test_virtuoso_scope_hides_system_graphs(virtuoso_server: ServerInfo) -> None:
    virtuoso_server.reset()
    store = virtuoso_server.open()
    assert len(store) == 0 and store.graphs() == []
    assert store.query("ASK { ?s ?p ?o }").value is False  # not the system graphs
    store.load(COMPLIANCE_DATASET[1][0], graph=G_ENGAGEMENTS)
    assert store.graphs() == [URIRef(G_ENGAGEMENTS)] and len(store) == 21
    # A CONSTRUCT answer with the cap unknown: checked with the probe, then trusted.
    unknown_cap = virtuoso_server.open(max_rows=None)
    assert len(unknown_cap.query("CONSTRUCT WHERE { ?s ?p ?o }")) == 21


@pytest.mark.server
def test_oxigraph_server_graph_store_protocol_only(oxigraph_server: ServerInfo) -> None:
    """With a GSP URL and no update URL, loads go straight to the graph (no staging)."""
    oxigraph_server.reset()
    store = SparqlStore(oxigraph_server.query_url, gsp_url=oxigraph_server.gsp_url)
    store.load(COMPLIANCE_DATASET[0][0], graph=G_ACTORS)
    assert len(store) == 32
    with pytest.raises(StoreError, match="no update URL"):
        store.update("CLEAR ALL")


def test_query_run_sends_the_virtuoso_form_to_virtuoso(
    fake_endpoint: tuple[str, list[dict[str, object]]], capsys: pytest.CaptureFixture[str]
) -> None:
    # `query run` used to send the standard text, which Virtuoso 7 answers wrongly.
    url, requests = fake_endpoint
    engagement = URIRef("https://w3id.org/coopgraph/data/eng-us-sdf-weapons")
    argv = ["query", "run", "countermeasure-gaps", "-p", f"engagement=<{engagement}>"]
    assert main([*argv, "--store", url, "--format", "csv"]) == 0
    capsys.readouterr()
    virtuoso_form = get_query("countermeasure-gaps").text_for("virtuoso")
    assert virtuoso_form != get_query("countermeasure-gaps").text
    sent = [r["params"]["query"][0] for r in requests if "query" in r["params"]]  # type: ignore[operator,index]
    assert sent[-1] == bind_as_text(virtuoso_form, {"engagement": engagement})


def test_endpoint_canned_query_sends_the_virtuoso_form_to_virtuoso(
    fake_endpoint: tuple[str, list[dict[str, object]]],
) -> None:
    # `serve --store <virtuoso>`: /queries/NAME used to send the standard text.
    url, requests = fake_endpoint
    engagement = URIRef("https://w3id.org/coopgraph/data/eng-us-sdf-weapons")
    server = SparqlServer(SparqlStore(url), ("127.0.0.1", 0), log=io.StringIO())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        target = f"/queries/countermeasure-gaps?engagement={urllib.parse.quote(f'<{engagement}>')}"
        connection = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
        connection.request("GET", target, headers={"Accept": "application/sparql-results+json"})
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
    sent = [r["params"]["query"][0] for r in requests if "query" in r["params"]]  # type: ignore[operator,index]
    virtuoso_form = get_query("countermeasure-gaps").text_for("virtuoso")
    assert sent[-1] == bind_as_text(virtuoso_form, {"engagement": engagement})


def test_an_update_that_fails_on_the_data_is_bad_input_not_a_broken_store(
    tmp_path: Path,
) -> None:
    # It was a StoreError (exit 4, "the store could not be used"; 502 from the endpoint).
    with OxigraphStore(tmp_path / "db") as store:
        with pytest.raises(InputError) as raised:
            store.update("DROP GRAPH <urn:x:missing>")
        assert str(raised.value) == (
            f"oxigraph:{tmp_path / 'db'}: update failed: The graph <urn:x:missing> does not exist"
        )
        store.update("CREATE GRAPH <urn:x:g>")
        with pytest.raises(InputError, match="update failed: The graph <urn:x:g> already exists"):
            store.update("CREATE GRAPH <urn:x:g>")
