"""The shared renderers (coopgraph.render): one per output format, for rows and for graphs."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDFS, XSD

from coopgraph.dataset import open_dataset
from coopgraph.errors import ParameterError
from coopgraph.render import (
    compact_iri,
    display,
    label_map,
    render_graph,
    render_result,
    render_rows,
)
from coopgraph.store import AskResult, GraphResult, SelectResult
from coopgraph.vocab import COOP, DATA

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "queries"
VARIABLES = ["who", "what", "note"]
ROWS = [
    (DATA["state-a"], COOP.Espionage, Literal("a | b", lang="en")),
    (URIRef("http://example.org/x"), Literal(3), None),
    (BNode("b1"), Literal('tab\there\nnew "q"'), date(2015, 3, 1)),
]
LABELS = {DATA["state-a"]: "State A", COOP.Espionage: "espionage"}


def test_compact_names() -> None:
    assert compact_iri(str(COOP.Espionage)) == "coop:Espionage"
    assert compact_iri(str(DATA["state-a"])) == "data:state-a"
    assert compact_iri("http://www.w3.org/2000/01/rdf-schema#label") == "rdfs:label"
    assert compact_iri("http://example.org/x") == "<http://example.org/x>"
    # a local name that Turtle could not write stays a full IRI
    assert compact_iri(str(DATA) + "a/b") == "<https://w3id.org/coopgraph/data/a/b>"


def test_display_of_cells() -> None:
    assert display(DATA["state-a"], LABELS) == "data:state-a (State A)"
    assert display(DATA["state-b"], LABELS) == "data:state-b"
    assert display(None) == ""
    assert display(True) == "true"
    assert display(Literal("2015", datatype=XSD.gYear)) == "2015"


def test_table() -> None:
    text = render_rows(
        ["who", "what"], [(DATA["state-a"], COOP.Espionage), (None, 7)], "table", LABELS
    )
    assert text == (
        "who                     what\n"
        "----------------------  --------------------------\n"
        "data:state-a (State A)  coop:Espionage (espionage)\n"
        "                        7\n"
        "(2 rows)\n"
    )


def test_markdown_escapes_pipes_and_newlines() -> None:
    text = render_rows(VARIABLES, ROWS[:1], "markdown", LABELS)
    assert text == (
        "| who | what | note |\n"
        "|---|---|---|\n"
        "| data:state-a (State A) | coop:Espionage (espionage) | a \\| b |\n"
    )


def test_csv_is_the_w3c_format() -> None:
    text = render_rows(VARIABLES, ROWS, "csv")
    assert text.splitlines()[0] == "who,what,note"
    assert "\r\n" in text
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[1] == [str(DATA["state-a"]), str(COOP.Espionage), "a | b"]
    assert parsed[2] == ["http://example.org/x", "3", ""]
    assert parsed[3] == ["_:b1", 'tab\there\nnew "q"', "2015-03-01"]


def test_tsv_is_the_w3c_format() -> None:
    lines = render_rows(VARIABLES, ROWS, "tsv").splitlines()
    assert lines[0] == "?who\t?what\t?note"
    assert lines[1].split("\t") == [f"<{DATA['state-a']}>", f"<{COOP.Espionage}>", '"a | b"@en']
    assert lines[2].split("\t") == [
        "<http://example.org/x>",
        '"3"^^<http://www.w3.org/2001/XMLSchema#integer>',
        "",
    ]
    assert lines[3].split("\t") == [
        "_:b1",
        '"tab\\there\\nnew \\"q\\""',
        '"2015-03-01"^^<http://www.w3.org/2001/XMLSchema#date>',
    ]
    assert len(lines) == 4


def test_json_is_the_w3c_sparql_results_format() -> None:
    document = json.loads(render_rows(VARIABLES, ROWS, "json"))
    assert document["head"] == {"vars": VARIABLES}
    assert document["results"]["bindings"] == [
        {
            "who": {"type": "uri", "value": str(DATA["state-a"])},
            "what": {"type": "uri", "value": str(COOP.Espionage)},
            "note": {"type": "literal", "value": "a | b", "xml:lang": "en"},
        },
        {
            "who": {"type": "uri", "value": "http://example.org/x"},
            "what": {"type": "literal", "value": "3", "datatype": str(XSD.integer)},
        },
        {
            "who": {"type": "bnode", "value": "b1"},
            "what": {"type": "literal", "value": 'tab\there\nnew "q"'},
            "note": {"type": "literal", "value": "2015-03-01", "datatype": str(XSD.date)},
        },
    ]


def test_ask_answers() -> None:
    assert render_result(AskResult(True)) == "true\n"
    assert json.loads(render_result(AskResult(False), "json")) == {"head": {}, "boolean": False}
    with pytest.raises(ParameterError, match="not for an ASK answer"):
        render_result(AskResult(True), "turtle")


def test_graphs_as_turtle_and_json_ld() -> None:
    graph = rdflib.Graph()
    graph.add((DATA["state-a"], RDFS.label, Literal("State A", lang="en")))
    turtle = render_result(GraphResult(graph))
    assert 'data:state-a rdfs:label "State A"@en' in turtle
    again = rdflib.Graph().parse(data=render_graph(graph, "json-ld"), format="json-ld")
    assert set(again) == set(graph)
    with pytest.raises(ParameterError, match="is not for graphs"):
        render_graph(graph, "csv")
    with pytest.raises(ParameterError, match="is not for rows"):
        render_result(SelectResult(["x"], []), "turtle")


def test_labels_come_from_the_store() -> None:
    with open_dataset([FIXTURES / "no-risks.ttl"]) as store:
        labels = label_map(
            store, [COOP.Espionage, COOP.Infiltration, DATA["nothing"], Literal("x")]
        )
    assert labels == {COOP.Espionage: "espionage", COOP.Infiltration: "infiltration"}
