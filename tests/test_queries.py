"""The canned queries: their headers, their parameters, and their exact answers on small fixtures.

Each fixture in ``tests/fixtures/queries/`` says in its header comment what it contains and what
each query must answer; the expected rows below are those answers, term by term.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS, XSD

from coopgraph.catalogue import (
    PARAMETER_KINDS,
    bind_parameters,
    catalogue,
    get_query,
    parse_header,
    resolve_term,
    run_select,
)
from coopgraph.dataset import open_dataset
from coopgraph.errors import InputError, ParameterError, UnknownTermError
from coopgraph.render import compact_iri
from coopgraph.store import SelectResult, Store
from coopgraph.vocab import COOP, DATA

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "queries"
QUERIES = Path(__file__).resolve().parents[1] / "queries"

Row = tuple[str | None, ...]


def cells(result: SelectResult) -> list[Row]:
    """A result's rows with IRIs as compact names and literals as their text, sorted."""

    def text(term: object) -> str | None:
        if term is None:
            return None
        if isinstance(term, URIRef):
            return compact_iri(str(term))
        return str(term)

    return sorted((tuple(text(t) for t in row) for row in result.rows), key=repr)


@pytest.fixture(scope="module")
def fixture_store() -> Iterator[Store]:
    """The ontology and every query fixture in one embedded store."""
    with open_dataset(sorted(FIXTURES.glob("*.ttl"))) as store:
        yield store


@pytest.fixture
def fresh_store() -> Iterator[Store]:
    """Like fixture_store, for a test that adds statements."""
    with open_dataset(sorted(FIXTURES.glob("*.ttl"))) as store:
        yield store


def answer(store: Store, name: str, **params: str) -> list[Row]:
    return cells(run_select(store, name, params))


# ----------------------------------------------------------------------------- the catalogue


def test_one_query_per_competency_question_except_11() -> None:
    questions = sorted(q.question for q in catalogue().values() if q.question is not None)
    assert questions == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]


def test_every_query_file_is_in_the_catalogue_under_its_file_name() -> None:
    files = sorted(p.stem for p in QUERIES.glob("*.rq"))
    assert files == sorted(catalogue())
    for query in catalogue().values():
        assert query.source == f"queries/{query.name}.rq"


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_header_is_complete(name: str) -> None:
    query = get_query(name)
    assert query.title and query.description
    assert query.columns, "every query lists its result columns"
    for parameter in query.parameters:
        assert parameter.kind in PARAMETER_KINDS
        assert parameter.example and parameter.description
    for column in query.columns:
        assert column.description


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_columns_are_the_projected_variables_in_order(fixture_store: Store, name: str) -> None:
    query = get_query(name)
    params = {p.name: URIRef("https://w3id.org/coopgraph/data/nothing") for p in query.parameters}
    result = fixture_store.query(query.text, params)
    assert isinstance(result, SelectResult)
    assert result.variables == [c.name for c in query.columns]
    # every parameter is a projected column, so every backend can bind it
    assert {p.name for p in query.parameters} <= set(result.variables)


@pytest.fixture(scope="module")
def bundled_store() -> Iterator[Store]:
    """The ontology and the example knowledge base, as `coopgraph query run` reads by default."""
    with open_dataset() as store:
        yield store


# The example of each parameter (shown by `query show`, the reference and the endpoint's form)
# names a term of the bundled data, so copying it gives an answer. They used to name IRIs that
# exist nowhere (data:united-states, data:us-sdf-intelligence-sharing).
EXAMPLE_CLASSES = {
    "engagement": COOP.Engagement,
    "provider": COOP.State,
    "state": COOP.State,
    "partner": COOP.NonStateActor,
    "type": COOP.EngagementType,
}


