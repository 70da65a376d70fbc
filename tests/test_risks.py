"""The risk assessment of one engagement (coopgraph.risks) and its reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import URIRef

from coopgraph import risks
from coopgraph.catalogue import run_select
from coopgraph.dataset import open_dataset
from coopgraph.errors import ParameterError, UnknownTermError
from coopgraph.render import label_map
from coopgraph.risks import (
    IN_PLACE,
    Mitigation,
    Reason,
    assess,
    explain,
    report,
    summary,
    to_json,
)
from coopgraph.store import Store
from coopgraph.store.analysis import bind_as_text
from coopgraph.vocab import COOP, DATA

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "queries"


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with open_dataset(sorted(FIXTURES.glob("*.ttl"))) as opened:
        yield opened


def test_assessment_of_an_engagement_with_gaps(store: Store) -> None:
    assessment = assess(store, "data:unmitigated")
    assert assessment.engagement == DATA["unmitigated"]
    type_reason = (
        Reason("engagement type", COOP.IntelligenceSharing, None, COOP.IntelligenceSharing),
    )
    secure = Mitigation(COOP.SecureCommunications, "known absent")
    screening = Mitigation(COOP.DesignationScreening, "not recorded")
    assert [(f.risk, f.reasons, f.mitigations) for f in assessment.risks] == [
        (COOP.Espionage, type_reason, (secure,)),
        (COOP.Infiltration, type_reason, (screening, secure)),
        (COOP.InformationCompromise, type_reason, (secure,)),
    ]
    assert [f.lacking for f in assessment.risks][1] == (screening, secure)
    assert [(f.framework, f.reasons) for f in assessment.frameworks] == [
        (COOP.InternationalHumanRightsLaw, type_reason)
    ]
    assert summary(assessment) == (
        "3 risk(s) apply, 1 legal framework(s) govern it; "
        "2 mitigating countermeasure(s) are not in place."
    )


def test_assessment_with_every_mitigation_in_place(store: Store) -> None:
    assessment = assess(store, DATA["fully-mitigated"])
    statuses = {(f.risk, m.countermeasure, m.status, m.records) for f in assessment.risks
                for m in f.mitigations}  # fmt: skip
    cell, screening = (DATA["liaison-cell"],), (DATA["list-screening"],)
    assert statuses == {
        (COOP.Espionage, COOP.SecureCommunications, IN_PLACE, cell),
        (COOP.Infiltration, COOP.DesignationScreening, IN_PLACE, screening),
        (COOP.Infiltration, COOP.SecureCommunications, IN_PLACE, cell),
        (COOP.InformationCompromise, COOP.SecureCommunications, IN_PLACE, cell),
    }
    assert all(f.lacking == () for f in assessment.risks)


def test_no_risk_no_framework(store: Store) -> None:
    assessment = assess(store, "data:quiet-engagement")
    assert (assessment.risks, assessment.frameworks) == ((), ())
    assert summary(assessment) == (
        "0 risk(s) apply, 0 legal framework(s) govern it; "
        "0 mitigating countermeasure(s) are not in place."
    )


def test_context_reason_names_the_other_state_and_its_first_engagement(store: Store) -> None:
    assessment = assess(store, DATA["e-trains-y"])
    context = {r for f in assessment.risks for r in f.reasons if r.source == "context"}
    assert context == {
        Reason("context", COOP.CompetingExternalSponsors, DATA["state-d"], DATA["d-backs-x"]),
        Reason("context", COOP.CompetingExternalSponsors, DATA["state-f"], DATA["f-backs-x"]),
    }


def test_engagement_named_by_label(store: Store) -> None:
    assessment = assess(store, "State A support to the elders' council")
    assert assessment.engagement == DATA["quiet-engagement"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("data:state-a", "data:state-a is not an engagement in the data"),
        ("data:nothing-at-all", "data:nothing-at-all is not an engagement in the data"),
        ("Nobody", "engagement: 'Nobody' is not an IRI, a compact name"),
    ],
)
def test_what_is_not_an_engagement_is_refused(store: Store, name: str, message: str) -> None:
    with pytest.raises(UnknownTermError, match=message):
        assess(store, name)


def test_explanations_say_why(store: Store) -> None:
    assessment = assess(store, DATA["j-trains-hill"])
    switching = next(f for f in assessment.risks if f.risk == COOP.AllegianceSwitching)
    assert [explain(r, assessment.name, "the risk") for r in switching.reasons] == [
        "The partner Hill rebels is in the situation 'partner is a non-state armed group' "
        "(shown by non-state armed group), which brings the risk with it.",
        "The partner Hill rebels is in the situation 'partner with a record of switching sides "
        "or breaking agreements' (shown by data:hill-switch), which brings the risk with it.",
    ]
    misuse = next(f for f in assessment.risks if f.risk == COOP.MisuseOfTraining)
    assert [explain(r, assessment.name, "the risk") for r in misuse.reasons] == [
        "The engagement's type, joint training (a kind of training and expertise), brings the "
        "risk with it."
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("asserted", "An unnamed risk assessment identifies it."),
        (
            "partner situation",
            "The partner Hill rebels is in the situation 'partner is a non-state armed group'"
            " (shown by an unnamed record), which brings the risk with it.",
        ),
        (
            "context",
            "Hill rebels backs a different partner in the same region in an overlapping period:"
            " 'partner is a non-state armed group' brings the risk with it.",
        ),
    ],
)
def test_explanations_of_a_record_that_is_a_blank_node(
    store: Store, source: str, expected: str
) -> None:
    # A designation or an assessment written as [ ... ] has no IRI, so the queries give no
    # evidence: the sentences read "(shown by )" and "The risk assessment  identifies it."
    assessment = assess(store, DATA["j-trains-hill"])
    switching = next(f for f in assessment.risks if f.risk == COOP.AllegianceSwitching)
    named = switching.reasons[0]  # shown by the class non-state armed group
    reason = Reason(source, named.factor, named.actor, None)
    assert explain(reason, assessment.name, "the risk") == expected


def test_json_report(store: Store) -> None:
    document = json.loads(report(assess(store, DATA["unmitigated"]), "json"))
    assert document["engagement"] == {
        "iri": str(DATA["unmitigated"]),
        "label": "data:unmitigated",
    }
    assert [r["risk"]["iri"] for r in document["risks"]] == [
        str(COOP.Espionage),
        str(COOP.Infiltration),
        str(COOP.InformationCompromise),
    ]
    assert document["risks"][0]["countermeasures"] == [
        {
            "countermeasure": {
                "iri": str(COOP.SecureCommunications),
                "label": "secure communication channels",
            },
            "status": "known absent",
            "records": [],
        }
    ]
    assert document["risks"][0]["reasons"][0]["explanation"] == (
        "The engagement's type, intelligence sharing, brings the risk with it."
    )
    facts = {
        (f["property"]["iri"], f["value"]["iri"] if isinstance(f["value"], dict) else f["value"])
        for f in document["facts"]
    }
    assert (str(COOP.knownToLack), str(COOP.SecureCommunications)) in facts
    assert len(facts) == 11
    assert document["sources"] == []


def test_markdown_and_html_reports(store: Store) -> None:
    assessment = assess(store, DATA["fully-mitigated"])
    markdown = report(assessment, "markdown")
    assert markdown.startswith("# Risk assessment: data:fully-mitigated\n")
    assert "| infiltration | designation screening | in place (List screening) |" in markdown
    assert "## Sources\n\nNone recorded." in markdown
    page = report(assessment, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert (
        "<td>infiltration</td><td>designation screening</td><td>in place (List screening)</td>"
        in page
    )
    assert "<script" not in page


def test_html_report_escapes_what_the_data_says() -> None:
    hostile = FIXTURES / "reports" / "hostile-label.ttl"
    with open_dataset([hostile]) as store:
        page = report(assess(store, "data:hostile"), "html")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_unknown_report_format() -> None:
    with open_dataset([FIXTURES / "no-risks.ttl"]) as store:
        assessment = assess(store, "data:quiet-engagement")
    with pytest.raises(ParameterError, match="report format 'pdf'"):
        report(assessment, "pdf")


def test_assessment_without_sources_skips_the_report_parts(store: Store) -> None:
    assessment = assess(store, DATA["unmitigated"], with_sources=False)
    assert (assessment.facts, assessment.sources, dict(assessment.labels)) == ((), (), {})
    assert to_json(assessment)["risks"][0]["risk"] == {  # type: ignore[index]
        "iri": str(COOP.Espionage),
        "label": "coop:Espionage",
    }
    assert isinstance(assessment.engagement, URIRef)


EVERY_ENGAGEMENT_COUNT = 77
"""The engagements of the query fixtures and the example knowledge base."""


def _every_engagement(store: Store) -> list[URIRef]:
    result = store.query(
        "PREFIX coop: <https://w3id.org/coopgraph/ontology#> "
        "SELECT DISTINCT ?e WHERE { ?e coop:provider ?p } ORDER BY ?e"
    )
    return [row[0] for row in result.rows]  # type: ignore[union-attr,misc]


@pytest.fixture(scope="module")
def fixtures_and_examples() -> Iterator[Store]:
    from coopgraph.vocab import example_files

    examples = [Path(str(f)) for f in example_files()]
    with open_dataset(sorted(FIXTURES.glob("*.ttl")) + examples) as opened:
        yield opened


class _NotEmbedded:
    """Stands in for OxigraphStore in coopgraph.risks: no store is one, so assess runs
    applicable-risks and governing-frameworks as they are, and label_map."""


@pytest.mark.parametrize("with_sources", [True, False])
def test_embedded_store_gives_the_answer_of_the_canned_queries(
    fixtures_and_examples: Store, monkeypatch: pytest.MonkeyPatch, with_sources: bool
) -> None:
    # On the embedded store assess works the risk factors out once (one query for the risks
    # and the frameworks) and reads the labels with a fixed query text; elsewhere it runs
    # applicable-risks and governing-frameworks and label_map. Both give the same assessment,
    # engagement by engagement.
    store = fixtures_and_examples
    engagements = _every_engagement(store)
    assert len(engagements) == EVERY_ENGAGEMENT_COUNT
    fast = {e: to_json(assess(store, e, with_sources=with_sources)) for e in engagements}
    monkeypatch.setattr(risks, "OxigraphStore", _NotEmbedded)
    for engagement in engagements:
        assert to_json(assess(store, engagement, with_sources=with_sources)) == fast[engagement]


def test_one_pass_rows_do_not_depend_on_how_the_engagement_is_bound(
    fixtures_and_examples: Store,
) -> None:
    # Regression: the one-pass query tested a framework's jurisdiction inside a UNION branch,
    # where (by SPARQL's scoping) ?engagement is unbound. Bound by substitution, as on the
    # embedded store, it looked right; bound by a VALUES block, as a remote store binds it,
    # every national framework governed every engagement (the US laws on Colombia's talks with
    # the AUC).
    store = fixtures_and_examples
    query = risks._one_pass_query()
    # Every fixture engagement (each an edge case) and every fourth of the knowledge base's:
    # each bound text is new, and rdflib parses each in 0.3-0.7 s (54 s for all 77 in CI).
    engagements = _every_engagement(store)
    fixtures = [e for e in engagements if "/eng-" not in str(e)]
    sample = fixtures + [e for e in engagements if "/eng-" in str(e)][::4]
    assert (len(fixtures), len(sample)) == (21, 35)
    for engagement in sample:
        substituted = store.query(query, {"engagement": engagement})
        as_values = store.query(bind_as_text(query, {"engagement": engagement}))
        assert sorted(as_values.rows, key=repr) == sorted(substituted.rows, key=repr), engagement
    negotiation = DATA["eng-colombia-auc-negotiation"]
    rows = store.query(bind_as_text(query, {"engagement": negotiation})).dicts()
    assert sorted({row["framework"] for row in rows if row.get("framework")}) == [
        COOP.AdditionalProtocolII,
        COOP.CommonArticle3,
        COOP.InternationalHumanRightsLaw,
        COOP.UNSCResolution1373,
    ]  # no US law: Colombia provides it


def test_countermeasures_are_the_rows_of_countermeasure_gaps(
    fixtures_and_examples: Store,
) -> None:
    # assess joins the risks of applicable-risks with one small query instead of running
    # countermeasure-gaps (which works the risks out again): the same answer, engagement by
    # engagement.
    store = fixtures_and_examples
    engagements = _every_engagement(store)
    assert len(engagements) == EVERY_ENGAGEMENT_COUNT
    for engagement in engagements:
        assessment = assess(store, engagement, with_sources=False)
        ours = {
            (f.risk, m.countermeasure, m.status, record)
            for f in assessment.risks
            for m in f.mitigations
            for record in (m.records or (None,))
        }
        rows = run_select(store, "countermeasure-gaps", {"engagement": engagement}).dicts()
        canned = {
            (
                row["risk"],
                row["countermeasure"],
                str(row["status"]),
                row["record"] if isinstance(row.get("record"), URIRef) else None,
            )
            for row in rows
        }
        assert ours == canned, engagement
        assert {(r,) for r, *_ in canned} <= {(f.risk,) for f in assessment.risks}


def test_labels_are_those_of_the_shared_label_map(fixtures_and_examples: Store) -> None:
    store = fixtures_and_examples
    for engagement in _every_engagement(store)[:40]:
        assessment = assess(store, engagement)
        terms = {engagement}
        terms.update(t for fact in assessment.facts for t in fact)
        terms.update(f.risk for f in assessment.risks)
        terms.update(m.countermeasure for f in assessment.risks for m in f.mitigations)
        terms.update(r for f in assessment.risks for m in f.mitigations for r in m.records)
        for reasons in [f.reasons for f in assessment.risks] + [
            f.reasons for f in assessment.frameworks
        ]:
            terms.update(t for r in reasons for t in (r.factor, r.actor, r.evidence))
        terms.update(f.framework for f in assessment.frameworks)
        terms.update(s.record for s in assessment.sources)
        terms.update(s.confidence for s in assessment.sources)
        assert dict(assessment.labels) == label_map(store, terms), engagement


def test_markdown_report_shows_labels_as_text(tmp_path: Path) -> None:
    # A label from a partner's data went into the Markdown as it was: a newline split the
    # heading, and HTML, pipes, emphasis and links were rendered.
    guide = Path(__file__).resolve().parent.parent / "docs" / "guide" / "engagement-after.ttl"
    hostile = "Ruritanian <b>intelligence</b>\\n# sharing | *with* [the](x) Hill_Militia"
    data = tmp_path / "hostile.ttl"
    data.write_text(
        guide.read_text(encoding="utf-8").replace(
            '"Ruritanian intelligence sharing with the Hill Militia"@en', f'"{hostile}"@en'
        ),
        encoding="utf-8",
    )
    with open_dataset([data]) as store:
        markdown = report(assess(store, DATA["eng-hill-intel"]), "markdown")
    assert markdown.splitlines()[0] == (
        r"# Risk assessment: Ruritanian \<b\>intelligence\</b\> # sharing \| \*with\* "
        r"\[the\](x) Hill\_Militia"
    )
