"""The store compliance suite: one set of tests, run on every backend, expecting exact answers.

Every test here runs four times, once per backend: ``memory`` (rdflib), ``oxigraph``
(embedded), ``oxigraph-server`` and ``virtuoso`` (real servers, ``@pytest.mark.server``).
The expected rows are written out by hand from ``tests/fixtures/store/*.ttl``; a backend that
answers differently fails, so a capability built on :class:`~coopgraph.store.Store` gets the
same answer from all of them.

To run your own capability's tests on all the backends, ask for these fixtures (defined in
``tests/store_fixtures.py`` and available to every test file through ``conftest.py``)::

    def test_my_report(loaded_store):
        store = loaded_store(FIXTURES / "my" / "data.ttl")      # or (path, graph_iri) pairs
        assert my_report(store) == ...

    def test_on_the_compliance_data(any_store, store_backend):
        ...   # any_store: this dataset already loaded; store_backend: "memory", "virtuoso", ...

``empty_store`` gives an open empty store. Server backends are skipped when the server binary
is absent, except in CI (``CI=true``), where they fail.

Known, documented differences between engines, which the tests pin down rather than hide:
a statement stored in two graphs appears once in the union default graph on rdflib but once
per graph on Oxigraph and Virtuoso, and Virtuoso repeats rows of ``+``/``*`` paths on a DAG.
Use DISTINCT for both (the tests show that DISTINCT answers agree everywhere).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD
from store_fixtures import COMPLIANCE_DATASET, G_ACTORS, G_ENGAGEMENTS, SERVER_BACKENDS, TEST_NS

from coopgraph.errors import InputError, NetworkRefusedError, ParameterError, ParseError
from coopgraph.store import AskResult, GraphResult, MemoryStore, SelectResult, Store
from coopgraph.store.base import QueryDataset
from coopgraph.vocab import COOP

T = rdflib.Namespace(TEST_NS)
PREFIXES = f"""\
PREFIX coop: <{COOP}>
PREFIX t: <{TEST_NS}>
PREFIX rdfs: <{RDFS}>
PREFIX xsd: <{XSD}>
"""
TOTAL_QUADS = 53  # 32 in the actors graph + 21 in the engagements graph
G_EXTRA = TEST_NS + "graph/extra"


def select(store: Store, query: str, bindings: dict | None = None) -> SelectResult:
    result = store.query(PREFIXES + query, bindings)
    assert isinstance(result, SelectResult)
    return result


def rows(store: Store, query: str, bindings: dict | None = None) -> list[tuple]:
    """The rows of a SELECT without ORDER BY, in a backend-independent order."""
    return sorted(select(store, query, bindings).rows, key=lambda r: [repr(t) for t in r])


def literal_true(value: bool) -> Literal:
    return Literal(value)  # "true"/"false"^^xsd:boolean


# --------------------------------------------------------------------------- size and graphs


def test_counts_and_graphs(any_store: Store) -> None:
    assert len(any_store) == TOTAL_QUADS
    assert any_store.graphs() == [URIRef(G_ACTORS), URIRef(G_ENGAGEMENTS)]


def test_count_per_graph(any_store: Store) -> None:
    result = select(
        any_store,
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    )
    assert result.variables == ["g", "n"]
    assert result.rows == [(URIRef(G_ACTORS), Literal(32)), (URIRef(G_ENGAGEMENTS), Literal(21))]


def test_aggregates(any_store: Store) -> None:
    result = select(
        any_store,
        "SELECT (COUNT(DISTINCT ?e) AS ?engagements) (COUNT(DISTINCT ?p) AS ?providers) "
        "WHERE { ?e a coop:Engagement ; coop:provider ?p }",
    )
    assert result.rows == [(Literal(3), Literal(2))]


# --------------------------------------------------------------------------- SELECT


def test_select_rows_exact(any_store: Store) -> None:
    result = select(
        any_store, "SELECT ?state ?label WHERE { ?state a coop:State ; rdfs:label ?label }"
    )
    assert result.variables == ["state", "label"]
    assert sorted(result.rows, key=repr) == sorted(
        [
            (T.stateA, Literal("State A", lang="en")),
            (T.stateA, Literal("État A", lang="fr")),
            (T.stateB, Literal("State B", lang="en")),
        ],
        key=repr,
    )


def test_select_order_and_unbound(any_store: Store) -> None:
    result = select(
        any_store,
        "SELECT ?e ?end WHERE { ?e a coop:Engagement OPTIONAL { ?e coop:endDate ?end } } "
        "ORDER BY ?e",
    )
    assert result.rows == [
        (T.eng1, None),
        (T.eng2, Literal("2019-01-31", datatype=XSD.date)),
        (T.eng3, None),
    ]
    assert result.dicts()[0] == {"e": T.eng1}


def test_literals_come_back_exactly(any_store: Store) -> None:
    """A TAB, a quote and a backslash, a language tag, an xsd:date and booleans, term for term."""
    labels = dict(select(any_store, "SELECT ?a ?l WHERE { ?a rdfs:label ?l }").rows)
    assert labels[T.militiaM] == Literal("Militia\tM")
    assert str(labels[T.militiaM]) == "Militia\tM" and labels[T.militiaM].datatype is None
    assert labels[T.rebelsR] == Literal('Rebels "R" \\ co.', lang="en")
    assert labels[T.rebelsR].language == "en"
    result = select(
        any_store, "SELECT ?e ?d ?c WHERE { ?e coop:startDate ?d ; t:covert ?c } ORDER BY ?e"
    )
    assert result.rows == [
        (T.eng1, Literal("2014-03-01", datatype=XSD.date), literal_true(False)),
        (T.eng2, Literal("2016-05-20", datatype=XSD.date), literal_true(True)),
        (T.eng3, Literal("2020-01-01", datatype=XSD.date), literal_true(False)),
    ]
    for _, date, covert in result.rows:
        assert date.datatype == XSD.date and str(date) in {"2014-03-01", "2016-05-20", "2020-01-01"}
        assert covert.datatype == XSD.boolean and str(covert) in {"true", "false"}


def test_boolean_expressions(any_store: Store) -> None:
    """Virtuoso answers these with 1/0 integers; the client must give xsd:boolean back."""
    result = select(
        any_store,
        "SELECT ?e ?late (isIRI(?e) AS ?iri) (!?c AS ?overt) WHERE { ?e coop:startDate ?d ; "
        't:covert ?c BIND(?d > "2015-01-01"^^xsd:date AS ?late) } ORDER BY ?e',
    )
    yes, no = literal_true(True), literal_true(False)
    assert result.rows == [(T.eng1, no, yes, yes), (T.eng2, yes, yes, no), (T.eng3, yes, yes, yes)]
    assert all(term.datatype == XSD.boolean for row in result.rows for term in row[1:])


def test_union_default_graph_joins_graphs(any_store: Store) -> None:
    """The default graph is the union: a join across the two graphs needs no GRAPH."""
    assert rows(
        any_store,
        "SELECT DISTINCT ?e ?label WHERE { ?e coop:partner ?a . ?a rdfs:label ?label "
        'FILTER(!isLiteral(?label) || lang(?label) != "fr") }',
    ) == sorted(
        [
            (T.eng1, Literal("Militia\tM")),
            (T.eng2, Literal('Rebels "R" \\ co.', lang="en")),
            (T.eng3, Literal("State B", lang="en")),
        ],
        key=lambda r: [repr(t) for t in r],
    )


def test_named_graph_scoping(any_store: Store) -> None:
    result = select(
        any_store,
        f"SELECT ?s WHERE {{ GRAPH <{G_ENGAGEMENTS}> {{ ?s a coop:ProGovernmentMilitia }} }}",
    )
    assert result.rows == [(T.militiaM,)]
    result = select(
        any_store,
        "SELECT ?g WHERE { GRAPH ?g { t:militiaM a coop:ProGovernmentMilitia } } ORDER BY ?g",
    )
    assert result.rows == [(URIRef(G_ACTORS),), (URIRef(G_ENGAGEMENTS),)]


def test_statement_in_two_graphs(any_store: Store, store_backend: str) -> None:
    """One triple in two graphs: DISTINCT agrees everywhere; without it engines differ."""
    query = "SELECT {} ?s WHERE {{ ?s a coop:ProGovernmentMilitia }}"
    assert select(any_store, query.format("DISTINCT")).rows == [(T.militiaM,)]
    # rdflib merges the graphs as a set (as the spec's RDF merge says); Oxigraph and Virtuoso
    # keep one row per graph.
    expected = 1 if store_backend == "memory" else 2
    assert len(select(any_store, query.format(""))) == expected


# --------------------------------------------------------------------------- request datasets

ENGAGEMENTS_ONLY = QueryDataset(default_graphs=[G_ENGAGEMENTS])
# Partners' labels: engagements in the default graph, labels found through GRAPH ?g.
PARTNER_LABELS = (
    "SELECT ?e ?g ?label WHERE { ?e coop:partner ?a "
    'GRAPH ?g { ?a rdfs:label ?label FILTER(lang(?label) != "fr") } } ORDER BY ?e'
)


@pytest.mark.parametrize(
    ("dataset", "expected"),
    [
        (QueryDataset(default_graphs=[G_ACTORS]), [(Literal(32),)]),
        (ENGAGEMENTS_ONLY, [(Literal(21),)]),
        (QueryDataset(default_graphs=[G_ACTORS, G_ENGAGEMENTS]), [(Literal(52),)]),
        (QueryDataset(named_graphs=[G_ACTORS, G_ENGAGEMENTS]), [(Literal(0),)]),
        (QueryDataset(default_graphs=[TEST_NS + "graph/absent"]), [(Literal(0),)]),
    ],
    ids=["actors", "engagements", "both-merged", "named-only-empty-default", "absent"],
)
def test_dataset_default_graphs(
    any_store: Store, dataset: QueryDataset, expected: list[tuple]
) -> None:
    """The default graph is the merge of the chosen graphs; none chosen: an empty graph."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    assert select(any_store, query).rows == [(Literal(52),)]  # the union, without a dataset
    assert any_store.query(PREFIXES + query, dataset=dataset).rows == expected  # type: ignore[union-attr]


