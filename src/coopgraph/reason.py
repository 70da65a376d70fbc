"""Reasoning: offline imports, HermiT consistency, OWL 2 RL materialisation with explanations.

Three things live here:

* **Offline ``owl:imports``** (:func:`load_documents`): imports resolve only through OASIS XML
  catalogs (``catalog-v001.xml``, the Protégé/ROBOT convention): a ``--catalog`` given by the
  user, the catalog beside each input file, and the bundled catalog that maps the coopgraph
  ontology IRIs to the shipped files. An import that no catalog knows is an
  :class:`~coopgraph.errors.InputError`; nothing is ever fetched.
* **Consistency** (:func:`check`): HermiT (bundled with owlready2, run on Java) decides whether
  ontology + data are consistent and which classes are unsatisfiable. HermiT knows only the
  OWL 2 datatype map, which has no ``xsd:date``, ``xsd:gYear`` or ``xsd:gYearMonth`` (the types
  coopgraph dates use). Rather than tell HermiT to ignore unknown datatypes (which would let a
  malformed date pass unseen), such literals are handed to it as ``xsd:dateTime`` at the start
  of the period: ``"2014"^^xsd:gYear`` becomes ``"2014-01-01T00:00:00Z"``, ``"2014-05"``
  (gYearMonth) ``"2014-05-01T00:00:00Z"``, ``"2014-05-07"`` (date)
  ``"2014-05-07T00:00:00Z"``; a timezone given in the literal is kept, none means UTC (rdflib
  drops the timezone of an ``xsd:date`` when it reads it, so those become UTC). A literal that
  is not a valid date of its type is bad input. Any other datatype outside the OWL 2 datatype
  map is refused with its name, for the same reason. When HermiT finds the data inconsistent,
  the OWL 2 RL closure is searched for the clash (an individual of two disjoint classes or of
  ``owl:Nothing``, a literal outside a string or boolean range) and each clash is explained
  down to the asserted facts; a contradiction only OWL 2 DL sees gets no explanation.
  A missing ``java``, a Java virtual machine that does not start (a heap larger than the
  machine allows) and HermiT running out of heap are bad usage (InputError), not bugs: each
  is reported in one line with what to install or change.
* **OWL 2 RL materialisation** (:func:`materialise`) and **explanations** (:func:`explain`).
  Two engines were compared (bench/bench_reason.py, synthetic data from bench/synthetic.py):

  - ``reasonable`` 0.4.4 (Rust) is fast but does not implement the property chain rule
    ``prp-spo2``, on which every ``coop:hasRisk`` and ``coop:governingFramework`` derivation
    depends: alone it derives none of them. Everything else it derives about coopgraph data
    equals owlrl's. Its README lists further rules as not implemented (eq-ref, eq-diff1-3,
    prp-ap, prp-adp, prp-key, prp-npa1/2, cls-maxc1/2, cls-maxqc1-4, cls-oo, cax-adc); the
    coopgraph ontology needs none of them for materialisation (cax-adc, for
    owl:AllDisjointClasses, only detects clashes, which HermiT and :func:`check` report), but
    an ontology using keys, max-cardinalities or owl:oneOf needs ``engine="owlrl"``.
  - ``owlrl`` (pure Python) is complete for OWL 2 RL but slow: about 70 s for 10k data
    triples and 13 min for 100k.

  The default engine is therefore ``reasonable`` completed with ``prp-spo2`` in Python (the
  chain axioms are read from the input; reasonable and the chains alternate to a fixpoint):
  on the test fixture and on 10k synthetic triples its facts about the data equal owlrl's
  exactly (tests/test_reason.py, the benchmark), except that owlrl also states every resource
  ``owl:sameAs`` itself (rule eq-ref). It takes about 1 s for 10k data triples, 13 s for 100k
  and 2 min for 1M (reasonable alone: 0.8 s, 9 s, 2 min; the figures vary with the load).
  ``owlrl`` stays available as the reference (``engine="owlrl"``). At the ontology level the
  engines differ in bookkeeping that no query reads: owlrl adds ``rdf:type`` triples for
  datatypes and ``owl:Thing`` domains and ranges; reasonable types every resource (classes
  and properties included) ``owl:Thing``.

  owlrl also derives generalised triples, which RDF 1.1 cannot state: a literal as subject
  (``"x" rdf:type xsd:string``, ``"x" owl:sameAs "x"``, ``"x" rdf:type C`` from a range) or
  a blank node as predicate. The closure leaves out such triples whichever engine derived
  them, so that it can be written in any RDF format and its counts of asserted and inferred
  triples are those of what is written.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Collection as Collection_
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.resources import as_file
from pathlib import Path
from typing import Literal as TypingLiteral
from typing import TypeAlias

import pyoxigraph as ox
import rdflib
from rdflib import OWL, RDF, RDFS, XSD, BNode, Literal, URIRef
from rdflib.collection import Collection

from coopgraph import rdfio
from coopgraph.errors import CoopgraphError, InputError, ParameterError
from coopgraph.render import compact_iri
from coopgraph.vocab import ALIGNMENT_MODULE, COOP, CORE_ONTOLOGY, PREFIXES, ontology_file

__all__ = [
    "CATALOG_FILE",
    "CheckResult",
    "Clash",
    "Derivation",
    "LoadedDocument",
    "Materialisation",
    "bundled_ontology_files",
    "check",
    "dates_as_datetime",
    "explain",
    "is_rdf",
    "java_message",
    "jvm_started",
    "load_documents",
    "load_graph",
    "materialise",
    "read_catalog",
    "reason",
    "render_term",
    "render_triple",
    "require_program",
]

StrPath: TypeAlias = str | os.PathLike[str]
Triple: TypeAlias = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]
Engine: TypeAlias = TypingLiteral["reasonable", "owlrl"]

CATALOG_FILE = "catalog-v001.xml"
"""The catalog looked for beside every input file (the name Protégé and ROBOT use)."""

_CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
_OWLREADY_NS = "http://www.lesfleursdunormal.fr/static/_downloads/owlready_ontology.owl#"
"""owlready2 acts on annotations in this namespace (one imports a Python module): drop them."""


# =========================================================================== imports


def bundled_ontology_files() -> list[Path]:
    """The shipped ontology modules: the core ontology and the alignment module."""
    return [_bundled(CORE_ONTOLOGY), _bundled(ALIGNMENT_MODULE)]


def _bundled(name: str) -> Path:
    with as_file(ontology_file(name)) as path:  # a real file for any normal installation
        return Path(path)


def read_catalog(path: StrPath) -> dict[str, Path]:
    """The ``uri`` entries of an OASIS XML catalog: ontology IRI → local file.

    Relative targets resolve against the catalog's directory. A DOCTYPE (entities) or a
    target that is not a local file is refused: a catalog exists to avoid the network.
    """
    name = os.fspath(path)
    try:
        data = Path(name).read_bytes()
    except OSError as error:
        raise InputError(f"{name}: cannot read catalog: {error.strerror or error}") from None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise InputError(f"{name}: XML catalogs with a DOCTYPE or entities are not accepted")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise InputError(f"{name}:{error.position[0]}: not a well-formed XML catalog") from None
    if root.tag != f"{_CATALOG_NS}catalog":
        raise InputError(f"{name}: not an OASIS XML catalog (root element {root.tag!r})")
    base = Path(name).resolve().parent
    entries: dict[str, Path] = {}
    for entry in root.iter(f"{_CATALOG_NS}uri"):
        iri, target = entry.get("name"), entry.get("uri")
        if not iri or not target:
            raise InputError(f"{name}: a <uri> entry needs both name and uri attributes")
        if target.startswith("file:"):
            target = target.removeprefix("file://").removeprefix("file:")
        elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", target):
            raise InputError(f"{name}: catalog entry for <{iri}> points to {target}, not a file")
        entries[iri] = base / target
    return entries


@dataclass(frozen=True)
class LoadedDocument:
    """One RDF file read while resolving imports."""

    path: Path
    graph: rdflib.Graph
    imported_as: str | None = None
    """The IRI whose ``owl:imports`` brought this file in; None for a file given by the user."""


def load_documents(
    paths: StrPath | Iterable[StrPath], *, catalogs: Iterable[StrPath] = (), strict: bool = True
) -> list[LoadedDocument]:
    """Read ``paths`` and, transitively, every ontology they ``owl:imports``, without the network.

    Imports resolve through the given catalogs first, then the ``catalog-v001.xml`` beside
    each file, then the bundled catalog. An import whose IRI is the ontology or version IRI
    of a file already read is satisfied by that file. Each file is read once. With
    ``strict`` (the reasoner's need) an import that resolves to no file is an InputError;
    without it (the ontology reference's need) it is left unresolved for the caller to report.
    """
    entries: dict[str, Path] = {}
    catalogs = rdfio.one_or_many(catalogs)
    for catalog in catalogs:
        entries.update(read_catalog(catalog))
    catalog_names = [os.fspath(c) for c in catalogs]
    documents: list[LoadedDocument] = []
    read_files: set[Path] = set()
    known_iris: set[str] = set()
    pending: list[tuple[Path, str | None]] = [(Path(p), None) for p in rdfio.one_or_many(paths)]
    if not pending:
        raise InputError("no RDF file given")
    while pending:
        path, imported_as = pending.pop(0)
        resolved = path.resolve()
        if resolved in read_files:
            continue
        read_files.add(resolved)
        graph = rdfio.read_graph([path])
        documents.append(LoadedDocument(path, graph, imported_as))
        known_iris.update(_ontology_iris(graph))
        beside = resolved.parent / CATALOG_FILE
        if beside.is_file() and os.fspath(beside) not in catalog_names:
            catalog_names.append(os.fspath(beside))
            for iri, target in read_catalog(beside).items():
                entries.setdefault(iri, target)
        for target_iri in sorted(str(o) for o in graph.objects(None, OWL.imports)):
            if target_iri in known_iris:
                continue
            target = entries.get(target_iri) or _bundled_catalog().get(target_iri)
            if not strict and (target is None or not target.is_file()):
                continue
            if target is None:
                searched = ", ".join([*catalog_names, "the bundled catalog"])
                raise InputError(
                    f"{path}: owl:imports <{target_iri}> is in no catalog ({searched});"
                    " coopgraph never fetches imports: add it to a catalog-v001.xml"
                )
            pending.append((target, target_iri))
    if not strict:
        return documents
    unresolved = {
        str(o) for doc in documents for o in doc.graph.objects(None, OWL.imports)
    } - _all_ontology_iris(documents)
    for doc in documents:  # an import satisfied by a file whose header names another IRI
        if doc.imported_as in unresolved:
            raise InputError(
                f"{doc.path}: imported as <{doc.imported_as}>, but it declares no owl:Ontology"
                " with that IRI or version IRI"
            )
    return documents


def _ontology_iris(graph: rdflib.Graph) -> set[str]:
    iris = set()
    for ontology in graph.subjects(RDF.type, OWL.Ontology):
        iris.add(str(ontology))
        iris.update(str(v) for v in graph.objects(ontology, OWL.versionIRI))
    return iris


def _all_ontology_iris(documents: Iterable[LoadedDocument]) -> set[str]:
    return set().union(*(_ontology_iris(doc.graph) for doc in documents))


@cache
def _bundled_catalog() -> dict[str, Path]:
    with as_file(ontology_file(CATALOG_FILE)) as path:
        return read_catalog(path)


def load_graph(
    paths: StrPath | Iterable[StrPath], *, catalogs: Iterable[StrPath] = ()
) -> rdflib.Graph:
    """The union of ``paths`` and their import closure (see :func:`load_documents`)."""
    return _merge(doc.graph for doc in load_documents(paths, catalogs=catalogs))


def _merge(graphs: Iterable[rdflib.Graph]) -> rdflib.Graph:
    merged = _new_graph()
    for graph in graphs:
        merged += graph
    return merged


def _new_graph() -> rdflib.Graph:
    graph = rdflib.Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


# =========================================================================== HermiT

# The OWL 2 datatype map (OWL 2 Structural Specification, section 4), plus rdf:langString,
# which RDF 1.1 gives every language-tagged string.
_OWL2_DATATYPES = frozenset(
    [str(OWL.real), str(OWL.rational), str(RDF.PlainLiteral), str(RDF.XMLLiteral)]
    + [str(RDFS.Literal), "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"]
    + [
        str(XSD[name])
        for name in [
            *("decimal", "integer", "nonNegativeInteger", "nonPositiveInteger"),
            *("positiveInteger", "negativeInteger", "long", "int", "short", "byte"),
            *("unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte", "double"),
            *("float", "string", "normalizedString", "token", "language", "Name", "NCName"),
            *("NMTOKEN", "boolean", "hexBinary", "base64Binary", "anyURI", "dateTime"),
            "dateTimeStamp",
        ]
    ]
)

_TIMEZONE = r"(Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_DATE_FORMS = {
    XSD.gYear: re.compile(rf"^(\d{{4}}){_TIMEZONE}$"),
    XSD.gYearMonth: re.compile(rf"^(\d{{4}})-(\d\d){_TIMEZONE}$"),
    XSD.date: re.compile(rf"^(\d{{4}})-(\d\d)-(\d\d){_TIMEZONE}$"),
}


def dates_as_datetime(graph: rdflib.Graph, source: str = "<graph>") -> rdflib.Graph:
    """A copy of ``graph`` whose xsd:date/gYear/gYearMonth literals are xsd:dateTime values.

    Each becomes the first instant of its period (see the module docstring). Raises
    InputError naming ``source`` for a literal that is not a valid date of its type, and for
    any other literal whose datatype is outside the OWL 2 datatype map.
    """
    converted = _new_graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype is not None:
            o = _owl2_literal(o, source, s, p)
        converted.add((s, p, o))
    return converted


def _owl2_literal(
    literal: Literal, source: str, s: rdflib.term.Node, p: rdflib.term.Node
) -> Literal:
    datatype = literal.datatype
    form = _DATE_FORMS.get(datatype)
    where = f"{source}: {render_term(s)} {render_term(p)} {literal.n3()}"
    if form is None:
        if str(datatype) not in _OWL2_DATATYPES:
            raise InputError(
                f"{where}: datatype {render_term(datatype)} is outside the OWL 2 datatype map"
                " that HermiT knows; coopgraph converts only xsd:date, xsd:gYear and"
                " xsd:gYearMonth (to xsd:dateTime)"
            )
        return literal
    match = form.match(str(literal))
    if match is None:
        raise InputError(f"{where}: not a valid {render_term(datatype)} literal")
    *parts, zone = match.groups()
    year, month, day = (int(x) for x in (*parts, 1, 1)[:3])
    try:
        start = date(year, month, day)
    except ValueError:
        raise InputError(f"{where}: not a valid {render_term(datatype)} literal") from None
    return Literal(f"{start.isoformat()}T00:00:00{zone or 'Z'}", datatype=XSD.dateTime)


@dataclass(frozen=True)
class Clash:
    """An OWL 2 RL contradiction found in the closure, with how its facts were derived."""

    subject: rdflib.term.Node
    problem: str
    """What is contradictory about the subject, rendered (e.g. the two disjoint classes)."""
    derivations: tuple[Derivation, ...]
    """How the contradicting facts were derived (empty when they were asserted)."""

    def lines(self) -> list[str]:
        return [
            f"{render_term(self.subject)} {self.problem}",
            *(f"  {d}" for d in self.derivations),
        ]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check`."""

    consistent: bool
    unsatisfiable: list[str]
    """IRIs of the named classes that can have no instance, sorted."""
    explanation: list[Clash] | None = None
    """When inconsistent: the clashes an OWL 2 RL closure shows (empty when it shows none, as
    for contradictions that need full OWL 2 DL reasoning); None when consistent."""

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable


def check(
    paths: StrPath | Sequence[StrPath],
    *,
    catalogs: Iterable[StrPath] = (),
    java_memory_mb: int = 2000,
) -> CheckResult:
    """Run HermiT on ``paths`` (ontology and data files) and their import closure.

    Raises InputError for unreadable files, unresolvable imports and literals HermiT
    cannot read (see :func:`dates_as_datetime`), and when Java is missing, cannot start (for
    example with a heap larger than the machine allows) or HermiT runs out of heap;
    CoopgraphError when HermiT fails otherwise.
    """
    import owlready2  # a heavy import, needed only here

    require_program(owlready2.JAVA_EXE, "HermiT", "a Java runtime (Debian: default-jre-headless)")
    documents = load_documents(paths, catalogs=catalogs)
    hermit_input = _new_graph()
    for doc in documents:
        hermit_input += dates_as_datetime(doc.graph, os.fspath(doc.path))
    for triple in list(hermit_input):
        if triple[1] == OWL.imports or str(triple[1]).startswith(_OWLREADY_NS):
            hermit_input.remove(triple)
    with tempfile.TemporaryDirectory(prefix="coopgraph-hermit-") as tmp:
        source = Path(tmp) / "input.nt"
        rdfio.write(hermit_input, source, "nt")
        world = owlready2.World()
        saved_memory = owlready2.reasoning.JAVA_MEMORY
        owlready2.reasoning.JAVA_MEMORY = java_memory_mb
        try:
            world.get_ontology(source.as_uri()).load()
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            graph = _merge(doc.graph for doc in documents)
            return CheckResult(False, [], _clashes(materialise(graph)))
        except owlready2.OwlReadyJavaError as error:
            output = str(error)
            heap = f"a heap of {java_memory_mb} MB (--java-memory)"
            if not jvm_started(output):
                raise InputError(
                    f"Java could not start HermiT with {heap}: {java_message(output)}"
                ) from None
            if "java.lang.OutOfMemoryError" in output:
                raise InputError(f"HermiT ran out of memory in {heap}: give it more") from None
            raise CoopgraphError(f"HermiT failed: {java_message(output)}") from None
        except OSError as error:  # found on PATH, but not a program the system can run
            raise InputError(
                f"{owlready2.JAVA_EXE} could not be run: {error.strerror or error}"
            ) from None
        else:
            unsatisfiable = sorted(
                {
                    c.iri
                    for c in world.inconsistent_classes()
                    if getattr(c, "iri", None) and c.iri != str(OWL.Nothing)
                }
            )
        finally:
            owlready2.reasoning.JAVA_MEMORY = saved_memory
            world.close()
    return CheckResult(True, unsatisfiable)


# What the Java launcher prints when the virtual machine does not start (a heap it cannot
# reserve, an unknown option); the reason is on a line of its own.
_JVM_START_FAILED = (
    "Error occurred during initialization of VM",
    "Error: Could not create the Java Virtual Machine.",
)
_JAVA_BOILERPLATE = (
    *_JVM_START_FAILED,
    "Error: A fatal exception has occurred. Program will exit.",
    "Picked up ",  # JAVA_TOOL_OPTIONS, _JAVA_OPTIONS
    "Java error message is:",  # owlready2's preamble
    "at ",  # a stack frame
)


def require_program(name: str, task: str, package: str) -> None:
    """Raise InputError naming ``package`` to install if the program ``name`` is not on PATH."""
    if shutil.which(name) is None:
        raise InputError(f"{task} needs {name}, which is not on PATH: install {package}")


def jvm_started(output: str) -> bool:
    """Whether the Java virtual machine started, judging by the output of a failed run."""
    return not any(marker in output for marker in _JVM_START_FAILED)


def java_message(output: str) -> str:
    """The line of a failed Java run's output that says what went wrong: the first one that
    is not launcher boilerplate or a stack frame (an exception's first line)."""
    lines = (line.strip() for line in output.splitlines())
    found = (line for line in lines if line and not line.startswith(_JAVA_BOILERPLATE))
    return next(found, "(Java gave no reason)")


def _clashes(m: Materialisation) -> list[Clash]:
    """The contradictions an OWL 2 RL closure shows: an individual of owl:Nothing or of two
    classes stated disjoint, and a literal outside a string or boolean range."""
    g = m.graph
    pairs: dict[frozenset[rdflib.term.Node], str] = {}
    for c, d in g.subject_objects(OWL.disjointWith):
        axiom = f"({render_term(c)} owl:disjointWith {render_term(d)})"
        pairs.setdefault(frozenset((c, d)), axiom)
    for axiom in g.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in g.objects(axiom, OWL.members):
            classes = list(Collection(g, members))
            for i, c in enumerate(classes):
                for d in classes[i + 1 :]:
                    pairs.setdefault(frozenset((c, d)), "(owl:AllDisjointClasses)")
    clashes = []
    for x in sorted(set(g.subjects(RDF.type, OWL.Nothing)), key=str):
        derivations = m.explain((x, RDF.type, OWL.Nothing))
        clashes.append(Clash(x, "is a owl:Nothing, which has no instances", derivations))
    types: dict[rdflib.term.Node, set[rdflib.term.Node]] = defaultdict(set)
    for x, c in g.subject_objects(RDF.type):
        types[x].add(c)
    for x in sorted(types, key=str):
        found = sorted(
            (tuple(sorted(pair, key=str)), axiom)
            for pair, axiom in pairs.items()
            if len(pair) == 2 and pair <= types[x]
        )
        for (c, d), axiom in found:
            problem = f"is a {render_term(c)} and {render_term(d)}, which are disjoint {axiom}"
            derivations = m.explain((x, RDF.type, c)) + m.explain((x, RDF.type, d))
            clashes.append(Clash(x, problem, derivations))
    for prop, datatype in sorted(g.subject_objects(RDFS.range)):
        accepts = _LITERAL_RANGES.get(datatype)
        if accepts is None:
            continue
        for s, value in sorted(g.subject_objects(prop)):
            if isinstance(value, Literal) and not accepts(value):
                problem = (
                    f"has {render_term(prop)} {value.n3()}, outside its range"
                    f" ({render_term(prop)} rdfs:range {render_term(datatype)})"
                )
                clashes.append(Clash(s, problem, m.explain((s, prop, value))))
    return clashes


def _is_string(value: Literal) -> bool:
    return value.language is None and value.datatype in (None, XSD.string)


# Ranges whose literals are checked for an explanation; numeric and date types are left to
# HermiT (their subtype relations make a shallow test wrong).
_LITERAL_RANGES: dict[rdflib.term.Node, Callable[[Literal], bool]] = {
    XSD.string: _is_string,
    RDF.PlainLiteral: lambda v: v.language is not None or _is_string(v),
    URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"): lambda v: bool(v.language),
    XSD.boolean: lambda v: v.datatype == XSD.boolean and v.value is not None,
}


# =========================================================================== OWL 2 RL


@dataclass
class Materialisation:
    """An OWL 2 RL closure: the input triples plus everything the rules derive from them
    that RDF 1.1 can state (generalised triples are left out: see the module docstring)."""

    triples: frozenset[Triple]
    """The closure, input included."""
    asserted: frozenset[Triple]
    """The input."""
    _graph: rdflib.Graph | None = field(default=None, repr=False)
    _derivations: dict[Triple, list[Derivation]] = field(default_factory=dict, repr=False)
    _chains: list[tuple[URIRef, list[URIRef]]] | None = field(default=None, repr=False)

    @property
    def graph(self) -> rdflib.Graph:
        """The closure as an indexed rdflib graph (built on first use: it costs more than
        the reasoning on large data)."""
        if self._graph is None:
            self._graph = _new_graph()
            self._graph.addN((s, p, o, self._graph) for s, p, o in self.triples)
        return self._graph

    def inferred(self) -> Iterator[Triple]:
        """The derived triples (those not in the input), in no particular order."""
        return (t for t in self.triples if t not in self.asserted)

    def statements(self, *, inferred_only: bool = False) -> list[ox.Triple]:
        """The closure (or only the derived triples) as pyoxigraph triples, for writing."""
        convert: dict[rdflib.term.Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}

        def term(node: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
            found = convert.get(node)
            if found is None:
                found = convert[node] = rdfio.from_rdflib(node)  # type: ignore[assignment]
            return found

        chosen = self.inferred() if inferred_only else self.triples
        return [ox.Triple(term(s), term(p), term(o)) for s, p, o in chosen]

    def data_inferences(self, ontology_terms: Collection_[rdflib.term.Node]) -> list[Triple]:
        """The derived facts about data: triples whose subject is an IRI not in
        ``ontology_terms`` and whose predicate is a coopgraph property, sorted."""
        return sorted(
            (
                (s, p, o)
                for s, p, o in self.inferred()
                if isinstance(s, URIRef) and s not in ontology_terms and p.startswith(COOP)
            ),
            key=lambda t: tuple(str(x) for x in t),
        )

    def explain(self, triple: Triple) -> tuple[Derivation, ...]:
        """How ``triple`` was derived, down to asserted facts (empty if it was asserted).

        The first derivation explains ``triple``; the others explain the derived facts it
        rests on, premises before conclusions, each once.
        """
        return tuple(explain(self, [triple]))


def materialise(graph: rdflib.Graph, *, engine: Engine = "reasonable") -> Materialisation:
    """The OWL 2 RL closure of ``graph`` (ontology and data together); ``graph`` is not changed.

    ``engine="reasonable"`` (default, fast) or ``"owlrl"`` (pure Python reference); see the
    module docstring for how they compare. Derived generalised triples (a literal subject, a
    predicate that is not an IRI) are left out: RDF 1.1 cannot state them.
    """
    if not isinstance(graph, rdflib.Graph):
        raise ParameterError(
            f"materialise takes an rdflib Graph, not {type(graph).__name__} (files: reason())"
        )
    asserted = frozenset(graph)
    closure: Iterable[Triple]
    if engine == "owlrl":
        import owlrl

        closure = _new_graph()
        closure += graph
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    elif engine == "reasonable":
        chains = _property_chains(graph)
        with rdfio._gc_paused():  # millions of acyclic tuples: the collector only slows it
            closure = _reasonable_with_chains(asserted, chains)
    else:
        raise InputError(f"unknown reasoning engine {engine!r}; use reasonable or owlrl")
    with rdfio._gc_paused():
        return Materialisation(frozenset(filter(is_rdf, closure)), asserted)


def is_rdf(triple: Triple) -> bool:
    """Whether RDF 1.1 can state ``triple``: its subject is an IRI or a blank node and its
    predicate an IRI (a rule engine may derive generalised triples, which are neither)."""
    return isinstance(triple[0], URIRef | BNode) and isinstance(triple[1], URIRef)


_XSD_STRING = XSD.string


def _reasonable_with_chains(
    asserted: frozenset[Triple], chains: list[tuple[URIRef, list[URIRef]]]
) -> set[Triple]:
    """reasonable's closure, alternated with the property chain rule (prp-spo2) to a fixpoint.

    The chain axioms are read from the input: OWL 2 RL derives none.
    """
    import reasonable

    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(list(asserted))
    while True:
        closure = {_plain(t) for t in reasoner.reason()}
        new = _chain_consequences(closure, chains)
        if not new:
            return closure
        reasoner.from_graph(list(new))


def _plain(triple: Triple) -> Triple:
    """reasonable returns simple literals typed xsd:string; rdflib keeps them untyped."""
    o = triple[2]
    if type(o) is Literal and o.datatype == _XSD_STRING:
        return triple[0], triple[1], Literal(str(o))
    return triple


def _property_chains(graph: rdflib.Graph) -> list[tuple[URIRef, list[URIRef]]]:
    """(property, [p1, ..., pn]) for every owl:propertyChainAxiom of ``graph`` whose property
    is an IRI, sorted. A chain onto a property expression (a blank node, such as an inverse)
    would derive generalised triples, which RDF cannot state and reasonable refuses."""
    return sorted(
        (prop, list(Collection(graph, members)))
        for prop, members in graph.subject_objects(OWL.propertyChainAxiom)
        if isinstance(prop, URIRef)
    )


def _chain_consequences(
    closure: set[Triple], chains: list[tuple[URIRef, list[URIRef]]]
) -> set[Triple]:
    """The triples the chains derive from ``closure`` and not in it, iterated until the
    chains derive nothing more (a chain's property may be a link of another chain)."""
    edges: dict[rdflib.term.Node, dict[rdflib.term.Node, set[rdflib.term.Node]]] = {
        p: defaultdict(set) for _, members in chains for p in members
    }
    for s, p, o in closure:
        links = edges.get(p)
        if links is not None:
            links[s].add(o)
    new: set[Triple] = set()
    pending = chains
    while pending:
        fresh = set()
        for prop, members in pending:
            pairs = {(s, o) for s, objects in edges[members[0]].items() for o in objects}
            for member in members[1:]:
                step = edges[member]
                pairs = {(s, o) for s, x in pairs for o in step.get(x, ())}
            fresh.update((s, prop, o) for s, o in pairs)
        fresh -= closure
        fresh -= new
        new |= fresh
        for s, p, o in fresh:
            links = edges.get(p)
            if links is not None:
                links[s].add(o)
        grown = {p for _, p, _ in fresh}
        pending = [(prop, members) for prop, members in chains if grown.intersection(members)]
    return new


def reason(
    paths: StrPath | Sequence[StrPath],
    *,
    ontology: StrPath | Sequence[StrPath] | None = None,
    catalogs: Iterable[StrPath] = (),
    engine: Engine = "reasonable",
) -> Materialisation:
    """Materialise data files together with the ontology (by default the bundled core and
    alignment module) and their imports."""
    modules = bundled_ontology_files() if ontology is None else rdfio.one_or_many(ontology)
    files = [*modules, *rdfio.one_or_many(paths)]
    return materialise(load_graph(files, catalogs=catalogs), engine=engine)


# =========================================================================== explanations


@dataclass(frozen=True)
class Derivation:
    """One rule application: ``conclusion`` follows from ``premises`` by ``axiom``."""

    conclusion: Triple
    rule: str
    """property chain, sub-property, inverse, symmetric, transitivity, hasValue, subclass,
    domain or range."""
    axiom: str
    """The ontology axiom that licenses the step, rendered (for a chain: the chain)."""
    premises: tuple[Triple, ...]

    def __str__(self) -> str:
        premises = ", ".join(render_triple(t) for t in self.premises)
        return f"{render_triple(self.conclusion)} ← {self.rule} {self.axiom} over {premises}"


def explain(m: Materialisation, triples: Iterable[Triple]) -> list[Derivation]:
    """Explain derived ``triples`` of a closure down to asserted facts.

    Each derived triple gets one derivation; premises that are themselves derived are
    explained too. The list is ordered premises before conclusions, each triple once.
    Derivations are chosen well-founded: every premise was derived in an earlier round of a
    forward-chaining replay than its conclusion (so there are no circular explanations),
    preferring asserted premises and axioms. A derived triple that none of the covered rules
    explains (for example one that needs owl:sameAs) is left out.
    """
    level = _levels(m, triples)
    ordered: list[Derivation] = []
    done: set[Triple] = set()

    def visit(triple: Triple) -> None:
        if triple in done or triple in m.asserted or triple not in level:
            return
        done.add(triple)
        derivation = level[triple][1]
        for premise in derivation.premises:
            visit(premise)
        ordered.append(derivation)

    for triple in triples:
        visit(triple)
    return ordered


def _levels(m: Materialisation, goals: Iterable[Triple]) -> dict[Triple, tuple[int, Derivation]]:
    """For each derived triple needed to explain ``goals``: its round and chosen derivation."""
    candidates: dict[Triple, list[Derivation]] = {}
    stack = [t for t in goals if t not in m.asserted]
    while stack:
        triple = stack.pop()
        if triple in candidates:
            continue
        found = m._derivations.get(triple)
        if found is None:
            found = m._derivations[triple] = _derivations(m, triple)
        candidates[triple] = found
        stack.extend(p for d in found for p in d.premises if p not in m.asserted)
    level: dict[Triple, tuple[int, Derivation]] = {}
    changed = True
    while changed:
        changed = False
        for triple, found in candidates.items():
            best = level.get(triple)
            for d in found:
                if all(p in m.asserted or p in level for p in d.premises):
                    rank = 1 + max((level[p][0] for p in d.premises if p in level), default=0)
                    key = (rank, -_asserted_count(m, d))
                    if best is None or key < (best[0], -_asserted_count(m, best[1])):
                        best = (rank, d)
                        changed = True
            if best is not None:
                level[triple] = best
    return level


def _asserted_count(m: Materialisation, d: Derivation) -> int:
    return sum(p in m.asserted for p in d.premises)


_RULE_ORDER = {
    name: i
    for i, name in enumerate(
        [
            "subclass",
            "sub-property",
            "inverse",
            "symmetric",
            "hasValue",
            "property chain",
            "transitivity",
            "domain",
            "range",
        ]
    )
}


def _derivations(m: Materialisation, triple: Triple) -> list[Derivation]:
    """Every one-step derivation of ``triple`` from facts in the closure, by the covered rules.

    Schema axioms (subclass, sub-property) must be asserted, so that an explanation names an
    axiom of the ontology; derived ones are used only when no asserted one explains the step
    (as for classes stated equivalent).
    """
    g = m.graph
    s, p, o = triple
    found: list[Derivation] = []

    def r(term: rdflib.term.Node) -> str:
        return render_term(term, g)

    def add(rule: str, axiom: str, *premises: Triple) -> None:
        found.append(Derivation(triple, rule, axiom, premises))

    def schema(
        sub: rdflib.term.Node, relation: URIRef, sup: rdflib.term.Node
    ) -> list[rdflib.term.Node]:
        """The asserted subjects of ``relation sup`` (other than sup), else all derived ones."""
        subjects = [x for x in g.subjects(relation, sup) if x != sup]
        asserted = [x for x in subjects if (x, relation, sup) in m.asserted]
        return sorted(asserted or subjects, key=str)

    if p == RDF.type:
        for cls in schema(s, RDFS.subClassOf, o):
            if (s, RDF.type, cls) in g:
                add("subclass", f"({r(cls)} rdfs:subClassOf {r(o)})", (s, RDF.type, cls))
        for prop in g.subjects(RDFS.domain, o):
            for value in g.objects(s, prop):
                add("domain", f"({r(prop)} rdfs:domain {r(o)})", (s, prop, value))
        for prop in g.subjects(RDFS.range, o):
            for subject in g.subjects(prop, s):
                add("range", f"({r(prop)} rdfs:range {r(o)})", (subject, prop, s))
        for prop in g.objects(o, OWL.onProperty):
            for value in g.objects(o, OWL.hasValue):
                if (s, prop, value) in g:
                    add("hasValue", r(o), (s, prop, value))
    else:
        for sub in schema(p, RDFS.subPropertyOf, p):
            if (s, sub, o) in g:
                add("sub-property", f"({r(sub)} rdfs:subPropertyOf {r(p)})", (s, sub, o))
        inverses = [(q, f"({r(p)} owl:inverseOf {r(q)})") for q in g.objects(p, OWL.inverseOf)]
        inverses += [(q, f"({r(q)} owl:inverseOf {r(p)})") for q in g.subjects(OWL.inverseOf, p)]
        for q, axiom in inverses:
            if (o, q, s) in g:
                add("inverse", axiom, (o, q, s))
        if (p, RDF.type, OWL.SymmetricProperty) in g and o != s and (o, p, s) in g:
            add("symmetric", f"({r(p)} a owl:SymmetricProperty)", (o, p, s))
        if (p, RDF.type, OWL.TransitiveProperty) in g:
            for middle in g.objects(s, p):
                if middle not in (s, o) and (middle, p, o) in g:
                    axiom = f"({r(p)} a owl:TransitiveProperty)"
                    add("transitivity", axiom, (s, p, middle), (middle, p, o))
        for restriction in g.subjects(OWL.hasValue, o):
            if (restriction, OWL.onProperty, p) in g:
                for cls in schema(s, RDFS.subClassOf, restriction):
                    if (s, RDF.type, cls) in g:
                        axiom = f"({r(cls)} rdfs:subClassOf {r(restriction)})"
                        add("hasValue", axiom, (s, RDF.type, cls))
        for _, members in _property_chains_of(m, p):
            chain = " ".join(r(x) for x in members)
            for path in _chain_paths(g, s, o, members):
                add("property chain", f"({chain})", *path)
    found.sort(key=lambda d: (_RULE_ORDER[d.rule], str(d)))
    return found


def _property_chains_of(
    m: Materialisation, prop: rdflib.term.Node
) -> list[tuple[URIRef, list[URIRef]]]:
    if m._chains is None:
        m._chains = _property_chains(m.graph)
    return [c for c in m._chains if c[0] == prop]


def _chain_paths(
    g: rdflib.Graph, start: rdflib.term.Node, end: rdflib.term.Node, members: list[URIRef]
) -> list[tuple[Triple, ...]]:
    """Every path start -members[0]-> ... -members[-1]-> end in ``g``."""
    paths: list[tuple[Triple, ...]] = [()]
    nodes = [start]
    for i, member in enumerate(members):
        last = i == len(members) - 1
        next_paths, next_nodes = [], []
        for path, node in zip(paths, nodes, strict=True):
            for target in g.objects(node, member):
                if last and target != end:
                    continue
                next_paths.append((*path, (node, member, target)))
                next_nodes.append(target)
        paths, nodes = next_paths, next_nodes
    return paths


# =========================================================================== rendering


def render_term(term: rdflib.term.Node, graph: rdflib.Graph | None = None) -> str:
    """A compact form of a term: ``prefix:local`` for the coopgraph prefixes, else ``<iri>``;
    a blank node as its statements (``[owl:onProperty p; owl:hasValue v]``) when ``graph`` is
    given, else ``[]``; a literal in N-Triples form."""
    if isinstance(term, URIRef):
        return compact_iri(str(term))
    if isinstance(term, BNode):
        return "[]" if graph is None else _render_restriction(term, graph)
    return term.n3()


def _render_restriction(node: BNode, graph: rdflib.Graph) -> str:
    # owl:onProperty first: "[owl:onProperty p; owl:hasValue v]" reads as the restriction.
    # Statements relating the node to itself (owlrl's reflexive rdfs:subClassOf,
    # owl:equivalentClass and owl:sameAs) say nothing about it.
    parts = [
        f"{render_term(p)} {render_term(o)}"
        for p, o in sorted(
            graph.predicate_objects(node), key=lambda po: (po[0] != OWL.onProperty, str(po[0]))
        )
        if p != RDF.type and o != node
    ]
    return f"[{'; '.join(parts)}]" if parts else "[]"


def render_triple(triple: Triple) -> str:
    return " ".join(render_term(t) for t in triple)
