"""Statistics about the bundled ontology and example knowledge base (``coopgraph info``)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from coopgraph.vocab import COOP, example_files, ontology_file


@dataclass(frozen=True)
class Statistics:
    """Counts that say how large the model and the bundled data are."""

    ontology_triples: int
    classes: int
    object_properties: int
    datatype_properties: int
    vocabulary_individuals: int
    example_files: int
    example_triples: int
    actors: int
    engagements: int
    case_studies: int
    sources: int

    def rows(self) -> list[tuple[str, int]]:
        return [(name.replace("_", " "), value) for name, value in vars(self).items()]


def _instances_of(data: Graph, ontology: Graph, cls: str) -> int:
    """Instances of a coop class or any of its subclasses (asserted hierarchy only)."""
    classes = set(ontology.transitive_subjects(RDFS.subClassOf, COOP[cls]))
    return len({s for c in classes for s in data.subjects(RDF.type, c)})


def statistics() -> Statistics:
    ontology = Graph()
    with ontology_file().open("rb") as stream:
        ontology.parse(stream, format="turtle")
    data = Graph()
    files = example_files()
    for file in files:
        with file.open("rb") as stream:
            data.parse(stream, format="turtle")
    ours = str(COOP)

    def declared(kind: object) -> int:
        return sum(1 for s in ontology.subjects(RDF.type, kind) if str(s).startswith(ours))

    vocabulary = {
        s
        for s, o in ontology.subject_objects(RDF.type)
        if str(s).startswith(ours) and str(o).startswith(ours)
    }
    return Statistics(
        ontology_triples=len(ontology),
        classes=declared(OWL.Class),
        object_properties=declared(OWL.ObjectProperty),
        datatype_properties=declared(OWL.DatatypeProperty),
        vocabulary_individuals=len(vocabulary),
        example_files=len(files),
        example_triples=len(data),
        actors=_instances_of(data, ontology, "Actor"),
        engagements=_instances_of(data, ontology, "Engagement"),
        case_studies=_instances_of(data, ontology, "CaseStudy"),
        sources=_instances_of(data, ontology, "Source"),
    )
