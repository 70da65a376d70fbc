"""The published JSON-LD context covers the vocabulary and round-trips data unchanged."""

from __future__ import annotations

import json
from importlib import resources

from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

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
