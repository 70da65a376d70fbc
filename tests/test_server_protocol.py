"""The W3C SPARQL 1.1 Protocol test manifest as the checklist of ``coopgraph serve``.

Every entry of ``../shared/conformance/sparql-protocol/manifest.ttl`` is read from the manifest
(requests: method, path, headers, body and its encoding; expected status classes, format and
boolean) and sent unchanged to a server in this process. Each test also asserts the exact
status this endpoint gives (a manifest only says 2xx/4xx) and the content type.

Every entry applies and passes (:data:`HANDLING`). The data an entry names
(``ut:graphData``: ``data1.nt`` as the graph ``http://kasei.us/.../data1.rdf``, ...) is loaded
into the server's store first. The entries that update (``update_*``, ``bad_update_syntax``,
``bad_update_dataset_conflict``) run on a server started with ``--allow-update``, their
requests given the bearer token the manifest cannot know (on a read-only server they would get
403 for being updates). The dataset parameters choose graphs of the store; the relative IRIs of
``query_content_type_construct`` and ``update_base_uri`` resolve against the endpoint's URL.

The Graph Store Protocol manifest (``graph-store-manifest.ttl``) only includes two manifests
that are not in the conformance data; ``/rdf-graph-store`` is tested in ``test_server.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, RDFS, Namespace
from rdflib.collection import Collection
from test_server import TOKEN, call, running

from coopgraph.server import ASK_TYPES, GRAPH_TYPES, SELECT_TYPES, ServerSettings, SparqlServer
from coopgraph.store import OxigraphStore

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#"

UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
WITH_UPDATE = {"bad_update_syntax", "bad_update_dataset_conflict"}
"""Entries that need an update-enabled server besides the ``update_*`` ones."""

HANDLING: dict[str, int] = {
    # entry: the exact status of its first request here
    "query_post_form": 200,
    "query_dataset_default_graphs_get": 200,
    "query_dataset_default_graphs_post": 200,
    "query_dataset_named_graphs_post": 200,
    "query_dataset_named_graphs_get": 200,
    "query_dataset_full": 200,
    "query_multiple_dataset": 200,
    "query_get": 200,
    "query_content_type_select": 200,
    "query_content_type_ask": 200,
    "query_content_type_describe": 200,
    "query_content_type_construct": 200,
    "update_dataset_default_graph": 200,
    "update_dataset_default_graphs": 200,
    "update_dataset_named_graphs": 200,
    "update_dataset_full": 200,
    "update_post_form": 200,
    "update_post_direct": 200,
    "update_base_uri": 200,
    "query_post_direct": 200,
    "bad_query_method": 405,
    "bad_multiple_queries": 400,
    "bad_query_wrong_media_type": 415,
    "bad_query_missing_form_type": 415,
    "bad_query_missing_direct_type": 415,
    "bad_query_non_utf8": 415,
    "bad_query_syntax": 400,
    "bad_update_get": 405,
    "bad_multiple_updates": 400,
    "bad_update_wrong_media_type": 415,
    "bad_update_missing_form_type": 415,
    "bad_update_non_utf8": 415,
    "bad_update_syntax": 400,
    "bad_update_dataset_conflict": 400,
}


@dataclass(frozen=True)
class ProtocolRequest:
    """One request of a manifest entry and what the manifest expects of its response."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]
    """The allowed status classes: 2, 3, 4 or 5."""
    expected_format: str | None
    expected_boolean: bool | None


@dataclass(frozen=True)
class ProtocolEntry:
    """A manifest entry: the graphs to load first (file, graph IRI) and its requests."""

    data: list[tuple[Path, str]]
    requests: list[ProtocolRequest]


def read_manifest(path: Path) -> dict[str, ProtocolEntry]:
    """Each entry of the manifest, by local name, with its data and its requests in order."""
    graph = rdflib.Graph().parse(path, format="turtle")
    (manifest,) = graph.subjects(RDF.type, MF.Manifest)
    entries: dict[str, ProtocolEntry] = {}
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        requests = [
            _request(graph, node) for node in Collection(graph, graph.value(action, HT.requests))
        ]
        data = sorted(
            (
                path.parent / Path(str(graph.value(node, UT.graph))).name,
                str(graph.value(node, RDFS.label)),
            )
            for node in graph.objects(entry, UT.graphData)
        )
        entries[str(entry).removeprefix(BASE)] = ProtocolEntry(data, requests)
    return entries


