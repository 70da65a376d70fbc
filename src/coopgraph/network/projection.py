"""The projection of the knowledge graph onto a networkx MultiDiGraph (schema: the package doc).

The store is read with a few plain SPARQL SELECTs, each a scan of one predicate or one class,
never a join over the data: one for the facts (``VALUES ?p {...} ?s ?p ?o``) and one per actor,
designation, event, engagement-type or region class (``?s a ?class``, the class bound as a
parameter). Python then groups the rows by record, picks each actor's most specific class
and builds the graph. This is fast on Oxigraph, sends nothing large to a remote store and does
not depend on the store running SPARQL property paths or OPTIONAL well.

The class and engagement-type hierarchies and the labels of the vocabulary come from the
store and from the ontology the package ships, so data loaded without the ontology projects
the same way.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

import networkx as nx
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from coopgraph.errors import ParameterError
from coopgraph.network.periods import Window
from coopgraph.store.analysis import BindingTerm
from coopgraph.store.base import Term
from coopgraph.store.oxigraph import OxigraphStore
from coopgraph.vocab import COOP, ontology_file

RELATIONS = (
    "engagement",
    "alliance",
    "membership",
    "split",
    "merger",
    "allegiance_change",
    "rivalry",
)
"""The edge kinds (the ``relation`` attribute of every edge)."""


class Queryable(Protocol):
    """What the projection needs of a store: :meth:`coopgraph.store.base.Store.query`."""

    def query(self, sparql: str, bindings: Mapping[str, BindingTerm] | None = None) -> Any: ...


class _P:
    """The predicates the projection reads, as plain strings (rdflib Namespace lookups cost)."""

    label = str(RDFS.label)
    prefLabel = str(SKOS.prefLabel)
    subClassOf = str(RDFS.subClassOf)
    broaderType = str(COOP.broaderType)
    withinRegion = str(COOP.withinRegion)
    existedFrom = str(COOP.existedFrom)
    existedUntil = str(COOP.existedUntil)
    provider = str(COOP.provider)
    partner = str(COOP.partner)
    engagementType = str(COOP.engagementType)
    startDate = str(COOP.startDate)
    endDate = str(COOP.endDate)
    date = str(COOP.date)
    formality = str(COOP.formality)
    place = str(COOP.place)
    hasSource = str(COOP.hasSource)
    bibliographicCitation = str(DCTERMS.bibliographicCitation)
    designatedActor = str(COOP.designatedActor)
    designatingAuthority = str(COOP.designatingAuthority)
    member = str(COOP.member)
    organisation = str(COOP.organisation)
    allianceMember = str(COOP.allianceMember)
    originalActor = str(COOP.originalActor)
    resultingActor = str(COOP.resultingActor)
    changingActor = str(COOP.changingActor)
    formerAlly = str(COOP.formerAlly)
    newAlly = str(COOP.newAlly)
    rivalOf = str(COOP.rivalOf)


FACT_PREDICATES = [value for name, value in vars(_P).items() if not name.startswith("_")]
"""Every predicate whose statements the projection reads."""

FACTS_QUERY = (
    "SELECT ?s ?p ?o WHERE {\n  VALUES ?p {\n"
    + "".join(f"    <{p}>\n" for p in FACT_PREDICATES)
    + "  }\n  ?s ?p ?o\n}"
)
"""The statements of every fact predicate (constants, not user input): one index scan per
predicate, no join, in one result so that the store converts each subject term once."""

INSTANCES_QUERY = "SELECT DISTINCT ?s ?class WHERE { ?s a ?class }"
"""The instances of one class (bound as ``class``)."""

_RECORD_CLASSES = [COOP.Split, COOP.Merger, COOP.EngagementType, COOP.Region]


def node_id(term: Term) -> str:
    """The node id (or attribute value) of an RDF term: an IRI as is, a blank node as ``_:id``."""
    if type(term) is URIRef:  # the usual case, tested first: isinstance on rdflib terms is slow
        return str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


@dataclass
class _Facts:
    """Statements grouped as predicate -> subject -> objects (subjects as node ids)."""

    by_predicate: dict[str, dict[str, list[Term]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def read(self, store: Queryable) -> None:
        """Add the statements of every fact predicate in ``store``."""
        # Grouped by the result's own term objects first: the store hands out one object per
        # distinct term, whose hash Python caches, so each of the ~1M rows costs two cheap
        # lookups; the strings are made once per distinct predicate and subject.
        grouped: dict[Term, dict[Term, list[Term]]] = defaultdict(lambda: defaultdict(list))
        for subject, predicate, obj in store.query(FACTS_QUERY).rows:
            grouped[predicate][subject].append(obj)
        for predicate, subjects in grouped.items():
            target = self.by_predicate[str(predicate)]
            for subject, objects in subjects.items():
                target[node_id(subject)].extend(objects)

    def of(self, predicate: str) -> dict[str, list[Term]]:
        return self.by_predicate.get(predicate, {})

    def ids(self, predicate: str, subject: str) -> list[str]:
        """The objects of ``subject`` that are resources, as sorted node ids."""
        objects = self.by_predicate[predicate].get(subject)
        if not objects:
            return []
        if len(objects) == 1:  # the usual case
            return [] if type(objects[0]) is Literal else [node_id(objects[0])]
        return sorted({node_id(o) for o in objects if type(o) is not Literal})

    def value(self, predicate: str, subject: str) -> str | None:
        """One value (the smallest, so repeated values give the same answer every time)."""
        values = self.by_predicate[predicate].get(subject)
        if not values:
            return None
        return str(values[0]) if len(values) == 1 else min(str(v) for v in values)


def _closure(parents: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """Each node's ancestors, itself included (cycles are tolerated)."""
    result: dict[str, frozenset[str]] = {}

    def ancestors(node: str) -> frozenset[str]:
        seen = {node}
        stack = [node]
        while stack:
            for parent in parents.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return frozenset(seen)

    for node in parents:
        result[node] = ancestors(node)
    return result


