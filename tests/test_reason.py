"""Reasoning: offline imports, HermiT consistency, OWL 2 RL materialisation and explanations."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterable
from pathlib import Path

import pytest
from conftest import FIXTURES
from rdflib import OWL, RDF, XSD, BNode, Graph, Literal, Namespace, URIRef

from coopgraph import ontology_qc, reason
from coopgraph.cli import main
from coopgraph.errors import InputError, ParameterError
from coopgraph.vocab import COOP, DATA, ONTOLOGY_IRI, example_files

HERE = FIXTURES / "reason"
ENGAGEMENTS = HERE / "engagements.ttl"
GENERALISED = HERE / "generalised.ttl"
EXT = Namespace("https://example.org/coopgraph-test#")
CORE, ALIGN = reason.bundled_ontology_files()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def ontology_and(*files: Path) -> list[Path]:
    return [CORE, ALIGN, *files]


# ----------------------------------------------------------------------------- imports


def test_bundled_catalog_maps_ontology_and_version_iris_to_the_shipped_files() -> None:
    catalog = reason.read_catalog(CORE.parent / reason.CATALOG_FILE)
    assert {iri: path.name for iri, path in catalog.items()} == {
        ONTOLOGY_IRI: "coopgraph.ttl",
        f"{ONTOLOGY_IRI}/0.1.0": "coopgraph.ttl",
        f"{ONTOLOGY_IRI}/align": "coopgraph-align.ttl",
        f"{ONTOLOGY_IRI}/align/0.1.0": "coopgraph-align.ttl",
    }
    assert all(path.is_file() for path in catalog.values())


def test_alignment_module_imports_the_core_through_the_catalog_offline(no_network: None) -> None:
    documents = reason.load_documents([ALIGN])
    assert [(d.path.name, d.imported_as) for d in documents] == [
        ("coopgraph-align.ttl", None),
        ("coopgraph.ttl", ONTOLOGY_IRI),
    ]


def test_a_file_already_given_satisfies_an_import() -> None:
    documents = reason.load_documents([CORE, ALIGN])
    assert [(d.path.name, d.imported_as) for d in documents] == [
        ("coopgraph.ttl", None),
        ("coopgraph-align.ttl", None),
    ]


def test_the_core_needs_no_import() -> None:
    [core] = reason.load_documents([CORE])
    assert list(core.graph.objects(None, OWL.imports)) == []


def test_unknown_import_is_a_clear_error_and_no_fetch(tmp_path: Path, no_network: None) -> None:
    data = tmp_path / "ext.ttl"
    data.write_text(
        "<https://example.org/ext> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
        "  <http://www.w3.org/2002/07/owl#imports> <https://example.org/nowhere> .\n"
    )
    with pytest.raises(InputError) as error:
        reason.load_documents([data])
    assert str(error.value) == (
        f"{data}: owl:imports <https://example.org/nowhere> is in no catalog (the bundled"
        " catalog); coopgraph never fetches imports: add it to a catalog-v001.xml"
    )


def _write_catalog(path: Path, entries: dict[str, str]) -> None:
    uris = "".join(f'  <uri name="{iri}" uri="{target}"/>\n' for iri, target in entries.items())
    path.write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">\n' + uris + "</catalog>\n"
    )


def test_imports_resolve_through_a_given_catalog_and_the_one_beside_the_file(
    tmp_path: Path, no_network: None
) -> None:
    owl = "http://www.w3.org/2002/07/owl#"
    (tmp_path / "a.ttl").write_text(
        f"<urn:x:a> a <{owl}Ontology> ; <{owl}imports> <urn:x:b> , <urn:x:c> .\n"
    )
    (tmp_path / "b.ttl").write_text(f"<urn:x:b> a <{owl}Ontology> .\n")
    elsewhere = tmp_path / "lib"
    elsewhere.mkdir()
    (elsewhere / "c.ttl").write_text(f"<urn:x:c> a <{owl}Ontology> .\n")
    _write_catalog(tmp_path / "catalog-v001.xml", {"urn:x:b": "b.ttl"})
    _write_catalog(elsewhere / "mine.xml", {"urn:x:c": "c.ttl"})
    documents = reason.load_documents([tmp_path / "a.ttl"], catalogs=[elsewhere / "mine.xml"])
    assert [(d.path.name, d.imported_as) for d in documents] == [
        ("a.ttl", None),
        ("b.ttl", "urn:x:b"),
        ("c.ttl", "urn:x:c"),
    ]


def test_an_imported_file_must_declare_the_imported_iri(tmp_path: Path) -> None:
    owl = "http://www.w3.org/2002/07/owl#"
    (tmp_path / "a.ttl").write_text(f"<urn:x:a> a <{owl}Ontology> ; <{owl}imports> <urn:x:b> .\n")
    (tmp_path / "b.ttl").write_text(f"<urn:x:other> a <{owl}Ontology> .\n")
    _write_catalog(tmp_path / "catalog-v001.xml", {"urn:x:b": "b.ttl"})
    with pytest.raises(InputError, match=r"b\.ttl: imported as <urn:x:b>, but it declares no"):
        reason.load_documents([tmp_path / "a.ttl"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">'
            '<uri name="urn:x:b" uri="https://example.org/b.ttl"/></catalog>',
            "catalog entry for <urn:x:b> points to https://example.org/b.ttl, not a file",
        ),
        (
            '<!DOCTYPE catalog [<!ENTITY x "y">]><catalog/>',
            "XML catalogs with a DOCTYPE or entities are not accepted",
        ),
        ("<catalog", "not a well-formed XML catalog"),
        ("<other/>", "not an OASIS XML catalog (root element 'other')"),
    ],
)
def test_bad_catalogs_are_refused(tmp_path: Path, content: str, message: str) -> None:
    catalog = tmp_path / "catalog.xml"
    catalog.write_text(content)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        reason.read_catalog(catalog)


# ----------------------------------------------------------------------------- dates for HermiT


@pytest.mark.parametrize(
    ("lexical", "datatype", "expected"),
    [
        ("2014", XSD.gYear, "2014-01-01T00:00:00Z"),
        ("2014-05", XSD.gYearMonth, "2014-05-01T00:00:00Z"),
        ("2014-05-07", XSD.date, "2014-05-07T00:00:00Z"),
        ("2014+05:00", XSD.gYear, "2014-01-01T00:00:00+05:00"),
        ("2014-05Z", XSD.gYearMonth, "2014-05-01T00:00:00Z"),
    ],
)
def test_dates_reach_hermit_as_the_first_instant_of_their_period(
    lexical: str, datatype: URIRef, expected: str
) -> None:
    graph = Graph()
    graph.add((DATA.e1, COOP.startDate, Literal(lexical, datatype=datatype)))
    converted = reason.dates_as_datetime(graph, "x.ttl")
    assert set(converted) == {(DATA.e1, COOP.startDate, Literal(expected, datatype=XSD.dateTime))}


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        (Literal("2014-02-30", datatype=XSD.date), "not a valid xsd:date literal"),
        (Literal("14", datatype=XSD.gYear), "not a valid xsd:gYear literal"),
        (Literal("2014-13", datatype=XSD.gYearMonth), "not a valid xsd:gYearMonth literal"),
        (
            Literal("P1Y", datatype=XSD.duration),
            "datatype xsd:duration is outside the OWL 2 datatype map",
        ),
    ],
)
def test_literals_hermit_cannot_read_are_bad_input(literal: Literal, message: str) -> None:
    graph = Graph()
    graph.add((DATA.e1, COOP.startDate, literal))
    with pytest.raises(InputError) as error:
        reason.dates_as_datetime(graph, "x.ttl")
    assert str(error.value).startswith(f"x.ttl: data:e1 coop:startDate {literal.n3()}: {message}")


def test_other_owl2_datatypes_pass_unchanged() -> None:
    graph = Graph()
    graph.add((COOP.Funding, COOP.allowsStatePartner, Literal(True)))
    graph.add((DATA.s, COOP.countryCode, Literal("US")))
    assert set(reason.dates_as_datetime(graph)) == set(graph)


# ----------------------------------------------------------------------------- HermiT


@pytest.mark.slow
def test_the_core_ontology_alone_is_consistent_and_coherent() -> None:
    assert reason.check([CORE]) == reason.CheckResult(True, [])


@pytest.mark.slow
def test_ontology_alignment_and_example_knowledge_base_are_consistent_and_coherent() -> None:
    examples = [Path(str(f)) for f in example_files()]
    assert reason.check(ontology_and(*examples)) == reason.CheckResult(True, [])


@pytest.mark.slow
def test_data_with_every_kind_of_date_is_consistent() -> None:
    assert reason.check(ontology_and(ENGAGEMENTS)) == reason.CheckResult(True, [])


@pytest.mark.slow
def test_an_actor_of_two_disjoint_classes_is_inconsistent() -> None:
    result = reason.check(ontology_and(HERE / "disjoint_types.ttl"))
    assert not result.consistent
    assert [clash.lines() for clash in result.explanation or []] == [
        [
            "data:Hybrid is a coop:NonStateActor and coop:State, which are disjoint"
            " (owl:AllDisjointClasses)"
        ]
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kinds", "clash"),
    [
        (
            "coop:CommunityGroup , coop:Militia",
            "data:x is a coop:CommunityGroup and coop:NonStateArmedGroup, which are disjoint"
            " (coop:CommunityGroup owl:disjointWith coop:NonStateArmedGroup)",
        ),
        (
            "coop:ProGovernmentMilitia , coop:InsurgentGroup",
            "data:x is a coop:InsurgentGroup and coop:ProGovernmentMilitia, which are disjoint"
            " (coop:ProGovernmentMilitia owl:disjointWith coop:InsurgentGroup)",
        ),
    ],
)
def test_actor_kinds_that_exclude_each_other_are_inconsistent(
    tmp_path: Path, kinds: str, clash: str
) -> None:
    # An unarmed community group could also be a militia, and a pro-government militia an
    # insurgent group: both were consistent.
    data = tmp_path / "kinds.ttl"
    data.write_text(
        "@prefix coop: <https://w3id.org/coopgraph/ontology#> .\n"
        f"<https://w3id.org/coopgraph/data/x> a {kinds} .\n"
    )
    result = reason.check(ontology_and(data))
    assert not result.consistent
    assert [found.lines()[0] for found in result.explanation or []] == [clash]


@pytest.mark.slow
def test_a_value_of_the_wrong_class_is_inconsistent_and_explained() -> None:
    result = reason.check(ontology_and(HERE / "wrong_range.ttl"))
    assert not result.consistent
    assert [clash.lines() for clash in result.explanation or []] == [
        [
            "data:GroupZ is a coop:Actor and coop:RiskFactor, which are disjoint"
            " (owl:AllDisjointClasses)",
            "  data:GroupZ rdf:type coop:NonStateArmedGroup ← subclass (coop:Militia"
            " rdfs:subClassOf coop:NonStateArmedGroup) over data:GroupZ rdf:type coop:Militia",
            "  data:GroupZ rdf:type coop:NonStateActor ← subclass (coop:NonStateArmedGroup"
            " rdfs:subClassOf coop:NonStateActor) over data:GroupZ rdf:type"
            " coop:NonStateArmedGroup",
            "  data:GroupZ rdf:type coop:Actor ← subclass (coop:NonStateActor rdfs:subClassOf"
            " coop:Actor) over data:GroupZ rdf:type coop:NonStateActor",
            "  data:GroupZ rdf:type coop:EngagementType ← range (coop:engagementType rdfs:range"
            " coop:EngagementType) over data:e9 coop:engagementType data:GroupZ",
            "  data:GroupZ rdf:type coop:RiskFactor ← subclass (coop:EngagementType"
            " rdfs:subClassOf coop:RiskFactor) over data:GroupZ rdf:type coop:EngagementType",
        ]
    ]


@pytest.mark.slow
def test_a_literal_outside_its_datatype_range_is_inconsistent_and_explained() -> None:
    result = reason.check(ontology_and(HERE / "wrong_literal.ttl"))
    assert not result.consistent
    assert [clash.lines() for clash in result.explanation or []] == [
        [
            'data:Statia has coop:countryCode "US"@en, outside its range (coop:countryCode'
            " rdfs:range xsd:string)"
        ]
    ]


@pytest.mark.slow
def test_an_unsatisfiable_class_is_reported_with_its_iri(no_network: None) -> None:
    # The fixture imports the core ontology by IRI: the bundled catalog resolves it.
    result = reason.check([HERE / "unsatisfiable.ttl"])
    assert result == reason.CheckResult(True, [str(EXT.StateMilitia)])
    assert not result.ok


def test_check_refuses_a_bad_date_naming_the_file(tmp_path: Path) -> None:
    data = tmp_path / "bad.ttl"
    data.write_text(
        "<https://w3id.org/coopgraph/data/e1> <https://w3id.org/coopgraph/ontology#startDate>"
        ' "2014-02-30"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
    )
    with pytest.raises(InputError, match=f"^{data}: data:e1 coop:startDate"):
        reason.check([CORE, data])


def test_check_without_java_is_a_usage_error_naming_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no java
    assert main(["check", str(ENGAGEMENTS)]) == 2
    assert capsys.readouterr().err == (
        "coopgraph: error: HermiT needs java, which is not on PATH: install a Java runtime"
        " (Debian: default-jre-headless)\n"
    )


def test_check_with_a_java_that_cannot_be_run_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    java = tmp_path / "java"
    java.touch(mode=0o755)  # executable, but not a program
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["check", str(ENGAGEMENTS)]) == 2
    assert capsys.readouterr().err == "coopgraph: error: java could not be run: Exec format error\n"


@pytest.mark.parametrize(
    ("megabytes", "reason_given"),
    [
        ("999999999", "Could not reserve enough space for 1024000000000KB object heap"),
        ("99999999999999999", "Invalid maximum heap size: -Xmx99999999999999999M"),
    ],
)
def test_check_with_a_heap_java_cannot_have_says_the_jvm_could_not_start(
    megabytes: str, reason_given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--java-memory", megabytes, str(ENGAGEMENTS)]) == 2
    assert capsys.readouterr().err == (
        f"coopgraph: error: Java could not start HermiT with a heap of {megabytes} MB"
        f" (--java-memory): {reason_given}\n"
    )


def _hermit_fails_with(monkeypatch: pytest.MonkeyPatch, output: str) -> None:
    import owlready2

    def fail(*args: object, **kwargs: object) -> None:
        raise owlready2.OwlReadyJavaError(f"Java error message is:\n{output}")

    monkeypatch.setattr(owlready2, "sync_reasoner_hermit", fail)


def test_hermit_out_of_memory_asks_for_a_larger_heap(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # What HermiT prints for a 64 MB heap and 100k triples of bench/synthetic.py data.
    _hermit_fails_with(
        monkeypatch,
        'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space\n'
        "\tat java.base/java.util.HashMap.newNode(HashMap.java:1901)\n"
        "\tat org.semanticweb.HermiT.cli.CommandLine.main(CommandLine.java:830)\n",
    )
    assert main(["check", "--java-memory", "64", str(ENGAGEMENTS)]) == 2
    assert capsys.readouterr().err == (
        "coopgraph: error: HermiT ran out of memory in a heap of 64 MB (--java-memory):"
        " give it more\n"
    )


def test_another_hermit_failure_is_an_internal_error_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _hermit_fails_with(
        monkeypatch,
        'Exception in thread "main" java.lang.IllegalStateException: broken\n'
        "\tat org.semanticweb.HermiT.cli.CommandLine.main(CommandLine.java:830)\n",
    )
    assert main(["check", str(ENGAGEMENTS)]) == 3
    assert capsys.readouterr().err == (
        'coopgraph: error: HermiT failed: Exception in thread "main"'
        " java.lang.IllegalStateException: broken\n"
    )


def test_qc_dl_profile_without_java_is_a_usage_error_naming_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COOPGRAPH_OWLAPI_CLASSPATH", str(tmp_path))  # no Debian jars needed
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["qc", str(GENERALISED), "--dl-profile"]) == 2
    assert capsys.readouterr().err == (
        "coopgraph: error: the OWL 2 DL profile check needs java, which is not on PATH:"
        " install a JDK (Debian: default-jdk-headless)\n"
    )


@pytest.mark.skipif(shutil.which("javac") is None, reason="needs a JDK (javac)")
def test_dl_profile_check_with_a_classpath_that_is_not_the_owl_api_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # javac's failure was an internal error (exit 3), though the setting is the user's.
    jars = tmp_path / "jars"
    jars.mkdir()
    monkeypatch.setenv("COOPGRAPH_OWLAPI_CLASSPATH", str(jars))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["qc", str(GENERALISED), "--dl-profile"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(
        "coopgraph: error: cannot compile the OWL API checker against"
        f" $COOPGRAPH_OWLAPI_CLASSPATH ({jars}): "
    )
    assert error.endswith("error: package org.semanticweb.owlapi.apibinding does not exist\n")
    assert error.count("\n") == 1


def test_dl_profile_check_whose_jvm_cannot_start_says_why_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # not compiled yet: javac runs first
    monkeypatch.setenv("JAVA_TOOL_OPTIONS", "-Xbogus")
    with pytest.raises(InputError) as error:
        ontology_qc.dl_profile_violations([GENERALISED])
    assert str(error.value) == (
        "cannot compile the OWL API checker: Java could not start: Unrecognized option: -Xbogus"
    )


def _hanging_java_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hanging: str) -> None:
    """java and javac stand-ins on PATH: ``hanging`` never finishes, the other succeeds."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("java", "javac"):
        script = "exec sleep 60" if tool == hanging else "exit 0"
        (tools / tool).write_text(f"#!/bin/sh\n{script}\n")
        (tools / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.defpath}")
    monkeypatch.setenv("COOPGRAPH_OWLAPI_CLASSPATH", str(tools))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(ontology_qc, "_JAVA_TIMEOUT_S", 0.5)


