"""The canned queries give the same rows everywhere: with and without OWL RL materialisation of
the data, and on every store backend (rdflib in memory, embedded Oxigraph, and the Oxigraph and
Virtuoso servers of the compliance suite).

The reference is the embedded default (:func:`coopgraph.dataset.open_dataset`) on the ontology,
the query fixtures and the example knowledge base.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import owlrl
import pytest
import rdflib
from rdflib import URIRef

from coopgraph import rdfio, reason
from coopgraph.catalogue import catalogue, parse_header, run_select
from coopgraph.dataset import open_dataset
from coopgraph.risks import assess, to_json
from coopgraph.store import OxigraphStore, Store
from coopgraph.vocab import example_files, ontology_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "queries"
EXAMPLES = [Path(str(f)) for f in example_files()]
DATA_FILES = sorted(FIXTURES.glob("*.ttl")) + EXAMPLES
ONTOLOGY = Path(str(ontology_file()))

Answers = dict[tuple[str, str | None], list[tuple[object, ...]]]


def engagements(store: Store) -> list[URIRef]:
    result = store.query(
        "PREFIX coop: <https://w3id.org/coopgraph/ontology#> "
        "SELECT DISTINCT ?e WHERE { ?e coop:provider ?p } ORDER BY ?e"
    )
    return [row[0] for row in result.rows]  # type: ignore[union-attr,misc]


def all_answers(store: Store, targets: list[URIRef]) -> Answers:
    """Every canned query's rows: once per engagement when it takes one, else once."""
    answers: Answers = {}
    for name, query in catalogue().items():
        takes_engagement = any(p.name == "engagement" for p in query.parameters)
        required = [p.name for p in query.parameters if p.required]
        for engagement in targets if takes_engagement else [None]:
            if required and engagement is None:
                continue
            params = {"engagement": engagement} if engagement is not None else {}
            rows = run_select(store, name, params).rows
            answers[(name, engagement and str(engagement))] = sorted(rows, key=repr)
    return answers


# The engagements the per-engagement queries run on: every fixture engagement (each an edge
# case) and case-study engagements of the example knowledge base with every kind of reason. (A
# Virtuoso server takes about a second per query, so not all of them.)
KB_ENGAGEMENTS = [
    "eng-us-sdf-weapons",
    "eng-colombia-auc-negotiation",
    "eng-germany-peshmerga-weapons",
    "eng-turkey-sna-peace-spring",
    "eng-iran-hezbollah-funding",
]


@pytest.fixture(scope="module")
def reference() -> Iterator[tuple[list[URIRef], Answers]]:
    with open_dataset(DATA_FILES) as store:
        data = str(URIRef("https://w3id.org/coopgraph/data/"))
        targets = [
            e
            for e in engagements(store)
            if "/eng-" not in str(e) or str(e)[len(data) :] in KB_ENGAGEMENTS
        ]
        yield targets, all_answers(store, targets)


def test_reference_covers_every_engagement_of_the_fixtures(
    reference: tuple[list[URIRef], Answers],
) -> None:
    targets, answers = reference
    assert URIRef("https://w3id.org/coopgraph/data/d-backs-x") in targets
    assert len([t for t in targets if "/eng-" in str(t)]) == len(KB_ENGAGEMENTS)
    # each query that takes an engagement ran on each one
    per_engagement = [
        n for n, q in catalogue().items() if any(p.name == "engagement" for p in q.parameters)
    ]
    assert len(answers) == len(per_engagement) * len(targets) + (
        len(catalogue()) - len(per_engagement)
    )


def materialised_store() -> OxigraphStore:
    """The ontology and data after OWL RL materialisation with owlrl, in an embedded store."""
    graph = rdflib.Graph()
    for path in [ONTOLOGY, *DATA_FILES]:
        graph += rdfio.read_graph(path)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    # owlrl adds generalised triples (a literal as subject) that no RDF 1.1 store holds and no
    # query reads; the rest goes in as it is.
    kept = rdflib.Graph()
    for triple in graph:
        if not isinstance(triple[0], rdflib.Literal):
            kept.add(triple)
    store = OxigraphStore()
    store.add(kept)
    return store


@pytest.mark.slow
def test_same_rows_with_and_without_owl_rl_materialisation(
    reference: tuple[list[URIRef], Answers],
) -> None:
    targets, expected = reference
    with materialised_store() as store:
        # the closure did derive what the queries must not depend on
        derived = store.query(
            "PREFIX coop: <https://w3id.org/coopgraph/ontology#> "
            "SELECT ?e ?r WHERE { ?e coop:hasRisk ?r } LIMIT 1"
        )
        assert len(derived.rows) == 1  # type: ignore[union-attr]
        answers = all_answers(store, targets)
    # engagement-facts and engagement-sources list the statements themselves, and the closure
    # adds statements; every query that answers a competency question reads base facts only.
    questions = {name for name, query in catalogue().items() if query.question is not None}
    differences = [key for key in expected if key[0] in questions and answers[key] != expected[key]]
    assert differences == []