ROWS_FOR_THE_EXAMPLES = {
    "applicable-risks": 16,
    "case-studies-by-type": 19,
    "competing-sponsors": 29,
    "countermeasure-gaps": 29,
    "designated-partners": 2,
    "engagement-facts": 19,
    "engagement-sources": 17,
    "governing-frameworks": 5,
    "intelligence-sharing-gaps": 5,
    "missing-safeguards": 64,
    "state-partners": 25,
    "third-party-impacts": 1,
    "unreliable-partners": 1,
}
"""How many rows each query gives on the bundled data with the examples of its header."""


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_examples_in_the_header_name_terms_of_the_bundled_data(
    bundled_store: Store, name: str
) -> None:
    query = get_query(name)
    for parameter in query.parameters:
        bound = bind_parameters(bundled_store, query, {parameter.name: parameter.example})
        term = bound[parameter.name]
        typed = bundled_store.query(
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "ASK { ?term a/rdfs:subClassOf* ?class }",
            {"term": term, "class": EXAMPLE_CLASSES[parameter.name]},
        )
        assert typed.value is True, f"{parameter.example} is not a {parameter.name} in the data"
    examples = {p.name: p.example for p in query.parameters}
    assert len(run_select(bundled_store, name, examples).rows) == ROWS_FOR_THE_EXAMPLES[name]


@pytest.mark.parametrize(
    ("engagement", "listed"),
    [("eng-colombia-auc-operational-support", False), ("eng-colombia-auc-negotiation", True)],
)
def test_a_partners_agreement_is_a_source_only_of_the_engagement_that_links_to_it(
    bundled_store: Store, engagement: str, listed: bool
) -> None:
    # The 2003 Ralito agreement the AUC signed was listed among the sources of the army's
    # 1997-2001 collusion with it, as a record about the partner (coop:agreementParty).
    rows = run_select(bundled_store, "engagement-sources", {"engagement": DATA[engagement]}).rows
    records = {row[1] for row in rows}
    assert (DATA["agr-santa-fe-de-ralito"] in records) is listed
    assert DATA["des-us-fto-auc"] in records  # a designation of the partner still is


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_queries_avoid_what_virtuoso_or_other_stores_lack(name: str) -> None:
    text = get_query(name).text
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "ASK" not in body, "boolean results are not portable"
    # No rdflib-only or vendor functions: every function call is a SPARQL 1.1 builtin.
    builtins = {
        "BIND", "BOUND", "COALESCE", "CONCAT", "COUNT", "DATATYPE", "EXISTS", "FILTER", "IF",
        "IN", "IRI", "MIN", "STR", "SUBSTR", "isIRI", "HAVING", "VALUES", "OPTIONAL", "NOT",
        "SELECT", "GROUP", "ORDER", "BY", "UNION", "WHERE", "DISTINCT", "AS",
    }  # fmt: skip
    calls = set(re.findall(r"(?<![?$\w])([A-Za-z_]\w*)\s*\(", body))
    assert calls <= builtins, f"non-standard calls: {calls - builtins}"
    if re.search(r"[A-Za-z][*+] ", body):  # a property path with * or +
        assert "SELECT DISTINCT" in body, "Virtuoso repeats path results: use SELECT DISTINCT"


def _factor_block(name: str) -> str:
    lines = get_query(name).text.splitlines()
    start = next(i for i, line in enumerate(lines) if "# BEGIN risk factors" in line)
    end = next(i for i, line in enumerate(lines) if "# END risk factors" in line)
    return textwrap.dedent("\n".join(lines[start : end + 1]))


def test_risk_factor_block_is_the_same_in_the_three_engagement_queries() -> None:
    blocks = {
        name: _factor_block(name)
        for name in ("applicable-risks", "countermeasure-gaps", "governing-frameworks")
    }
    assert len(set(blocks.values())) == 1, "the shared block drifted between the files"


# ----------------------------------------------------------------------------- header parsing


GOOD_HEADER = """\
# @name sample
# @question 4
# @title A sample
# @description First line,
#   second line.
# @param who IRI required data:someone The actor.
# @param when date optional "2015-01-01" A date.
# @column who The actor.
SELECT ?who ?when WHERE { ?who ?p ?when }
"""


