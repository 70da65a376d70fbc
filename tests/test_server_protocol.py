"""The W3C SPARQL 1.1 Protocol test manifest as the checklist of ``coopgraph serve``.

Every entry of ``../shared/conformance/sparql-protocol/manifest.ttl`` is read from the manifest
(requests: method, path, headers, body and its encoding; expected status classes, format and
boolean) and sent unchanged to a server in this process. Each test also asserts the exact
status this endpoint gives (a manifest only says 2xx/4xx) and the content type.

How each entry applies (:data:`HANDLING`):

* Read-only endpoint, as written: ``query_post_direct`` and every ``bad_*`` query entry
  (wrong method, several queries, wrong or missing media type, UTF-16 body, bad syntax), and
  ``bad_update_get``, ``bad_multiple_updates``, ``bad_update_wrong_media_type``,
  ``bad_update_missing_form_type``, ``bad_update_non_utf8`` (refused before any update could
  run, so read-only or not makes no difference).
* Only with ``--allow-update`` (run on an update-enabled server, the requests given the bearer
  token the manifest cannot know): ``update_post_form``, ``update_post_direct``,
  ``bad_update_syntax`` (on a read-only server it would get 403 for being an update, not 400
  for its syntax), ``update_base_uri``.
* Not applicable, refused with 400 naming the parameter: the protocol's dataset parameters
  are not supported (the store interface has no per-request dataset; the default graph is the
  union of all graphs, announced as ``sd:UnionDefaultGraph``). So ``query_dataset_*``,
  ``query_multiple_dataset`` and ``update_dataset_*`` are answered 400 on their first request
  (their later requests check the dataset's effect and are not sent), and
  ``bad_update_dataset_conflict`` gets its 4xx for the same reason.
* Not applicable, relative IRIs: this endpoint defines no base IRI (the protocol allows one but
  does not require it), so ``update_base_uri`` and ``query_content_type_construct`` (whose
  ``CONSTRUCT { <s> <p> 1 }`` needs a base) get 400 with the parser's message; CONSTRUCT
  content types are checked with absolute IRIs in ``test_server.py``.
* Partly applicable: ``query_get``, ``query_post_form`` and the other ``query_content_type_*`` add
  ``default-graph-uri=.../data0.rdf`` to a query that does not depend on it; sent as written
  they get 400, and sent again without that parameter they must give the manifest's answer.

Graph Store Protocol (``graph-store-manifest.ttl``): not applicable, the server has no
``/store`` endpoint.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, Namespace
from rdflib.collection import Collection
from test_server import TOKEN, call, running

from coopgraph.server import ASK_TYPES, GRAPH_TYPES, SELECT_TYPES, ServerSettings, SparqlServer
from coopgraph.store import OxigraphStore

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#"

AS_IS, WITH_UPDATE, DATASET, INCIDENTAL_DATASET = "as-is", "with-update", "dataset", "incidental"
NO_BASE = "no-base"

HANDLING: dict[str, tuple[str, int]] = {
    # entry: (how it applies, the exact status of its first request here)
    "query_post_form": (INCIDENTAL_DATASET, 200),
    "query_dataset_default_graphs_get": (DATASET, 400),
    "query_dataset_default_graphs_post": (DATASET, 400),
    "query_dataset_named_graphs_post": (DATASET, 400),
    "query_dataset_named_graphs_get": (DATASET, 400),
    "query_dataset_full": (DATASET, 400),
    "query_multiple_dataset": (DATASET, 400),
    "query_get": (INCIDENTAL_DATASET, 200),
    "query_content_type_select": (INCIDENTAL_DATASET, 200),
    "query_content_type_ask": (INCIDENTAL_DATASET, 200),
    "query_content_type_describe": (INCIDENTAL_DATASET, 200),
    "query_content_type_construct": (NO_BASE, 400),
    "update_dataset_default_graph": (DATASET, 400),
    "update_dataset_default_graphs": (DATASET, 400),
    "update_dataset_named_graphs": (DATASET, 400),
    "update_dataset_full": (DATASET, 400),
    "update_post_form": (WITH_UPDATE, 200),
    "update_post_direct": (WITH_UPDATE, 200),
    "update_base_uri": (NO_BASE, 400),
    "query_post_direct": (AS_IS, 200),
    "bad_query_method": (AS_IS, 405),
    "bad_multiple_queries": (AS_IS, 400),
    "bad_query_wrong_media_type": (AS_IS, 415),
    "bad_query_missing_form_type": (AS_IS, 415),
    "bad_query_missing_direct_type": (AS_IS, 415),
    "bad_query_non_utf8": (AS_IS, 415),
    "bad_query_syntax": (AS_IS, 400),
    "bad_update_get": (AS_IS, 405),
    "bad_multiple_updates": (AS_IS, 400),
    "bad_update_wrong_media_type": (AS_IS, 415),
    "bad_update_missing_form_type": (AS_IS, 415),
    "bad_update_non_utf8": (AS_IS, 415),
    "bad_update_syntax": (WITH_UPDATE, 400),
    "bad_update_dataset_conflict": (DATASET, 400),
}
DATASET_PARAMETERS = (
    "default-graph-uri",
    "named-graph-uri",
    "using-graph-uri",
    "using-named-graph-uri",
)


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

    def without_dataset(self) -> ProtocolRequest:
        url = urllib.parse.urlsplit(self.path)
        kept = [
            (name, value)
            for name, value in urllib.parse.parse_qsl(url.query, keep_blank_values=True)
            if name not in DATASET_PARAMETERS
        ]
        path = url.path + ("?" + urllib.parse.urlencode(kept) if kept else "")
        return ProtocolRequest(
            self.method,
            path,
            self.headers,
            self.body,
            self.statuses,
            self.expected_format,
            self.expected_boolean,
        )


def read_manifest(path: Path) -> dict[str, list[ProtocolRequest]]:
    """Each entry of the manifest, by local name, with its requests in order."""
    graph = rdflib.Graph().parse(path, format="turtle")
    (manifest,) = graph.subjects(RDF.type, MF.Manifest)
    entries: dict[str, list[ProtocolRequest]] = {}
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        requests = [
            _request(graph, node) for node in Collection(graph, graph.value(action, HT.requests))
        ]
        entries[str(entry).removeprefix(BASE)] = requests
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
def manifest(conformance_dir: Path) -> dict[str, list[ProtocolRequest]]:
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


def test_manifest_entries_are_all_classified(manifest: dict[str, list[ProtocolRequest]]) -> None:
    assert list(manifest) == list(HANDLING)


@pytest.mark.parametrize("entry", list(HANDLING))
def test_protocol_entry(
    entry: str,
    manifest: dict[str, list[ProtocolRequest]],
    request: pytest.FixtureRequest,
) -> None:
    handling, first_status = HANDLING[entry]
    requests = manifest[entry]
    with_update = handling == WITH_UPDATE or entry.startswith("update_")
    server: SparqlServer = request.getfixturevalue(
        "update_server" if with_update else "read_only_server"
    )
    if handling == NO_BASE:
        status, _, body = send(server, requests[0].without_dataset(), token=with_update)
        assert status == 400
        assert "syntax error" in body.decode() and "IRI parsing failed" in body.decode()
        return
    if handling in (DATASET, INCIDENTAL_DATASET):
        status, content_type, body = send(server, requests[0], token=False)
        given = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(requests[0].path).query))
        named = [p for p in DATASET_PARAMETERS if p in given]
        assert (status, content_type) == (400, "text/plain; charset=utf-8")
        assert body.decode().startswith(f"400 Bad Request: {named[0]} is not supported")
        if handling == DATASET:
            return
        requests = [r.without_dataset() for r in requests]
    for number, protocol_request in enumerate(requests):
        status, content_type, body = send(server, protocol_request, token=with_update)
        check_response(protocol_request, status, content_type, body)
        if number == 0:
            assert status == first_status, body.decode(errors="replace")
