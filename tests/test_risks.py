"""The risk assessment of one engagement (coopgraph.risks) and its reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import URIRef

from coopgraph.dataset import open_dataset
from coopgraph.errors import ParameterError, UnknownTermError
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