def test_dataset_named_graphs_and_join(any_store: Store) -> None:
    """GRAPH sees the chosen named graphs only, the default graph the chosen default graphs."""
    result = any_store.query(
        PREFIXES + PARTNER_LABELS,
        dataset=QueryDataset(default_graphs=[G_ENGAGEMENTS], named_graphs=[G_ACTORS]),
    )
    assert isinstance(result, SelectResult)
    assert result.rows == [
        (T.eng1, URIRef(G_ACTORS), Literal("Militia\tM")),
        (T.eng2, URIRef(G_ACTORS), Literal('Rebels "R" \\ co.', lang="en")),
        (T.eng3, URIRef(G_ACTORS), Literal("State B", lang="en")),
    ]
    no_named = any_store.query(PREFIXES + PARTNER_LABELS, dataset=ENGAGEMENTS_ONLY)
    assert no_named.rows == []  # type: ignore[union-attr]
    graphs = any_store.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        dataset=QueryDataset(named_graphs=[G_ENGAGEMENTS]),
    )
    assert graphs.rows == [(URIRef(G_ENGAGEMENTS),)]  # type: ignore[union-attr]


def test_dataset_overrides_from_and_keeps_parameters(any_store: Store) -> None:
    """The request's dataset wins over FROM (which is then not network access), and
    parameters are bound as usual; ASK and CONSTRUCT take a dataset too."""
    query = PREFIXES + f"SELECT ?s ?type FROM <{G_ACTORS}> WHERE {{ ?s a ?type }} ORDER BY ?s"
    result = any_store.query(query, {"type": COOP.Engagement}, dataset=ENGAGEMENTS_ONLY)
    engagement = COOP.Engagement
    assert result.rows == [(T.eng1, engagement), (T.eng2, engagement), (T.eng3, engagement)]  # type: ignore[union-attr]
    with pytest.raises(NetworkRefusedError, match="FROM"):
        any_store.query(query, {"type": COOP.Engagement})
    ask = PREFIXES + "ASK { ?s a coop:State }"
    assert any_store.query(ask, dataset=QueryDataset(default_graphs=[G_ACTORS])) == AskResult(True)
    assert any_store.query(ask, dataset=ENGAGEMENTS_ONLY) == AskResult(False)
    construct = any_store.query(
        PREFIXES + "CONSTRUCT { ?s a coop:State } WHERE { ?s a coop:State }",
        dataset=QueryDataset(default_graphs=[G_ACTORS]),
    )
    assert isinstance(construct, GraphResult)
    assert sorted(construct) == [(T.stateA, RDF.type, COOP.State), (T.stateB, RDF.type, COOP.State)]