def test_header_fields_and_continuations() -> None:
    query = parse_header(GOOD_HEADER, "sample.rq")
    assert (query.name, query.question, query.title) == ("sample", 4, "A sample")
    assert query.description == "First line, second line."
    assert [(p.name, p.kind, p.required, p.example, p.description) for p in query.parameters] == [
        ("who", "IRI", True, "data:someone", "The actor."),
        ("when", "date", False, "2015-01-01", "A date."),
    ]
    assert [(c.name, c.description) for c in query.columns] == [("who", "The actor.")]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("# @param who URI required data:x The actor.", "sample.rq:6: parameter kind 'URI'"),
        ("# @param who IRI maybe data:x The actor.", "sample.rq:6: write required or optional"),
        ("# @param who IRI required", "sample.rq:6: @param needs a name"),
        ('# @param who IRI required "data:x The actor.', "sample.rq:6: the example's closing"),
        ("# @colour red", "sample.rq: unknown header field @colour"),
        ("# stray text", "sample.rq:6: not a header field"),
    ],
)
def test_malformed_header_names_file_and_line(line: str, message: str) -> None:
    lines = GOOD_HEADER.splitlines()
    lines[5] = line
    with pytest.raises(InputError) as caught:
        parse_header("\n".join(lines), "sample.rq")
    assert str(caught.value).startswith(message)


def test_header_without_a_name_is_refused() -> None:
    with pytest.raises(InputError, match="exactly one @name"):
        parse_header(GOOD_HEADER.replace("# @name sample\n", ""), "sample.rq")


# ----------------------------------------------------------------------------- parameters


def test_parameter_as_full_iri_bracketed_iri_compact_name_or_label(fixture_store: Store) -> None:
    iri = DATA["state-d"]
    for text in (str(iri), f"<{iri}>", "data:state-d", "State D"):
        assert resolve_term(fixture_store, text) == iri


def test_ambiguous_label_lists_the_candidates(fresh_store: Store) -> None:
    graph = Graph()
    graph.add((DATA["twin-1"], RDFS.label, Literal("Twin")))
    graph.add((DATA["twin-2"], SKOS.prefLabel, Literal("Twin", lang="en")))
    fresh_store.add(graph)
    with pytest.raises(UnknownTermError) as caught:
        resolve_term(fresh_store, "Twin", "--param partner")
    assert str(caught.value) == (
        "--param partner: the label 'Twin' names 2 terms: data:twin-1, data:twin-2; "
        "give one of them"
    )


def test_unknown_label_is_a_clear_error(fixture_store: Store) -> None:
    with pytest.raises(UnknownTermError, match=r"^x: 'State Q' is not an IRI, a compact name"):
        resolve_term(fixture_store, "State Q", "x")


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ("<http://a b>", ParameterError, "'http://a b' is not an absolute IRI"),
        ("data:a>b", ParameterError, "is not an absolute IRI"),
        ("nobody at all", UnknownTermError, "is not an IRI, a compact name"),
        (Literal("data:state-d"), ParameterError, "expects an IRI, not the literal"),
    ],
)
def test_bad_iri_parameters_are_refused(
    fixture_store: Store, value: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        bind_parameters(fixture_store, get_query("applicable-risks"), {"engagement": value})  # type: ignore[dict-item]


DATE_QUERY = parse_header(
    "# @name dated\n# @title t\n# @description d\n"
    "# @param when date required 2015 A date.\n# @param text literal optional x Text.\n"
    "# @column when w\nSELECT ?when ?text WHERE {}\n",
    "dated.rq",
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2015", Literal("2015", datatype=XSD.gYear)),
        ("2015-03-01", Literal("2015-03-01", datatype=XSD.date)),
        (Literal("2015-03-01", datatype=XSD.date), Literal("2015-03-01", datatype=XSD.date)),
    ],
)
def test_date_parameters(fixture_store: Store, value: object, expected: Literal) -> None:
    bound = bind_parameters(fixture_store, DATE_QUERY, {"when": value})  # type: ignore[dict-item]
    assert bound["when"] == expected and bound["when"].datatype == expected.datatype