@pytest.mark.parametrize(
    ("hanging", "task"),
    [("javac", "compiling the OWL API checker"), ("java", "the OWL 2 DL profile check")],
)
def test_a_java_tool_that_runs_past_the_time_limit_is_stopped_with_a_usage_error(
    hanging: str,
    task: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A TimeoutExpired traceback ended in exit 3 (internal error).
    _hanging_java_tools(tmp_path, monkeypatch, hanging)
    assert main(["qc", str(GENERALISED), "--dl-profile"]) == 2
    assert capsys.readouterr().err == (
        f"coopgraph: error: {task}: {hanging} did not finish within 0.5 s and was stopped\n"
    )
    # A stopped compilation leaves no half-built class directory behind.
    built = list((tmp_path / "cache" / "coopgraph").iterdir())
    assert len(built) == (0 if hanging == "javac" else 1)


# ----------------------------------------------------------------------------- OWL 2 RL

EXPECTED_RISKS_AND_FRAMEWORKS = {
    (DATA.e1, COOP.hasRisk, COOP.Infiltration),
    (DATA.e1, COOP.hasRisk, COOP.Espionage),
    (DATA.e1, COOP.hasRisk, COOP.InformationCompromise),
    (DATA.e1, COOP.hasRisk, COOP.LegalExposure),
    (DATA.e1, COOP.hasRisk, COOP.ValuesConflict),
    (DATA.e1, COOP.governingFramework, COOP.InternationalHumanRightsLaw),
    (DATA.e1, COOP.governingFramework, COOP.UNSCResolution1373),
    (DATA.e1, COOP.governingFramework, COOP.MaterialSupportStatute2339A),
    (DATA.e1, COOP.governingFramework, COOP.MaterialSupportStatute2339B),
    # from the broader type coop:TrainingAndExpertise
    (DATA.e2, COOP.hasRisk, COOP.MisuseOfTraining),
    (DATA.e2, COOP.hasRisk, COOP.EscalationAndMiscalculation),
    (DATA.e2, COOP.hasRisk, COOP.LossOfControl),
    # from coop:Informal
    (DATA.e2, COOP.hasRisk, COOP.ControlAndOversightRisk),
    (DATA.e2, COOP.hasRisk, COOP.AgreementBetrayal),
    (DATA.e2, COOP.hasRisk, COOP.MissionCreep),
    # from the militia partner (coop:NonStateArmedPartner)
    (DATA.e2, COOP.hasRisk, COOP.MisalignedInterests),
    (DATA.e2, COOP.hasRisk, COOP.AllegianceSwitching),
    (DATA.e2, COOP.hasRisk, COOP.AdverseSelection),
    (DATA.e2, COOP.hasRisk, COOP.MoralHazard),
    (DATA.e2, COOP.governingFramework, COOP["UNCharterArticle2-4"]),
    (DATA.e2, COOP.governingFramework, COOP.LeahyLawState),
    (DATA.e2, COOP.governingFramework, COOP.LeahyLawDefense),
    (DATA.e2, COOP.governingFramework, COOP.CommonArticle3),
    (DATA.e2, COOP.governingFramework, COOP.AdditionalProtocolII),
}


@pytest.fixture(scope="module")
def closure() -> reason.Materialisation:
    return reason.reason([ENGAGEMENTS])


def risks_and_frameworks(triples: Iterable[tuple]) -> set[tuple]:
    return {t for t in triples if t[1] in (COOP.hasRisk, COOP.governingFramework)}


def test_materialisation_derives_exactly_the_expected_risks_and_frameworks(
    closure: reason.Materialisation,
) -> None:
    assert risks_and_frameworks(closure.inferred()) == EXPECTED_RISKS_AND_FRAMEWORKS


def test_materialisation_keeps_the_input_and_does_not_change_it() -> None:
    graph = reason.load_graph(ontology_and(ENGAGEMENTS))
    before = set(graph)
    m = reason.materialise(graph)
    assert set(graph) == before
    assert m.asserted == before
    assert before <= set(m.graph)


@pytest.mark.slow
def test_reasonable_with_chains_agrees_with_owlrl_on_the_data() -> None:
    # owlrl also states every resource owl:sameAs itself (rule eq-ref); nothing else differs.
    graph = reason.load_graph(ontology_and(ENGAGEMENTS))

    def about_data(m: reason.Materialisation) -> set[tuple]:
        return {
            (s, p, o) for s, p, o in m.inferred() if s in DATA and not (p == OWL.sameAs and s == o)
        }

    fast = about_data(reason.materialise(graph, engine="reasonable"))
    reference = about_data(reason.materialise(graph, engine="owlrl"))
    assert fast == reference
    assert risks_and_frameworks(fast) == EXPECTED_RISKS_AND_FRAMEWORKS
    assert len(fast) == 97


@pytest.mark.parametrize(
    ("engine", "inferred", "example"),
    [
        ("reasonable", 10, (EXT.a, RDF.type, OWL.Thing)),
        ("owlrl", 120, (EXT.a, OWL.sameAs, EXT.a)),
    ],
)
def test_cli_reason_leaves_out_generalised_triples(
    engine: str,
    inferred: int,
    example: tuple,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # owlrl derived "x" rdf:type ex:C and "x" owl:sameAs "x", which failed the writer (exit 3);
    # the chain onto a blank node made reasonable refuse its own input (exit 3).
    out = tmp_path / "inferred.ttl"
    command = ["reason", str(GENERALISED), "--ontology", str(GENERALISED), "-o", str(out)]
    assert main([*command, "--engine", engine, "--inferred-only"]) == 0
    assert capsys.readouterr().err == (
        f"9 asserted and {inferred} inferred triples; wrote {inferred} to {out}\n"
    )
    written = set(Graph().parse(out, format="turtle"))
    assert len(written) == inferred
    assert example in written
    assert {t for t in written if Literal("x") in t or (t[0], t[2]) == (EXT.a, EXT.c)} == set()


@pytest.mark.slow
def test_cli_reason_with_owlrl_agrees_with_the_default_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The comparison above stays in memory; writing owlrl's closure is what failed (exit 3)
    # while it still held generalised triples.
    runs = {}
    for engine in ("owlrl", "reasonable"):
        out = tmp_path / f"{engine}.nt"
        assert (
            main(["reason", str(ENGAGEMENTS), "-o", str(out), "--engine", engine, "--explain"]) == 0
        )
        captured = capsys.readouterr()
        runs[engine] = (set(Graph().parse(out, format="nt")), captured.out, captured.err)
    (owlrl, owlrl_explained, owlrl_summary), (fast, fast_explained, fast_summary) = runs.values()
    assert owlrl_summary == (
        f"1952 asserted and 2412 inferred triples; wrote 4364 to {tmp_path / 'owlrl.nt'}\n"
    )
    assert fast_summary == (
        f"1952 asserted and 1107 inferred triples; wrote 3059 to {tmp_path / 'reasonable.nt'}\n"
    )
    assert (len(owlrl), len(fast)) == (4364, 3059)
    assert {
        (DATA.e1, OWL.sameAs, DATA.e1),  # eq-ref: owlrl only
        (DATA.e1, COOP.hasRisk, COOP.Infiltration),
        (DATA.Rivalia, COOP.rivalOf, DATA.Statia),
        (DATA.Eastvale, COOP.withinRegion, DATA.Continent),
    } <= owlrl
    assert risks_and_frameworks(owlrl) == EXPECTED_RISKS_AND_FRAMEWORKS

    def ground_facts_about_data(triples: set[tuple]) -> set[tuple]:
        # blank nodes get new labels in each file; owlrl also states x owl:sameAs x
        return {
            (s, p, o)
            for s, p, o in triples
            if s in DATA and not isinstance(o, BNode) and not (p == OWL.sameAs and s == o)
        }

    assert ground_facts_about_data(owlrl) == ground_facts_about_data(fast)
    assert len(ground_facts_about_data(fast)) == 123
    # the same explanations, restrictions rendered without owlrl's reflexive statements
    assert owlrl_explained == fast_explained
    assert len(fast_explained.splitlines()) == 64
    assert (
        "data:MilitiaY coop:inSituation coop:NonStateArmedPartner ← hasValue"
        " (coop:NonStateArmedGroup rdfs:subClassOf [owl:onProperty coop:inSituation;"
        " owl:hasValue coop:NonStateArmedPartner]) over data:MilitiaY rdf:type"
        " coop:NonStateArmedGroup"
    ) in owlrl_explained.splitlines()


def test_data_inferences_are_the_coop_facts_about_non_ontology_resources(
    closure: reason.Materialisation,
) -> None:
    ontology_terms = set(reason.load_graph([CORE, ALIGN]).subjects())
    facts = closure.data_inferences(ontology_terms)
    assert {t[0] for t in facts} == {
        DATA.e1,
        DATA.e2,
        DATA.fto1,
        DATA.GroupX,
        DATA.MilitiaY,
        DATA.Statia,
        DATA.Rivalia,
        DATA.Eastvale,
    }
    assert all(t[1] in COOP and t[1] != RDF.type for t in facts)
    assert (DATA.Eastvale, COOP.withinRegion, DATA.Continent) in facts


# ----------------------------------------------------------------------------- explanations


def lines(m: reason.Materialisation, triple: tuple) -> list[str]:
    return [str(d) for d in m.explain(triple)]


def test_explain_a_type_implied_risk(closure: reason.Materialisation) -> None:
    assert lines(closure, (DATA.e1, COOP.hasRisk, COOP.Infiltration)) == [
        "data:e1 coop:typeImpliedRisk coop:Infiltration ← property chain (coop:engagementType"
        " coop:carriesRisk) over data:e1 coop:engagementType coop:IntelligenceSharing,"
        " coop:IntelligenceSharing coop:carriesRisk coop:Infiltration",
        "data:e1 coop:hasRisk coop:Infiltration ← sub-property (coop:typeImpliedRisk"
        " rdfs:subPropertyOf coop:hasRisk) over data:e1 coop:typeImpliedRisk coop:Infiltration",
    ]


def test_explain_a_risk_from_a_designation_through_inverse_sub_property_and_has_value(
    closure: reason.Materialisation,
) -> None:
    assert lines(closure, (DATA.e1, COOP.situationImpliedRisk, COOP.LegalExposure)) == [
        "data:fto1 coop:concernsActor data:GroupX ← sub-property (coop:designatedActor"
        " rdfs:subPropertyOf coop:concernsActor) over data:fto1 coop:designatedActor data:GroupX",
        "data:GroupX coop:subjectOf data:fto1 ← inverse (coop:subjectOf owl:inverseOf"
        " coop:concernsActor) over data:fto1 coop:concernsActor data:GroupX",
        "data:fto1 coop:indicatesSituation coop:UnderTerroristDesignation ← hasValue"
        " (coop:TerroristDesignation rdfs:subClassOf [owl:onProperty coop:indicatesSituation;"
        " owl:hasValue coop:UnderTerroristDesignation]) over data:fto1 rdf:type"
        " coop:TerroristDesignation",
        "data:GroupX coop:inSituation coop:UnderTerroristDesignation ← property chain"
        " (coop:subjectOf coop:indicatesSituation) over data:GroupX coop:subjectOf data:fto1,"
        " data:fto1 coop:indicatesSituation coop:UnderTerroristDesignation",
        "data:e1 coop:engagementSituation coop:UnderTerroristDesignation ← property chain"
        " (coop:partner coop:inSituation) over data:e1 coop:partner data:GroupX, data:GroupX"
        " coop:inSituation coop:UnderTerroristDesignation",
        "data:e1 coop:situationImpliedRisk coop:LegalExposure ← property chain"
        " (coop:engagementSituation coop:carriesRisk) over data:e1 coop:engagementSituation"
        " coop:UnderTerroristDesignation, coop:UnderTerroristDesignation coop:carriesRisk"
        " coop:LegalExposure",
    ]


def test_explain_a_risk_of_a_broader_type_and_a_partner_class(
    closure: reason.Materialisation,
) -> None:
    assert lines(closure, (DATA.e2, COOP.typeImpliedRisk, COOP.MisuseOfTraining)) == [
        "data:e2 coop:typeImpliedRisk coop:MisuseOfTraining ← property chain"
        " (coop:engagementType coop:broaderType coop:carriesRisk) over data:e2"
        " coop:engagementType coop:JointTraining, coop:JointTraining coop:broaderType"
        " coop:TrainingAndExpertise, coop:TrainingAndExpertise coop:carriesRisk"
        " coop:MisuseOfTraining",
    ]
    assert lines(closure, (DATA.MilitiaY, COOP.inSituation, COOP.NonStateArmedPartner)) == [
        "data:MilitiaY rdf:type coop:NonStateArmedGroup ← subclass (coop:Militia"
        " rdfs:subClassOf coop:NonStateArmedGroup) over data:MilitiaY rdf:type coop:Militia",
        "data:MilitiaY coop:inSituation coop:NonStateArmedPartner ← hasValue"
        " (coop:NonStateArmedGroup rdfs:subClassOf [owl:onProperty coop:inSituation;"
        " owl:hasValue coop:NonStateArmedPartner]) over data:MilitiaY rdf:type"
        " coop:NonStateArmedGroup",
    ]


def test_explain_a_governing_framework_through_an_inverse(
    closure: reason.Materialisation,
) -> None:
    assert lines(closure, (DATA.e1, COOP.governingFramework, COOP.InternationalHumanRightsLaw)) == [
        "coop:IntelligenceSharing coop:governedBy coop:InternationalHumanRightsLaw ← inverse"
        " (coop:governedBy owl:inverseOf coop:governs) over coop:InternationalHumanRightsLaw"
        " coop:governs coop:IntelligenceSharing",
        "data:e1 coop:governingFramework coop:InternationalHumanRightsLaw ← property chain"
        " (coop:engagementType coop:governedBy) over data:e1 coop:engagementType"
        " coop:IntelligenceSharing, coop:IntelligenceSharing coop:governedBy"
        " coop:InternationalHumanRightsLaw",
    ]


def test_explain_transitivity_symmetry_and_an_asserted_fact(
    closure: reason.Materialisation,
) -> None:
    assert lines(closure, (DATA.Eastvale, COOP.withinRegion, DATA.Continent)) == [
        "data:Eastvale coop:withinRegion data:Continent ← transitivity (coop:withinRegion a"
        " owl:TransitiveProperty) over data:Eastvale coop:withinRegion data:Midland,"
        " data:Midland coop:withinRegion data:Continent",
    ]
    assert lines(closure, (DATA.Rivalia, COOP.rivalOf, DATA.Statia)) == [
        "data:Rivalia coop:rivalOf data:Statia ← symmetric (coop:rivalOf a"
        " owl:SymmetricProperty) over data:Statia coop:rivalOf data:Rivalia",
    ]
    assert lines(closure, (DATA.Statia, COOP.rivalOf, DATA.Rivalia)) == []


# ----------------------------------------------------------------------------- CLI


@pytest.mark.slow
def test_cli_check_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(ENGAGEMENTS)]) == 0
    assert capsys.readouterr().out == "consistent\n"
    assert main(["check", str(HERE / "disjoint_types.ttl")]) == 1
    assert capsys.readouterr().out == (
        "inconsistent\nOWL 2 RL clashes:\n  data:Hybrid is a coop:NonStateActor and coop:State,"
        " which are disjoint (owl:AllDisjointClasses)\n"
    )
    assert main(["check", "--ontology", str(HERE / "unsatisfiable.ttl")]) == 1
    assert capsys.readouterr().out == (
        f"consistent\nunsatisfiable classes (1):\n  {EXT.StateMilitia}\n"
    )