def test_update_dataset(any_store: Store) -> None:
    """An update's WHERE reads the request's dataset; its templates write to the store."""
    update = (
        PREFIXES + f"INSERT {{ GRAPH <{G_EXTRA}> {{ ?s t:seenIn ?in }} }} WHERE {{ "
        '{ ?s a coop:ProGovernmentMilitia BIND("default" AS ?in) } UNION '
        "{ GRAPH ?g { ?s a coop:State } BIND(?g AS ?in) } }"
    )
    any_store.update(
        update, dataset=QueryDataset(default_graphs=[G_ENGAGEMENTS], named_graphs=[G_ACTORS])
    )
    found = f"SELECT ?s ?in WHERE {{ GRAPH <{G_EXTRA}> {{ ?s ?p ?in }} }} ORDER BY ?s"
    assert select(any_store, found).rows == [
        (T.militiaM, Literal("default")),
        (T.stateA, URIRef(G_ACTORS)),
        (T.stateB, URIRef(G_ACTORS)),
    ]
    any_store.update(
        PREFIXES + f"DELETE {{ GRAPH <{G_EXTRA}> {{ ?s t:seenIn ?in }} }} "
        f"WHERE {{ GRAPH <{G_EXTRA}> {{ ?s t:seenIn ?in }} ?s a coop:State }}",
        dataset=QueryDataset(default_graphs=[G_ACTORS], named_graphs=[G_EXTRA]),
    )
    assert select(any_store, found).rows == [(T.militiaM, Literal("default"))]
    assert len(any_store) == TOTAL_QUADS + 1


