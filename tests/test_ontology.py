"""The shipped ontology modules: quality report, OWL 2 DL profile, the alignment module."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from coopgraph import ontology_qc, reason
from coopgraph.cli import main
from coopgraph.errors import ParameterError
from coopgraph.vocab import COOP, ONTOLOGY_IRI, example_files

CORE, ALIGN = reason.bundled_ontology_files()
DEFECTS = FIXTURES / "reason" / "qc_defects.ttl"
DL_VIOLATIONS = FIXTURES / "reason" / "dl_violations.ttl"
ALIGN_IRI = URIRef(f"{ONTOLOGY_IRI}/align")


def rows(report: ontology_qc.QcReport) -> list[tuple[str, ...]]:
    """Report rows with terms in compact form (level and check id stay as they are)."""
    return [
        (v.level, v.check, *("" if t is None else reason.render_term(t) for t in v.row()[2:]))
        for v in report.violations
    ]


# ----------------------------------------------------------------------------- QC report


def test_the_shipped_ontology_has_no_quality_problem_at_any_level() -> None:
    report = ontology_qc.run_qc()
    assert report.violations == []
    assert report.counts() == {"ERROR": 0, "WARN": 0, "INFO": 0}


def test_every_check_is_a_query_file_with_a_level_and_a_description() -> None:
    checks = ontology_qc.qc_checks()
    assert [(c.id, c.level) for c in checks] == [
        ("annotation_whitespace", "WARN"),
        ("duplicate_label", "ERROR"),
        ("label_formatting", "ERROR"),
        ("label_whitespace", "ERROR"),
        ("lowercase_definition", "INFO"),
        ("missing_definition", "WARN"),
        ("missing_definition_source", "WARN"),
        ("missing_label", "ERROR"),
        ("missing_ontology_description", "ERROR"),
        ("missing_ontology_license", "ERROR"),
        ("missing_ontology_title", "ERROR"),
        ("missing_ontology_version_iri", "ERROR"),
        ("multiple_definitions", "ERROR"),
        ("multiple_labels", "ERROR"),
        ("undeclared_term", "ERROR"),
    ]
    assert all(c.description.endswith(".") for c in checks)


def test_each_check_finds_its_defect() -> None:
    report = ontology_qc.run_qc([DEFECTS])
    ontology = f"<{ONTOLOGY_IRI}>"
    assert rows(report) == [
        ("ERROR", "duplicate_label", "coop:SameLabelA", "rdfs:label", '"same label"@en'),
        ("ERROR", "duplicate_label", "coop:SameLabelB", "rdfs:label", '"Same Label"@en'),
        ("ERROR", "label_formatting", "coop:BadLabels", "rdfs:label", '"""line\nbreak"""@fr'),
        ("ERROR", "label_whitespace", "coop:BadLabels", "rdfs:label", '" padded  label"@en'),
        ("ERROR", "missing_label", "coop:NoLabel", "rdfs:label", ""),
        ("ERROR", "missing_ontology_description", ontology, "dcterms:description", ""),
        ("ERROR", "missing_ontology_license", ontology, "dcterms:license", ""),
        ("ERROR", "missing_ontology_version_iri", ontology, "owl:versionIRI", ""),
        (
            "ERROR",
            "multiple_definitions",
            "coop:TwoDefinitions",
            "skos:definition",
            '"First definition."@en',
        ),
        (
            "ERROR",
            "multiple_definitions",
            "coop:TwoDefinitions",
            "skos:definition",
            '"Second definition."@en',
        ),
        ("ERROR", "multiple_labels", "coop:TwoLabels", "rdfs:label", '"second label"@en'),
        ("ERROR", "multiple_labels", "coop:TwoLabels", "rdfs:label", '"two labels"@en'),
        (
            "ERROR",
            "undeclared_term",
            "coop:Typo",
            "",
            '"object of <http://www.w3.org/2000/01/rdf-schema#subClassOf>"',
        ),
        (
            "WARN",
            "annotation_whitespace",
            "coop:NoSource",
            "skos:definition",
            '"a class with no definition source, defined in lower case. "@en',
        ),
        ("WARN", "missing_definition", "coop:NoDefinition", "skos:definition", ""),
        ("WARN", "missing_definition_source", "coop:NoSource", "coop:definitionSource", ""),
        (
            "INFO",
            "lowercase_definition",
            "coop:NoSource",
            "skos:definition",
            '"a class with no definition source, defined in lower case. "@en',
        ),
    ]
    assert report.counts() == {"ERROR": 13, "WARN": 3, "INFO": 1}


def test_another_namespace_is_checked_only_when_asked() -> None:
    report = ontology_qc.run_qc([DEFECTS], base="https://example.org/other#")
    assert [
        r
        for r in rows(report)
        if r[1]
        not in {
            "missing_ontology_description",
            "missing_ontology_license",
            "missing_ontology_version_iri",
        }
    ] == [
        ("ERROR", "missing_label", "<https://example.org/other#Elsewhere>", "rdfs:label", ""),
        (
            "WARN",
            "missing_definition",
            "<https://example.org/other#Elsewhere>",
            "skos:definition",
            "",
        ),
    ]
    with pytest.raises(ParameterError, match="is not an absolute IRI"):
        ontology_qc.run_qc([DEFECTS], base="not an iri")


@pytest.mark.parametrize(
    ("fail_on", "fails"), [("ERROR", False), ("WARN", True), ("INFO", True), ("none", False)]
)
def test_fail_on_counts_the_level_and_the_more_severe_ones(fail_on: str, fails: bool) -> None:
    only_warn = ontology_qc.QcReport(
        [ontology_qc.Violation("WARN", "missing_definition", COOP.X, None, None)]
    )
    assert only_warn.fails(fail_on) is fails


def test_every_coop_term_the_example_data_uses_is_declared_in_the_ontology() -> None:
    examples = [Path(str(f)) for f in example_files()]
    report = ontology_qc.run_qc([CORE, ALIGN, *examples])
    assert [r for r in rows(report) if r[1] == "undeclared_term"] == []


def test_cli_qc_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qc"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "Violations: 0; ERROR: 0; WARN: 0; INFO: 0\n"
    assert main(["qc", str(DEFECTS), "--format", "tsv"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "Violations: 17; ERROR: 13; WARN: 3; INFO: 1\n"
    assert captured.out.splitlines()[:2] == [
        "?level\t?check\t?entity\t?property\t?value",
        '"ERROR"\t"duplicate_label"\t<https://w3id.org/coopgraph/ontology#SameLabelA>'
        '\t<http://www.w3.org/2000/01/rdf-schema#label>\t"same label"@en',
    ]
    assert main(["qc", str(DEFECTS), "--fail-on", "none"]) == 0
    assert main(["qc", str(DEFECTS), "--base", "urn:nothing:"]) == 1  # header checks remain
    capsys.readouterr()
    assert main(["qc", str(FIXTURES / "reason" / "missing.ttl")]) == 2
    assert main(["qc", "--base", "not an iri"]) == 2


# ----------------------------------------------------------------------------- OWL 2 DL


def test_core_and_alignment_are_in_the_owl2_dl_profile() -> None:
    assert ontology_qc.dl_profile_violations() == []


def test_the_dl_profile_check_finds_punning_undeclared_classes_and_non_simple_properties() -> None:
    kinds = sorted(v.kind for v in ontology_qc.dl_profile_violations([DL_VIOLATIONS]))
    assert kinds == [
        "IllegalPunning",
        "IllegalPunning",
        "UseOfNonSimplePropertyInCardinalityRestriction",
        "UseOfUndeclaredClass",
    ]


def test_the_dl_profile_check_resolves_imports_offline(tmp_path: Path) -> None:
    ontology = tmp_path / "ext.ttl"
    ontology.write_text(
        "<https://example.org/ext> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
        "  <http://www.w3.org/2002/07/owl#imports> <https://w3id.org/coopgraph/ontology> .\n"
        "<https://example.org/ext#X> a <http://www.w3.org/2002/07/owl#Class> ;\n"
        "  <http://www.w3.org/2000/01/rdf-schema#subClassOf>"
        " <https://w3id.org/coopgraph/ontology#State> .\n"
    )
    assert ontology_qc.dl_profile_violations([ontology]) == []


def test_cli_qc_dl_profile_adds_error_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qc", "--dl-profile"]) == 0
    capsys.readouterr()
    assert main(["qc", str(DL_VIOLATIONS), "--dl-profile", "--base", "urn:none:"]) == 1
    out = capsys.readouterr().out
    assert out.count("owl2_dl_profile") == 4


# ----------------------------------------------------------------------------- alignment

ALIGNMENT_NAMESPACES = {
    "http://www.w3.org/ns/org#",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.w3.org/2006/time#",
    "http://purl.org/dc/terms/",
    "https://schema.org/",
    "https://schema.followthemoney.tech/#",
    "https://www.commoncoreontologies.org/",
    "http://www.opengis.net/ont/geosparql#",
}
"""The vocabularies of the alignment targets (domain-anchors.md, section C)."""
OWN_NAMESPACES = {str(COOP), str(OWL), str(RDF), str(RDFS), "http://www.w3.org/2001/XMLSchema#"}


@pytest.fixture(scope="module")
def alignment() -> Graph:
    return Graph().parse(ALIGN, format="turtle")


def test_the_alignment_module_is_its_own_versioned_ontology_importing_the_core(
    alignment: Graph,
) -> None:
    assert list(alignment.subjects(RDF.type, OWL.Ontology)) == [ALIGN_IRI]
    assert list(alignment.objects(ALIGN_IRI, OWL.versionIRI)) == [URIRef(f"{ALIGN_IRI}/0.1.0")]
    assert list(alignment.objects(ALIGN_IRI, OWL.imports)) == [URIRef(ONTOLOGY_IRI)]


def test_the_alignment_module_uses_only_the_listed_vocabularies(alignment: Graph) -> None:
    used = {
        str(term)
        for triple in alignment
        for term in triple
        if isinstance(term, URIRef)
        and term != ALIGN_IRI
        and not str(term).startswith(
            (f"{ALIGN_IRI}/", ONTOLOGY_IRI, "https://www.apache.org/licenses/")
        )
    }
    outside = {
        iri
        for iri in used
        if not any(iri.startswith(ns) for ns in ALIGNMENT_NAMESPACES | OWN_NAMESPACES)
    }
    assert outside == set()


def test_every_external_term_in_a_logical_axiom_is_declared(alignment: Graph) -> None:
    for relation, kinds in (
        (RDFS.subClassOf, {OWL.Class}),
        (RDFS.subPropertyOf, {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}),
    ):
        for external in set(alignment.objects(None, relation)):
            assert set(alignment.objects(external, RDF.type)) & kinds, external


def pairs(graph: Graph, relation: URIRef) -> set[tuple[str, str]]:
    return {
        (reason.render_term(s), reason.render_term(o)) for s, o in graph.subject_objects(relation)
    }


ORG = "http://www.w3.org/ns/org#"
SDO = "https://schema.org/"


def test_the_alignment_module_states_these_subclass_and_subproperty_axioms(
    alignment: Graph,
) -> None:
    assert pairs(alignment, RDFS.subClassOf) == {
        ("coop:Actor", "prov:Agent"),
        ("coop:Coalition", f"<{ORG}OrganizationalCollaboration>"),
        ("coop:Coalition", "prov:Organization"),
        ("coop:InternationalOrganisation", f"<{ORG}FormalOrganization>"),
        ("coop:InternationalOrganisation", f"<{SDO}Organization>"),
        ("coop:InternationalOrganisation", "prov:Organization"),
        ("coop:NonStateActor", f"<{ORG}Organization>"),
        ("coop:NonStateActor", f"<{SDO}Organization>"),
        ("coop:NonStateActor", "prov:Organization"),
        ("coop:Person", f"<{SDO}Person>"),
        ("coop:Person", "prov:Person"),
        ("coop:Membership", f"<{ORG}Membership>"),
        ("coop:Merger", f"<{ORG}ChangeEvent>"),
        ("coop:Split", f"<{ORG}ChangeEvent>"),
        ("coop:Region", f"<{SDO}Place>"),
        ("coop:Source", "prov:Entity"),
        ("coop:SourcedRecord", "prov:Entity"),
        *(
            (f"coop:{c}", "skos:Concept")
            for c in (
                "RiskFactor",
                "Risk",
                "Countermeasure",
                "ImpactType",
                "Trend",
                "ConfidenceLevel",
            )
        ),
    }
    assert pairs(alignment, RDFS.subPropertyOf) == {
        ("coop:definitionSource", "<https://www.commoncoreontologies.org/ont00001754>"),
        ("coop:startDate", f"<{SDO}startDate>"),
        ("coop:endDate", f"<{SDO}endDate>"),
        ("coop:existedFrom", f"<{SDO}foundingDate>"),
        ("coop:existedUntil", f"<{SDO}dissolutionDate>"),
        ("coop:officialCitation", f"<{SDO}legislationIdentifier>"),
        ("coop:hasSource", "prov:wasDerivedFrom"),
        ("coop:member", f"<{ORG}member>"),
        ("coop:organisation", f"<{ORG}organization>"),
        ("coop:originalActor", f"<{ORG}originalOrganization>"),
        ("coop:resultingActor", f"<{ORG}resultingOrganization>"),
        ("coop:place", "dcterms:spatial"),
    }