@dataclass(frozen=True)
class _Vocabulary:
    """What the projection needs of the ontology: hierarchies and labels."""

    labels: dict[str, str]
    superclasses: dict[str, frozenset[str]]
    broader_types: dict[str, frozenset[str]]

    def subclasses_of(self, root: URIRef) -> list[str]:
        return sorted(c for c, ancestors in self.superclasses.items() if str(root) in ancestors)

    def most_specific(self, classes: Collection[str]) -> str | None:
        """The deepest of ``classes`` that no other of them specialises (ties: smallest IRI)."""
        if len(classes) == 1:
            return next(iter(classes))
        classes = set(classes)
        leaves = [
            c
            for c in classes
            if not any(c != d and c in self.superclasses.get(d, ()) for d in classes)
        ] or sorted(classes)
        if not leaves:
            return None
        return min(leaves, key=lambda c: (-len(self.superclasses.get(c, ())), c))

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or local_name(iri)


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``#`` or ``/`` (a fallback label)."""
    for separator in ("#", "/"):
        if separator in iri:
            iri = iri.rsplit(separator, 1)[1] or iri
    return iri


def _best_label(literals: Iterable[Term]) -> str | None:
    """English or untagged first, then any language; the smallest text breaks ties."""

    def rank(lit: Literal) -> tuple[int, str]:
        language = lit.language or ""
        preferred = language == "" or language.lower().startswith("en")
        return (0 if preferred else 1, str(lit))

    candidates = [lit for lit in literals if isinstance(lit, Literal)]
    return str(min(candidates, key=rank)) if candidates else None


def _labels(facts: _Facts) -> dict[str, str]:
    """The label of every labelled resource: rdfs:label first, then skos:prefLabel."""
    labels: dict[str, str] = {}
    for predicate in (_P.prefLabel, _P.label):  # rdfs:label overwrites
        for subject, literals in facts.of(predicate).items():
            label = _best_label(literals)
            if label is not None:
                labels[subject] = label
    return labels


def _hierarchy(facts: _Facts, predicate: str) -> dict[str, frozenset[str]]:
    """Each subject's ancestors along ``predicate`` (IRIs only: restrictions are blank nodes)."""
    parents: dict[str, set[str]] = defaultdict(set)
    for subject, objects in facts.of(predicate).items():
        parents[subject].update(str(o) for o in objects if type(o) is URIRef)
    return _closure(parents)


@lru_cache(maxsize=1)
def _shipped_ontology() -> tuple[_Facts, frozenset[str]]:
    """The facts and the engagement types of the ontology the package ships (read once)."""
    facts = _Facts()
    with resources.as_file(ontology_file()) as path, OxigraphStore() as store:
        store.load(path)
        facts.read(store)
        result = store.query(INSTANCES_QUERY, {"class": COOP.EngagementType})
    return facts, frozenset(node_id(row[0]) for row in result.rows)