def test_insert_data_into_the_default_graph(any_store: Store, store_backend: str) -> None:
    # The memory store failed ("not enough values to unpack"), reported as exit 4.
    statement = "<urn:x:inserted> <urn:x:p> <urn:x:o>"
    if store_backend == "virtuoso":  # a statement in no graph is refused
        with pytest.raises(InputError, match="No plain default graph"):
            any_store.update(f"INSERT DATA {{ {statement} }}")
    else:
        any_store.update(f"INSERT DATA {{ {statement} }}")
    if store_backend in SERVER_BACKENDS:
        # A remote store reads the server's named graphs, not its own default graph.
        assert any_store.query(f"ASK {{ {statement} }}") == AskResult(False)
        return
    assert any_store.query(f"ASK {{ {statement} }}") == AskResult(True)
    assert len(any_store) == TOTAL_QUADS + 1
    any_store.update(f"DELETE DATA {{ {statement} }}")
    assert any_store.query(f"ASK {{ {statement} }}") == AskResult(False)
    assert len(any_store) == TOTAL_QUADS


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?p",
            "line 1, column 41: a variable is selected that is neither grouped (GROUP BY) nor"
            " inside an aggregate",
        ),
        (
            "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
            "line 1, column 46: a variable is selected that is neither grouped (GROUP BY) nor"
            " inside an aggregate",
        ),
        (
            "SELECT * WHERE { ?s ?p ?o } GROUP BY ?p",
            "line 1, column 40: SELECT * and CONSTRUCT cannot be used with GROUP BY"
            " (select the grouped variables)",
        ),
        ("SELECT (1 AS ?x) (2 AS ?x) WHERE { }", "line 1, column 37: a variable is selected twice"),
        (
            "SELECT (?o AS ?s) WHERE { ?s ?p ?o }",
            "line 1, column 37: (... AS ?v) assigns a variable that the query pattern already uses",
        ),
        (
            "SELECT * WHERE { ?s ?p ?o BIND(1 AS ?s) }",
            "line 1, column 42: SPARQL 1.1 does not allow this here",
        ),
        (
            "SELECT * WHERE { { _:a ?p ?o } UNION { _:a ?p ?o } }",
            "line 1, column 48: SPARQL 1.1 does not allow this here",
        ),
        (
            "SELECT * WHERE { VALUES (?a ?b) { (1) } }",
            "line 1, column 42: SPARQL 1.1 does not allow this here",
        ),
    ],
)
def test_queries_sparql_forbids_beyond_its_grammar_are_refused(
    any_store: Store, query: str, message: str
) -> None:
    # rdflib's parser let them through and its engine answered them; Oxigraph refused them.
    with pytest.raises(InputError, match=f"^SPARQL query syntax error at {re.escape(message)}$"):
        any_store.query(query)


@pytest.mark.parametrize(
    "update",
    [
        "INSERT { ?s <urn:x:p> ?o } WHERE { ?s <urn:x:q> ?o BIND(1 AS ?s) }",
        "DELETE { ?s ?p ?o } WHERE { { _:a ?p ?o } UNION { _:a ?p ?o } }",
    ],
)
def test_updates_whose_where_clause_sparql_forbids_are_refused(
    any_store: Store, update: str
) -> None:
    # rdflib's parser let them through, and its engine ran them on the data.
    with pytest.raises(
        InputError, match=r"^SPARQL update syntax error at line 1, column \d+: SPARQL 1.1 does not"
    ):
        any_store.update(update)
    assert len(any_store) == TOTAL_QUADS


@pytest.mark.parametrize(
    ("kind", "text", "prefix"),
    [
        ("query", "ASK { ?s ex:p ?o }", "ex"),
        ("query", "PREFIX ex: <urn:x:>\nASK { ?s ex:p ?o { SELECT ?s { ?s rel:r [] } } }", "rel"),
        ("update", "PREFIX x: <urn:x:>\nINSERT DATA { GRAPH x:g { x:a :b 1 } }", ""),
    ],
)
def test_a_prefix_that_is_not_declared_is_refused(
    any_store: Store, kind: str, text: str, prefix: str
) -> None:
    # rdflib's parser accepted it; Oxigraph refused it with an error at a later column.
    run = any_store.query if kind == "query" else any_store.update
    message = f"the prefix {prefix}: is not declared (add PREFIX {prefix}: <namespace IRI>)"
    with pytest.raises(InputError, match=f"^SPARQL {kind} syntax error: {re.escape(message)}$"):
        run(text)
    assert len(any_store) == TOTAL_QUADS


