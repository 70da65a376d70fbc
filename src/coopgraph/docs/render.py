"""Turning RDF nodes into HTML: links to anchors, literals, and OWL class expressions.

Class expressions are written in Manchester syntax with labels instead of names
(``indicates situation value partner under a terrorist designation``), so that a
restriction is always shown with its filler, whatever its kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD
from rdflib.term import Node

from coopgraph.docs.model import OntologyModel

# Restriction predicates with a filler, and the Manchester keyword for each.
_QUANTIFIERS = [
    (OWL.someValuesFrom, "some"),
    (OWL.allValuesFrom, "only"),
    (OWL.hasValue, "value"),
]
# Cardinality predicates, the keyword, and whether they are qualified.
_CARDINALITIES = [
    (OWL.minCardinality, "min", False),
    (OWL.maxCardinality, "max", False),
    (OWL.cardinality, "exactly", False),
    (OWL.minQualifiedCardinality, "min", True),
    (OWL.maxQualifiedCardinality, "max", True),
    (OWL.qualifiedCardinality, "exactly", True),
]
_FACETS = {
    XSD.minInclusive: ">=",
    XSD.maxInclusive: "<=",
    XSD.minExclusive: ">",
    XSD.maxExclusive: "<",
    XSD.length: "length",
    XSD.minLength: "minLength",
    XSD.maxLength: "maxLength",
    XSD.pattern: "pattern",
}
_TAG = re.compile(r"<[^>]+>")
_MAX_DEPTH = 12  # class expressions nest a few levels; a deeper one is a cycle in bad input


def keyword(word: str) -> str:
    return f'<span class="kw">{escape(word)}</span>'


class Renderer:
    """Renders nodes of one ontology model, remembering namespace IRIs used but not defined."""

    def __init__(self, model: OntologyModel) -> None:
        self.model = model
        self.undefined: set[URIRef] = set()

    def node(self, node: Node) -> str:
        """Any node: a term link, an external IRI, a literal or an anonymous expression."""
        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, BNode):
            return self.expression(node)
        return self.link(node)  # type: ignore[arg-type]

    def link(self, iri: URIRef, text: str | None = None) -> str:
        """A link to the term's anchor, or to the IRI itself when it is not documented here."""
        term = self.model.terms.get(iri)
        if term is not None:
            shown = escape(text if text is not None else term.label)
            return f'<a href="#{escape(term.anchor)}" title="{escape(str(iri))}">{shown}</a>'
        curie = self.model.curie(iri)
        if str(iri).startswith(self.model.namespace):
            self.undefined.add(iri)
            return f'<span class="undefined" title="used but not defined">{escape(curie)}</span>'
        return f'<a class="external" href="{escape(str(iri))}">{escape(text or curie)}</a>'

    def literal(self, literal: Literal) -> str:
        text = f'<span class="literal">{escape(str(literal))}</span>'
        if literal.language:
            return f'{text} <span class="lang">@{escape(literal.language)}</span>'
        if literal.datatype is not None and literal.datatype != XSD.string:
            datatype = escape(self.model.curie(literal.datatype))
            return f'{text} <span class="datatype">({datatype})</span>'
        return text

    def sort_key(self, node: Node) -> tuple[bool, str, str]:
        """Orders nodes by what the reader sees; anonymous ones by their rendering, since
        blank node identifiers change on every read and would make the page differ."""
        if isinstance(node, BNode):
            return (True, _TAG.sub("", self.expression(node)).casefold(), "")
        return (False, self.model.label(node).casefold(), str(node))

    # ------------------------------------------------------------------ class expressions

    def expression(self, node: Node, depth: int = 0) -> str:
        """An OWL class expression, data range or property expression in Manchester syntax."""
        if not isinstance(node, BNode):
            return self.node(node)
        if depth > _MAX_DEPTH:
            return '<span class="undefined">(nested too deeply)</span>'
        graph = self.model.graph

        def inner(child: Node) -> str:
            text = self.expression(child, depth + 1)
            return f"({text})" if isinstance(child, BNode) and _is_compound(graph, child) else text

        on_property = graph.value(node, OWL.onProperty)
        if on_property is not None:
            return self._restriction(node, inner(on_property), inner)
        inverse = graph.value(node, OWL.inverseOf)
        if inverse is not None:
            return f"{keyword('inverse')} {inner(inverse)}"
        for predicate, word in ((OWL.intersectionOf, "and"), (OWL.unionOf, "or")):
            members = graph.value(node, predicate)
            if members is not None:
                return f" {keyword(word)} ".join(inner(m) for m in self.model.rdf_list(members))
        complement = graph.value(node, OWL.complementOf) or graph.value(
            node, OWL.datatypeComplementOf
        )
        if complement is not None:
            return f"{keyword('not')} {inner(complement)}"
        one_of = graph.value(node, OWL.oneOf)
        if one_of is not None:
            return "{" + ", ".join(self.node(m) for m in self.model.rdf_list(one_of)) + "}"
        on_datatype = graph.value(node, OWL.onDatatype)
        if on_datatype is not None:
            return self._datatype_restriction(node, on_datatype)
        return '<span class="undefined">(an anonymous expression of an unknown kind)</span>'

    def _restriction(self, node: BNode, prop: str, inner: Callable[[Node], str]) -> str:
        graph = self.model.graph
        for predicate, word in _QUANTIFIERS:
            filler = graph.value(node, predicate)
            if filler is not None:
                return f"{prop} {keyword(word)} {inner(filler)}"
        if graph.value(node, OWL.hasSelf) is not None:
            return f"{prop} {keyword('Self')}"
        for predicate, word, qualified in _CARDINALITIES:
            number = graph.value(node, predicate)
            if number is None:
                continue
            text = f"{prop} {keyword(word)} {escape(str(number))}"
            if qualified:
                filler = graph.value(node, OWL.onClass) or graph.value(node, OWL.onDataRange)
                if filler is not None:
                    text += f" {inner(filler)}"
            return text
        return f'{prop} <span class="undefined">(a restriction without a filler)</span>'

    def _datatype_restriction(self, node: BNode, on_datatype: Node) -> str:
        graph = self.model.graph
        facets = []
        for item in self.model.rdf_list(graph.value(node, OWL.withRestrictions) or RDF.nil):
            for facet, value in graph.predicate_objects(item):
                name = _FACETS.get(facet, self.model.curie(facet))  # type: ignore[arg-type]
                facets.append(f"{escape(name)} {escape(str(value))}")
        return f"{self.node(on_datatype)}[{', '.join(facets)}]"


def _is_compound(graph: Graph, node: BNode) -> bool:
    """Whether an anonymous expression needs parentheses when nested: not a {one of} list,
    not a datatype restriction (both are already bracketed)."""
    return graph.value(node, OWL.oneOf) is None and graph.value(node, OWL.onDatatype) is None