@pytest.mark.parametrize(
    "value", ["2015-02-30", "15", "March 2015", "2015-3-1", URIRef("http://x/y")]
)
def test_bad_dates_are_refused(fixture_store: Store, value: object) -> None:
    with pytest.raises(ParameterError, match="dated --param when"):
        bind_parameters(fixture_store, DATE_QUERY, {"when": value})  # type: ignore[dict-item]


def test_literal_parameter_is_a_plain_literal_never_an_iri(fixture_store: Store) -> None:
    bound = bind_parameters(fixture_store, DATE_QUERY, {"when": "2015", "text": "data:x"})
    assert bound["text"] == Literal("data:x")
    with pytest.raises(ParameterError, match="expects a literal"):
        bind_parameters(fixture_store, DATE_QUERY, {"when": "2015", "text": URIRef("http://x")})


def test_missing_and_unknown_parameters(fixture_store: Store) -> None:
    query = get_query("applicable-risks")
    with pytest.raises(ParameterError, match=r"needs --param engagement=\.\.\."):
        bind_parameters(fixture_store, query, {})
    with pytest.raises(
        ParameterError, match=r"has no parameter 'who' \(its parameters: engagement\)"
    ):
        bind_parameters(fixture_store, query, {"who": "data:x"})


def test_parameters_of_the_wrong_type_are_parameter_errors(fixture_store: Store) -> None:
    # They were raw AttributeErrors ("'int' object has no attribute 'startswith'").
    with pytest.raises(
        ParameterError, match=r"^state-partners --param state: expects a name, an IRI or a label"
    ):
        run_select(fixture_store, "state-partners", {"state": 5})  # type: ignore[dict-item]
    with pytest.raises(
        ParameterError, match=r"^the parameters of state-partners map names to values, not a list"
    ):
        run_select(fixture_store, "state-partners", ["data:x"])  # type: ignore[arg-type]


def test_unknown_query_lists_the_known_ones() -> None:
    with pytest.raises(UnknownTermError, match="no canned query 'nope'; known: applicable-risks"):
        get_query("nope")


def test_a_label_is_bound_as_a_term_not_spliced_into_the_text(fresh_store: Store) -> None:
    # A value full of SPARQL syntax is only ever a literal compared with labels.
    hostile = '"} } . ?term ?property ?label } #'
    with pytest.raises(UnknownTermError, match="is not an IRI, a compact name"):
        resolve_term(fresh_store, hostile)
    graph = Graph()
    graph.add((DATA["odd"], RDFS.label, Literal(hostile)))
    fresh_store.add(graph)
    assert resolve_term(fresh_store, hostile) == DATA["odd"]


# ----------------------------------------------------------------------------- CQ 1: risks


def test_no_risks_for_a_harmless_engagement(fixture_store: Store) -> None:
    for name in ("applicable-risks", "countermeasure-gaps", "governing-frameworks"):
        assert answer(fixture_store, name, engagement="data:quiet-engagement") == []


LISTING = ("data:front", "data:front-terrorist-listing")


@pytest.mark.parametrize(
    ("engagement", "expected"),
    [
        ("before-the-designation", []),
        ("after-the-designation", []),
        (
            "during-the-designation",
            [
                ("coop:LegalExposure", "coop:UnderTerroristDesignation", *LISTING),
                ("coop:ValuesConflict", "coop:UnderTerroristDesignation", *LISTING),
            ],
        ),
        (
            "last-day",
            [
                ("coop:LegalExposure", "coop:UnderTerroristDesignation", *LISTING),
                ("coop:ValuesConflict", "coop:UnderTerroristDesignation", *LISTING),
            ],
        ),
        (
            "sanctions-year",
            [
                (
                    "coop:LegalExposure",
                    "coop:UnderSanctions",
                    "data:front",
                    "data:front-sanctions-listing",
                )
            ],
        ),
    ],
)
def test_a_record_about_the_partner_counts_only_while_in_force(
    fixture_store: Store, engagement: str, expected: list[tuple[str, ...]]
) -> None:
    rows = answer(fixture_store, "applicable-risks", engagement=f"data:{engagement}")
    assert rows == sorted(
        ((f"data:{engagement}", risk, "partner situation", *rest) for risk, *rest in expected),
        key=repr,
    )