@pytest.mark.parametrize(
    ("update", "message"),
    [
        (
            f"WITH <{G_ACTORS}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
            "names its own dataset",
        ),
        (
            f"DELETE {{ ?s ?p ?o }} USING <{G_ACTORS}> WHERE {{ ?s ?p ?o }}",
            "names its own dataset",
        ),
        ("DELETE WHERE { ?s ?p ?o }", "a DELETE WHERE cannot be given a dataset"),
    ],
    ids=["with", "using", "delete-where"],
)
def test_update_dataset_conflicts_refused(any_store: Store, update: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        any_store.update(update, dataset=ENGAGEMENTS_ONLY)
    assert len(any_store) == TOTAL_QUADS


@pytest.mark.parametrize(
    ("default", "named", "message"),
    [
        (["not an iri"], [], "default graph: 'not an iri' is not an absolute IRI"),
        ([], ["urn:x>{"], "named graph: 'urn:x>{' is not an absolute IRI"),
        # passed the character check, then every store refused them with a raw ValueError
        (["http://[x"], [], "default graph: 'http://[x' is not an absolute IRI: Invalid"),
        ([], ["http://x/%zz"], "named graph: 'http://x/%zz' is not an absolute IRI: Invalid"),
        ([], [], "a dataset names at least one default or named graph"),
    ],
)
def test_bad_datasets_refused(default: list[str], named: list[str], message: str) -> None:
    with pytest.raises(ParameterError, match=re.escape(message)):
        QueryDataset(default_graphs=default, named_graphs=named)


def test_base_iri_resolves_relative_iris(any_store: Store) -> None:
    base = TEST_NS + "base/"
    result = any_store.query("CONSTRUCT { <s> <p> <o> } WHERE {}", base_iri=base)
    assert sorted(result) == [(URIRef(base + "s"), URIRef(base + "p"), URIRef(base + "o"))]  # type: ignore[arg-type]
    any_store.update(f"INSERT DATA {{ GRAPH <{G_EXTRA}> {{ <s> <p> <o> }} }}", base_iri=base)
    assert any_store.export("nt", graph=G_EXTRA) == f"<{base}s> <{base}p> <{base}o> .\n"
    with pytest.raises(ParameterError, match="base IRI: 'relative' is not an absolute IRI"):
        any_store.query("ASK {}", base_iri="relative")
    with pytest.raises(ParameterError, match="base IRI: 'http://x/%zz/' is not an absolute IRI"):
        any_store.query("ASK {}", base_iri="http://x/%zz/")


# --------------------------------------------------------------------------- property paths


def test_property_paths_distinct(any_store: Store, store_backend: str) -> None:
    reached = select(any_store, "SELECT DISTINCT ?r WHERE { t:valley coop:withinRegion+ ?r }")
    assert sorted(reached.rows) == sorted([(T.north,), (T.east,), (T.mainland,)])
    inside = select(
        any_store,
        "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r coop:withinRegion* t:mainland }",
    )
    assert inside.rows == [(Literal(5),)]  # valley, coast, north, east and the mainland itself
    # Without DISTINCT, Virtuoso repeats the mainland (two routes); the spec and the others don't.
    plain = select(any_store, "SELECT ?r WHERE { t:valley coop:withinRegion+ ?r }")
    assert len(plain) == (4 if store_backend == "virtuoso" else 3)


def test_property_path_anchored_closure(any_store: Store) -> None:
    """Both ends variable, one anchored by a type (Virtuoso refuses a fully unbound closure)."""
    result = select(
        any_store,
        "SELECT DISTINCT ?a ?b WHERE { ?a a coop:Region . ?a coop:withinRegion+ ?b }",
    )
    assert set(result.rows) == {
        (T.valley, T.north),
        (T.valley, T.east),
        (T.valley, T.mainland),
        (T.coast, T.east),
        (T.coast, T.mainland),
        (T.north, T.mainland),
        (T.east, T.mainland),
    }
    assert len(result) == 7


# --------------------------------------------------------------------------- ASK, CONSTRUCT


def test_ask(any_store: Store) -> None:
    yes = any_store.query(PREFIXES + "ASK { t:eng2 t:covert true }")
    no = any_store.query(PREFIXES + "ASK { t:eng1 t:covert true }")
    assert isinstance(yes, AskResult) and isinstance(no, AskResult)
    assert yes.value is True and no.value is False


def test_construct_is_isomorphic(any_store: Store) -> None:
    result = any_store.query(
        PREFIXES + "CONSTRUCT { ?e coop:provider ?p ; coop:hasSafeguard ?s . ?s ?sp ?so } "
        "WHERE { ?e coop:provider ?p ; coop:hasSafeguard ?s . ?s ?sp ?so }"
    )
    assert isinstance(result, GraphResult)
    safeguard = BNode()
    expected = rdflib.Graph()
    for triple in [
        (T.eng1, COOP.provider, T.stateA),
        (T.eng1, COOP.hasSafeguard, safeguard),
        (safeguard, RDF.type, COOP.Vetting),
        (safeguard, RDFS.label, Literal("Vetting of recruits", lang="en")),
    ]:
        expected.add(triple)
    assert len(result) == 4
    assert isomorphic(result.graph, expected)


# --------------------------------------------------------------------------- parameters


def test_bind_iri_parameter(any_store: Store) -> None:
    query = "SELECT ?provider ?e WHERE { ?e coop:provider ?provider }"
    assert rows(any_store, query, {"provider": T.stateA}) == [
        (T.stateA, T.eng1),
        (T.stateA, T.eng3),
    ]
    assert rows(any_store, query, {"?provider": T.stateB}) == [(T.stateB, T.eng2)]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        (Literal("Militia\tM"), "militiaM"),
        (Literal('Rebels "R" \\ co.', lang="en"), "rebelsR"),
        (Literal("État A", lang="fr"), "stateA"),
        (Literal("State A"), None),  # no language tag: a different literal
    ],
    ids=["tab", "quote-backslash", "language", "plain-vs-tagged"],
)
def test_bind_literal_parameter(any_store: Store, label: Literal, expected: str | None) -> None:
    found = rows(any_store, "SELECT ?a ?label WHERE { ?a rdfs:label ?label }", {"label": label})
    assert found == ([(T[expected], label)] if expected else [])