def _read(store: Queryable) -> tuple[_Facts, _Vocabulary, dict[str, set[str]]]:
    """The store's facts, the vocabulary (store + shipped ontology) and the typed instances."""
    facts = _Facts()
    facts.read(store)
    shipped, shipped_types = _shipped_ontology()
    merged = _Facts()
    for source in (shipped, facts):
        for predicate in (_P.label, _P.prefLabel, _P.subClassOf, _P.broaderType):
            for subject, objects in source.of(predicate).items():
                merged.by_predicate[predicate][subject].extend(objects)
    vocabulary = _Vocabulary(
        labels=_labels(merged),
        superclasses=_hierarchy(merged, _P.subClassOf),
        broader_types=_hierarchy(merged, _P.broaderType),
    )
    classes = {
        *vocabulary.subclasses_of(COOP.Actor),
        *vocabulary.subclasses_of(COOP.Designation),
        *map(str, _RECORD_CLASSES),
        str(COOP.Actor),
        str(COOP.Designation),
    }
    types: dict[str, set[str]] = defaultdict(set)
    for cls in sorted(classes):
        result = store.query(INSTANCES_QUERY, {"class": URIRef(cls)})
        for instance, _ in result.rows:
            types[node_id(instance)].add(cls)
    for engagement_type in shipped_types:
        types[engagement_type].add(str(COOP.EngagementType))
    return facts, vocabulary, types


def project(
    store: Queryable,
    *,
    window: Window | None = None,
    engagement_types: Iterable[str] = (),
    regions: Iterable[str] = (),
) -> nx.MultiDiGraph:
    """The cooperation network held in ``store``, as documented in :mod:`coopgraph.network`.

    ``window`` keeps what overlaps a period (:func:`coopgraph.network.periods.as_of`,
    :func:`~coopgraph.network.periods.between`); ``engagement_types`` (IRIs; narrower types
    count) and ``regions`` (IRIs; regions within them count) keep only the engagements of
    those types or places. See :func:`restrict`.
    """
    with _gc_paused():
        graph = _build(store)
    engagement_types, regions = list(engagement_types), list(regions)
    if window is None and not engagement_types and not regions:
        return graph
    return restrict(graph, window=window, engagement_types=engagement_types, regions=regions)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: building ~1M small containers makes it rescan the
    growing heap again and again; nothing built here is cyclic garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(store: Queryable) -> nx.MultiDiGraph:
    facts, vocabulary, types = _read(store)
    actor_classes = set(vocabulary.subclasses_of(COOP.Actor)) | {str(COOP.Actor)}
    designation_classes = set(vocabulary.subclasses_of(COOP.Designation)) | {str(COOP.Designation)}
    citations = {
        source: _best_label(cits) or source
        for source, cits in facts.of(_P.bibliographicCitation).items()
    }
    graph = nx.MultiDiGraph()
    builder = _Builder(graph, facts, vocabulary, types, actor_classes)
    for actor in sorted(s for s, classes in types.items() if classes & actor_classes):
        builder.actor(actor)
    region_ids = {s for s, classes in types.items() if str(COOP.Region) in classes}
    region_ids.update(facts.of(_P.withinRegion))
    for engagement in sorted(facts.of(_P.provider)):
        builder.engagement(engagement, citations)
        region_ids.update(facts.ids(_P.place, engagement))
    builder.designations(designation_classes)
    builder.other_relations(citations)
    within = _hierarchy(facts, _P.withinRegion)
    graph.graph["regions"] = {
        region: {
            "label": vocabulary.label(region),
            "within": sorted(within.get(region, frozenset({region})) - {region}),
        }
        for region in sorted(region_ids)
    }
    type_ids = {s for s, classes in types.items() if str(COOP.EngagementType) in classes}
    type_ids.update(vocabulary.broader_types)
    type_ids.update(t for _, _, t in graph.edges(data="engagement_type") if t)
    graph.graph["engagement_types"] = {
        kind: {
            "label": vocabulary.label(kind),
            "broader": sorted(vocabulary.broader_types.get(kind, frozenset({kind})) - {kind}),
        }
        for kind in sorted(type_ids)
    }
    kinds = {kind for _, kind in graph.nodes(data="kind")}
    graph.graph["actor_kinds"] = {
        kind: {
            "label": vocabulary.label(kind),
            "broader": sorted(
                (vocabulary.superclasses.get(kind, frozenset()) & actor_classes) - {kind}
            ),
        }
        for kind in sorted(kinds)
    }
    graph.graph["window"] = "all dates"
    return graph


