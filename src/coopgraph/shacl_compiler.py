"""The fast validation engine: SHACL shapes compiled to SPARQL SELECT queries on Oxigraph.

pySHACL (the reference engine) walks focus nodes one by one in Python and runs every
SHACL-SPARQL constraint once per focus node on rdflib's SPARQL engine, which is where
large data sets spend their time. This module instead turns each constraint of each
shape into one SELECT query that returns only the violating focus nodes (and values),
for all focus nodes at once, and runs it on an in-memory Oxigraph store.

The results are the ones pySHACL gives (same focus nodes, values, paths, source
shapes, components, severities and messages), which ``tests/test_validate_engines.py``
checks on every fixture and on the example knowledge base. To keep that promise the
compiler mirrors pySHACL where SHACL leaves room:

* ``sh:datatype`` rejects ill-typed literals exactly as rdflib judges them (the
  literals are checked in Python once, and the few bad ones are listed in the query);
* SPARQL-based constraints behave as if ``$this`` were pre-bound: the shape's focus
  nodes are joined in front of the query's own pattern, rows are deduplicated as
  pySHACL does, and ``{?var}`` in messages is filled the same way.

Shapes that use something outside the compiled subset (qualified value shapes,
property-pair constraints, value ranges, language lists, SHACL-AF targets, custom
constraint components, recursive shapes, SPARQL constraints with sub-queries or
aggregates, sh:pattern expressions that Oxigraph cannot compile) raise
:class:`Unsupported`; the caller then uses pySHACL. So do SHACL Advanced Features
(rules, functions, custom targets) when they are enabled (without ``advanced`` pySHACL
ignores rules, and so does this engine), and data with literals that Oxigraph would
normalise ("01"^^xsd:integer is stored as "1").

The run options are pySHACL's: only some focus nodes (each shape's focus nodes are
joined with the given ones, so nested shapes still check every value), and abort at
the first constraint with a failing finding (the queries then run one at a time, in
the order they were compiled).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from coopgraph import rdfio
from coopgraph.store.analysis import analyse_query, sparql_tokens, split_at_pattern
from coopgraph.validate import (
    Finding,
    RunOptions,
    Severity,
    ShapesError,
    as_replacement,
    fails,
    shape_sparql,
    sparql_prefixes,
)

__all__ = ["Unsupported", "find_noncanonical_literals", "run_compiled"]


class Unsupported(Exception):
    """The shapes (or the data) need something this engine does not translate."""


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_VALUE_COMPONENTS = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
}
"""Parameters whose constraint is tested on each value node on its own."""
_FOCUS_COMPONENTS = {
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.closed: SH.ClosedConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
    SH.property: SH.PropertyConstraintComponent,
}
"""Parameters whose constraint looks at all value nodes of a focus node together."""
_IGNORED = {
    SH.path,
    SH.message,
    SH.severity,
    SH.deactivated,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.flags,
    SH.ignoredProperties,
    SH.declare,
    SH.prefixes,
    SH.rule,
    *_TARGETS,
}
"""SHACL predicates on a shape that either carry no constraint or belong to another one
(rules only run in advanced mode, which this engine hands to pySHACL)."""
_ADVANCED_PREDICATES = (SH.rule, SH.target)
_ADVANCED_TYPES = (
    SH.SPARQLRule,
    SH.TripleRule,
    SH.SPARQLFunction,
    SH.Function,
    SH.SPARQLTargetType,
    SH.SPARQLTarget,
)
"""What makes shapes use SHACL Advanced Features."""
_SEVERITIES: dict[Node, Severity] = {
    SH.Violation: "Violation",
    SH.Warning: "Warning",
    SH.Info: "Info",
}
_NODE_KINDS = {
    SH.IRI: "isIRI({0})",
    SH.BlankNode: "isBlank({0})",
    SH.Literal: "isLiteral({0})",
    SH.BlankNodeOrIRI: "!isLiteral({0})",
    SH.BlankNodeOrLiteral: "!isIRI({0})",
    SH.IRIOrLiteral: "!isBlank({0})",
}
_RDF_TYPE = f"<{RDF.type}>"
_SUBCLASS_OF = f"<{RDFS.subClassOf}>"
_QUERY_OPTIONS = {"use_default_graph_as_union": True}


# --------------------------------------------------------------------------- SPARQL text


def _term(node: Node) -> str:
    """An rdflib term as SPARQL text."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        text = _string(str(node))
        if node.language:
            return f"{text}@{node.language}"
        datatype = node.datatype or XSD.string
        return f"{text}^^<{datatype}>"
    raise Unsupported(f"a blank node ({node.n3()}) as a constraint parameter")