def test_bind_typed_parameters(any_store: Store) -> None:
    date = Literal("2014-03-01", datatype=XSD.date)
    assert rows(any_store, "SELECT ?e ?d WHERE { ?e coop:startDate ?d }", {"d": date}) == [
        (T.eng1, date)
    ]
    assert rows(any_store, "SELECT ?e ?c WHERE { ?e t:covert ?c }", {"c": Literal(True)}) == [
        (T.eng2, Literal(True))
    ]


def test_bind_parameter_in_aggregate_and_ask_and_construct(any_store: Store) -> None:
    result = select(
        any_store,
        "SELECT ?provider (COUNT(?e) AS ?n) WHERE { ?e coop:provider ?provider } "
        "GROUP BY ?provider",
        {"provider": T.stateA},
    )
    assert result.rows == [(T.stateA, Literal(2))]
    assert any_store.query(PREFIXES + "ASK { ?e coop:partner ?a }", {"a": T.rebelsR}).value
    assert not any_store.query(PREFIXES + "ASK { ?e coop:partner ?a }", {"a": T.stateA}).value
    graph = any_store.query(
        PREFIXES + "CONSTRUCT { ?e coop:partner ?a } WHERE { ?e coop:partner ?a }",
        {"a": T.stateB},
    )
    assert set(graph.graph) == {(T.eng3, COOP.partner, T.stateB)}


def test_bind_parameter_seen_by_filter(any_store: Store) -> None:
    """A parameter used only in a FILTER is bound before the FILTER runs, on every backend."""
    found = rows(
        any_store,
        "SELECT ?e ?since WHERE { ?e coop:startDate ?d FILTER(?d >= ?since) }",
        {"since": Literal("2016-01-01", datatype=XSD.date)},
    )
    since = Literal("2016-01-01", datatype=XSD.date)
    assert found == [(T.eng2, since), (T.eng3, since)]


ADVERSARIAL = [
    'x" } ; DROP ALL ; INSERT DATA { <urn:x> <urn:y> "z" } #',
    "x' } } UNION { ?a ?b ?c } #",
    'tab\there "quote" \\backslash\\ \n newline \r\n } VALUES ?label { "Valley"@en }',
    "\\u0022 } ; DROP ALL #",
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_adversarial_parameter_is_a_value(any_store: Store, text: str) -> None:
    """Text that would break out of a spliced query matches nothing and changes nothing."""
    try:
        found = rows(
            any_store, "SELECT ?a ?label WHERE { ?a rdfs:label ?label }", {"label": Literal(text)}
        )
    except ParameterError as exc:  # only the \\u case, which no SPARQL text can carry intact
        assert "\\u" in text and "escape" in str(exc)
    else:
        assert found == []
    assert len(any_store) == TOTAL_QUADS


@pytest.mark.parametrize(
    ("bindings", "message"),
    [
        ({"a": BNode()}, "blank node"),
        ({"a": "http://example.org/x"}, "RDF terms"),
        ({"nope": T.stateA}, "no variable ?nope"),
        ({"label": Literal("x")}, "not in the SELECT clause"),
        ({"a": URIRef("http://x> } ; DROP ALL #")}, "not an absolute IRI"),
        ({"a": Literal("x", datatype=URIRef("no iri"))}, "not an absolute IRI"),
        ({"a b": T.stateA}, "not a SPARQL variable name"),
    ],
    ids=["bnode", "str", "unknown", "not-projected", "bad-iri", "bad-datatype", "bad-name"],
)
def test_bad_parameters_are_refused(any_store: Store, bindings: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=re.escape(message)):
        any_store.query(PREFIXES + "SELECT ?a WHERE { ?a rdfs:label ?label }", bindings)
    assert len(any_store) == TOTAL_QUADS


# --------------------------------------------------------------------------- network refusal


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE SILENT ?svc { ?s ?p ?o } } }",
        "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://x.example/> { ?s ?p ?o } } } }",
        "SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://example.org/data.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "ASK FROM <http://example.org/data.ttl> { ?s ?p ?o }",
        "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    ],
    ids=[
        "service",
        "service-in-exists",
        "service-in-subquery",
        "from",
        "from-named",
        "ask-from",
        "escaped-service",
    ],
)
def test_network_queries_refused(any_store: Store, query: str) -> None:
    with pytest.raises(NetworkRefusedError, match="network"):
        any_store.query(query)


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <http://example.org/data.ttl>",
        "LOAD SILENT <http://example.org/data.ttl> INTO GRAPH <urn:g>",
        "INSERT { GRAPH <urn:g> { ?s ?p ?o } } USING <http://example.org/d> WHERE { ?s ?p ?o }",
        "INSERT { GRAPH <urn:g> { ?s ?p ?o } } WHERE { SERVICE <http://x.example/> { ?s ?p ?o } }",
    ],
    ids=["load", "load-into", "using", "service-in-update"],
)
def test_network_updates_refused(any_store: Store, update: str) -> None:
    with pytest.raises(NetworkRefusedError, match="network"):
        any_store.update(update)
    assert len(any_store) == TOTAL_QUADS