class _Builder:
    """Adds nodes and edges from the grouped facts (one method per record kind)."""

    def __init__(
        self,
        graph: nx.MultiDiGraph,
        facts: _Facts,
        vocabulary: _Vocabulary,
        types: Mapping[str, set[str]],
        actor_classes: set[str],
    ) -> None:
        self.graph = graph
        self.facts = facts
        self.vocabulary = vocabulary
        self.types = types
        self.actor_classes = actor_classes

    def actor(self, actor: str) -> None:
        if actor in self.graph:
            return
        facts = self.facts
        kind = self.vocabulary.most_specific(self.types.get(actor, set()) & self.actor_classes)
        kind = kind or str(COOP.Actor)  # the range of provider, partner, member, ...
        self.graph.add_node(
            actor,
            label=self.vocabulary.label(actor),
            kind=kind,
            kind_label=self.vocabulary.label(kind),
            existed_from=facts.value(_P.existedFrom, actor),
            existed_until=facts.value(_P.existedUntil, actor),
            designations=[],
        )

    def _period(self, record: str) -> dict[str, str | None]:
        return {
            "start": self.facts.value(_P.startDate, record),
            "end": self.facts.value(_P.endDate, record),
        }

    def _sources(self, record: str, citations: Mapping[str, str]) -> list[str]:
        return sorted({citations.get(s, s) for s in self.facts.ids(_P.hasSource, record)})

    def _edge(self, u: str, v: str, key: str, **attributes: object) -> None:
        self.actor(u)
        self.actor(v)
        self.graph.add_edge(u, v, key=key, **attributes)

    def engagement(self, engagement: str, citations: Mapping[str, str]) -> None:
        facts, vocabulary = self.facts, self.vocabulary
        kind = vocabulary.most_specific(facts.ids(_P.engagementType, engagement))
        formality = facts.ids(_P.formality, engagement)
        attributes = {
            "relation": "engagement",
            "iri": engagement,
            "engagement_type": kind,
            "engagement_type_label": vocabulary.label(kind) if kind else None,
            **self._period(engagement),
            "formality": formality[0] if formality else None,
            "formality_label": vocabulary.label(formality[0]) if formality else None,
            "places": facts.ids(_P.place, engagement),
            "sources": self._sources(engagement, citations),
        }
        for provider in facts.ids(_P.provider, engagement):
            for partner in facts.ids(_P.partner, engagement):
                self._edge(provider, partner, engagement, **attributes)

    def designations(self, designation_classes: set[str]) -> None:
        facts, vocabulary = self.facts, self.vocabulary
        for record in sorted(facts.of(_P.designatedActor)):
            kind = vocabulary.most_specific(self.types.get(record, set()) & designation_classes)
            kind = kind or str(COOP.Designation)
            authorities = facts.ids(_P.designatingAuthority, record)
            designation = {
                "iri": record,
                "kind": kind,
                "kind_label": vocabulary.label(kind),
                "authority": authorities[0] if authorities else None,
                "authority_label": vocabulary.label(authorities[0]) if authorities else None,
                **self._period(record),
            }
            for actor in facts.ids(_P.designatedActor, record):
                self.actor(actor)
                self.graph.nodes[actor]["designations"].append(designation)

    def other_relations(self, citations: Mapping[str, str]) -> None:
        facts = self.facts
        for record in sorted(facts.of(_P.allianceMember)):
            members = facts.ids(_P.allianceMember, record)
            common = {"relation": "alliance", "iri": record, **self._period(record)}
            common["sources"] = self._sources(record, citations)
            for i, first in enumerate(members):
                for second in members[i + 1 :]:  # stored once, from the smaller IRI
                    self._edge(first, second, record, **common)
        for record in sorted(facts.of(_P.member)):
            common = {"relation": "membership", "iri": record, **self._period(record)}
            common["sources"] = self._sources(record, citations)
            for member in facts.ids(_P.member, record):
                for organisation in facts.ids(_P.organisation, record):
                    self._edge(member, organisation, record, **common)
        for record in sorted(facts.of(_P.originalActor)):
            relation = "merger" if str(COOP.Merger) in self.types.get(record, ()) else "split"
            common = {"relation": relation, "iri": record, "date": facts.value(_P.date, record)}
            common["sources"] = self._sources(record, citations)
            for original in facts.ids(_P.originalActor, record):
                for resulting in facts.ids(_P.resultingActor, record):
                    self._edge(original, resulting, record, **common)
        for record in sorted(facts.of(_P.changingActor)):
            common = {
                "relation": "allegiance_change",
                "iri": record,
                "date": facts.value(_P.date, record),
                "sources": self._sources(record, citations),
            }
            for actor in facts.ids(_P.changingActor, record):
                for side, predicate in (("former", _P.formerAlly), ("new", _P.newAlly)):
                    for ally in facts.ids(predicate, record):
                        self._edge(actor, ally, record, side=side, **common)
        rivalries = {
            tuple(sorted((subject, rival)))
            for subject in facts.of(_P.rivalOf)
            for rival in facts.ids(_P.rivalOf, subject)
            if rival != subject
        }
        for first, second in sorted(rivalries):  # symmetric: stored once, from the smaller IRI
            self._edge(first, second, str(COOP.rivalOf), relation="rivalry", iri=None)


