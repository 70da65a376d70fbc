"""SHACL shapes written out as sentences: targets, paths, cardinalities, value types, messages.

Every constraint component of SHACL Core has a phrase; a component this module does not
know is still shown (as ``sh:name value``) rather than silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from coopgraph.docs.model import OntologyModel
from coopgraph.docs.render import Renderer

_TAG = re.compile(r"<[^>]+>")
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_NODE_KINDS = {
    SH.IRI: "an IRI",
    SH.BlankNode: "a blank node",
    SH.Literal: "a literal",
    SH.BlankNodeOrIRI: "an IRI or a blank node",
    SH.BlankNodeOrLiteral: "a blank node or a literal",
    SH.IRIOrLiteral: "an IRI or a literal",
}
_COMPARISONS = {
    SH.minInclusive: "at least",
    SH.maxInclusive: "at most",
    SH.minExclusive: "greater than",
    SH.maxExclusive: "less than",
}
_PAIRS = {
    SH.equals: "equal to the values of",
    SH.disjoint: "different from every value of",
    SH.lessThan: "less than every value of",
    SH.lessThanOrEquals: "less than or equal to every value of",
}
_SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
# Predicates that describe a shape rather than constrain its values.
_DESCRIPTIVE = frozenset(
    {
        RDF.type,
        SH.path,
        SH.property,
        SH.message,
        SH.severity,
        SH.name,
        SH.description,
        SH.deactivated,
        SH.order,
        SH.group,
        SH.defaultValue,
        SH.minCount,
        SH.maxCount,
        SH.ignoredProperties,
        SH.qualifiedMinCount,
        SH.qualifiedMaxCount,
        SH.qualifiedValueShapesDisjoint,
        SH.flags,
        RDFS.label,
        RDFS.comment,
        *_TARGETS,
    }
)


@dataclass(frozen=True)
class ShapeDoc:
    """One top-level shape, in words; sentences are HTML."""

    node: Node
    anchor: str
    name: str
    source: Path | None
    target_classes: tuple[URIRef, ...]
    targets: tuple[str, ...]
    sentences: tuple[str, ...]
    paths: frozenset[URIRef]
    """Predicates the shape's property paths use."""
    sparql: tuple[str, ...] = ()
    """The SELECT queries of its SHACL-SPARQL constraints (plain text)."""


def describe_shapes(shapes: Graph, sources: dict[Node, Path], renderer: Renderer) -> list[ShapeDoc]:
    """Every node shape, and every property shape that has its own target, in words.

    ``sources`` maps a shape node to the file it came from (shown in the page).
    """
    top_level = _top_level_shapes(shapes)
    writer = _ShapeWriter(shapes, renderer, set(top_level))
    docs, anchors = [], set()
    for node in sorted((n for n in top_level if isinstance(n, URIRef)), key=str):
        name = _local_name(node)
        anchor = _unique("shape-" + name, anchors)
        docs.append(writer.describe(node, name, anchor, sources.get(node)))
    # Blank node identifiers change on every read: number anonymous shapes by content.
    drafts = sorted(
        (writer.describe(n, "", "", sources.get(n)) for n in top_level if isinstance(n, BNode)),
        key=lambda d: (d.targets, d.sentences),
    )
    for number, draft in enumerate(drafts, start=1):
        anchor = _unique(f"shape-anonymous-{number}", anchors)
        docs.append(replace(draft, name=f"anonymous shape {number}", anchor=anchor))
    return sorted(docs, key=lambda d: (d.name.casefold(), d.anchor))


def _unique(anchor: str, taken: set[str]) -> str:
    candidate, number = anchor, 1
    while candidate in taken:
        number += 1
        candidate = f"{anchor}-{number}"
    taken.add(candidate)
    return candidate