def test_cli_check_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.ttl"
    assert main(["check", str(missing)]) == 2
    assert capsys.readouterr().err == f"coopgraph: error: {missing}: no such file\n"
    assert main(["check", "--java-memory", "10"]) == 2


def test_cli_reason_writes_the_closure_and_explains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "closure.nt"
    assert main(["reason", str(ENGAGEMENTS), "-o", str(out), "--explain"]) == 0
    written = Graph().parse(out, format="nt")
    assert risks_and_frameworks(written) == EXPECTED_RISKS_AND_FRAMEWORKS
    stdout = capsys.readouterr().out.splitlines()
    assert (
        "data:e1 coop:hasRisk coop:Infiltration ← sub-property (coop:typeImpliedRisk"
        " rdfs:subPropertyOf coop:hasRisk) over data:e1 coop:typeImpliedRisk coop:Infiltration"
    ) in stdout
    conclusions = [line.split(" ← ")[0] for line in stdout]
    assert len(conclusions) == len(set(conclusions))


def test_cli_reason_inferred_only(tmp_path: Path) -> None:
    out = tmp_path / "inferred.ttl"
    assert main(["reason", str(ENGAGEMENTS), "-o", str(out), "--inferred-only"]) == 0
    written = set(Graph().parse(out, format="turtle"))
    asserted = set(reason.load_graph(ontology_and(ENGAGEMENTS)))
    assert written & asserted == set()
    assert risks_and_frameworks(written) == EXPECTED_RISKS_AND_FRAMEWORKS


def test_cli_reason_bad_output_format_exits_2_before_reasoning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reason", str(ENGAGEMENTS), "-o", str(tmp_path / "out.xyz")]) == 2
    assert "cannot tell the RDF format" in capsys.readouterr().err


def test_materialise_takes_a_graph() -> None:
    # A path was iterated as text: a raw TypeError deep in the engine.
    with pytest.raises(ParameterError, match=r"^materialise takes an rdflib Graph, not str"):
        reason.materialise("data.ttl")  # type: ignore[arg-type]