def _string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


class _Names:
    """Fresh SPARQL variable names, so nested patterns never capture each other's variables."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def __call__(self, stem: str) -> str:
        return f"?_{stem}{next(self._counter)}"


# --------------------------------------------------------------------------- the shapes


@dataclass(frozen=True)
class _Check:
    """One compiled query and how to turn its rows into findings."""

    query: str
    shape: Node
    component: URIRef
    kind: str  # "value", "focus", "self", "lang", "closed" or "sparql"
    sparql_constraint: Node | None = None


class _Compiler:
    def __init__(
        self,
        shapes: Graph,
        bad_literals: dict[URIRef, set[Literal]],
        store: ox.Store,
        focus: Iterable[URIRef] = (),
    ) -> None:
        self.shapes = shapes
        self.bad_literals = bad_literals
        self.store = store
        self.focus = sorted(focus)
        self._subclasses: dict[Node, list[str]] = {}
        self.names = _Names()
        self.checks: list[_Check] = []

    # ------------------------------------------------------------------ shape facts

    def classes(self, cls: Node, separator: str = ", ") -> str:
        """``cls`` and its subclasses in the data graph, as SPARQL terms between separators
        (an IRI may itself hold a comma, so a list for VALUES is joined by spaces).

        Matching rdf:type against this list is what rdf:type/rdfs:subClassOf* means, and
        Oxigraph evaluates it several times faster than the path for every value.
        """
        if cls not in self._subclasses:
            query = f"SELECT DISTINCT ?c WHERE {{ ?c {_SUBCLASS_OF}* {_term(cls)} }}"
            rows = self.store.query(query, **_QUERY_OPTIONS)
            found = {rdfio.to_rdflib(row["c"]) for row in rows} | {cls}
            self._subclasses[cls] = sorted(_term(c) for c in found if not isinstance(c, BNode))
        return separator.join(self._subclasses[cls])

    def instance_of(self, var: str, cls: Node) -> str:
        """A pattern that holds when ``var`` is an instance of ``cls`` (or of a subclass)."""
        kind = self.names("type")
        return f"{var} {_RDF_TYPE} {kind} . FILTER ({kind} IN ({self.classes(cls)}))"

    def deactivated(self, shape: Node) -> bool:
        value = self.shapes.value(shape, SH.deactivated)
        return isinstance(value, Literal) and value.value is True

    def severity(self, shape: Node) -> Severity:
        value = self.shapes.value(shape, SH.severity, default=SH.Violation)
        if value not in _SEVERITIES:
            raise Unsupported(f"the custom severity {value.n3()}")
        return _SEVERITIES[value]

    def messages(self, shape: Node) -> frozenset[Literal]:
        return frozenset(
            m for m in self.shapes.objects(shape, SH.message) if isinstance(m, Literal)
        )

    def path(self, node: Node) -> str:
        """A SHACL path as a SPARQL property path."""
        if isinstance(node, URIRef):
            return f"<{node}>"
        if (node, RDF.first, None) in self.shapes:
            return "(" + "/".join(self.path(step) for step in Collection(self.shapes, node)) + ")"
        for predicate, template in (
            (SH.inversePath, "^({})"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = self.shapes.value(node, predicate)
            if inner is not None:
                return template.format(self.path(inner))
        alternatives = self.shapes.value(node, SH.alternativePath)
        if alternatives is not None:
            options = Collection(self.shapes, alternatives)
            return "(" + "|".join(self.path(step) for step in options) + ")"
        raise Unsupported(f"the property path {node.n3()}")

    def parameters(self, shape: Node) -> Iterator[tuple[URIRef, Node]]:
        """The constraint parameters of a shape; refuses the ones not compiled."""
        for predicate, value in self.shapes.predicate_objects(shape):
            if not isinstance(predicate, URIRef) or not predicate.startswith(str(SH)):
                continue
            if predicate in _IGNORED:
                continue
            if predicate not in _VALUE_COMPONENTS and predicate not in _FOCUS_COMPONENTS:
                raise Unsupported(f"{predicate.n3(self.shapes.namespace_manager)} on a shape")
            yield predicate, value

    def focus_pattern(self, shape: Node) -> str | None:
        """A group pattern binding ?this to each focus node of a shape's targets, or None."""
        classes = list(self.shapes.objects(shape, SH.targetClass))
        if any((shape, RDF.type, kind) in self.shapes for kind in (RDFS.Class, OWL.Class)):
            classes.append(shape)  # an implicit class target
        # VALUES first: Oxigraph then reads the instances of each class from its index.
        branches = [
            f"VALUES ?_class {{ {self.classes(c, ' ')} }} ?this {_RDF_TYPE} ?_class ."
            for c in classes
        ]
        nodes = list(self.shapes.objects(shape, SH.targetNode))
        if nodes:
            branches.append("VALUES ?this { " + " ".join(_term(n) for n in nodes) + " }")
        for predicate in self.shapes.objects(shape, SH.targetSubjectsOf):
            branches.append(f"?this {_term(predicate)} [] .")
        for predicate in self.shapes.objects(shape, SH.targetObjectsOf):
            branches.append(f"[] {_term(predicate)} ?this .")
        if (shape, SH.target, None) in self.shapes:
            raise Unsupported("SHACL-AF custom targets (sh:target)")
        if not branches:
            return None
        union = " UNION ".join(f"{{ {b} }}" for b in branches)
        if self.focus:
            union = f"VALUES ?this {{ {' '.join(_term(n) for n in self.focus)} }} {{ {union} }}"
        return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"

    # ------------------------------------------------------------------ value tests

    def value_test(self, predicate: URIRef, parameter: Node, var: str, stack: tuple) -> str:
        """A SPARQL expression that is true when the value in ``var`` satisfies the constraint."""
        if predicate == SH["class"]:
            return f"EXISTS {{ {self.instance_of(var, parameter)} }}"
        if predicate == SH.datatype:
            return self.datatype_test(parameter, var)
        if predicate == SH.nodeKind:
            if parameter not in _NODE_KINDS:
                raise Unsupported(f"the node kind {parameter.n3()}")
            return _NODE_KINDS[parameter].format(var)
        if predicate in (SH.minLength, SH.maxLength):
            operator = ">=" if predicate == SH.minLength else "<="
            return f"(!isBlank({var}) && STRLEN(STR({var})) {operator} {int(parameter)})"
        if predicate == SH.pattern:
            return self.pattern_test(parameter, var, stack[-1])
        if predicate == SH["in"]:
            members = list(Collection(self.shapes, parameter))
            if not members:
                return "false"
            return "(" + " || ".join(f"sameTerm({var}, {_term(m)})" for m in members) + ")"
        if predicate == SH.node:
            return self.conforms(parameter, var, stack)
        if predicate == SH["not"]:
            return f"!({self.conforms(parameter, var, stack)})"
        members = [self.conforms(m, var, stack) for m in Collection(self.shapes, parameter)]
        if predicate == SH["and"]:
            return "(" + " && ".join(members or ["true"]) + ")"
        if predicate == SH["or"]:
            return "(" + " || ".join(members or ["false"]) + ")"
        return "((" + " + ".join(f"IF({m}, 1, 0)" for m in members or ["false"]) + ") = 1)"

    def datatype_test(self, datatype: Node, var: str) -> str:
        # Mirrors pySHACL's DatatypeConstraintComponent, special cases included.
        if datatype == RDFS.Literal:
            return f"isLiteral({var})"
        if datatype == RDF.langString:
            return f'(isLiteral({var}) && LANG({var}) != "")'
        if datatype == RDFS.Datatype:
            return f'(isLiteral({var}) && LANG({var}) = "")'
        test = f"(isLiteral({var}) && DATATYPE({var}) = {_term(datatype)}"
        bad = sorted(self.bad_literals.get(datatype, ()), key=str)
        if bad:
            test += " && !(" + " || ".join(f"sameTerm({var}, {_term(b)})" for b in bad) + ")"
        return test + ")"

    def pattern_test(self, pattern: Node, var: str, shape: Node) -> str:
        flags = self.shapes.value(shape, SH.flags)
        arguments = _string(str(pattern))
        if flags is not None:
            arguments += f", {_string(str(flags))}"
        # load_shapes refuses what Python's re (pySHACL) cannot compile; Oxigraph's REGEX
        # fails on some of the rest (look-behind, back-references), which would silently
        # switch the constraint off, so pySHACL runs those.
        probe = f'SELECT (REGEX("", {arguments}) AS ?ok) {{}}'
        if next(iter(self.store.query(probe)))["ok"] is None:
            raise Unsupported(f"the sh:pattern {str(pattern)!r}, which Oxigraph cannot compile")
        return f"(!isBlank({var}) && REGEX(STR({var}), {arguments}))"

    def conforms(self, shape: Node, var: str, stack: tuple) -> str:
        """A SPARQL expression that is true when the node in ``var`` conforms to a nested shape."""
        if shape in stack:
            raise Unsupported("recursive shapes")
        if self.deactivated(shape):
            return "true"
        stack = (*stack, shape)
        parts = []
        path = self.shapes.value(shape, SH.path)
        for predicate, parameter in self.parameters(shape):
            if path is not None:
                parts.append(self.property_conforms(shape, path, predicate, parameter, var, stack))
            elif predicate in _VALUE_COMPONENTS:
                parts.append(self.value_test(predicate, parameter, var, stack))
            elif predicate == SH.hasValue:
                parts.append(f"sameTerm({var}, {_term(parameter)})")
            elif predicate == SH.property:
                if self.deactivated(parameter):
                    continue
                property_path = self.shapes.value(parameter, SH.path)
                for inner, inner_parameter in self.parameters(parameter):
                    parts.append(
                        self.property_conforms(
                            parameter,
                            property_path,
                            inner,
                            inner_parameter,
                            var,
                            (*stack, parameter),
                        )
                    )
            else:
                raise Unsupported(f"{predicate.n3()} inside a nested shape")
        return "(" + " && ".join(parts or ["true"]) + ")"

    def property_conforms(
        self, shape: Node, path: Node, predicate: URIRef, parameter: Node, var: str, stack: tuple
    ) -> str:
        """True when the values of ``path`` from ``var`` meet one constraint of a property shape."""
        sparql_path = self.path(path)
        if predicate in _VALUE_COMPONENTS:
            value = self.names("v")
            test = self.value_test(predicate, parameter, value, stack)
            return f"NOT EXISTS {{ {var} {sparql_path} {value} . FILTER (!({test})) }}"
        if predicate in (SH.minCount, SH.maxCount):
            count = int(parameter) + (1 if predicate == SH.maxCount else 0)
            if count == 0:
                return "true" if predicate == SH.minCount else "false"
            if count > 3:
                raise Unsupported("nested cardinalities above 3")
            values = [self.names("v") for _ in range(count)]
            triples = " ".join(f"{var} {sparql_path} {v} ." for v in values)
            distinct = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(values, 2)]
            pattern = triples + (f" FILTER ({' && '.join(distinct)})" if distinct else "")
            return f"{'EXISTS' if predicate == SH.minCount else 'NOT EXISTS'} {{ {pattern} }}"
        if predicate == SH.hasValue:
            value = self.names("v")
            test = f"sameTerm({value}, {_term(parameter)})"
            return f"EXISTS {{ {var} {sparql_path} {value} . FILTER ({test}) }}"
        raise Unsupported(f"{predicate.n3()} inside a nested property shape")

    # ------------------------------------------------------------------ top-level checks

    def compile(self) -> list[_Check]:
        subjects = set(self.shapes.subjects())
        for shape in sorted(subjects, key=str):
            focus = self.focus_pattern(shape)
            if focus is None or self.deactivated(shape):
                continue
            path = self.shapes.value(shape, SH.path)
            if path is None:
                self.node_checks(shape, focus)
            else:
                self.property_checks(shape, path, focus)
        return self.checks

    def add(
        self, query: str, shape: Node, component: URIRef, kind: str, constraint: Node | None = None
    ) -> None:
        self.checks.append(_Check(query, shape, component, kind, constraint))

    def node_checks(self, shape: Node, focus: str) -> None:
        for predicate, parameter in self.parameters(shape):
            if predicate in _VALUE_COMPONENTS:
                test = self.value_test(predicate, parameter, "?this", (shape,))
                query = f"SELECT ?this WHERE {{ {focus} FILTER (!({test})) }}"
                self.add(query, shape, _VALUE_COMPONENTS[predicate], "self")
            elif predicate == SH.hasValue:
                test = f"sameTerm(?this, {_term(parameter)})"
                query = f"SELECT ?this WHERE {{ {focus} FILTER (!{test}) }}"
                self.add(query, shape, SH.HasValueConstraintComponent, "focus")
            elif predicate == SH.property:
                if not self.deactivated(parameter):
                    path = self.shapes.value(parameter, SH.path)
                    if path is None:
                        raise Unsupported(f"sh:property {parameter.n3()} without sh:path")
                    self.property_checks(parameter, path, focus)
            elif predicate == SH.closed:
                if isinstance(parameter, Literal) and parameter.value is True:
                    self.closed_check(shape, focus)
            elif predicate == SH.sparql:
                self.sparql_check(shape, parameter, focus, None)
            else:
                raise Unsupported(f"{predicate.n3()} on a node shape")

    def property_checks(self, shape: Node, path: Node, focus: str) -> None:
        sparql_path = self.path(path)
        for predicate, parameter in self.parameters(shape):
            if predicate in _VALUE_COMPONENTS:
                test = self.value_test(predicate, parameter, "?value", (shape,))
                query = (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {sparql_path} ?value ."
                    f" FILTER (!({test})) }}"
                )
                self.add(query, shape, _VALUE_COMPONENTS[predicate], "value")
            elif predicate == SH.minCount:
                minimum = int(parameter)
                values = f"?this {sparql_path} ?value"
                if minimum == 1:
                    query = f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ {values} }} }}"
                elif minimum > 1:
                    query = (
                        f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ {values} }} }}"
                        f" GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {minimum})"
                    )
                else:
                    continue
                self.add(query, shape, SH.MinCountConstraintComponent, "focus")
            elif predicate == SH.maxCount:
                query = (
                    f"SELECT ?this WHERE {{ {focus} ?this {sparql_path} ?value }}"
                    f" GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(parameter)})"
                )
                self.add(query, shape, SH.MaxCountConstraintComponent, "focus")
            elif predicate == SH.hasValue:
                query = (
                    f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {sparql_path} ?value"
                    f" FILTER (sameTerm(?value, {_term(parameter)})) }} }}"
                )
                self.add(query, shape, SH.HasValueConstraintComponent, "focus")
            elif predicate == SH.uniqueLang:
                if isinstance(parameter, Literal) and parameter.value is True:
                    query = (
                        f"SELECT DISTINCT ?this (LCASE(LANG(?a)) AS ?lang) WHERE {{ {focus}"
                        f" ?this {sparql_path} ?a . ?this {sparql_path} ?b ."
                        f' FILTER (isLiteral(?a) && LANG(?a) != "" && !sameTerm(?a, ?b)'
                        f" && isLiteral(?b) && LCASE(LANG(?a)) = LCASE(LANG(?b))) }}"
                    )
                    self.add(query, shape, SH.UniqueLangConstraintComponent, "lang")
            elif predicate == SH.sparql:
                self.sparql_check(shape, parameter, focus, sparql_path)
            else:
                raise Unsupported(f"{predicate.n3()} on a property shape")

    def closed_check(self, shape: Node, focus: str) -> None:
        allowed = {
            self.shapes.value(p, SH.path)
            for p in self.shapes.objects(shape, SH.property)
            if isinstance(self.shapes.value(p, SH.path), URIRef)
        }
        for ignored in self.shapes.objects(shape, SH.ignoredProperties):
            allowed.update(Collection(self.shapes, ignored))
        exclusion = ""
        if allowed:
            exclusion = f" FILTER (?path NOT IN ({', '.join(sorted(_term(p) for p in allowed))}))"
        query = f"SELECT ?this ?path ?value WHERE {{ {focus} ?this ?path ?value .{exclusion} }}"
        self.add(query, shape, SH.ClosedConstraintComponent, "closed")

    def sparql_check(
        self, shape: Node, constraint: Node, focus: str, sparql_path: str | None
    ) -> None:
        if self.deactivated(constraint):
            return
        if (constraint, SH.ask, None) in self.shapes:
            raise Unsupported("ASK-based SPARQL constraints")
        text = self.shapes.value(constraint, SH.select)
        if text is None:
            raise Unsupported("a SPARQL constraint without sh:select")
        text = str(text)
        prefixes = sparql_prefixes(self.shapes, constraint)
        # Keywords as SPARQL's tokens, not text: a word in a comment or string is not one.
        words = [word for _, word in sparql_tokens(text)]
        forbidden = next((word for word in words if word in ("minus", "values")), None)
        if forbidden:
            # SHACL 5.3.1 forbids these; pySHACL refuses them too. (It forbids SERVICE as
            # well, which load_shapes refuses in every SPARQL text of the shapes.)
            raise ShapesError(
                f"a SPARQL constraint of {_term(shape)} uses {forbidden.upper()},"
                " which SHACL forbids"
            )
        if words.count("select") != 1:
            raise Unsupported("a SPARQL constraint with a sub-query")
        info = analyse_query(shape_sparql(self.shapes, constraint, text))
        if "group" in words or "having" in words or "shapesGraph" in info.variables:
            raise Unsupported("a SPARQL constraint with aggregates or $shapesGraph")
        if info.projected is not None and "this" not in info.projected:
            raise Unsupported("a SPARQL constraint that does not select $this")
        if "$PATH" in text:
            if sparql_path is None:
                raise Unsupported("$PATH in a SPARQL constraint of a node shape")
            text = text.replace("$PATH", sparql_path)
        text = re.sub(r"\$currentShape\b", _term(shape), text)
        before, after = split_at_pattern(text)
        query = f"{prefixes}\n{before} {focus} {after}"
        self.add(query, shape, SH.SPARQLConstraintComponent, "sparql", constraint)