def context_rows(engagement: str, pairs: list[tuple[str, str]]) -> list[Row]:
    return sorted(
        (
            f"data:{engagement}",
            risk,
            "context",
            "coop:CompetingExternalSponsors",
            f"data:{state}",
            f"data:{other}",
        )
        for state, other in pairs
        for risk in (
            "coop:EscalationAndMiscalculation",
            "coop:PowerImbalance",
            "coop:RegionalDestabilisation",
        )
    )


@pytest.mark.parametrize(
    ("engagement", "pairs"),
    [
        ("d-backs-x", [("state-e", "e-backs-y")]),
        ("e-backs-y", [("state-d", "d-backs-x")]),
        ("e-trains-y", [("state-d", "d-backs-x"), ("state-f", "f-backs-x")]),
        ("f-backs-x", [("state-e", "e-trains-y")]),
        ("g-backs-z", []),
        ("h-backs-w", []),
        (
            "movement-backs-v",
            [("state-d", "d-backs-x"), ("state-e", "e-trains-y"), ("state-f", "f-backs-x")],
        ),
    ],
)
def test_other_states_backing_other_partners_in_the_region(
    fixture_store: Store, engagement: str, pairs: list[tuple[str, str]]
) -> None:
    rows = answer(fixture_store, "applicable-risks", engagement=f"data:{engagement}")
    assert rows == sorted(context_rows(engagement, pairs), key=repr)


def test_risks_from_type_class_situation_and_assessment(fixture_store: Store) -> None:
    # The relations fixture's Hill rebels are a rebel group (a non-state armed group) and
    # changed allegiance in 2019 while j-trains-hill (joint training, from 2018) went on.
    rows = answer(fixture_store, "applicable-risks", engagement="data:j-trains-hill")
    engagement = "data:j-trains-hill"
    by_type = [
        (engagement, f"coop:{risk}", "engagement type", "coop:TrainingAndExpertise", None,
         "coop:JointTraining")
        for risk in ("EscalationAndMiscalculation", "LossOfControl", "MisuseOfTraining")
    ]  # fmt: skip
    by_class = [
        (engagement, f"coop:{risk}", "partner situation", "coop:NonStateArmedPartner",
         "data:hill-rebels", "coop:NonStateArmedGroup")
        for risk in ("AdverseSelection", "AllegianceSwitching", "ControlAndOversightRisk",
                     "MisalignedInterests", "MoralHazard")
    ]  # fmt: skip
    by_record = [
        (engagement, f"coop:{risk}", "partner situation", "coop:UnreliablePartnerRecord",
         "data:hill-rebels", "data:hill-switch")
        for risk in ("AgreementBetrayal", "AllegianceSwitching")
    ]  # fmt: skip
    assert rows == sorted(by_type + by_class + by_record, key=repr)


def test_asserted_and_engagement_situation_risks(fresh_store: Store) -> None:
    fresh_store.update(
        """PREFIX coop: <https://w3id.org/coopgraph/ontology#>
        PREFIX data: <https://w3id.org/coopgraph/data/>
        INSERT DATA { GRAPH <urn:test:assessment> {
          data:quiet-assessment coop:assessedEngagement data:covert-quiet ;
                                coop:identifiesRisk coop:MissionCreep .
          data:covert-quiet coop:provider data:state-a ; coop:partner data:elders-council ;
                            coop:engagementType coop:OtherSupport ; coop:visibility coop:Covert .
        } }"""
    )
    rows = answer(fresh_store, "applicable-risks", engagement="data:covert-quiet")
    assert rows == sorted(
        [
            ("data:covert-quiet", "coop:MissionCreep", "asserted", None, None,
             "data:quiet-assessment"),
            ("data:covert-quiet", "coop:ControlAndOversightRisk", "engagement situation",
             "coop:Covert", None, "coop:visibility"),
            ("data:covert-quiet", "coop:EscalationAndMiscalculation", "engagement situation",
             "coop:Covert", None, "coop:visibility"),
        ],
        key=repr,
    )  # fmt: skip


