"""Namespaces and the locations of the files the package ships (found through the package)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable

from rdflib import Namespace

COOP = Namespace("https://w3id.org/coopgraph/ontology#")
"""The ontology namespace: classes, properties and the shipped vocabulary individuals."""

DATA = Namespace("https://w3id.org/coopgraph/data/")
"""The namespace of the example knowledge base's instances."""

ONTOLOGY_IRI = "https://w3id.org/coopgraph/ontology"

PREFIXES: dict[str, str] = {
    "coop": str(COOP),
    "data": str(DATA),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "sh": "http://www.w3.org/ns/shacl#",
}

CORE_ONTOLOGY = "coopgraph.ttl"
ALIGNMENT_MODULE = "coopgraph-align.ttl"
JSONLD_CONTEXT = "coopgraph.context.jsonld"


def _files(package: str, suffix: str) -> list[Traversable]:
    root = resources.files(package)
    return sorted((f for f in root.iterdir() if f.name.endswith(suffix)), key=lambda f: f.name)


def ontology_file(name: str = CORE_ONTOLOGY) -> Traversable:
    """A shipped ontology module (the core by default)."""
    return resources.files("coopgraph.ontology") / name


def jsonld_context() -> dict[str, object]:
    """The published JSON-LD context (the value of its ``@context``), a fresh copy per call."""
    return json.loads(_jsonld_context_text())["@context"]  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _jsonld_context_text() -> str:
    return ontology_file(JSONLD_CONTEXT).read_text(encoding="utf-8")


def shapes_files() -> list[Traversable]:
    """Every shipped SHACL shapes file."""
    return _files("coopgraph.shapes", ".ttl")


def query_files() -> list[Traversable]:
    """Every shipped canned query."""
    return _files("coopgraph.queries", ".rq")


def query_variant_file(name: str, dialect: str) -> Traversable | None:
    """The form of canned query ``name`` written for stores of ``dialect``, if one ships."""
    file = resources.files("coopgraph.queries") / dialect / f"{name}.rq"
    return file if file.is_file() else None


def example_files() -> list[Traversable]:
    """The example knowledge base, one Turtle file per case study or topic."""
    return _files("coopgraph.examples", ".ttl")