# --------------------------------------------------------------------------- running


def run_compiled(store: ox.Store, shapes: Graph, options: RunOptions) -> list[Finding]:
    """Validate the union of the store's graphs against the shapes; the results pySHACL gives.

    The queries run on all cores (Oxigraph releases the GIL while it evaluates them),
    except with ``options.abort``: then one at a time, up to the first that fails.
    Raises Unsupported for SHACL Advanced Features with ``options.advanced``.
    """
    if options.advanced:
        feature = _advanced_feature(shapes)
        if feature is not None:
            raise Unsupported(f"SHACL Advanced Features ({feature})")
    listed = [
        rdfio.from_rdflib(term)
        for term in _compared_shape_terms(shapes)
        if isinstance(term, Literal)
    ]
    rewritten = find_noncanonical_literals(listed)
    if rewritten:  # the query would compare the data with another term than the shape's
        raise Unsupported(
            f"shape values not in canonical form (such as {rewritten[0]}), which Oxigraph"
            " reads as another term"
        )
    datatypes = {
        d
        for d in shapes.objects(None, SH.datatype)
        if isinstance(d, URIRef) and d not in (RDFS.Literal, RDF.langString, RDFS.Datatype)
    }
    compiler = _Compiler(shapes, _ill_typed_literals(store, datatypes), store, options.focus)
    checks = compiler.compile()
    findings: list[Finding] = []
    stop_at = options.abort_on
    if stop_at is not None:
        for check in checks:
            found = list(_findings(compiler, check, *_solve(store, check.query)))
            findings.extend(found)
            if any(fails(f.severity, stop_at) for f in found):
                break
        return findings
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        answers = list(pool.map(lambda check: _solve(store, check.query), checks))
    for check, (names, rows) in zip(checks, answers, strict=True):
        findings.extend(_findings(compiler, check, names, rows))
    return findings


