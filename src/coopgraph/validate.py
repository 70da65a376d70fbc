"""Validate RDF data against the coopgraph ontology and SHACL shapes.

``validate(paths)`` pools one or more files into one data graph, adds the bundled
ontology (and any extra ontology files), checks that every IRI in the coopgraph
namespace is defined by the ontology, and runs the bundled shapes (and any extra
shapes files) over the result. It returns a :class:`ValidationResult`; bad input
raises :class:`~coopgraph.errors.InputError` (exit status 2 in the CLI).

Two engines give the same results:

* ``fast`` (default): the shapes are compiled to SPARQL SELECT queries
  (:mod:`coopgraph.shacl_compiler`) and run on an in-memory Oxigraph store.
* ``pyshacl``: the reference, pySHACL on an rdflib graph. ``fast`` falls back to it,
  and says so in :attr:`ValidationResult.notes`, when shapes use a SHACL feature
  the compiler does not translate (SHACL Advanced Features included).

Both engines honour the options pySHACL's command line has: only some focus nodes
(``focus``), only some shapes (``use_shapes``), stop at the first failing constraint
(``abort``), check the shapes against SHACL-for-SHACL first (``metashacl``), and SHACL
Advanced Features (``advanced``, ``iterate_rules``).

No network access ever: files are parsed by :mod:`coopgraph.rdfio` (no remote
JSON-LD contexts, no external XML entities), ``owl:imports`` are plain triples,
pySHACL is never asked to fetch anything, and shapes whose SPARQL could reach the
network (SERVICE, FROM) are refused before anything runs.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from http.client import HTTPException
from importlib import resources
from pathlib import Path
from typing import Literal as TypingLiteral

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from coopgraph import rdfio
from coopgraph.errors import InputError, NetworkRefusedError, ParameterError
from coopgraph.reason import is_rdf
from coopgraph.render import compact_iri, render_rows
from coopgraph.store.analysis import analyse_query, validate_iri
from coopgraph.vocab import COOP, PREFIXES, ontology_file, shapes_files

__all__ = [
    "ENGINES",
    "INFERENCE",
    "REPORT_FORMATS",
    "SEVERITIES",
    "SHAPES",
    "Finding",
    "RunOptions",
    "ShapesError",
    "UndefinedTerm",
    "ValidationResult",
    "render",
    "validate",
]

SHAPES = Namespace("https://w3id.org/coopgraph/shapes#")
"""The namespace of the bundled shapes (prefix ``cgsh:``), apart from the ontology's classes."""

DEFINED_TERMS_CHECK = SHAPES.DefinedTermsCheck
"""The source shape named in results of the check for undefined coopgraph terms."""
DEFINED_TERM_COMPONENT = SHAPES.DefinedTermConstraintComponent
"""The constraint component named in results of the check for undefined coopgraph terms."""

SEVERITIES = ("Violation", "Warning", "Info")
"""From most to least severe; ``fail_on`` names the least severe one that fails validation."""
ENGINES = ("fast", "pyshacl")
INFERENCE = ("none", "rdfs", "owlrl", "both")
GRAPH_REPORT_FORMATS = ("turtle", "nt", "xml", "json-ld")
"""Serializations of the standard ``sh:ValidationReport`` graph."""
REPORT_FORMATS = ("human", "json", *GRAPH_REPORT_FORMATS, "markdown", "table")

Severity = TypingLiteral["Violation", "Warning", "Info"]
StrPath = str | os.PathLike[str]
LabelLookup = Callable[[rdflib.term.Node], str | None]

_DATA_GRAPH = ox.NamedNode("urn:coopgraph:validate:data")
_ONTOLOGY_GRAPH = ox.NamedNode("urn:coopgraph:validate:ontology")

# rdflib logs a traceback for every ill-typed literal it meets ("2020-13-45"^^xsd:date);
# validation reports those literals itself, so the log would only hide the report.
logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)


class ShapesError(InputError):
    """A shapes file is not a valid SHACL shapes graph (exit status 2)."""


@dataclass(frozen=True)
class Finding:
    """One validation result (an ``sh:ValidationResult``), in rdflib terms.

    ``path`` and ``source_shape`` are nodes of the shapes graph (blank nodes keep
    their identifiers), so results from both engines compare equal.
    """

    focus_node: rdflib.term.Node
    severity: Severity
    source_shape: rdflib.term.Node
    component: URIRef
    path: rdflib.term.Node | None = None
    value: rdflib.term.Node | None = None
    messages: frozenset[Literal] = frozenset()
    source_constraint: rdflib.term.Node | None = None

    def message_text(self) -> str:
        return " ".join(sorted(str(m) for m in self.messages))


@dataclass(frozen=True)
class UndefinedTerm:
    """An IRI in the coopgraph namespace that the ontology does not define."""

    iri: URIRef
    role: str  # "class", "property" or "resource": how the data uses it
    occurrences: int
    example_subject: rdflib.term.Node
    example_predicate: URIRef
    suggestion: URIRef | None

    def message(self) -> str:
        text = (
            f"{_curie(self.iri)} is not defined by the coopgraph ontology"
            f" (used {self.occurrences} time{'s' if self.occurrences != 1 else ''}"
            f" as a {self.role})"
        )
        if self.suggestion is not None:
            text += f"; did you mean {_curie(self.suggestion)}?"
        return text


