"""One entry per term: label, IRI, definition, sources, and every relation both ways.

A class entry shows its super- and subclasses, restrictions with their fillers, the
properties it is the domain or range of (directly and through superclasses), the
shapes that apply to it and the queries that use it. A property entry shows its
domain, range, inverse (declared either way), chains and characteristics. An
individual entry shows its types, notations and every statement to or from it. Any
statement about a term that no row covers is still listed, under "Other statements".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from rdflib import BNode, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from coopgraph.docs.model import (
    DECLARATION_TYPES,
    LABEL_PREDICATES,
    OntologyModel,
    Term,
    TermKind,
)
from coopgraph.docs.queries import QueryDoc
from coopgraph.docs.render import Renderer
from coopgraph.docs.shapes import ShapeDoc, shapes_for_class
from coopgraph.vocab import COOP

DEFINITION_PREDICATES = (SKOS.definition, RDFS.comment)
SOURCE_PREDICATES = (COOP.definitionSource, DCTERMS.source, RDFS.isDefinedBy, RDFS.seeAlso)
NOTE_PREDICATES = [
    (SKOS.altLabel, "Also called"),
    (SKOS.notation, "Notation"),
    (SKOS.scopeNote, "Scope note"),
    (SKOS.example, "Example"),
    (SKOS.editorialNote, "Editorial note"),
    (SKOS.historyNote, "History note"),
    (OWL.deprecated, "Deprecated"),
]
MAPPING_PREDICATES = [
    (OWL.equivalentClass, "equivalent class"),
    (OWL.equivalentProperty, "equivalent property"),
    (OWL.sameAs, "same as"),
    (SKOS.exactMatch, "exact match"),
    (SKOS.closeMatch, "close match"),
    (SKOS.broadMatch, "broad match"),
    (SKOS.narrowMatch, "narrow match"),
    (SKOS.relatedMatch, "related match"),
    (RDFS.subClassOf, "subclass of"),
    (RDFS.subPropertyOf, "subproperty of"),
]
_SYMMETRIC_MAPPINGS = {OWL.equivalentClass, OWL.equivalentProperty, OWL.sameAs, SKOS.exactMatch,
                       SKOS.closeMatch, SKOS.relatedMatch}  # fmt: skip
CHARACTERISTICS = [
    (OWL.FunctionalProperty, "functional"),
    (OWL.InverseFunctionalProperty, "inverse functional"),
    (OWL.TransitiveProperty, "transitive"),
    (OWL.SymmetricProperty, "symmetric"),
    (OWL.AsymmetricProperty, "asymmetric"),
    (OWL.ReflexiveProperty, "reflexive"),
    (OWL.IrreflexiveProperty, "irreflexive"),
]
_EXPRESSION_PREDICATES = (RDFS.subClassOf, OWL.equivalentClass)
# Titles for statements made *to* an individual with a well-known predicate.
_REVERSE_TITLES = {SKOS.broader: "Narrower", SKOS.inScheme: "Concepts in this scheme"}


@dataclass
class _Row:
    title: str
    items: list[str]
    listing: bool = False  # a list of expressions (one per line) rather than a short list


@dataclass
class TermIndex:
    """Reverse look-ups computed once: who uses a term as domain, range, filler, inverse."""

    domain_of: dict[Node, list[URIRef]] = field(default_factory=lambda: defaultdict(list))
    range_of: dict[Node, list[URIRef]] = field(default_factory=lambda: defaultdict(list))
    used_in_axioms_of: dict[Node, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    used_in_chains_of: dict[Node, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    instances: dict[Node, list[URIRef]] = field(default_factory=lambda: defaultdict(list))
    disjoint: dict[Node, set[Node]] = field(default_factory=lambda: defaultdict(set))
    queries_using: dict[Node, list[QueryDoc]] = field(default_factory=lambda: defaultdict(list))
    shapes_on_path: dict[Node, list[ShapeDoc]] = field(default_factory=lambda: defaultdict(list))


def build_index(model: OntologyModel, shapes: list[ShapeDoc], queries: list[QueryDoc]) -> TermIndex:
    graph = model.graph
    index = TermIndex()
    for term in model.terms.values():
        if term.kind is TermKind.CLASS:
            for predicate in _EXPRESSION_PREDICATES:
                for expression in graph.objects(term.iri, predicate):
                    if isinstance(expression, BNode):
                        for used in _mentioned(model, expression) - {term.iri}:
                            index.used_in_axioms_of[used].add(term.iri)
        elif term.kind is TermKind.INDIVIDUAL:
            for rdf_type in graph.objects(term.iri, RDF.type):
                if rdf_type not in DECLARATION_TYPES:
                    index.instances[rdf_type].append(term.iri)
        for predicate, reverse in ((RDFS.domain, index.domain_of), (RDFS.range, index.range_of)):
            for cls in graph.objects(term.iri, predicate):
                for member in _union_members(model, cls):
                    reverse[member].append(term.iri)
        for chain in graph.objects(term.iri, OWL.propertyChainAxiom):
            for step in model.rdf_list(chain):
                index.used_in_chains_of[step].add(term.iri)
    for a, b in graph.subject_objects(OWL.disjointWith):
        index.disjoint[a].add(b)
        index.disjoint[b].add(a)
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = model.rdf_list(graph.value(group, OWL.members) or RDF.nil)
        for member in members:
            index.disjoint[member].update(m for m in members if m != member)
    by_name = {t.anchor: t.iri for t in model.terms.values()}
    for query in queries:
        for name in sorted(query.local_names(model.namespace)):
            if name in by_name:
                index.queries_using[by_name[name]].append(query)
    for shape in shapes:
        for predicate in sorted(shape.paths, key=str):
            index.shapes_on_path[predicate].append(shape)
    return index


def _union_members(model: OntologyModel, node: Node) -> list[Node]:
    if isinstance(node, BNode):
        union = model.graph.value(node, OWL.unionOf)
        if union is not None:
            return model.rdf_list(union)
    return [node]


def _mentioned(model: OntologyModel, expression: Node, depth: int = 0) -> set[URIRef]:
    """Every named term inside an anonymous class expression."""
    if depth > 12:
        return set()
    found: set[URIRef] = set()
    for predicate, value in model.graph.predicate_objects(expression):
        if predicate == RDF.type:
            continue
        if isinstance(value, URIRef) and value != RDF.nil:
            found.add(value)
        elif isinstance(value, BNode):
            found |= _mentioned(model, value, depth + 1)
    return found


class TermWriter:
    """Writes the HTML entry of each term."""

    def __init__(
        self, model: OntologyModel, renderer: Renderer, shapes: list[ShapeDoc], index: TermIndex
    ) -> None:
        self.model = model
        self.render = renderer
        self.shapes = shapes
        self.index = index
        self.graph = model.graph

    def entry(self, term: Term) -> str:
        rows: list[_Row] = []
        handled = {RDF.type, *DEFINITION_PREDICATES, *SOURCE_PREDICATES, *LABEL_PREDICATES}
        if term.kind is TermKind.CLASS:
            rows += self._class_rows(term, handled)
        elif term.kind is TermKind.INDIVIDUAL:
            rows += self._individual_rows(term, handled)
        else:
            rows += self._property_rows(term, handled)
        rows += self._mapping_rows(term, handled)
        rows += self._query_rows(term)
        handled |= {p for p, _ in NOTE_PREDICATES}
        rows += self._other_rows(term, handled)
        return self._article(term, rows)

    # ------------------------------------------------------------------ common parts

    def _article(self, term: Term, rows: list[_Row]) -> str:
        definitions = self.model.english(term.iri, SKOS.definition) or self.model.english(
            term.iri, RDFS.comment
        )
        definition = " ".join(escape(str(d)) for d in definitions[:1])
        sources = [
            self.render.node(value)
            for predicate in SOURCE_PREDICATES
            for value in self.model.values(term.iri, predicate)
        ]
        body = [
            f'<article class="term term-{term.kind.name.lower().replace("_", "-")}" '
            f'id="{escape(term.anchor)}">',
            f'<h3>{escape(term.label)} <span class="kind">{escape(term.kind.singular)}</span></h3>',
            f'<p class="iri"><a href="#{escape(term.anchor)}">{escape(str(term.iri))}</a></p>',
        ]
        if definition:
            body.append(f'<p class="definition">{definition}</p>')
        else:
            body.append('<p class="definition missing">No definition is given.</p>')
        if sources:
            body.append(
                f'<p class="source"><span class="what">Source:</span> {"; ".join(sources)}</p>'
            )
        if rows:
            body.append('<dl class="facts">')
            for row in rows:
                items = "".join(f"<li>{item}</li>" for item in row.items)
                style = "listing" if row.listing else "commas"
                body.append(
                    f'<dt>{escape(row.title)}</dt><dd><ul class="{style}">{items}</ul></dd>'
                )
            body.append("</dl>")
        body.append("</article>")
        return "\n".join(body)

    def _row(self, title: str, nodes: Iterable[Node], listing: bool = False) -> list[_Row]:
        items = [self.render.node(n) for n in self._sorted(nodes)]
        return [_Row(title, items, listing)] if items else []

    def _sorted(self, nodes: Iterable[Node]) -> list[Node]:
        return sorted(dict.fromkeys(nodes), key=self.render.sort_key)

    def _note_rows(self, term: Term) -> list[_Row]:
        rows = []
        if self.model.english(term.iri, SKOS.definition):
            rows += self._row("Comment", self.model.english(term.iri, RDFS.comment))
        for predicate, title in NOTE_PREDICATES:
            rows += self._row(title, self.model.values(term.iri, predicate))
        return rows

    def _mapping_rows(self, term: Term, handled: set[Node]) -> list[_Row]:
        """Links to other vocabularies: equivalences, SKOS matches, external super-terms."""
        items = []
        for predicate, words in MAPPING_PREDICATES:
            targets = [
                o
                for o in self.graph.objects(term.iri, predicate)
                if isinstance(o, URIRef) and not str(o).startswith(self.model.namespace)
            ]
            if predicate in _SYMMETRIC_MAPPINGS:
                targets += [
                    s
                    for s in self.graph.subjects(predicate, term.iri)
                    if isinstance(s, URIRef) and not str(s).startswith(self.model.namespace)
                ]
            items += [f"{escape(words)} {self.render.node(t)}" for t in self._sorted(targets)]
        handled |= {
            p for p, _ in MAPPING_PREDICATES if p not in (RDFS.subClassOf, RDFS.subPropertyOf)
        }
        return [_Row("Mappings to other vocabularies", items, listing=True)] if items else []

    def _query_rows(self, term: Term) -> list[_Row]:
        queries = self.index.queries_using.get(term.iri, [])
        items = [f'<a href="#{escape(q.anchor)}">{escape(q.title or q.name)}</a>' for q in queries]
        return [_Row("Used in canned queries", items)] if items else []

    def _other_rows(self, term: Term, handled: set[Node]) -> list[_Row]:
        grouped: dict[Node, list[Node]] = defaultdict(list)
        for predicate, value in self.graph.predicate_objects(term.iri):
            if predicate not in handled:
                grouped[predicate].append(value)
        rows = []
        for predicate in sorted(grouped, key=lambda p: self.model.label(p).casefold()):
            title = self.model.label(predicate)
            rows += self._row(title[:1].upper() + title[1:], grouped[predicate])
        return rows

    # ------------------------------------------------------------------ classes

    def _class_rows(self, term: Term, handled: set[Node]) -> list[_Row]:
        graph, iri, index = self.graph, term.iri, self.index
        handled |= {RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith}
        rows = self._note_rows(term)
        supers = [
            s
            for s in graph.objects(iri, RDFS.subClassOf)
            if isinstance(s, BNode) or str(s).startswith(self.model.namespace)
        ]
        rows += self._row("Superclasses", supers, listing=True)
        rows += self._row("Equivalent to", graph.objects(iri, OWL.equivalentClass), listing=True)
        rows += self._row("Subclasses", graph.subjects(RDFS.subClassOf, iri))
        rows += self._row("Disjoint with", index.disjoint.get(iri, ()))
        rows += self._row("Used as the domain of", index.domain_of.get(iri, ()))
        rows += self._row("Used as the range of", index.range_of.get(iri, ()))
        inherited_domain = [
            f"{self.render.node(p)} (from {self.render.node(ancestor)})"
            for ancestor in self.model.ancestors(iri)
            for p in self._sorted(index.domain_of.get(ancestor, ()))
        ]
        if inherited_domain:
            rows.append(_Row("Inherits, as domain of", inherited_domain))
        rows += self._row("Used in the axioms of", index.used_in_axioms_of.get(iri, ()))
        rows += self._row("Individuals", index.instances.get(iri, ()))
        rows += self._shape_rows(term)
        return rows

    def _shape_rows(self, term: Term) -> list[_Row]:
        items = []
        for shape in shapes_for_class(self.shapes, self.model, term.iri):
            via = [c for c in shape.target_classes if c != term.iri]
            inherited = (
                f" (targets {', '.join(self.render.node(c) for c in via)})"
                if via and term.iri not in shape.target_classes
                else ""
            )
            sentences = "".join(f"<li>{s}</li>" for s in shape.sentences)
            items.append(
                f'<a href="#{escape(shape.anchor)}">{escape(shape.name)}</a>{inherited}'
                f'<ul class="sentences">{sentences}</ul>'
            )
        return [_Row("SHACL shapes that apply", items, listing=True)] if items else []

    # ------------------------------------------------------------------ properties

    def _property_rows(self, term: Term, handled: set[Node]) -> list[_Row]:
        graph, iri = self.graph, term.iri
        handled |= {RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.inverseOf}
        handled |= {OWL.propertyChainAxiom, OWL.equivalentProperty}
        rows = self._note_rows(term)
        types = set(graph.objects(iri, RDF.type))
        characteristics = [escape(word) for rdf_type, word in CHARACTERISTICS if rdf_type in types]
        if characteristics:
            rows.append(_Row("Characteristics", characteristics))
        supers = [s for s in graph.objects(iri, RDFS.subPropertyOf)]
        rows += self._row("Super-properties", supers)
        rows += self._row("Sub-properties", graph.subjects(RDFS.subPropertyOf, iri))
        rows += self._domain_and_range(iri)
        rows += self._inverse_rows(iri, types)
        chains = [
            " ∘ ".join(self.render.node(step) for step in self.model.rdf_list(chain))
            for chain in graph.objects(iri, OWL.propertyChainAxiom)
        ]
        if chains:
            rows.append(_Row("Derived along the chain", sorted(chains), listing=True))
        rows += self._row("Used in the chains of", self.index.used_in_chains_of.get(iri, ()))
        rows += self._row("Used in the axioms of", self.index.used_in_axioms_of.get(iri, ()))
        shapes = self.index.shapes_on_path.get(iri, [])
        if shapes:
            links = [f'<a href="#{escape(s.anchor)}">{escape(s.name)}</a>' for s in shapes]
            rows.append(_Row("Constrained by SHACL shapes", links))
        return rows

    def _domain_and_range(self, iri: URIRef) -> list[_Row]:
        graph = self.graph
        rows = []
        for predicate, title, opposite in (
            (RDFS.domain, "Domain", RDFS.range),
            (RDFS.range, "Range", RDFS.domain),
        ):
            stated = list(graph.objects(iri, predicate))
            if stated:
                rows += self._row(title, stated, listing=True)
                continue
            implied = [
                f"{self.render.node(c)} (the {opposite.fragment} of its inverse "
                f"{self.render.node(inverse)})"
                for inverse in self._inverses(iri)
                for c in graph.objects(inverse, opposite)
            ]
            if implied:
                rows.append(_Row(title, implied, listing=True))
        return rows

    def _inverses(self, iri: URIRef) -> list[Node]:
        declared = list(self.graph.objects(iri, OWL.inverseOf))
        declared += list(self.graph.subjects(OWL.inverseOf, iri))
        return self._sorted(n for n in declared if n != iri)

    def _inverse_rows(self, iri: URIRef, types: set[Node]) -> list[_Row]:
        items = [self.render.node(n) for n in self._inverses(iri)]
        if OWL.SymmetricProperty in types:
            items.append("itself (the property is symmetric)")
        return [_Row("Inverse", items)] if items else []

    # ------------------------------------------------------------------ individuals

    def _individual_rows(self, term: Term, handled: set[Node]) -> list[_Row]:
        graph, iri = self.graph, term.iri
        rows = [
            *self._row(
                "Instance of",
                (t for t in graph.objects(iri, RDF.type) if t not in DECLARATION_TYPES),
            ),
            *self._note_rows(term),
        ]
        handled |= {SKOS.inScheme}
        rows += self._row("In scheme", graph.objects(iri, SKOS.inScheme))
        outgoing: dict[Node, list[Node]] = defaultdict(list)
        shown_elsewhere = handled | {p for p, _ in NOTE_PREDICATES + MAPPING_PREDICATES}
        for predicate, value in graph.predicate_objects(iri):
            if predicate not in shown_elsewhere:
                outgoing[predicate].append(value)
        handled |= set(outgoing)
        for predicate in sorted(outgoing, key=lambda p: self.model.label(p).casefold()):
            label = self.model.label(predicate)
            rows += self._row(label[:1].upper() + label[1:], outgoing[predicate])
        incoming: dict[Node, list[Node]] = defaultdict(list)
        for subject, predicate in graph.subject_predicates(iri):
            if predicate != RDF.type and isinstance(subject, URIRef):
                incoming[predicate].append(subject)
        for predicate in sorted(incoming, key=lambda p: self.model.label(p).casefold()):
            rows += self._row(self._reverse_title(predicate), incoming[predicate])
        rows += self._row("Used in the axioms of", self.index.used_in_axioms_of.get(iri, ()))
        return rows

    def _reverse_title(self, predicate: Node) -> str:
        """The label of the predicate's declared inverse, else "inverse of <predicate>"."""
        if predicate in _REVERSE_TITLES:
            return _REVERSE_TITLES[predicate]  # type: ignore[index]
        inverses = self._inverses(predicate)  # type: ignore[arg-type]
        if inverses and isinstance(inverses[0], URIRef):
            label = self.model.label(inverses[0])
            return label[:1].upper() + label[1:]
        return f"Inverse of {self.model.label(predicate)}"