def _advanced_feature(shapes: Graph) -> str | None:
    """The name of a SHACL Advanced Feature the shapes use, or None."""
    manager = shapes.namespace_manager
    for predicate in _ADVANCED_PREDICATES:
        if (None, predicate, None) in shapes:
            return predicate.n3(manager)
    for kind in _ADVANCED_TYPES:
        if (None, RDF.type, kind) in shapes:
            return kind.n3(manager)
    return None


_Row = dict[str, object]


def _solve(store: ox.Store, query: str) -> tuple[list[str], list[_Row]]:
    """The variables and rows of a SELECT query (terms still Oxigraph's)."""
    try:
        solutions = store.query(query, **_QUERY_OPTIONS)
    except SyntaxError as error:
        raise Unsupported(f"a query Oxigraph cannot parse ({error})") from None
    names = [v.value for v in solutions.variables]
    return names, [{name: row[name] for name in names} for row in solutions]


def _findings(
    compiler: _Compiler, check: _Check, names: list[str], rows: list[_Row]
) -> Iterator[Finding]:
    shapes = compiler.shapes
    severity = compiler.severity(check.shape)
    path = shapes.value(check.shape, SH.path)
    messages = compiler.messages(check.shape)
    convert = rdfio.to_rdflib
    if check.kind != "sparql":
        for row in rows:
            focus = convert(row["this"])
            value: Node | None = None
            result_path = path
            if check.kind == "value":
                value = convert(row["value"])
            elif check.kind == "self":
                value = focus
            elif check.kind == "closed":
                value = convert(row["value"])
                result_path = convert(row["path"])
            yield Finding(
                focus_node=focus,
                severity=severity,
                source_shape=check.shape,
                component=check.component,
                path=result_path,
                value=value,
                messages=messages or _generic_message(check.component),
            )
        return
    yield from _sparql_findings(names, rows, compiler, check, severity, path)


