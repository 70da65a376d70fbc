"""What the reference documents: the ontology's modules, its terms and how to name them.

The model reads the ontology files once, sorts every IRI of the documented namespace
that has an ``rdf:type`` into one kind (class, property of some kind, individual), and
answers the questions every section asks: what is this term called, which anchor
does it have, where does ``owl:imports`` point and could it be resolved offline.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from coopgraph.reason import load_documents
from coopgraph.vocab import COOP, PREFIXES


class TermKind(Enum):
    """The sections of the reference, in page order; the value is the section heading."""

    CLASS = "Classes"
    OBJECT_PROPERTY = "Object properties"
    DATATYPE_PROPERTY = "Datatype properties"
    ANNOTATION_PROPERTY = "Annotation properties"
    OTHER_PROPERTY = "Other properties"
    INDIVIDUAL = "Named individuals"

    @property
    def anchor(self) -> str:
        return "section-" + self.name.lower().replace("_", "-")

    @property
    def singular(self) -> str:
        return {
            TermKind.CLASS: "class",
            TermKind.OBJECT_PROPERTY: "object property",
            TermKind.DATATYPE_PROPERTY: "datatype property",
            TermKind.ANNOTATION_PROPERTY: "annotation property",
            TermKind.OTHER_PROPERTY: "property",
            TermKind.INDIVIDUAL: "named individual",
        }[self]


# The first declared type that matches decides the kind; anything else typed is an individual.
_KIND_OF_TYPE: list[tuple[URIRef, TermKind]] = [
    (OWL.Class, TermKind.CLASS),
    (RDFS.Class, TermKind.CLASS),
    (OWL.ObjectProperty, TermKind.OBJECT_PROPERTY),
    (OWL.DatatypeProperty, TermKind.DATATYPE_PROPERTY),
    (OWL.AnnotationProperty, TermKind.ANNOTATION_PROPERTY),
    (RDF.Property, TermKind.OTHER_PROPERTY),
]

# Types that say what kind of term something is rather than what it is an instance of.
DECLARATION_TYPES = frozenset(
    {
        *(t for t, _ in _KIND_OF_TYPE),
        OWL.NamedIndividual,
        OWL.TransitiveProperty,
        OWL.SymmetricProperty,
        OWL.AsymmetricProperty,
        OWL.FunctionalProperty,
        OWL.InverseFunctionalProperty,
        OWL.ReflexiveProperty,
        OWL.IrreflexiveProperty,
    }
)

LABEL_PREDICATES = (SKOS.prefLabel, RDFS.label)


@dataclass(frozen=True)
class Term:
    """A documented term: its IRI, its anchor in the page (the local name) and its kind."""

    iri: URIRef
    anchor: str
    kind: TermKind
    label: str


@dataclass(frozen=True)
class Module:
    """One ontology file that was read, with the ontology IRI it declares (if any)."""

    path: Path
    ontology: URIRef | None
    imported: bool = False
    """Read because another module imports it, rather than given."""


@dataclass(frozen=True)
class ImportStatus:
    """An ``owl:imports`` statement and whether a loaded module provides the ontology."""

    importing: URIRef
    imported: URIRef
    resolved_by: Path | None


@dataclass
class OntologyModel:
    """The pooled ontology graph and the terms of one namespace that the reference documents."""

    graph: Graph
    namespace: str
    modules: list[Module]
    terms: dict[URIRef, Term] = field(default_factory=dict)
    imports: list[ImportStatus] = field(default_factory=list)
    prefixes: list[tuple[str, str]] = field(default_factory=list)
    """(prefix, namespace) pairs, longest namespace first, for :meth:`curie`."""

    @property
    def ontology(self) -> URIRef | None:
        """The IRI of the main ontology: the one the first module declares."""
        return next((m.ontology for m in self.modules if m.ontology is not None), None)

    def terms_of(self, kind: TermKind) -> list[Term]:
        return sorted(
            (t for t in self.terms.values() if t.kind is kind),
            key=lambda t: (t.label.casefold(), t.anchor),
        )

    def label(self, node: Node) -> str:
        """The English (or untagged) label of a node, else its CURIE or IRI."""
        term = self.terms.get(node)  # type: ignore[call-overload]
        if term is not None:
            return term.label
        return _label_in(self.graph, node) or self.curie(node)

    def curie(self, node: Node) -> str:
        """A prefixed name with the coopgraph prefixes or those the files declare, else the IRI."""
        text = str(node)
        for prefix, namespace in self.prefixes:
            if text.startswith(namespace) and _is_local_name(text[len(namespace) :]):
                return f"{prefix}:{text[len(namespace) :]}"
        return text

    def values(self, subject: Node, predicate: URIRef) -> list[Node]:
        """The objects of a subject and predicate, English literals first, then in sort order."""
        return sorted(self.graph.objects(subject, predicate), key=_value_order)

    def english(self, subject: Node, predicate: URIRef) -> list[Literal]:
        """Literal values in English or without a language; other languages only if none."""
        literals = [o for o in self.graph.objects(subject, predicate) if isinstance(o, Literal)]
        preferred = [o for o in literals if o.language in (None, "en") or _is_en(o.language)]
        return sorted(preferred or literals, key=_value_order)

    def rdf_list(self, node: Node) -> list[Node]:
        """The members of an RDF collection, or nothing when the node is not a proper list."""
        if node == RDF.nil:
            return []
        if not isinstance(node, BNode) or (node, RDF.first, None) not in self.graph:
            return []
        return list(Collection(self.graph, node))

    def ancestors(self, cls: Node, predicate: URIRef = RDFS.subClassOf) -> list[URIRef]:
        """Named super-classes (or super-properties) at any distance, nearest first."""
        seen: list[URIRef] = []
        frontier = [cls]
        while frontier:
            following = []
            for node in frontier:
                for parent in self.graph.objects(node, predicate):
                    if isinstance(parent, URIRef) and parent != cls and parent not in seen:
                        seen.append(parent)
                        following.append(parent)
            frontier = following
        return seen


def _is_en(language: str) -> bool:
    return language.lower().startswith("en-")


def _value_order(node: Node) -> tuple[int, str]:
    if isinstance(node, Literal):
        language = node.language or ""
        return (0 if language in ("", "en") else 1, str(node))
    return (2, str(node))


def _is_local_name(text: str) -> bool:
    return bool(text) and all(ch.isalnum() or ch in "_-." for ch in text) and text[-1] != "."


def _label_in(graph: Graph, node: Node) -> str | None:
    for predicate in LABEL_PREDICATES:
        literals = [o for o in graph.objects(node, predicate) if isinstance(o, Literal)]
        english = [o for o in literals if o.language in (None, "en") or _is_en(o.language)]
        chosen = sorted(english or literals, key=str)
        if chosen:
            return str(chosen[0])
    return None


def _kind(graph: Graph, iri: URIRef) -> TermKind:
    types = set(graph.objects(iri, RDF.type))
    return next(
        (kind for rdf_type, kind in _KIND_OF_TYPE if rdf_type in types), TermKind.INDIVIDUAL
    )


def load(
    ontology_paths: Sequence[str | os.PathLike[str]],
    namespace: str | None = str(COOP),
    catalogs: Sequence[str | os.PathLike[str]] = (),
) -> OntologyModel:
    """Read the ontology modules and their imports, and collect the terms of ``namespace``
    (None: :func:`main_namespace` of the modules, coopgraph's when they declare nothing).

    ``owl:imports`` are never fetched: an import resolves through the given OASIS XML
    catalogs, the ``catalog-v001.xml`` beside each file, or the bundled catalog (as in
    :mod:`coopgraph.reason`), or when a module read declares that ontology or version IRI.
    Unlike the reasoner, an import that nothing resolves is not an error here: it is
    recorded in :attr:`OntologyModel.imports` for the page to warn about. Raises the errors
    of :func:`coopgraph.rdfio.read_graph` (InputError, ParseError) for a missing or
    malformed file, and InputError for a malformed catalog.
    """
    graph = Graph(bind_namespaces="core")
    for prefix, uri in PREFIXES.items():
        graph.bind(prefix, uri, override=True, replace=True)
    modules: list[Module] = []
    for document in load_documents(ontology_paths, catalogs=catalogs, strict=False):
        module_graph = document.graph
        for prefix, uri in module_graph.namespaces():
            if prefix not in PREFIXES and uri not in PREFIXES.values():
                graph.bind(prefix, uri, override=False)
        graph += module_graph
        declared = sorted(
            (s for s in module_graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)),
            key=str,
        )
        imported = document.imported_as is not None
        modules.append(Module(document.path, declared[0] if declared else None, imported))
    if namespace is None:
        namespace = main_namespace(graph, modules) or str(COOP)
    model = OntologyModel(graph=graph, namespace=namespace, modules=modules)
    model.imports = list(_imports(graph, modules))
    model.prefixes = sorted(
        ((prefix, str(uri)) for prefix, uri in graph.namespaces() if prefix),
        key=lambda pair: -len(pair[1]),
    )
    for iri in _documented_iris(graph, namespace):
        anchor = str(iri)[len(namespace) :]
        model.terms[iri] = Term(iri, anchor, _kind(graph, iri), _label_in(graph, iri) or anchor)
    return model


def main_namespace(graph: Graph, modules: Iterable[Module]) -> str | None:
    """The namespace (an IRI up to its last ``#`` or ``/``) of the most IRIs given a type,
    the modules' ontology IRIs aside; the first in order on a tie; None when there is none."""
    ontologies = {m.ontology for m in modules}
    found = Counter(
        re.sub(r"[^#/]*$", "", str(s))
        for s in set(graph.subjects(RDF.type, None))
        if isinstance(s, URIRef) and s not in ontologies
    )
    found.pop("", None)
    return min(found, key=lambda n: (-found[n], n)) if found else None


def _documented_iris(graph: Graph, namespace: str) -> Iterator[URIRef]:
    for subject in set(graph.subjects(RDF.type, None)):
        text = str(subject)
        if isinstance(subject, URIRef) and text.startswith(namespace) and text != namespace:
            yield subject


def _imports(graph: Graph, modules: Iterable[Module]) -> Iterator[ImportStatus]:
    providers: dict[Node, Path] = {}
    for module in modules:
        if module.ontology is not None:
            providers.setdefault(module.ontology, module.path)
            for version in graph.objects(module.ontology, OWL.versionIRI):
                providers.setdefault(version, module.path)
    for importing, imported in sorted(graph.subject_objects(OWL.imports), key=str):
        if isinstance(importing, URIRef) and isinstance(imported, URIRef):
            yield ImportStatus(importing, imported, providers.get(imported))
