"""The published JSON-LD context covers the vocabulary and round-trips data unchanged."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from importlib import resources
from importlib.abc import Traversable

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from coopgraph import rdfio, vocab
from coopgraph.vocab import COOP, ontology_file

SAMPLE = """
@prefix coop: <https://w3id.org/coopgraph/ontology#> .
@prefix data: <https://w3id.org/coopgraph/data/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
data:e1 a coop:Engagement ;
    rdfs:label "US intelligence sharing with a partner"@en ;
    coop:provider data:UnitedStates ;
    coop:partner data:Partner ;
    coop:engagementType coop:IntelligenceSharing ;
    coop:formality coop:Formal ;
    coop:startDate "2015"^^xsd:gYear ;
    coop:endDate "2019-10-13"^^xsd:date .
"""


def _context() -> dict:
    path = resources.files("coopgraph.ontology") / "coopgraph.context.jsonld"
    return json.loads(path.read_text(encoding="utf-8"))["@context"]


def _ontology() -> Graph:
    with ontology_file().open("rb") as stream:
        return Graph().parse(stream, format="turtle")


def test_every_class_and_property_has_a_term_with_its_iri() -> None:
    context = _context()
    ontology = _ontology()
    missing = []
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in ontology.subjects(RDF.type, kind):
            local = str(term).removeprefix(str(COOP))
            if local == str(term):
                continue
            entry = context.get(local)
            iri = entry["@id"] if isinstance(entry, dict) else entry
            if iri != f"coop:{local}":
                missing.append(local)
            elif kind == OWL.ObjectProperty and entry.get("@type") != "@vocab":
                missing.append(f"{local} (object property values must be IRIs)")
    assert missing == []


def test_compacted_json_ld_reads_back_as_the_same_graph() -> None:
    original = Graph().parse(data=SAMPLE, format="turtle")
    text = original.serialize(format="json-ld", context=_context())
    document = json.loads(text)
    # Compact and readable: vocabulary values and properties appear as bare names.
    [node] = document.get("@graph", [document])
    assert node["engagementType"] == "IntelligenceSharing"
    assert node["provider"] == "data:UnitedStates"
    assert node["label"] == "US intelligence sharing with a partner"
    assert isomorphic(Graph().parse(data=text, format="json-ld"), original)


# ----------------------------------------------------------- coopgraph's JSON-LD output


def test_json_ld_output_is_compacted_with_the_published_context() -> None:
    text = rdfio.serialize(Graph().parse(data=SAMPLE, format="turtle"), "json-ld")
    assert json.loads(text) == {
        "@context": _context(),
        "id": "data:e1",
        "type": "Engagement",
        "endDate": {"type": "xsd:date", "@value": "2019-10-13"},
        "engagementType": "IntelligenceSharing",
        "formality": "Formal",
        "label": "US intelligence sharing with a partner",
        "partner": "data:Partner",
        "provider": "data:UnitedStates",
        "startDate": {"type": "xsd:gYear", "@value": "2015"},
    }
    assert vocab.jsonld_context() == _context()


def test_expanded_json_ld_has_no_context() -> None:
    original = Graph().parse(data=SAMPLE, format="turtle")
    text = rdfio.serialize(original, "json-ld", expanded=True)
    assert text.endswith("]\n")
    [node] = json.loads(text)
    assert node["@id"] == "https://w3id.org/coopgraph/data/e1"
    assert node[str(COOP.provider)] == [{"@id": "https://w3id.org/coopgraph/data/UnitedStates"}]
    assert isomorphic(Graph().parse(data=text, format="json-ld"), original)


ROUND_TRIP_FILES = [
    *(f for f in vocab.example_files()),
    *(vocab.ontology_file(name) for name in (vocab.CORE_ONTOLOGY, vocab.ALIGNMENT_MODULE)),
    *vocab.shapes_files(),
]


@pytest.mark.parametrize("source", ROUND_TRIP_FILES, ids=lambda f: f.name)
def test_every_shipped_file_reads_back_from_compacted_json_ld(source: Traversable) -> None:
    with resources.as_file(source) as path:
        original = Graph().parse(path, format="turtle")
    text = rdfio.serialize(original, "json-ld")
    assert json.loads(text)["@context"] == _context()
    assert isomorphic(Graph().parse(data=text, format="json-ld"), original)


def test_list_order_is_kept_and_other_values_are_sorted() -> None:
    graph = Graph().parse(
        data="""
        @prefix ex: <http://example.org/> .
        ex:s ex:seq ( ex:c ex:a ex:b ) ; ex:ordered ( "z" "x" "y" ) ;
             ex:set ex:c, ex:a, ex:b .
        """,
        format="turtle",
    )
    context = {
        "ex": "http://example.org/",
        "ordered": {"@id": "ex:ordered", "@container": "@list"},
        "set": {"@id": "ex:set", "@type": "@id"},
    }
    document = json.loads(rdfio.serialize(graph, "json-ld", context=context))
    assert document == {
        "@context": context,
        "@id": "ex:s",
        "ex:seq": {"@list": [{"@id": "ex:c"}, {"@id": "ex:a"}, {"@id": "ex:b"}]},
        "ordered": ["z", "x", "y"],
        "set": ["ex:a", "ex:b", "ex:c"],
    }


def test_json_ld_output_does_not_depend_on_the_hash_seed() -> None:
    # rdflib emits subjects in set order; without sorting, the output changes between runs.
    script = (
        "import sys\n"
        "from coopgraph import rdfio\n"
        "sys.stdout.write(rdfio.serialize(rdfio.read_quads(sys.argv[1]), 'json-ld'))\n"
    )
    with resources.as_file(vocab.example_files()[0]) as path:
        outputs = {
            subprocess.run(
                [sys.executable, "-c", script, str(path)],
                env={**os.environ, "PYTHONHASHSEED": seed},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for seed in ("1", "2", "3")
        }
    assert len(outputs) == 1


def test_long_blank_node_chains_are_written_without_recursion() -> None:
    # rdflib's converter went one call deeper per blank node: RecursionError (exit 3) at ~300.
    graph = Graph()
    nodes = [BNode() for _ in range(3000)]
    graph.add((URIRef("urn:x:start"), URIRef("urn:x:next"), nodes[0]))
    for here, there in itertools.pairwise(nodes):
        graph.add((here, URIRef("urn:x:next"), there))
    # a list whose nodes carry another statement is no @list: its nodes are a chain too
    items = [BNode() for _ in range(1000)]
    graph.add((URIRef("urn:x:start"), URIRef("urn:x:items"), items[0]))
    for number, (here, there) in enumerate(itertools.pairwise([*items, RDF.nil])):
        graph.add((here, RDF.first, Literal(number)))
        graph.add((here, RDF.rest, there))
        graph.add((here, RDF.type, URIRef("urn:x:Cell")))
    text = rdfio.serialize(graph, "json-ld")
    assert len(json.loads(text)["@graph"]) == 1 + 3000 + 1000
    back = Graph().parse(data=text, format="json-ld")
    assert len(back) == len(graph)  # (isomorphic() takes minutes on chains this long)
    chain, node = [], back.value(URIRef("urn:x:start"), URIRef("urn:x:next"))
    while node is not None:
        chain.append(node)
        node = back.value(node, URIRef("urn:x:next"))
    assert len(set(chain)) == 3000 and all(isinstance(node, BNode) for node in chain)
    [head] = back.objects(URIRef("urn:x:start"), URIRef("urn:x:items"))
    assert [item.toPython() for item in Collection(back, head)] == list(range(1000))