def _sparql_findings(
    names: list[str],
    rows: list[_Row],
    compiler: _Compiler,
    check: _Check,
    severity: Severity,
    path: Node | None,
) -> Iterator[Finding]:
    """Findings from a SPARQL constraint's rows, deduplicated and worded as pySHACL does."""
    convert = rdfio.to_rdflib
    is_node_shape = path is None
    shape_messages = compiler.messages(check.shape)
    constraint_messages = compiler.messages(check.sparql_constraint)
    seen: set[tuple] = set()
    failed: set[Node] = set()
    for row in rows:
        bound = {name: convert(row[name]) for name in names if row[name] is not None}
        focus = bound.pop("this")
        if bound.pop("failure", None) is not None:
            if focus in failed:
                continue
            failed.add(focus)
            variables: dict[str, Node] = {**bound, "this": focus}
            value = focus if is_node_shape else None
            result_path = path
        else:
            result_path = bound.pop("path", None)
            value = bound.pop("value", None)
            key = (focus, result_path, value, tuple(sorted(bound.items())))
            if key in seen:
                continue
            seen.add(key)
            if value is None and is_node_shape:
                value = focus
            variables = {**bound, "this": focus}
            if result_path is not None:
                variables["path"] = result_path
            if value is not None:
                variables["value"] = value
            if result_path is None:
                result_path = path
        extra = {m for m in constraint_messages if m not in shape_messages}
        texts = {_fill(m, variables) for m in (*shape_messages, *extra)}
        yield Finding(
            focus_node=focus,
            severity=severity,
            source_shape=check.shape,
            component=check.component,
            path=result_path,
            value=value,
            messages=frozenset(Literal(t) for t in texts) or _generic_message(check.component),
            source_constraint=check.sparql_constraint,
        )