def test_keywords_in_strings_comments_and_names_are_not_network(any_store: Store) -> None:
    query = (
        "# SERVICE <http://example.org/> FROM <http://example.org/>\n"
        "SELECT ?a WHERE { ?a a coop:Region ; rdfs:label ?l "
        'FILTER(?l != "SERVICE <http://example.org/> { }" && ?a != <http://example.org/FROM>'
        " && ?a != t:SERVICE) } ORDER BY ?a LIMIT 1"
    )
    assert select(any_store, query).rows == [(T.coast,)]


# --------------------------------------------------------------------------- loading


BAD_TURTLE = [
    "turtle-syntax-bad-kw-01.ttl",
    "turtle-syntax-bad-esc-01.ttl",
    "turtle-syntax-bad-base-01.ttl",
]


@pytest.mark.parametrize("name", BAD_TURTLE)
def test_bad_file_leaves_store_unchanged(
    any_store: Store, conformance_dir: Path, name: str
) -> None:
    path = conformance_dir / "rdf-bad-syntax" / "turtle" / name
    with pytest.raises(ParseError) as caught:
        any_store.load(path, graph=G_EXTRA)
    message = str(caught.value)
    assert message.startswith(str(path)) and "none of it was loaded" in message
    assert "\n" not in message
    assert len(any_store) == TOTAL_QUADS
    assert any_store.graphs() == [URIRef(G_ACTORS), URIRef(G_ENGAGEMENTS)]


def test_file_broken_at_the_end_loads_nothing(any_store: Store, tmp_path: Path) -> None:
    """2,500 good statements and one bad line: none of them may reach the store."""
    path = tmp_path / "broken.ttl"
    lines = [f"<{TEST_NS}x{i}> <{TEST_NS}p> {i} ." for i in range(2500)]
    path.write_text("\n".join([*lines, "<urn:a> <urn:b> ."]) + "\n")
    with pytest.raises(ParseError, match=r"broken\.ttl:2501"):
        any_store.load(path, graph=G_EXTRA)
    assert len(any_store) == TOTAL_QUADS
    assert URIRef(G_EXTRA) not in any_store.graphs()


def test_load_more_and_blank_nodes_across_batches(
    loaded_store: Callable[..., Store], tmp_path: Path
) -> None:
    """2,500 statements (more than one INSERT batch) plus a blank-node structure stay whole."""
    path = tmp_path / "many.ttl"
    lines = [f"<{TEST_NS}x{i}> <{TEST_NS}p> {i} ." for i in range(2500)]
    lines.append(f"<{TEST_NS}root> <{TEST_NS}has> [ <{TEST_NS}q> [ <{TEST_NS}r> 1 ] ] .")
    path.write_text("\n".join(lines) + "\n")
    store = loaded_store(*COMPLIANCE_DATASET, (path, G_EXTRA))
    assert len(store) == TOTAL_QUADS + 2503
    result = select(
        store,
        f"SELECT ?v WHERE {{ GRAPH <{G_EXTRA}> "
        "{ t:root t:has ?b1 . ?b1 t:q ?b2 . ?b2 t:r ?v } }",
    )
    assert result.rows == [(Literal(1),)]
    assert isinstance(select(store, "SELECT ?b WHERE { t:root t:has ?b }").rows[0][0], BNode)


def test_add_graph_and_update(any_store: Store) -> None:
    graph = rdflib.Graph()
    node = BNode()
    graph.add((T.stateC, RDF.type, COOP.State))
    graph.add((T.stateC, COOP.hasSafeguard, node))
    graph.add((node, RDFS.label, Literal("check\there")))
    assert any_store.add(graph, graph=G_EXTRA) == 3
    assert len(any_store) == TOTAL_QUADS + 3
    assert select(
        any_store, "SELECT ?l WHERE { t:stateC coop:hasSafeguard/rdfs:label ?l }"
    ).rows == [(Literal("check\there"),)]
    any_store.update(
        PREFIXES
        + f"INSERT DATA {{ GRAPH <{G_EXTRA}> {{ t:stateD a coop:State ; t:covert true }} }}"
    )
    assert URIRef(G_EXTRA) in any_store.graphs()
    states = select(any_store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a coop:State }")
    assert states.rows == [(Literal(4),)]
    any_store.update(f"DROP SILENT GRAPH <{G_EXTRA}>")  # Virtuoso: DROP GRAPH needs CREATE first
    assert len(any_store) == TOTAL_QUADS
    assert any_store.graphs() == [URIRef(G_ACTORS), URIRef(G_ENGAGEMENTS)]