def _request(graph: rdflib.Graph, node: rdflib.term.Node) -> ProtocolRequest:
    headers = {}
    header_list = graph.value(node, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            headers[str(graph.value(header, HT.fieldName))] = str(
                graph.value(header, HT.fieldValue)
            )
    body = None
    body_node = graph.value(node, HT.body)
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding.lower())
    response = graph.value(node, HT.resp)
    statuses = frozenset(
        int(str(code).removeprefix(str(HTS))[len("StatusCode")])
        for code in graph.objects(response, MF.expectedStatus)
    )
    expected_format = graph.value(response, MF.expectedFormat)
    expected_boolean = graph.value(response, MF.expectedBoolean)
    return ProtocolRequest(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        statuses=statuses,
        expected_format=str(expected_format) if expected_format is not None else None,
        expected_boolean=expected_boolean.toPython() if expected_boolean is not None else None,
    )


@pytest.fixture(scope="module")
def manifest(conformance_dir: Path) -> dict[str, ProtocolEntry]:
    return read_manifest(conformance_dir / "sparql-protocol" / "manifest.ttl")


@pytest.fixture
def read_only_server() -> Iterator[SparqlServer]:
    with OxigraphStore() as store, running(store) as server:
        yield server


@pytest.fixture
def update_server() -> Iterator[SparqlServer]:
    with (
        OxigraphStore() as store,
        running(store, ServerSettings(allow_update=True, token=TOKEN)) as server,
    ):
        yield server


def send(server: SparqlServer, request: ProtocolRequest, token: bool) -> tuple[int, str, bytes]:
    headers = dict(request.headers)
    if token:
        headers["Authorization"] = f"Bearer {TOKEN}"
    status, response_headers, body = call(
        server, request.method, request.path, request.body, headers
    )
    return status, response_headers.get("Content-Type", ""), body


def check_response(request: ProtocolRequest, status: int, content_type: str, body: bytes) -> None:
    """What the manifest expects: the status class, the format and the boolean."""
    assert status // 100 in request.statuses, body.decode(errors="replace")
    media_type = content_type.split(";")[0]
    if request.expected_format == "boolean":
        assert media_type in dict(ASK_TYPES)
    elif request.expected_format == "tabular":
        assert media_type in dict(SELECT_TYPES)
    elif request.expected_format == "RDF":
        assert media_type in dict(GRAPH_TYPES)
        rdflib.Graph().parse(data=body.decode(), format=dict(GRAPH_TYPES)[media_type])
    if request.expected_boolean is not None:
        assert json.loads(body)["boolean"] is request.expected_boolean
    if status // 100 == 4:
        assert media_type == "text/plain"
        assert body.decode().startswith(f"{status} ")


def test_manifest_entries_are_all_classified(manifest: dict[str, ProtocolEntry]) -> None:
    assert list(manifest) == list(HANDLING)


@pytest.mark.parametrize("entry", list(HANDLING))
def test_protocol_entry(
    entry: str,
    manifest: dict[str, ProtocolEntry],
    request: pytest.FixtureRequest,
) -> None:
    with_update = entry in WITH_UPDATE or entry.startswith("update_")
    server: SparqlServer = request.getfixturevalue(
        "update_server" if with_update else "read_only_server"
    )
    for path, graph in manifest[entry].data:
        server.store.load(path, graph=graph)
    for number, protocol_request in enumerate(manifest[entry].requests):
        status, content_type, body = send(server, protocol_request, token=with_update)
        check_response(protocol_request, status, content_type, body)
        if number == 0:
            assert status == HANDLING[entry], body.decode(errors="replace")


def test_dataset_entries_load_their_data(manifest: dict[str, ProtocolEntry]) -> None:
    """The manifest's graph data is read (else the dataset entries would pass vacuously)."""
    kasei = "http://kasei.us/2009/09/sparql/data/"
    assert [(p.name, g) for p, g in manifest["query_dataset_full"].data] == [
        ("data1.nt", kasei + "data1.rdf"),
        ("data2.nt", kasei + "data2.rdf"),
        ("data3.nt", kasei + "data3.rdf"),
    ]