# ----------------------------------------------------------------------------- CQ 2 and 3


def test_all_mitigations_in_place(fixture_store: Store) -> None:
    rows = answer(fixture_store, "countermeasure-gaps", engagement="data:fully-mitigated")
    e = "data:fully-mitigated"
    assert rows == sorted(
        [
            (e, "coop:Espionage", "coop:SecureCommunications", "in place", "data:liaison-cell"),
            (e, "coop:Infiltration", "coop:DesignationScreening", "in place",
             "data:list-screening"),
            (e, "coop:Infiltration", "coop:SecureCommunications", "in place", "data:liaison-cell"),
            (e, "coop:InformationCompromise", "coop:SecureCommunications", "in place",
             "data:liaison-cell"),
        ],
        key=repr,
    )  # fmt: skip


def test_mitigations_known_absent_or_not_recorded(fixture_store: Store) -> None:
    rows = answer(fixture_store, "countermeasure-gaps", engagement="data:unmitigated")
    e = "data:unmitigated"
    assert rows == sorted(
        [
            (e, "coop:Espionage", "coop:SecureCommunications", "known absent", None),
            (e, "coop:Infiltration", "coop:DesignationScreening", "not recorded", None),
            (e, "coop:Infiltration", "coop:SecureCommunications", "known absent", None),
            (e, "coop:InformationCompromise", "coop:SecureCommunications", "known absent", None),
        ],
        key=repr,
    )


def test_a_mandate_implied_by_its_class_mitigates_risks_of_every_source(
    fixture_store: Store,
) -> None:
    # Regression: the countermeasure's restriction variable once shared its name with the
    # partner situation's, so risks from the partner's class showed the mandate as missing.
    rows = answer(fixture_store, "countermeasure-gaps", engagement="data:j-trains-hill")
    mandates = [row for row in rows if row[2] == "coop:ClearMandates"]
    assert mandates == [
        ("data:j-trains-hill", "coop:ControlAndOversightRisk", "coop:ClearMandates", "in place",
         "data:hill-mandate"),
        ("data:j-trains-hill", "coop:EscalationAndMiscalculation", "coop:ClearMandates",
         "in place", "data:hill-mandate"),
    ]  # fmt: skip


def test_frameworks_by_type_by_situation_and_by_jurisdiction(fixture_store: Store) -> None:
    # Hill rebels: a non-state armed group (Common Article 3, Additional Protocol II); joint
    # training is training (UN Charter 2(4)); the Leahy laws bind US providers only, and
    # State J has no country code.
    rows = answer(fixture_store, "governing-frameworks", engagement="data:j-trains-hill")
    e = "data:j-trains-hill"
    assert rows == sorted(
        [
            (e, "coop:AdditionalProtocolII", "partner situation", "coop:NonStateArmedPartner",
             "data:hill-rebels", "coop:NonStateArmedGroup"),
            (e, "coop:CommonArticle3", "partner situation", "coop:NonStateArmedPartner",
             "data:hill-rebels", "coop:NonStateArmedGroup"),
            (e, "coop:UNCharterArticle2-4", "engagement type", "coop:TrainingAndExpertise", None,
             "coop:JointTraining"),
        ],
        key=repr,
    )  # fmt: skip


def test_national_law_binds_providers_of_its_country(fresh_store: Store) -> None:
    fresh_store.update(
        """PREFIX coop: <https://w3id.org/coopgraph/ontology#>
        PREFIX data: <https://w3id.org/coopgraph/data/>
        INSERT DATA { GRAPH <urn:test:us> {
          data:us a coop:State ; coop:countryCode "US" .
          data:us-trains-watch coop:provider data:us ; coop:partner data:watch ;
                               coop:engagementType coop:TrainingAndExpertise .
        } }"""
    )
    rows = answer(fresh_store, "governing-frameworks", engagement="data:us-trains-watch")
    frameworks = [row[1] for row in rows]
    assert frameworks == sorted(
        ["coop:LeahyLawDefense", "coop:LeahyLawState", "coop:UNCharterArticle2-4"]
    )