@dataclass
class ValidationResult:
    """What validation found.

    ``conforms`` is False when some finding is at least as severe as ``fail_on``
    (``Violation`` by default, so warnings and infos alone do not fail). ``results``
    are the SHACL results; ``undefined_terms`` the coopgraph IRIs the ontology does
    not define, which count as violations unless ``allow_undefined`` (then warnings).
    """

    results: list[Finding]
    undefined_terms: list[UndefinedTerm]
    fail_on: Severity
    allow_undefined: bool
    engine: str
    shapes_graph: Graph
    labels: dict[rdflib.term.Node, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def conforms(self) -> bool:
        return not any(fails(f.severity, self.fail_on) for f in self.all_findings())

    def all_findings(self) -> list[Finding]:
        """The SHACL results and one finding per undefined term, ordered for reading."""
        severity: Severity = "Warning" if self.allow_undefined else "Violation"
        vocabulary = [_undefined_finding(term, severity) for term in self.undefined_terms]
        return sorted([*self.results, *vocabulary], key=_finding_order)

    def counts(self) -> dict[str, int]:
        """Findings per severity, undefined terms included."""
        counter = Counter(f.severity for f in self.all_findings())
        return {severity: counter.get(severity, 0) for severity in SEVERITIES}

    @property
    def report_graph(self) -> Graph:
        """The standard ``sh:ValidationReport`` as an rdflib graph."""
        return _report_graph(self)


# --------------------------------------------------------------------------- the API


def validate(
    data: StrPath | Iterable[StrPath] | Graph,
    *,
    format: str | None = None,
    shapes: StrPath | Sequence[StrPath] = (),
    ontology: StrPath | Sequence[StrPath] = (),
    inference: str = "none",
    engine: str = "fast",
    fail_on: str = "violation",
    allow_undefined: bool = False,
    focus: str | Sequence[str] = (),
    use_shapes: str | Sequence[str] = (),
    abort: bool = False,
    metashacl: bool = False,
    advanced: bool = False,
    iterate_rules: bool = False,
    shapes_format: str | None = None,
    ontology_format: str | None = None,
) -> ValidationResult:
    """Validate data files (or an rdflib Graph) against the bundled ontology and shapes.

    ``format`` forces the RDF format of every data file (default: by extension;
    ``shapes_format`` and ``ontology_format`` do the same for the extra files);
    ``shapes`` and ``ontology`` add files to the bundled ones (switch a bundled
    shape off with ``cgsh:X sh:deactivated true`` in an extra shapes file);
    ``inference`` is ``none``, ``rdfs``, ``owlrl`` or ``both`` (pre-inference over data
    and ontology, before validation); ``engine`` is ``fast`` or ``pyshacl``; ``fail_on``
    (``violation``, ``warning`` or ``info``) is the least severe level that makes the
    data non-conforming; ``allow_undefined`` reports undefined coopgraph terms as
    warnings instead of violations.

    ``focus`` and ``use_shapes`` take IRIs or compact names (``data:x``, ``cgsh:S``):
    only results about those focus nodes, only those shapes (``cgsh:DefinedTermsCheck``
    names the check for undefined terms). With both, each named shape is applied to
    each named node whether it targets it or not, as pySHACL does. ``abort`` stops the
    shapes at the first constraint that yields a finding at or above ``fail_on`` (the
    report then holds what was found until then); ``metashacl`` checks the whole shapes
    graph against SHACL-for-SHACL first; ``advanced`` enables SHACL Advanced Features
    (rules, functions, custom targets), ``iterate_rules`` runs the rules to a fixpoint.

    Raises InputError (or its subclasses ParseError, ParameterError, ShapesError,
    NetworkRefusedError) for bad input.
    """
    _check_choice("--inference", inference, INFERENCE)
    _check_choice("--engine", engine, ENGINES)
    fail_level = _severity(fail_on)
    if iterate_rules and not advanced:
        raise ParameterError("--iterate-rules: rules only run with --advanced")
    focus_nodes = frozenset(resolve_name("--focus", name) for name in rdfio.one_or_many(focus))
    clock = time.perf_counter()
    data_quads = _read_data(data, format)
    ontology_quads = _read_files(ontology_file(), rdfio.one_or_many(ontology), ontology_format)
    shapes_graph = load_shapes(rdfio.one_or_many(shapes), shapes_format, check=metashacl)
    selected = _selected_shapes(shapes_graph, rdfio.one_or_many(use_shapes))
    timings = {"parse": time.perf_counter() - clock}

    clock = time.perf_counter()
    notes = _scope_notes(data_quads, shapes_graph, focus_nodes, selected)
    undefined = []
    if not selected or DEFINED_TERMS_CHECK in selected:
        about_focus = data_quads
        if focus_nodes:
            wanted = {ox.NamedNode(node) for node in focus_nodes}
            about_focus = [q for q in data_quads if q.subject in wanted]
        undefined = find_undefined_terms(about_focus, ontology_quads)
    options = RunOptions(inference, focus_nodes, fail_level, abort, advanced, iterate_rules)
    scoped = _scope_shapes(shapes_graph, selected, focus_nodes)
    run = run_engine(engine, data_quads, ontology_quads, scoped, options)
    labels = _labels(run.label_lookup, run.findings, undefined)
    timings["load"] = run.load_seconds
    timings["validate"] = time.perf_counter() - clock - run.load_seconds
    if abort and any(fails(f.severity, fail_level) for f in run.findings):
        notes.append(
            "--abort: the shapes stopped at the first constraint with a finding at or above"
            f" {fail_level.lower()}, so other findings may be missing"
        )
    return ValidationResult(
        results=sorted(run.findings, key=_finding_order),
        undefined_terms=undefined,
        fail_on=fail_level,
        allow_undefined=allow_undefined,
        engine=run.engine,
        shapes_graph=shapes_graph,
        labels=labels,
        notes=[*notes, *run.notes],
        timings=timings,
    )


@dataclass(frozen=True)
class RunOptions:
    """How an engine runs the shapes, beside the data and the shapes themselves."""

    inference: str = "none"
    focus: frozenset[URIRef] = frozenset()
    """Only results about these focus nodes (all when empty)."""
    fail_on: Severity = "Violation"
    abort: bool = False
    """Stop at the first constraint that yields a finding at or above ``fail_on``."""
    advanced: bool = False
    iterate_rules: bool = False

    @property
    def abort_on(self) -> Severity | None:
        """The severity that stops validation, or None to run every constraint."""
        return self.fail_on if self.abort else None


@dataclass
class EngineRun:
    """What one engine found, which engine that was, and how to label the nodes it names."""

    findings: list[Finding]
    engine: str
    notes: list[str]
    label_lookup: LabelLookup
    load_seconds: float
    """Time spent building the store or graph (and pre-inference), apart from validation."""


def run_engine(
    engine: str,
    data: list[ox.Quad],
    ontology: list[ox.Quad],
    shapes_graph: Graph,
    options: RunOptions,
) -> EngineRun:
    """Run the shapes over data and ontology with one engine (``fast`` falls back to pySHACL
    for what it cannot compile, with a note saying why)."""
    notes: list[str] = []
    if engine == "fast":
        from coopgraph.shacl_compiler import Unsupported, run_compiled

        clock = time.perf_counter()
        try:
            store = _oxigraph_store(data, ontology, options.inference)
            loaded = time.perf_counter() - clock
            findings = run_compiled(store, shapes_graph, options)
        except Unsupported as reason:
            notes.append(f"the fast engine cannot handle {reason}, so pySHACL was used")
        else:
            return EngineRun(findings, "fast", notes, _store_label_lookup(store), loaded)
    clock = time.perf_counter()
    graph = _rdflib_graph(data, ontology, options.inference)
    loaded = time.perf_counter() - clock
    findings, warned = run_pyshacl(graph, shapes_graph, options)
    notes.extend(warned)
    return EngineRun(findings, "pyshacl", notes, _graph_label_lookup(graph), loaded)


def fails(severity: Severity, fail_on: Severity) -> bool:
    """Whether a finding of ``severity`` is at least as severe as ``fail_on``."""
    return SEVERITIES.index(severity) <= SEVERITIES.index(fail_on)


def _check_choice(option: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ParameterError(f"{option}: {value!r} is not one of: {', '.join(choices)}")


_IRI_SCHEMES = ("http", "https", "urn", "file")


def resolve_name(option: str, name: str) -> URIRef:
    """An IRI given in full (``http(s):``, ``urn:``, ``file:``) or as a compact name with a
    coopgraph prefix (``coop:``, ``data:``, ``cgsh:``, ``sh:``, ...); ParameterError otherwise."""
    namespaces = {**PREFIXES, **_REPORT_PREFIXES}
    text = name.strip()
    prefix, colon, local = text.partition(":")
    if colon and prefix in namespaces:
        text = namespaces[prefix] + local
    elif prefix.lower() not in _IRI_SCHEMES:
        known = ", ".join(f"{p}:" for p in sorted(namespaces))
        raise ParameterError(
            f"{option}: {name!r} is neither a full IRI (http, https, urn or file) nor a"
            f" compact name with a known prefix ({known})"
        )
    try:
        return URIRef(validate_iri(text))
    except ParameterError:
        raise ParameterError(f"{option}: {name!r} is not a valid IRI") from None


def _severity(name: str) -> Severity:
    for severity in SEVERITIES:
        if severity.lower() == name.lower():
            return severity  # type: ignore[return-value]
    choices = ", ".join(s.lower() for s in SEVERITIES)
    raise ParameterError(f"--fail-on: {name!r} is not one of: {choices}")


# --------------------------------------------------------------------------- inputs


def _read_data(data: StrPath | Iterable[StrPath] | Graph, fmt: str | None) -> list[ox.Quad]:
    """All data as quads in the data graph (named graphs of the input are pooled)."""
    if isinstance(data, Graph):
        # a Dataset (a ConjunctiveGraph) iterates over quads: take every graph's triples
        statements = data.quads() if isinstance(data, rdflib.ConjunctiveGraph) else data
        triples = [
            ox.Quad(rdfio.from_rdflib(s), rdfio.from_rdflib(p), rdfio.from_rdflib(o))
            for s, p, o, *_ in statements
        ]
    else:
        paths = list(rdfio.one_or_many(data))  # type: ignore[arg-type]
        if not paths:
            raise InputError("no data file given")
        for path in paths:
            if os.path.isdir(path):
                raise InputError(f"{os.fspath(path)}: is a directory, not an RDF file")
        triples = [q for path in paths for q in rdfio.read_quads(path, fmt)]
    return [ox.Quad(q.subject, q.predicate, q.object, _DATA_GRAPH) for q in triples]


def _read_files(
    bundled: resources.abc.Traversable, extra: Sequence[StrPath], fmt: str | None = None
) -> list[ox.Quad]:
    """The bundled file and the extra files (in format ``fmt``, default by extension),
    pooled into the ontology graph."""
    with resources.as_file(bundled) as path:
        quads = list(rdfio.read_quads(path))
    for extra_path in extra:
        quads.extend(rdfio.read_quads(extra_path, fmt))
    return [ox.Quad(q.subject, q.predicate, q.object, _ONTOLOGY_GRAPH) for q in quads]


def load_shapes(
    extra: Sequence[StrPath] = (), fmt: str | None = None, *, check: bool = False
) -> Graph:
    """The bundled shapes plus extra shapes files (in format ``fmt``, default by
    extension), as one rdflib graph.

    With extra files, or with ``check``, the whole graph is checked before any of it runs,
    so a malformed shape is a clear input error (ShapesError) rather than a confusing result
    or a crash: against the W3C "SHACL for SHACL" shapes (as pySHACL's ``--metashacl`` does;
    pySHACL ships them), then every regular expression (:func:`_check_patterns`) and every
    SPARQL text (:func:`_check_sparql`, which raises NetworkRefusedError for SERVICE and
    FROM). The bundled shapes pass these checks in the test suite.
    """
    with ExitStack() as stack:
        bundled = [stack.enter_context(resources.as_file(f)) for f in shapes_files()]
        graph = rdfio.read_graph(bundled)
    if extra:
        graph += rdfio.read_graph(extra, fmt)
    if extra or check:
        _check_shapes_graph(graph, [os.fspath(p) for p in extra] or ["the bundled shapes"])
    return graph


def _check_shapes_graph(graph: Graph, names: list[str]) -> None:
    from pyshacl.entrypoints import meta_validate

    conforms, report, _ = meta_validate(graph, inference="none")
    where = ", ".join(names)
    if not conforms:
        first = next(report.subjects(RDF.type, SH.ValidationResult))
        focus = report.value(first, SH.focusNode)
        message = report.value(first, SH.resultMessage)
        raise ShapesError(
            f"{where}: not a valid SHACL shapes graph: {_curie(focus)}: {message}"
            " (checked against the W3C SHACL-for-SHACL shapes)"
        )
    _check_patterns(graph, where)
    _check_sparql(graph, where)


_XPATH_FLAGS = "smixq"
"""The flags of XPath's regular expressions, which SHACL's sh:flags takes."""


def _check_patterns(shapes: Graph, where: str) -> None:
    """Refuse sh:flags other than XPath's and an sh:pattern that Python's ``re`` (pySHACL)
    cannot compile: pySHACL would crash on it, and SPARQL's REGEX fails on it, which turns
    the fast engine's constraint off without a word. (Patterns ``re`` takes and Oxigraph
    does not are the compiler's business: it hands them to pySHACL.)"""
    for shape, flags in sorted(shapes.subject_objects(SH.flags), key=str):
        if not set(str(flags)) <= set(_XPATH_FLAGS):
            raise ShapesError(
                f"{where}: sh:flags {str(flags)!r} of {_shape_name(shapes, shape)} is not"
                " valid: the flags of a regular expression are s, m, i, x and q"
            )
    for shape, pattern in sorted(shapes.subject_objects(SH.pattern), key=str):
        try:
            re.compile(str(pattern))
        except re.error as error:
            raise ShapesError(
                f"{where}: sh:pattern {str(pattern)!r} of {_shape_name(shapes, shape)} is not"
                f" a valid regular expression: {error}"
            ) from None


def python_regex(pattern: str, flags: str) -> tuple[str, str]:
    """An XPath regular expression (SPARQL's REGEX, sh:pattern) and its flags, as a pattern
    and the flags i and m for Python's ``re``, which pySHACL uses: without the m flag ``$``
    matches only at the very end (``re`` also matches before a final newline), s and x go
    inline (pySHACL ignores them), and q makes the pattern literal text."""
    kept = "".join(flag for flag in "im" if flag in flags)
    if "q" in flags:
        return re.escape(pattern), kept.replace("m", "")
    out, i, in_class = [], 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$" and "m" not in flags:
            char = r"\Z"
        out.append(char)
        i += 1
    inline = "".join(flag for flag in "sx" if flag in flags)
    return (f"(?{inline})" if inline else "") + "".join(out), kept


def _with_python_patterns(shapes: Graph) -> Graph:
    """The shapes with each sh:pattern and sh:flags rewritten by :func:`python_regex`, so
    that pySHACL matches what SHACL (and the fast engine) match; a copy when any changes."""
    rewrites = []
    for shape, pattern in shapes.subject_objects(SH.pattern):
        flags = str(shapes.value(shape, SH.flags) or "")
        new_pattern, new_flags = python_regex(str(pattern), flags)
        if (new_pattern, new_flags) != (str(pattern), flags):
            rewrites.append((shape, pattern, flags, new_pattern, new_flags))
    if not rewrites:
        return shapes
    copy = Graph(namespace_manager=shapes.namespace_manager)
    copy += shapes
    for shape, pattern, flags, new_pattern, new_flags in rewrites:
        copy.remove((shape, SH.pattern, pattern))
        copy.add((shape, SH.pattern, Literal(new_pattern)))
        if flags != new_flags:
            copy.remove((shape, SH.flags, None))
            if new_flags:
                copy.add((shape, SH.flags, Literal(new_flags)))
    return copy


_SPARQL_TEXTS = (SH.select, SH.ask, SH.construct)
_SPARQL_KINDS = {
    SH.SPARQLConstraint: "SPARQL constraint",
    SH.sparql: "SPARQL constraint",
    SH.SPARQLSelectValidator: "SPARQL validator",
    SH.SPARQLAskValidator: "SPARQL validator",
    SH.validator: "SPARQL validator",
    SH.nodeValidator: "SPARQL validator",
    SH.propertyValidator: "SPARQL validator",
    SH.SPARQLRule: "SPARQL rule",
    SH.rule: "SPARQL rule",
    SH.SPARQLTarget: "SPARQL target",
    SH.target: "SPARQL target",
    SH.SPARQLTargetType: "SPARQL target type",
    SH.SPARQLFunction: "SPARQL function",
}
"""What a node holding SPARQL text is, by its rdf:type or else by the predicate naming it."""


def _check_sparql(shapes: Graph, where: str) -> None:
    """Refuse every SPARQL text of the shapes (constraints, validators, rules, targets, target
    types, functions) that rdflib cannot parse or that could access the network (SERVICE,
    FROM): rdflib and Oxigraph send SERVICE requests, and rdflib fetches FROM graphs."""
    for predicate in _SPARQL_TEXTS:
        for node, text in sorted(shapes.subject_objects(predicate), key=str):
            query = shape_sparql(shapes, node, str(text))
            try:
                network = analyse_query(query).network
            except InputError as error:
                raise ShapesError(f"{where}: {_sparql_holder(shapes, node)}: {error}") from None
            if network:
                raise NetworkRefusedError(
                    f"{where}: {_sparql_holder(shapes, node)} uses {', '.join(network)},"
                    " which may access the network; validation never does"
                )


def shape_sparql(shapes: Graph, node: rdflib.term.Node, text: str) -> str:
    """A SPARQL text of the shapes as it is checked and analysed (the same string in
    load_shapes and the fast engine, so the analysis is parsed once): its sh:prefixes on the
    first line, where error lines stay right, and an IRI in place of $PATH, as pySHACL puts a
    property shape's path there before parsing."""
    query = text.replace("$PATH", "<urn:coopgraph:path>")
    prefixes = sparql_prefixes(shapes, node)
    return f"{prefixes} {query}" if prefixes else query


def sparql_prefixes(shapes: Graph, node: rdflib.term.Node) -> str:
    """PREFIX declarations for a node holding SPARQL text, from its sh:prefixes, on one line."""
    declarations = []
    for source in shapes.objects(node, SH.prefixes):
        for declaration in shapes.objects(source, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                declarations.append(f"PREFIX {prefix}: <{namespace}>")
    return " ".join(sorted(set(declarations)))


def _sparql_holder(shapes: Graph, node: rdflib.term.Node) -> str:
    """A node holding SPARQL text as messages name it: what it is, and whose it is."""
    keys = [*shapes.objects(node, RDF.type), *shapes.predicates(None, node)]
    kind = next((_SPARQL_KINDS[k] for k in keys if k in _SPARQL_KINDS), "SPARQL query")
    owners = sorted(shapes.subjects(None, node), key=str)
    if isinstance(node, BNode) and owners:
        return f"the {kind} of {_shape_name(shapes, owners[0])}"
    return f"the {kind} {_curie(node)}"


def _shape_name(shapes: Graph, node: rdflib.term.Node) -> str:
    """A node of the shapes graph as messages name it: by its IRI, or a blank node by the
    nearest named node it belongs to (and by its path, for a property shape)."""
    if not isinstance(node, BNode):
        return _curie(node)
    path = shapes.value(node, SH.path)
    text = f"the property shape {path_text(shapes, path)}" if path is not None else "a blank node"
    owner = _named_owner(shapes, node)
    return text if owner is None else f"{text} of {_curie(owner)}"


def _named_owner(shapes: Graph, node: BNode) -> URIRef | None:
    """The nearest IRI that leads to a blank node (through other blank nodes and lists)."""
    seen: set[rdflib.term.Node] = {node}
    level = [node]
    while level:
        parents = sorted({s for n in level for s in shapes.subjects(None, n)} - seen, key=str)
        named = [p for p in parents if isinstance(p, URIRef)]
        if named:
            return named[0]
        seen.update(parents)
        level = parents
    return None


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape)
_CLASS_TYPES_OF_SHAPES = (RDFS.Class, OWL.Class)
"""A shape that is also a class targets its instances (an implicit class target)."""


def _is_shape(shapes: Graph, node: URIRef) -> bool:
    """Whether ``node`` is a shape (SHACL 2.1): typed as one, targeting something, with a
    path, or the value of a shape-expecting parameter."""
    return (
        any((node, RDF.type, kind) in shapes for kind in _SHAPE_TYPES)
        or any((node, p, None) in shapes for p in (*_TARGETS, SH.path))
        or any((None, p, node) in shapes for p in (SH.node, SH.property, SH["not"]))
    )


def _selected_shapes(shapes: Graph, names: Sequence[str]) -> frozenset[URIRef]:
    """The shapes ``--shape`` names (empty: all); ParameterError for one that is not a shape."""
    selected = set()
    for name in names:
        iri = resolve_name("--shape", name)
        if iri != DEFINED_TERMS_CHECK and not _is_shape(shapes, iri):
            raise ParameterError(f"--shape: {name!r} is not a shape of the shapes graph")
        selected.add(iri)
    return frozenset(selected)


def _targeting_shapes(shapes: Graph) -> set[rdflib.term.Node]:
    """The shapes with targets of their own (explicit, custom or implicit class targets)."""
    nodes = {node for p in _TARGETS for node in shapes.subjects(p, None)}
    for kind in _CLASS_TYPES_OF_SHAPES:
        nodes |= {n for n in shapes.subjects(RDF.type, kind) if _is_shape(shapes, n)}
    return nodes


def _retargeted(shapes: Graph, targets: dict[rdflib.term.Node, Iterable[URIRef]]) -> Graph:
    """A copy of the shapes graph in which each shape of ``targets`` targets exactly the
    nodes given for it. Every node keeps its identity, so findings name the nodes of the
    original graph."""
    copy = Graph()
    copy += shapes
    for shape, nodes in targets.items():
        for predicate in _TARGETS:
            copy.remove((shape, predicate, None))
        for kind in _CLASS_TYPES_OF_SHAPES:
            copy.remove((shape, RDF.type, kind))
        copy.addN((shape, SH.targetNode, node, copy) for node in nodes)
    return copy


def _scope_shapes(shapes: Graph, selected: frozenset[URIRef], focus: frozenset[URIRef]) -> Graph:
    """The shapes graph with targets only on the selected shapes (all when none is).

    With focus nodes too, the selected shapes target exactly those nodes, as pySHACL
    applies ``use_shapes`` to ``focus_nodes``.
    """
    if not selected:
        return shapes
    targets: dict[rdflib.term.Node, Iterable[URIRef]] = {
        shape: () for shape in _targeting_shapes(shapes) - selected
    }
    if focus:
        targets |= {shape: focus for shape in selected}
    return _retargeted(shapes, targets)


def _focus_targets(data: Graph, shapes: Graph, focus: frozenset[URIRef]) -> Graph:
    """The shapes graph with each shape targeting only those focus nodes it targets in the
    data graph (custom SHACL-AF targets, which only pySHACL evaluates, are left alone)."""
    targets = {}
    for shape in _targeting_shapes(shapes):
        if (shape, SH.target, None) not in shapes:
            targets[shape] = [node for node in focus if _targets(data, shapes, shape, node)]
    return _retargeted(shapes, targets)


def _targets(data: Graph, shapes: Graph, shape: rdflib.term.Node, node: URIRef) -> bool:
    """Whether a shape's explicit or implicit class targets select ``node`` in the data."""
    classes = set(shapes.objects(shape, SH.targetClass))
    if any((shape, RDF.type, kind) in shapes for kind in _CLASS_TYPES_OF_SHAPES):
        classes.add(shape)
    types = {
        c for t in data.objects(node, RDF.type) for c in data.transitive_objects(t, RDFS.subClassOf)
    }
    return (
        (shape, SH.targetNode, node) in shapes
        or not classes.isdisjoint(types)
        or any((node, p, None) in data for p in shapes.objects(shape, SH.targetSubjectsOf))
        or any((None, p, node) in data for p in shapes.objects(shape, SH.targetObjectsOf))
    )


def _scope_notes(
    data: list[ox.Quad], shapes: Graph, focus: frozenset[URIRef], selected: frozenset[URIRef]
) -> list[str]:
    """Notes on --focus nodes the data does not mention and --shape shapes that target
    nothing, either of which makes an empty report that proves nothing."""
    if focus:
        mentioned = {
            t.value for q in data for t in (q.subject, q.object) if type(t) is ox.NamedNode
        }
        return [
            f"--focus: {_curie(node)} does not occur in the data"
            for node in sorted(focus)
            if str(node) not in mentioned
        ]
    untargeted = selected - _targeting_shapes(shapes) - {DEFINED_TERMS_CHECK}
    return [
        f"--shape: {_curie(shape)} has no targets of its own, so it checked nothing"
        " (add --focus to apply it to given nodes)"
        for shape in sorted(untargeted)
    ]


def _oxigraph_store(data: list[ox.Quad], ontology: list[ox.Quad], inference: str) -> ox.Store:
    """Data and ontology in an Oxigraph store (after pre-inference, if asked).

    Raises Unsupported when Oxigraph would rewrite some literal, since the fast engine
    would then report it differently from how it was written.
    """
    from coopgraph.shacl_compiler import Unsupported, find_noncanonical_literals

    quads = [*data, *ontology]
    if inference != "none":
        graph = _rdflib_graph(data, ontology, inference)
        quads = [
            ox.Quad(rdfio.from_rdflib(s), rdfio.from_rdflib(p), rdfio.from_rdflib(o), _DATA_GRAPH)
            for s, p, o in graph
        ]
    rewritten = find_noncanonical_literals(q.object for q in quads)
    if rewritten:
        raise Unsupported(
            f"literals not in canonical form (such as {rewritten[0]}), which Oxigraph rewrites"
        )
    store = ox.Store()
    store.bulk_extend(quads)
    return store


def _rdflib_graph(data: list[ox.Quad], ontology: list[ox.Quad], inference: str) -> Graph:
    """Data and ontology in one rdflib graph, expanded by pre-inference if asked.

    Pre-inference uses the closures pySHACL uses for its ``inference`` option, so both
    engines see the same expanded graph.
    """
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    convert = rdfio.to_rdflib
    cache: dict[object, rdflib.term.Node] = {}

    def term(t: object) -> rdflib.term.Node:
        node = cache.get(t)
        if node is None:
            node = cache[t] = convert(t)
        return node

    graph.addN((term(q.subject), term(q.predicate), term(q.object), graph) for q in data)
    graph.addN((term(q.subject), term(q.predicate), term(q.object), graph) for q in ontology)
    if inference != "none":
        import owlrl
        from pyshacl.inference import CustomRDFSOWLRLSemantics, CustomRDFSSemantics

        semantics = {
            "rdfs": CustomRDFSSemantics,
            "owlrl": owlrl.OWLRL_Semantics,
            "both": CustomRDFSOWLRLSemantics,
        }[inference]
        owlrl.DeductiveClosure(semantics).expand(graph)
        # The closure adds generalised triples ("1" rdf:type xsd:integer), which are not RDF:
        # Oxigraph cannot hold them, so neither engine sees them.
        for triple in [t for t in graph if not is_rdf(t)]:
            graph.remove(triple)
    return graph


# --------------------------------------------------------------------------- undefined terms


def find_undefined_terms(data: list[ox.Quad], ontology: list[ox.Quad]) -> list[UndefinedTerm]:
    """Every IRI of the coopgraph namespace in the data that the ontology does not define,
    with the closest defined term of the same kind (class, property or other)."""
    namespace = str(COOP)
    defined: dict[str, str] = {}
    for quad in ontology:
        subject = quad.subject
        if type(subject) is ox.NamedNode and subject.value.startswith(namespace):
            if quad.predicate.value == str(RDF.type):
                defined[subject.value] = _kind_of_type(quad.object, defined.get(subject.value))
            else:
                defined.setdefault(subject.value, "resource")
    usage: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, tuple[object, object]] = {}
    rdf_type = str(RDF.type)
    for quad in data:
        for role, node in (
            ("resource", quad.subject),
            ("property", quad.predicate),
            ("class" if quad.predicate.value == rdf_type else "resource", quad.object),
        ):
            if type(node) is ox.NamedNode:
                iri = node.value
                if iri.startswith(namespace) and iri not in defined:
                    usage[iri][role] += 1
                    examples.setdefault(iri, (quad.subject, quad.predicate))
    terms = []
    for iri in sorted(usage):
        role = usage[iri].most_common(1)[0][0]
        subject, predicate = examples[iri]
        terms.append(
            UndefinedTerm(
                iri=URIRef(iri),
                role=role,
                occurrences=sum(usage[iri].values()),
                example_subject=rdfio.to_rdflib(subject),
                example_predicate=URIRef(predicate.value),
                suggestion=_closest(iri, role, defined),
            )
        )
    return terms


_CLASS_TYPES = {str(OWL.Class), str(RDFS.Class)}
_PROPERTY_TYPES = {
    str(OWL.ObjectProperty),
    str(OWL.DatatypeProperty),
    str(OWL.AnnotationProperty),
    str(RDF.Property),
    str(OWL.TransitiveProperty),
    str(OWL.SymmetricProperty),
}


def _kind_of_type(rdf_type: object, previous: str | None) -> str:
    value = getattr(rdf_type, "value", "")
    if value in _CLASS_TYPES:
        return "class"
    if value in _PROPERTY_TYPES:
        return "property"
    return previous or "resource"


def _closest(iri: str, role: str, defined: dict[str, str]) -> URIRef | None:
    """The defined term whose local name is closest, preferring terms of the same kind."""
    name = iri[len(str(COOP)) :]
    same_kind = {d[len(str(COOP)) :]: d for d, kind in defined.items() if kind == role}
    every = {d[len(str(COOP)) :]: d for d in defined}
    for candidates in (same_kind, every):
        by_lower = {local.lower(): local for local in candidates}
        match = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
        if match:
            return URIRef(candidates[by_lower[match[0]]])
    return None


def _undefined_finding(term: UndefinedTerm, severity: Severity) -> Finding:
    return Finding(
        focus_node=term.example_subject,
        severity=severity,
        source_shape=DEFINED_TERMS_CHECK,
        component=DEFINED_TERM_COMPONENT,
        path=term.example_predicate,
        value=term.iri,
        messages=frozenset({Literal(term.message())}),
    )


# --------------------------------------------------------------------------- pySHACL


def as_replacement(value: object) -> str:
    """A value as the replacement text of ``re.sub``, where a backslash would start an escape
    ("bad escape \\d", or a newline for \\n): how both engines fill ``{?var}`` in messages."""
    return str(value).replace("\\", r"\\")


def _fill_messages_safely() -> None:
    """Make pySHACL fill ``{?var}`` with the value's text: it passes the value to ``re.sub``
    as a template, so a backslash in the data stopped validation (exit 3)."""
    from pyshacl.constraints.constraint_component import ConstraintComponent

    fill = ConstraintComponent._format_sparql_based_result_message
    if getattr(fill, "coopgraph_safe", False):
        return

    def safe(value: object) -> object:
        if isinstance(value, dict):  # the variables of a SPARQL-based constraint
            return {name: safe(item) for name, item in value.items()}
        return value if value is None else as_replacement(value)

    def fill_safely(self: object, msg: object, bound_vars: object) -> object:
        if isinstance(bound_vars, dict):
            bound_vars = safe(bound_vars)
        elif isinstance(bound_vars, tuple | list):  # (this, path, value[, variables])
            bound_vars = tuple(safe(item) for item in bound_vars)
        return fill(self, msg, bound_vars)

    fill_safely.coopgraph_safe = True  # type: ignore[attr-defined]
    ConstraintComponent._format_sparql_based_result_message = fill_safely  # type: ignore[method-assign]


def run_pyshacl(
    graph: Graph, shapes_graph: Graph, options: RunOptions
) -> tuple[list[Finding], list[str]]:
    """The reference engine: pySHACL over an rdflib graph holding data and ontology.

    Returns the findings and pySHACL's warnings as one-line notes.
    """
    import pyshacl
    from pyshacl.errors import ReportableRuntimeError, ShapeLoadError

    _fill_messages_safely()

    # Not pySHACL's focus_nodes option: that also skips the values that nested shapes
    # (sh:node, sh:not, ...) check when they are not focus nodes themselves.
    run_shapes = _with_python_patterns(
        _focus_targets(graph, shapes_graph, options.focus) if options.focus else shapes_graph
    )
    with warnings.catch_warnings(record=True) as caught:
        try:
            _, report, text = pyshacl.validate(
                graph,
                shacl_graph=run_shapes,
                inference="none",
                inplace=True,
                # What pySHACL counts as non-conforming, which is where --abort stops.
                allow_infos=options.fail_on != "Info",
                allow_warnings=options.fail_on == "Violation",
                abort_on_first=options.abort,
                advanced=options.advanced,
                iterate_rules=options.iterate_rules,
                do_owl_imports=False,
            )
        except (ShapeLoadError, ReportableRuntimeError) as error:
            raise ShapesError(f"the shapes cannot be used: {_one_line(str(error))}") from None
        except (OSError, HTTPException) as error:
            # load_shapes refuses SERVICE and FROM; should pySHACL reach out all the same,
            # the shapes are at fault, and the user hears so in one line.
            raise NetworkRefusedError(
                "the shapes made pySHACL access the network, which validation never does"
                f" ({type(error).__name__}: {_one_line(str(error))})"
            ) from None
    if not isinstance(report, Graph):  # pySHACL's ValidationFailure: a shape it refuses
        raise ShapesError(f"the shapes cannot be used: {_one_line(str(text))}")
    findings = findings_from_report(report, shapes_graph)
    if options.focus:  # custom targets keep selecting other nodes
        findings = [f for f in findings if f.focus_node in options.focus]
    return findings, _warning_notes(caught)


def _warning_notes(caught: list[warnings.WarningMessage]) -> list[str]:
    """pySHACL's warnings as one-line notes, each once (raw, they are several lines long and
    name its source files); warnings from other libraries are passed on as they were."""
    from pyshacl.errors import ShapeRecursionWarning

    notes: list[str] = []
    for warning in caught:
        if "pyshacl" not in Path(warning.filename).parts:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
            continue
        if issubclass(warning.category, ShapeRecursionWarning):
            note = (
                "pySHACL met recursive shapes and did not check a shape again inside itself"
                " (SHACL leaves the validation of recursive shapes undefined)"
            )
        else:
            first_line = str(warning.message).partition("\n")[0]
            note = f"pySHACL: {_one_line(first_line)}"
        if note not in notes:
            notes.append(note)
    return notes


def findings_from_report(report: Graph, shapes_graph: Graph) -> list[Finding]:
    """The results of a standard ``sh:ValidationReport`` graph as findings.

    A blank-node result path is a copy of the source shape's sh:path; the finding names
    the shapes graph's own node, as the fast engine does.
    """
    findings = []
    # Only the report's own results: pySHACL nests the causes of an sh:node result under it
    # (sh:detail), and those are explanations, not results.
    for result in report.objects(None, SH.result):
        severity = report.value(result, SH.resultSeverity)
        path = report.value(result, SH.resultPath)
        if isinstance(path, BNode):
            path = shapes_graph.value(report.value(result, SH.sourceShape), SH.path) or path
        findings.append(
            Finding(
                focus_node=report.value(result, SH.focusNode),
                severity=str(severity).rsplit("#", 1)[-1],  # type: ignore[arg-type]
                source_shape=report.value(result, SH.sourceShape),
                component=report.value(result, SH.sourceConstraintComponent),
                path=path,
                value=report.value(result, SH.value),
                messages=frozenset(report.objects(result, SH.resultMessage)),
                source_constraint=report.value(result, SH.sourceConstraint),
            )
        )
    return findings


# --------------------------------------------------------------------------- labels


_LABEL_QUERY = """
SELECT ?node ?label WHERE {
  VALUES ?property { <http://www.w3.org/2004/02/skos/core#prefLabel>
                     <http://www.w3.org/2000/01/rdf-schema#label> }
  ?node ?property ?label .
  FILTER (isLiteral(?label))
} ORDER BY DESC(?property = <http://www.w3.org/2004/02/skos/core#prefLabel>)
  DESC(STRSTARTS(LCASE(LANG(?label)), "en")) STR(?label) LIMIT 1
"""


def _store_label_lookup(store: ox.Store) -> LabelLookup:
    def lookup(node: rdflib.term.Node) -> str | None:
        rows = list(
            store.query(
                _LABEL_QUERY,
                substitutions={ox.Variable("node"): rdfio.from_rdflib(node)},
                use_default_graph_as_union=True,
            )
        )
        return rows[0]["label"].value if rows else None

    return lookup


def _graph_label_lookup(graph: Graph) -> LabelLookup:
    def lookup(node: rdflib.term.Node) -> str | None:
        for prop in (SKOS.prefLabel, RDFS.label):
            labels = [label for label in graph.objects(node, prop) if isinstance(label, Literal)]
            if labels:
                english = [lb for lb in labels if (lb.language or "").lower().startswith("en")]
                return str(min(english or labels, key=str))
        return None

    return lookup


def _labels(
    lookup: LabelLookup, findings: list[Finding], undefined: list[UndefinedTerm]
) -> dict[rdflib.term.Node, str]:
    """Labels of the focus nodes and IRI values, for the human and markdown reports."""
    nodes = {f.focus_node for f in findings} | {
        f.value for f in findings if isinstance(f.value, URIRef)
    }
    nodes |= {t.example_subject for t in undefined}
    labels = {}
    for node in nodes:
        if isinstance(node, URIRef | BNode):
            label = lookup(node)
            if label is not None:
                labels[node] = label
    return labels


# --------------------------------------------------------------------------- reports


_REPORT_PREFIXES = {"cgsh": str(SHAPES), "sh": str(SH)}
"""Namespaces of report terms, beside the coopgraph prefixes that render.compact_iri knows."""


def _curie(node: rdflib.term.Node | None) -> str:
    """A short, readable name for a term: a prefixed name where a known prefix fits."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        iri = str(node)
        for prefix, namespace in _REPORT_PREFIXES.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return compact_iri(iri)
    if isinstance(node, Literal):
        text = json.dumps(str(node), ensure_ascii=False)
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None:
            return f"{text}^^{_curie(node.datatype)}"
        return text
    return f"_:{node}"


def path_text(shapes: Graph, path: rdflib.term.Node | None) -> str:
    """A SHACL property path in SPARQL property-path syntax, with CURIEs."""
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return _curie(path)
    if (path, RDF.first, None) in shapes:
        return "/".join(path_text(shapes, step) for step in Collection(shapes, path))
    for predicate, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = shapes.value(path, predicate)
        if inner is not None:
            text = path_text(shapes, inner)
            return template.format(text if isinstance(inner, URIRef) else f"({text})")
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(shapes, a) for a in Collection(shapes, alternatives)) + ")"
    return _curie(path)


def _finding_order(finding: Finding) -> tuple:
    return (
        str(finding.focus_node),
        SEVERITIES.index(finding.severity),
        str(finding.source_shape),
        str(finding.path or ""),
        str(finding.value or ""),
        finding.message_text(),
    )


def _report_graph(result: ValidationResult) -> Graph:
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in {**PREFIXES, **_REPORT_PREFIXES}.items():
        graph.bind(prefix, namespace)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(result.conforms)))
    shapes = result.shapes_graph
    for finding in result.all_findings():
        node = BNode()
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, finding.focus_node))
        graph.add((node, SH.resultSeverity, SH[finding.severity]))
        graph.add((node, SH.sourceShape, finding.source_shape))
        graph.add((node, SH.sourceConstraintComponent, finding.component))
        for predicate, value in (
            (SH.resultPath, finding.path),
            (SH.value, finding.value),
            (SH.sourceConstraint, finding.source_constraint),
        ):
            if value is not None:
                graph.add((node, predicate, value))
        for message in finding.messages:
            graph.add((node, SH.resultMessage, message))
        # Blank-node paths and shapes are copied from the shapes graph, so the report
        # says what they are.
        for term in (finding.path, finding.source_shape):
            if isinstance(term, BNode):
                _copy_blank_node(shapes, term, graph)
    return graph


def _copy_blank_node(source: Graph, node: BNode, target: Graph) -> None:
    pending = [node]
    seen: set[BNode] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for predicate, obj in source.predicate_objects(current):
            target.add((current, predicate, obj))
            if isinstance(obj, BNode):
                pending.append(obj)


def render(result: ValidationResult, fmt: str = "human") -> str:
    """The report as text: ``human``, ``json``, the standard sh:ValidationReport graph
    (``turtle``, ``nt``, ``xml``, ``json-ld``), ``markdown`` or ``table``."""
    _check_choice("--report", fmt, REPORT_FORMATS)
    if fmt in GRAPH_REPORT_FORMATS:
        return rdfio.serialize(result.report_graph, fmt)
    if fmt == "json":
        return json.dumps(_as_json(result), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return _as_markdown(result)
    if fmt == "table":
        return _as_table(result)
    return _as_text(result)


def _summary(result: ValidationResult) -> str:
    counts = result.counts()
    parts = [f"{counts[s]} {s.lower()}{'s' if counts[s] != 1 else ''}" for s in SEVERITIES]
    verdict = "conforms" if result.conforms else "does not conform"
    return f"{verdict}: {', '.join(parts)} (fails on {result.fail_on.lower()})"


def _labelled(result: ValidationResult, node: rdflib.term.Node | None) -> str:
    text = _curie(node)
    label = result.labels.get(node) if node is not None else None
    return f"{text} ({label})" if label else text


def _as_text(result: ValidationResult) -> str:
    lines = []
    by_focus: dict[rdflib.term.Node, list[Finding]] = defaultdict(list)
    for finding in result.all_findings():
        by_focus[finding.focus_node].append(finding)
    for focus, findings in by_focus.items():
        lines.append(_labelled(result, focus))
        for finding in findings:
            details = [f"  {finding.severity:<9} {_curie(finding.source_shape)}"]
            if finding.path is not None:
                details.append(f"path {path_text(result.shapes_graph, finding.path)}")
            if finding.value is not None and finding.value != focus:  # node shapes repeat it
                details.append(f"value {_labelled(result, finding.value)}")
            lines.append("  ".join(details))
            for message in sorted(str(m) for m in finding.messages):
                lines.append(f"            {message}")
        lines.append("")
    lines.extend(f"note: {note}" for note in result.notes)
    lines.append(f"Summary: {_summary(result)}.")
    timing = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
    lines.append(f"Engine: {result.engine}; {timing}.")
    return "\n".join(lines) + "\n"


def _as_markdown(result: ValidationResult) -> str:
    counts = result.counts()
    lines = [
        "# Validation report",
        "",
        f"**{_summary(result)}**",
        "",
        render_rows(["Severity", "Count"], [(s, counts[s]) for s in SEVERITIES], "markdown"),
    ]
    if result.all_findings():
        lines.append(_findings_table(result, "markdown"))
    lines += [f"Note: {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def _as_table(result: ValidationResult) -> str:
    """One row per finding, as pySHACL's ``table`` format, then notes and the summary."""
    lines = [_findings_table(result, "table").rstrip("\n")]
    lines += [f"note: {note}" for note in result.notes]
    lines.append(f"Summary: {_summary(result)}.")
    return "\n".join(lines) + "\n"


def _findings_table(result: ValidationResult, fmt: str) -> str:
    rows = [
        (
            f.severity,
            _labelled(result, f.focus_node),
            path_text(result.shapes_graph, f.path),
            _labelled(result, f.value) if f.value is not None else "",
            _curie(f.source_shape),
            f.message_text(),
        )
        for f in result.all_findings()
    ]
    columns = ["Severity", "Focus node", "Path", "Value", "Shape", "Message"]
    return render_rows(columns, rows, fmt)


def _as_json(result: ValidationResult) -> dict:
    def term(node: rdflib.term.Node | None) -> str | None:
        return None if node is None else (node.n3() if not isinstance(node, URIRef) else str(node))

    return {
        "conforms": result.conforms,
        "failOn": result.fail_on,
        "engine": result.engine,
        "counts": result.counts(),
        "results": [
            {
                "severity": f.severity,
                "focusNode": term(f.focus_node),
                "focusLabel": result.labels.get(f.focus_node),
                "resultPath": path_text(result.shapes_graph, f.path) or None,
                "value": term(f.value),
                "sourceShape": term(f.source_shape),
                "sourceConstraintComponent": term(f.component),
                "messages": sorted(str(m) for m in f.messages),
            }
            for f in result.all_findings()
        ],
        "undefinedTerms": [
            {
                "term": str(t.iri),
                "usedAs": t.role,
                "occurrences": t.occurrences,
                "suggestion": None if t.suggestion is None else str(t.suggestion),
            }
            for t in result.undefined_terms
        ],
        "notes": result.notes,
        "timings": result.timings,
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