def restrict(
    graph: nx.MultiDiGraph,
    *,
    window: Window | None = None,
    engagement_types: Iterable[str] = (),
    regions: Iterable[str] = (),
) -> nx.MultiDiGraph:
    """A copy of ``graph`` with only what falls in ``window`` and the given types and regions.

    * ``window``: an edge stays when its period overlaps the window (open ends included), an
      event edge (split, merger, allegiance change) when its date falls in it, a rivalry
      always; an actor stays when the period it existed overlaps the window or it has an edge
      that stays; a designation stays on its actor when its period overlaps the window.
    * ``engagement_types``: only engagements of these types or narrower ones stay.
    * ``regions``: only engagements placed in these regions or regions within them stay.

    With a type or region restriction only the actors that take part in a remaining
    engagement stay, with the other relations among them.
    """
    engagement_types = _check_terms(graph, "engagement_types", engagement_types, "--type")
    regions = _check_terms(graph, "regions", regions, "--region")

    def keep_edge(data: Mapping[str, Any]) -> bool:
        relation = data["relation"]
        if window is not None:
            if relation in ("split", "merger", "allegiance_change"):
                if not window.contains(data["date"]):
                    return False
            elif relation != "rivalry" and not window.overlaps(data["start"], data["end"]):
                return False
        if relation != "engagement":
            return True
        if engagement_types and not (
            _ancestors(graph, "engagement_types", "broader", data["engagement_type"])
            & engagement_types
        ):
            return False
        return not regions or any(
            _ancestors(graph, "regions", "within", place) & regions for place in data["places"]
        )

    kept_edges = [
        (u, v, k) for u, v, k, data in graph.edges(keys=True, data=True) if keep_edge(data)
    ]
    if engagement_types or regions:
        nodes = {
            n
            for u, v, k in kept_edges
            if graph.edges[u, v, k]["relation"] == "engagement"
            for n in (u, v)
        }
        kept_edges = [(u, v, k) for u, v, k in kept_edges if u in nodes and v in nodes]
    else:
        nodes = {
            n
            for n, data in graph.nodes(data=True)
            if window is None or window.overlaps(data["existed_from"], data["existed_until"])
        }
        nodes.update(n for u, v, _ in kept_edges for n in (u, v))
    result = nx.MultiDiGraph()
    result.graph.update(graph.graph)
    for node in sorted(nodes):
        data = dict(graph.nodes[node])
        data["designations"] = [
            d
            for d in data["designations"]
            if window is None or window.overlaps(d["start"], d["end"])
        ]
        result.add_node(node, **data)
    for u, v, k in kept_edges:
        result.add_edge(u, v, key=k, **graph.edges[u, v, k])
    if window is not None:
        result.graph["window"] = window.text
        result.graph["window_first"] = window.first.isoformat()
        result.graph["window_last"] = window.last.isoformat()
    if engagement_types:
        result.graph["engagement_type_filter"] = sorted(engagement_types)
    if regions:
        result.graph["region_filter"] = sorted(regions)
    return result


def _ancestors(graph: nx.MultiDiGraph, table: str, key: str, term: str | None) -> set[str]:
    if term is None:
        return set()
    entry = graph.graph[table].get(term)
    return {term, *(entry[key] if entry else ())}


def _check_terms(
    graph: nx.MultiDiGraph, table: str, terms: Iterable[str], parameter: str
) -> set[str]:
    known = graph.graph[table]
    terms = {str(t) for t in terms}
    unknown = sorted(terms - set(known))
    if unknown:
        what = "an engagement type" if table == "engagement_types" else "a region"
        raise ParameterError(f"{parameter}: {unknown[0]} is not {what} in the data")
    return terms