ALL_IN_ONE_GRAPH = "https://w3id.org/coopgraph/test/graph/queries"


@pytest.fixture
def backend_store(loaded_store: Callable[..., Store]) -> Store:
    # One graph for all the files: Virtuoso spends about 45 ms per graph of the dataset on
    # each query (1.96 s against 0.85 s with the 24 graphs of one file each), and the
    # compliance suite already tests queries over many graphs.
    return loaded_store(*((path, ALL_IN_ONE_GRAPH) for path in [ONTOLOGY, *DATA_FILES]))


# (The Virtuoso server process used to die on the example knowledge base: on the date tests of
# competing-sponsors, two FILTER NOT EXISTS nested in a FILTER EXISTS that joined both
# engagements' dates. The query now tests the other engagement's dates one triple at a time.)


# rdflib's own SPARQL engine needs about 3 s per engagement for the per-engagement queries
# (the other backends need milliseconds): in memory, every query runs on the first engagements.
MEMORY_ENGAGEMENTS = 10


def test_same_rows_on_every_backend(
    backend_store: Store, store_backend: str, reference: tuple[list[URIRef], Answers]
) -> None:
    targets, expected = reference
    if store_backend == "memory":
        targets = targets[:MEMORY_ENGAGEMENTS]
    answers = all_answers(backend_store, targets)
    differences = [key for key in answers if answers[key] != expected[key]]
    assert differences == []
    assert len(answers) >= len(catalogue()) + len(targets)
    # Virtuoso runs the forms of queries written for it (queries/virtuoso/).
    assert backend_store.dialect == ("virtuoso" if store_backend == "virtuoso" else "standard")


def test_virtuoso_forms_give_the_standard_rows(reference: tuple[list[URIRef], Answers]) -> None:
    """Each query written again for Virtuoso gives, on a conformant engine, the rows of its
    standard form, and declares the same parameters and columns."""
    targets, expected = reference
    variants = {
        name: query
        for name, query in catalogue().items()
        if query.text_for("virtuoso") != query.text
    }
    assert sorted(variants) == ["countermeasure-gaps"]
    with open_dataset(DATA_FILES) as store:
        for name, query in variants.items():
            form = parse_header(query.text_for("virtuoso"), f"queries/virtuoso/{name}.rq")
            assert (form.name, form.parameters, form.columns) == (
                query.name,
                query.parameters,
                query.columns,
            )
            for engagement in targets:
                result = store.query(form.text, {"engagement": engagement})
                rows = sorted(result.rows, key=repr)  # type: ignore[union-attr]
                assert rows == expected[(name, str(engagement))], engagement


def test_same_assessment_on_every_backend(backend_store: Store) -> None:
    with open_dataset(DATA_FILES) as store:
        for engagement in [URIRef(f"https://w3id.org/coopgraph/data/{e}") for e in KB_ENGAGEMENTS]:
            assert to_json(assess(backend_store, engagement)) == to_json(assess(store, engagement))


EQUIVALENT_CLASS = """
@prefix coop: <https://w3id.org/coopgraph/ontology#> .
@prefix data: <https://w3id.org/coopgraph/data/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
data:ArmedGroup a owl:Class ; owl:equivalentClass coop:NonStateArmedGroup .
data:G a coop:RebelGroup .
data:StateA a coop:State .
data:e a coop:Engagement ; coop:provider data:StateA ; coop:partner data:G ;
    coop:engagementType coop:OtherSupport .
"""


@pytest.mark.parametrize("name", ["applicable-risks", "governing-frameworks"])
def test_a_class_equivalent_to_a_partner_class_keeps_its_risks_after_materialisation(
    name: str,
) -> None:
    # Materialised, coop:NonStateArmedGroup and the equivalent class are subclasses of each
    # other: each ruled the other out as "the most general class with the restriction", and
    # the five risks (and the two frameworks) of a non-state armed group partner were lost.
    graph = rdflib.Graph().parse(ONTOLOGY).parse(data=EQUIVALENT_CLASS, format="turtle")
    engagement = URIRef("https://w3id.org/coopgraph/data/e")
    answers = []
    for data in (graph, reason.materialise(graph).graph):
        with OxigraphStore() as store:
            store.add(data)
            rows = run_select(store, name, {"engagement": engagement}).rows
            answers.append(sorted({row[1] for row in rows if str(row[2]) == "partner situation"}))
    raw, materialised = answers
    assert materialised == raw
    assert len(raw) == (5 if name == "applicable-risks" else 2)