# --------------------------------------------------------------------------- export


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_export_round_trip(any_store: Store, tmp_path: Path, fmt: str) -> None:
    text = any_store.export(fmt)
    path = tmp_path / f"export.{'trig' if fmt == 'trig' else 'nq'}"
    path.write_text(text, encoding="utf-8")
    copy = MemoryStore()
    copy.load(path)
    assert len(copy) == TOTAL_QUADS
    assert copy.graphs() == [URIRef(G_ACTORS), URIRef(G_ENGAGEMENTS)]
    for source, graph in COMPLIANCE_DATASET:
        original = rdflib.Graph().parse(source, format="turtle")
        exported = copy.dataset.graph(URIRef(graph))
        assert isomorphic(original, exported), graph


def test_export_one_graph_and_union(any_store: Store) -> None:
    one = rdflib.Graph().parse(data=any_store.export("nt", graph=G_ACTORS), format="nt")
    assert isomorphic(one, rdflib.Graph().parse(COMPLIANCE_DATASET[0][0], format="turtle"))
    union = rdflib.Graph().parse(data=any_store.export("turtle"), format="turtle")
    assert len(union) == TOTAL_QUADS - 1  # the statement in both graphs, once


# --------------------------------------------------------------------------- errors


def test_sparql_syntax_error_is_input_error(any_store: Store) -> None:
    with pytest.raises(InputError, match="syntax error"):
        any_store.query("SELECT ?x WHERE { ?x ?y }")
    with pytest.raises(InputError, match="syntax error"):
        any_store.update("INSERT DATA { <urn:a> <urn:b> }")


@pytest.mark.parametrize(
    ("update", "message"),
    [
        ("INSERT DATA { <urn:x:a> <urn:x:b> ?x }", "INSERT DATA cannot hold the variable ?x"),
        (
            "INSERT DATA { GRAPH ?g { <urn:x:a> <urn:x:b> <urn:x:c> } }",
            "INSERT DATA cannot hold the variable ?g",
        ),
        ("DELETE DATA { <urn:x:a> <urn:x:b> ?x }", "DELETE DATA cannot hold the variable ?x"),
        ("DELETE DATA { <urn:x:a> <urn:x:b> [] }", "DELETE DATA cannot hold a blank node"),
        ("DELETE WHERE { ?s <urn:x:b> _:b }", "DELETE WHERE cannot hold a blank node"),
        (
            "DELETE { ?s ?p [] } INSERT { ?s ?p [] } WHERE { ?s ?p ?o }",
            "a DELETE template cannot hold a blank node",
        ),
    ],
)
def test_terms_the_grammar_forbids_in_an_update_are_refused(
    any_store: Store, update: str, message: str
) -> None:
    # rdflib's parser let them through and its engine stored ?x as if it were a term.
    with pytest.raises(InputError, match=f"^SPARQL update syntax error: {re.escape(message)}$"):
        any_store.update(update)
    assert len(any_store) == TOTAL_QUADS


@pytest.mark.parametrize("kind", ["query", "update"])
def test_text_that_is_not_utf8_is_refused(any_store: Store, kind: str) -> None:
    # A command-line argument with a byte that is not UTF-8 arrives as a lone surrogate:
    # it was a raw UnicodeEncodeError (exit 3).
    text = (
        'ASK { ?s ?p "\udcff" }'
        if kind == "query"
        else 'INSERT DATA { <urn:x:s> <urn:x:p> "\udcff" }'
    )
    run = any_store.query if kind == "query" else any_store.update
    position = text.index("\udcff") + 1
    with pytest.raises(InputError, match=f"^SPARQL {kind}: character {position} is not valid"):
        run(text)
    assert len(any_store) == TOTAL_QUADS


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.query(None), "a SPARQL query is a str, not NoneType"),
        (lambda s: s.update(b"CLEAR ALL"), "a SPARQL update is a str, not bytes"),
        (
            lambda s: s.query("SELECT ?s WHERE { ?s ?p ?o }", [("s", T.stateA)]),
            "parameters map variable names to RDF terms (a dict), not a list",
        ),
        (
            lambda s: s.query("ASK {}", dataset=G_ACTORS),
            "dataset is a QueryDataset (default and named graphs), not str",
        ),
    ],
)
def test_arguments_of_the_wrong_type_are_parameter_errors(
    any_store: Store, call: Callable[[Store], object], message: str
) -> None:
    # They were raw TypeError / AttributeError from inside the store.
    with pytest.raises(ParameterError, match=f"^{re.escape(message)}$"):
        call(any_store)
    assert len(any_store) == TOTAL_QUADS


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?x WHERE { BIND(1 AS ?x) }",
        "SELECT (1 AS ?x) WHERE { }",
        "SELECT ?x WHERE { { SELECT (1 AS ?x) WHERE { } } }",
    ],
)
def test_a_variable_the_query_assigns_cannot_be_bound(any_store: Store, query: str) -> None:
    # The backends disagreed: rdflib answered the query's 1, Oxigraph no row.
    with pytest.raises(ParameterError, match=r"^\?x is assigned in the query \(AS \?x\)"):
        any_store.query(query, {"x": Literal(2)})