# ----------------------------------------------------------------------------- CQ 4 to 12


def test_missing_safeguards(fixture_store: Store) -> None:
    rows = answer(fixture_store, "missing-safeguards", provider="data:state-p")
    assert rows == [
        ("data:documented-gaps", "data:state-p", "coop:Mandate", "known absent"),
        ("data:documented-gaps", "data:state-p", "coop:Objective", "not recorded"),
        ("data:documented-gaps", "data:state-p", "coop:OversightMechanism", "not recorded"),
        ("data:documented-gaps", "data:state-p", "coop:Vetting", "not recorded"),
    ]


def test_state_partners(fixture_store: Store) -> None:
    assert answer(fixture_store, "state-partners", state="State J") == [
        ("data:state-j", "data:hill-rebels", "data:j-trains-hill", "coop:JointTraining",
         "2018-03-01", None),
        ("data:state-j", "data:lake-militia", "data:j-trains-lake", "coop:TrainingAndExpertise",
         "2014", "2016"),
    ]  # fmt: skip


def test_designated_partners_and_whether_in_force(fixture_store: Store) -> None:
    rows = answer(fixture_store, "designated-partners")
    listing = ("data:front", "data:front-terrorist-listing", "data:state-b", None)
    period = ("2005-03-01", "2010-06-30")
    assert rows == sorted(
        [
            ("data:after-the-designation", *listing, *period, "not in force"),
            ("data:before-the-designation", *listing, *period, "not in force"),
            ("data:during-the-designation", *listing, *period, "in force"),
            ("data:last-day", *listing, *period, "in force"),
            ("data:sanctions-year", *listing, *period, "not in force"),
        ],
        key=repr,
    )


def test_unreliable_partners(fixture_store: Store) -> None:
    assert answer(fixture_store, "unreliable-partners") == sorted(
        [
            ("data:hill-rebels", "data:hill-switch", "coop:AllegianceChange", "2019",
             "data:state-j", "data:state-k", None, "data:j-trains-hill"),
            ("data:lake-militia", "data:lake-breach", "coop:AgreementBreach", "2016-05-01",
             None, None, "data:lake-agreement", None),
        ],
        key=repr,
    )  # fmt: skip


def test_competing_sponsors_by_region(fixture_store: Store) -> None:
    # d-backs-x competes with e-trains-y in the district and with e-backs-y in the province
    # (the broader place); f-backs-x with e-trains-y only (e-backs-y begins later, d-backs-x
    # backs the same partner); g-backs-z is too early, h-backs-w elsewhere, and the movement
    # is no state.
    assert answer(fixture_store, "competing-sponsors") == [
        ("data:north-district", "data:state-d", "data:group-x", "data:d-backs-x"),
        ("data:north-district", "data:state-e", "data:group-y", "data:e-trains-y"),
        ("data:north-district", "data:state-f", "data:group-x", "data:f-backs-x"),
        ("data:north-province", "data:state-d", "data:group-x", "data:d-backs-x"),
        ("data:north-province", "data:state-e", "data:group-y", "data:e-backs-y"),
    ]


DRILLS = "The drills were held."


def test_case_studies_by_type_include_narrower_types(fixture_store: Store) -> None:
    # type-hierarchy.ttl: data:drill, night-drill and urban-night-drill are two, three and four
    # steps below training and expertise.
    assert answer(fixture_store, "case-studies-by-type", type="coop:TrainingAndExpertise") == [
        ("coop:TrainingAndExpertise", "data:drill-case", DRILLS, "data:drill-1", "data:drill"),
        ("coop:TrainingAndExpertise", "data:drill-case", DRILLS, "data:drill-2",
         "data:night-drill"),
        ("coop:TrainingAndExpertise", "data:drill-case", DRILLS, "data:drill-3",
         "data:urban-night-drill"),
        ("coop:TrainingAndExpertise", "data:hill-case", None, "data:j-trains-hill",
         "coop:JointTraining"),
        ("coop:TrainingAndExpertise", "data:lake-case", "The militia held the lake shore.",
         "data:j-trains-lake", "coop:TrainingAndExpertise"),
    ]  # fmt: skip
    # one to three steps below joint training
    assert answer(fixture_store, "case-studies-by-type", type="coop:JointTraining") == [
        ("coop:JointTraining", "data:drill-case", DRILLS, "data:drill-1", "data:drill"),
        ("coop:JointTraining", "data:drill-case", DRILLS, "data:drill-2", "data:night-drill"),
        ("coop:JointTraining", "data:drill-case", DRILLS, "data:drill-3",
         "data:urban-night-drill"),
        ("coop:JointTraining", "data:hill-case", None, "data:j-trains-hill", "coop:JointTraining"),
    ]  # fmt: skip
    # a type with narrower types, none of which (nor itself) any fixture engagement has
    assert answer(fixture_store, "case-studies-by-type", type="coop:MilitaryDiplomacy") == []