def shapes_for_class(docs: list[ShapeDoc], model: OntologyModel, cls: URIRef) -> list[ShapeDoc]:
    """Shapes that target the class or one of its super-classes (SHACL follows subClassOf)."""
    lineage = [cls, *model.ancestors(cls)]
    return [doc for doc in docs if any(c in doc.target_classes for c in lineage)]


def _top_level_shapes(shapes: Graph) -> list[Node]:
    nested = set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.node))
    candidates = set(shapes.subjects(RDF.type, SH.NodeShape))
    candidates |= {s for t in _TARGETS for s in shapes.subjects(t, None)}
    candidates |= {s for s in shapes.subjects(RDF.type, SH.PropertyShape) if s not in nested}
    candidates |= {s for s in shapes.subjects(SH.property, None) if s not in nested}
    return list(candidates)


def _is_class(shapes: Graph, model: OntologyModel, node: Node) -> bool:
    types = set(shapes.objects(node, RDF.type)) | set(model.graph.objects(node, RDF.type))
    return bool(types & {OWL.Class, RDFS.Class})


class _ShapeWriter:
    def __init__(self, shapes: Graph, renderer: Renderer, documented: set[Node]) -> None:
        self.shapes = shapes
        self.documented = documented
        self.render = renderer
        self.model = renderer.model

    def describe(self, node: Node, name: str, anchor: str, source: Path | None) -> ShapeDoc:
        shapes = self.shapes
        classes = [c for c in shapes.objects(node, SH.targetClass) if isinstance(c, URIRef)]
        if isinstance(node, URIRef) and _is_class(shapes, self.model, node):
            classes.append(node)
        target_classes = tuple(sorted(set(classes), key=str))
        targets = self._targets(node, target_classes)
        subject = self._subject(target_classes)
        sentences: list[str] = []
        if self._flag(node, SH.deactivated):
            sentences.append("This shape is <strong>deactivated</strong>: it checks nothing.")
        if shapes.value(node, SH.path) is not None:
            sentences.append(self._property_sentence(node, subject))
        else:
            own = self._value_phrases(node)
            if own:
                sentences.append(f"{subject} must itself be {' and '.join(own)}.")
            sentences += self._closed(node)
        paths: set[URIRef] = set()
        properties = []
        for prop in shapes.objects(node, SH.property):
            properties.append((self._order(prop), self._property_sentence(prop, subject)))
            paths |= self._path_predicates(shapes.value(prop, SH.path))
        sentences += [sentence for _, sentence in sorted(properties)]
        paths |= self._path_predicates(shapes.value(node, SH.path))
        sentences += self._sparql(node)
        tail = self._severity_and_message(node)
        if tail and sentences:
            sentences[-1] += " " + tail
        elif tail:
            sentences.append(tail)
        return ShapeDoc(
            node, anchor, name, source, target_classes, tuple(targets), tuple(sentences),
            frozenset(paths), self._sparql_texts(node),
        )  # fmt: skip

    # ---------------------------------------------------------------- targets and subjects

    def _targets(self, node: Node, target_classes: tuple[URIRef, ...]) -> list[str]:
        link = self.render.node
        targets = [f"every instance of {link(c)} (and of its subclasses)" for c in target_classes]
        for predicate, words in (
            (SH.targetNode, "the node"),
            (SH.targetSubjectsOf, "every subject of"),
            (SH.targetObjectsOf, "every object of"),
        ):
            values = sorted(self.shapes.objects(node, predicate), key=self.render.sort_key)
            targets += [f"{words} {link(v)}" for v in values]
        return targets

    def _subject(self, target_classes: tuple[URIRef, ...]) -> str:
        if len(target_classes) == 1:
            return f"Every {self.render.link(target_classes[0])}"
        return "Every focus node"

    # ---------------------------------------------------------------- property shapes

    def _property_sentence(self, prop: Node, subject: str) -> str:
        shapes = self.shapes
        path_node = shapes.value(prop, SH.path)
        name = shapes.value(prop, SH.name)
        named = f" (“{escape(str(name))}”)" if name is not None else ""
        path = self._path(path_node) + named
        minimum = _integer(shapes.value(prop, SH.minCount))
        maximum = _integer(shapes.value(prop, SH.maxCount))
        values = self._value_phrases(prop)
        constraint = " and ".join(values) or "present or absent (no constraint on values)"
        simple = isinstance(path_node, URIRef)
        if minimum is None and maximum is None:
            each = f"Each {path} value of" if simple else f"Each value along {path} from"
            sentence = f"{each} {_lower_first(subject)} must be {constraint}"
        else:
            one = (minimum, maximum) in ((1, 1), (1, None), (None, 1))
            noun = "value" if one else "values"
            count = _cardinality(minimum, maximum)
            has = f"{count} {path} {noun}" if simple else f"{count} {noun} along {path}"
            sentence = f"{subject} must have {has}"
            if values:
                sentence += "; each must be " + constraint
        sentence += "."
        description = shapes.value(prop, SH.description)
        if description is not None:
            sentence += f" {escape(str(description))}"
        if self._flag(prop, SH.deactivated):
            sentence = "[deactivated] " + sentence
        tail = self._severity_and_message(prop)
        return f"{sentence} {tail}" if tail else sentence

    def _path(self, path: Node | None, depth: int = 0) -> str:
        if path is None:
            return '<span class="undefined">(no path)</span>'
        if isinstance(path, URIRef):
            return self.render.link(path)
        if depth > 8:
            return "(path nested too deeply)"
        shapes = self.shapes
        if (path, RDF.first, None) in shapes:
            return " / ".join(self._path(step, depth + 1) for step in _list(shapes, path))
        for predicate, template in (
            (SH.inversePath, "the inverse of {}"),
            (SH.zeroOrMorePath, "{} (zero or more times)"),
            (SH.oneOrMorePath, "{} (one or more times)"),
            (SH.zeroOrOnePath, "{} (optionally)"),
        ):
            inner = shapes.value(path, predicate)
            if inner is not None:
                return template.format(self._path(inner, depth + 1))
        alternatives = shapes.value(path, SH.alternativePath)
        if alternatives is not None:
            return " or ".join(self._path(step, depth + 1) for step in _list(shapes, alternatives))
        return '<span class="undefined">(a path of an unknown kind)</span>'

    def _path_predicates(self, path: Node | None) -> set[URIRef]:
        if path is None:
            return set()
        if isinstance(path, URIRef):
            return {path}
        found: set[URIRef] = set()
        pending, seen = [path], set()
        while pending:
            node = pending.pop()
            if node in seen:
                continue
            seen.add(node)
            for _, value in self.shapes.predicate_objects(node):
                if isinstance(value, URIRef) and value != RDF.nil:
                    found.add(value)
                elif isinstance(value, BNode):
                    pending.append(value)
        return found

    # ---------------------------------------------------------------- value constraints

    def _value_phrases(self, shape: Node, depth: int = 0) -> list[str]:
        """Phrases completing "each value must be ...", one per constraint of the shape."""
        shapes = self.shapes
        link = self.render.node
        phrases: list[str] = []
        for cls in shapes.objects(shape, SH["class"]):
            phrases.append(f"an instance of {link(cls)}")
        for datatype in shapes.objects(shape, SH.datatype):
            phrases.append(f"a literal of datatype {link(datatype)}")
        for kind in shapes.objects(shape, SH.nodeKind):
            phrases.append(_NODE_KINDS.get(kind, f"of node kind {link(kind)}"))  # type: ignore[call-overload]
        for members in shapes.objects(shape, SH["in"]):
            phrases.append("one of " + ", ".join(link(m) for m in _list(shapes, members)))
        for value in shapes.objects(shape, SH.hasValue):
            phrases.append(f"such that one of the values is {link(value)}")
        for predicate, word in _COMPARISONS.items():
            for bound in shapes.objects(shape, predicate):
                phrases.append(f"{word} {escape(str(bound))}")
        for predicate, word in ((SH.minLength, "at least"), (SH.maxLength, "at most")):
            for length in shapes.objects(shape, predicate):
                phrases.append(f"{word} {escape(str(length))} characters long")
        for pattern in shapes.objects(shape, SH.pattern):
            flags = shapes.value(shape, SH.flags)
            with_flags = f" (flags {escape(str(flags))})" if flags is not None else ""
            phrases.append(
                f"text matching the pattern <code>{escape(str(pattern))}</code>{with_flags}"
            )
        for languages in shapes.objects(shape, SH.languageIn):
            phrases.append(
                "in the language " + " or ".join(link(m) for m in _list(shapes, languages))
            )
        if self._flag(shape, SH.uniqueLang):
            phrases.append("in a language no other value has")
        for predicate, words in _PAIRS.items():
            for other in shapes.objects(shape, predicate):
                phrases.append(f"{words} {link(other)}")
        for node in shapes.objects(shape, SH.node):
            phrases.append(f"conforming to {self._shape_reference(node, depth)}")
        for predicate, word in (
            (SH["or"], "either"),
            (SH.xone, "exactly one of"),
            (SH["and"], "all of"),
        ):
            for members in shapes.objects(shape, predicate):
                parts = [self._shape_reference(m, depth) for m in _list(shapes, members)]
                joiner = " or " if predicate == SH["or"] else "; "
                phrases.append(f"{word} {joiner.join(parts)}")
        for negated in shapes.objects(shape, SH["not"]):
            phrases.append(f"not {self._shape_reference(negated, depth)}")
        phrases += self._qualified(shape, depth)
        phrases += self._unknown_components(shape)
        return phrases

    def _shape_reference(self, node: Node, depth: int) -> str:
        """A nested shape: a link if it is documented on its own, else its constraints."""
        if isinstance(node, URIRef) and node in self.documented:
            anchor = "shape-" + _local_name(node)
            return f'the shape <a href="#{escape(anchor)}">{escape(_local_name(node))}</a>'
        if depth > 6:
            return "(a shape nested too deeply)"
        phrases = self._value_phrases(node, depth + 1)
        path = self.shapes.value(node, SH.path)
        if path is not None:
            minimum = _integer(self.shapes.value(node, SH.minCount))
            maximum = _integer(self.shapes.value(node, SH.maxCount))
            count = _cardinality(minimum, maximum) if (minimum, maximum) != (None, None) else "any"
            phrases.insert(0, f"with {count} {self._path(path)} values")
        return "(" + (" and ".join(phrases) or "any node") + ")"

    def _qualified(self, shape: Node, depth: int) -> list[str]:
        qualified = self.shapes.value(shape, SH.qualifiedValueShape)
        if qualified is None:
            return []
        minimum = _integer(self.shapes.value(shape, SH.qualifiedMinCount))
        maximum = _integer(self.shapes.value(shape, SH.qualifiedMaxCount))
        return [
            f"such that {_cardinality(minimum, maximum)} of the values are "
            f"{self._shape_reference(qualified, depth)}"
        ]

    def _unknown_components(self, shape: Node) -> list[str]:
        known = _DESCRIPTIVE | {
            SH["class"], SH.datatype, SH.nodeKind, SH["in"], SH.hasValue, SH.minLength,
            SH.maxLength, SH.pattern, SH.languageIn, SH.uniqueLang, SH.node, SH["or"], SH.xone,
            SH["and"], SH["not"], SH.qualifiedValueShape, SH.closed, SH.sparql,
            *_COMPARISONS, *_PAIRS,
        }  # fmt: skip
        return sorted(
            f"subject to {self.render.node(p)} {self.render.node(o)}"
            for p, o in self.shapes.predicate_objects(shape)
            if p not in known and str(p).startswith(str(SH))
        )

    # ---------------------------------------------------------------- node-level parts

    def _closed(self, node: Node) -> list[str]:
        if not self._flag(node, SH.closed):
            return []
        ignored = [
            self.render.node(p)
            for members in self.shapes.objects(node, SH.ignoredProperties)
            for p in _list(self.shapes, members)
        ]
        extra = f" (ignoring {', '.join(ignored)})" if ignored else ""
        return [f"The shape is closed: no properties other than those listed are allowed{extra}."]

    def _sparql(self, node: Node) -> list[str]:
        sentences = []
        for constraint in self._sparql_constraints(node):
            message = self._messages(constraint)
            text = "A SPARQL query finds the focus nodes that break this rule"
            sentences.append(_sentence(f"{text}: {message}" if message else text))
        return sentences

    def _sparql_constraints(self, node: Node) -> list[Node]:
        return sorted(
            self.shapes.objects(node, SH.sparql),
            key=lambda c: (self._messages(c), str(self.shapes.value(c, SH.select))),
        )

    def _sparql_texts(self, node: Node) -> tuple[str, ...]:
        return tuple(
            str(select).strip()
            for constraint in self._sparql_constraints(node)
            for select in self.shapes.objects(constraint, SH.select)
        )

    def _severity_and_message(self, shape: Node) -> str:
        severity = self.shapes.value(shape, SH.severity)
        parts = []
        if severity is not None:
            word = _SEVERITIES.get(severity, self.model.curie(severity))  # type: ignore[call-overload]
            parts.append(
                f'<span class="severity severity-{escape(word)}">Severity: {escape(word)}.</span>'
            )
        message = self._messages(shape)
        if message:
            parts.append(f'Message: <q class="message">{message}</q>')
        return " ".join(parts)

    def _messages(self, shape: Node) -> str:
        return " / ".join(escape(str(m)) for m in self._english(shape, SH.message))

    def _english(self, subject: Node, predicate: URIRef) -> list[Literal]:
        literals = [o for o in self.shapes.objects(subject, predicate) if isinstance(o, Literal)]
        english = [o for o in literals if (o.language or "en").lower().startswith("en")]
        return sorted(english or literals, key=str)

    def _flag(self, shape: Node, predicate: URIRef) -> bool:
        value = self.shapes.value(shape, predicate)
        return isinstance(value, Literal) and value.toPython() is True

    def _order(self, prop: Node) -> tuple[float, str]:
        """sh:order first, then the path as the reader sees it (never a blank node id)."""
        order = self.shapes.value(prop, SH.order)
        number = order.toPython() if isinstance(order, Literal) else None
        rank = float(number) if isinstance(number, int | float) else float("inf")
        path = _TAG.sub("", self._path(self.shapes.value(prop, SH.path))).casefold()
        return (rank, path)


def _list(graph: Graph, node: Node) -> list[Node]:
    items: list[Node] = []
    seen: set[Node] = set()
    while node != RDF.nil and node not in seen:
        seen.add(node)
        first = graph.value(node, RDF.first)
        if first is None:
            break
        items.append(first)
        node = graph.value(node, RDF.rest) or RDF.nil
    return items


def _integer(node: Node | None) -> int | None:
    if isinstance(node, Literal):
        value = node.toPython()
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _cardinality(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        if minimum == maximum:
            return f"exactly {minimum}"
        return f"between {minimum} and {maximum}"
    if minimum is not None:
        return f"at least {minimum}"
    if maximum == 0:
        return "no"
    return f"at most {maximum}"


def _local_name(iri: URIRef) -> str:
    text = str(iri)
    for separator in ("#", "/", ":"):
        if separator in text:
            text = text.rsplit(separator, 1)[1] or text
    return text


def _sentence(text: str) -> str:
    """The text ending in one full stop (a message may bring its own)."""
    return text if text.rstrip().endswith((".", "!", "?")) else text + "."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