def _fill(message: Literal, variables: dict[str, Node]) -> str:
    """``{?name}`` and ``{$name}`` replaced by the variable's value, as pySHACL does it."""
    text = str(message)
    for name, value in variables.items():
        text = re.sub(f"{{[?$]{name}}}", as_replacement(value), text)
    return text


def _generic_message(component: URIRef) -> frozenset[Literal]:
    name = str(component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    return frozenset({Literal(f"The value breaks the shape's {name} constraint")})


# --------------------------------------------------------------------------- literals


def _ill_typed_literals(store: ox.Store, datatypes: Iterable[URIRef]) -> dict[URIRef, set[Literal]]:
    """The literals of each datatype that rdflib, and so pySHACL, judges ill-typed."""
    datatypes = sorted(datatypes)
    if not datatypes:
        return {}
    listed = ", ".join(f"<{d}>" for d in datatypes)
    query = (
        "SELECT DISTINCT ?v WHERE { ?s ?p ?v"
        f" FILTER (isLiteral(?v) && DATATYPE(?v) IN ({listed})) }}"
    )
    bad: dict[URIRef, set[Literal]] = {}
    for row in store.query(query, **_QUERY_OPTIONS):
        literal = rdfio.to_rdflib(row["v"])
        if not _rdflib_accepts(literal):
            bad.setdefault(literal.datatype, set()).add(literal)
    return bad


_PYTHON_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}