def test_case_studies_by_type_without_a_type_list_every_type(fixture_store: Store) -> None:
    rows = answer(fixture_store, "case-studies-by-type")
    drill_case = [row for row in rows if row[1] == "data:drill-case"]
    # each drill counts for its own type and every type above it: 3 + 4 + 5
    assert sorted((row[0], row[3]) for row in drill_case) == sorted(
        [("data:drill", "data:drill-1"), ("coop:JointTraining", "data:drill-1"),
         ("coop:TrainingAndExpertise", "data:drill-1"),
         ("data:night-drill", "data:drill-2"), ("data:drill", "data:drill-2"),
         ("coop:JointTraining", "data:drill-2"), ("coop:TrainingAndExpertise", "data:drill-2"),
         ("data:urban-night-drill", "data:drill-3"), ("data:night-drill", "data:drill-3"),
         ("data:drill", "data:drill-3"), ("coop:JointTraining", "data:drill-3"),
         ("coop:TrainingAndExpertise", "data:drill-3")]
    )  # fmt: skip


def test_intelligence_sharing_gaps(fixture_store: Store) -> None:
    assert answer(fixture_store, "intelligence-sharing-gaps") == sorted(
        [
            ("data:agreement-only", "data:state-p", "data:river-group", "coop:SecureChannel",
             "not recorded"),
            ("data:documented-gaps", "data:state-p", "data:river-group", "coop:Agreement",
             "not recorded"),
            ("data:documented-gaps", "data:state-p", "data:river-group", "coop:SecureChannel",
             "known absent"),
            ("data:fully-mitigated", "data:state-c", "data:watch", "coop:Agreement",
             "not recorded"),
            ("data:unmitigated", "data:state-c", "data:watch", "coop:Agreement", "not recorded"),
            ("data:unmitigated", "data:state-c", "data:watch", "coop:SecureChannel",
             "known absent"),
        ],
        key=repr,
    )  # fmt: skip


def test_third_party_impacts(fixture_store: Store) -> None:
    e = "data:j-trains-hill"
    assert answer(fixture_store, "third-party-impacts", engagement=e) == sorted(
        [
            (e, "data:hill-impact-k", "coop:ProvokingRivals", "data:state-k", "rival"),
            (e, "data:hill-impact-l", "coop:StrainOnAlliance", "data:state-l", "ally"),
            (e, "data:hill-impact-m", "coop:AllianceStrengthening", "data:state-m", "ally"),
            (e, "data:hill-impact-n", None, "data:state-n", None),
        ],
        key=repr,
    )


def test_engagement_facts(fixture_store: Store) -> None:
    assert answer(fixture_store, "engagement-facts", engagement="data:g-backs-z") == sorted(
        [
            ("data:g-backs-z", "rdf:type", "coop:Engagement"),
            ("data:g-backs-z", "coop:provider", "data:state-g"),
            ("data:g-backs-z", "coop:partner", "data:group-z"),
            ("data:g-backs-z", "coop:engagementType", "coop:OtherSupport"),
            ("data:g-backs-z", "coop:place", "data:north-district"),
            ("data:g-backs-z", "coop:startDate", "2001"),
            ("data:g-backs-z", "coop:endDate", "2002"),
        ],
        key=repr,
    )