def _rdflib_accepts(literal: Literal) -> bool:
    """Whether pySHACL's sh:datatype accepts a literal of its own datatype."""
    if getattr(literal, "ill_typed", None) is True:
        return False
    expected = _PYTHON_TYPES.get(literal.datatype)
    return expected is None or isinstance(literal.value, expected)


def _compared_shape_terms(shapes: Graph) -> Iterator[Node]:
    """The terms the shapes compare values with as RDF terms: sh:hasValue and sh:in."""
    yield from shapes.objects(None, SH.hasValue)
    for members in shapes.objects(None, SH["in"]):
        yield from Collection(shapes, members)


def find_noncanonical_literals(terms: Iterable[object], limit: int = 3) -> list[ox.Literal]:
    """Typed literals among ``terms`` that Oxigraph would store, or read in a query, in
    another form ("01"^^xsd:integer as "1", "5"^^xsd:int as "5"^^xsd:integer).

    The fast engine reports values as the store holds them; pySHACL reports them as
    written. Where they differ, the caller uses pySHACL so both report the same.
    """
    plain = {str(XSD.string), str(RDF.langString)}
    literals = {
        term for term in terms if type(term) is ox.Literal and term.datatype.value not in plain
    }
    if not literals:
        return []
    scratch = ox.Store()
    predicate = ox.NamedNode("urn:coopgraph:literal")
    indexed = list(literals)
    scratch.bulk_extend(
        ox.Quad(ox.NamedNode(f"urn:coopgraph:literal:{i}"), predicate, literal)
        for i, literal in enumerate(indexed)
    )
    changed = []
    for quad in scratch.quads_for_pattern(None, predicate, None):
        original = indexed[int(quad.subject.value.rsplit(":", 1)[1])]
        if quad.object != original:
            changed.append(original)
            if len(changed) >= limit:
                break
    return changed
