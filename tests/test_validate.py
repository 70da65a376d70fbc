"""``coopgraph validate`` and ``coopgraph.validate()``: inputs, reports, exit statuses, safety.

Exit statuses: 0 conforms, 1 does not conform (warnings only with --fail-on warning),
2 bad input or usage, 3 internal error.
"""

from __future__ import annotations

import importlib
import json
import socket
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from shape_fixtures import BACKGROUND, SHAPE_FIXTURES, rows

from coopgraph import rdfio
from coopgraph.cli import main
from coopgraph.errors import InputError, NetworkRefusedError, ParseError
from coopgraph.validate import ShapesError, render, validate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ENGAGEMENTS = SHAPE_FIXTURES / "EngagementShape" / "fail.ttl"
WARNINGS_ONLY = SHAPE_FIXTURES / "IntelligenceSharingAgreementShape" / "fail.ttl"
HEADER = (
    "@prefix coop: <https://w3id.org/coopgraph/ontology#> .\n"
    "@prefix data: <https://w3id.org/coopgraph/data/> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
)


def _run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    status = main(["validate", *(str(a) for a in argv)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- exit statuses


def test_conforming_data_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, BACKGROUND)
    assert (status, err) == (0, "")
    assert "Summary: conforms: 0 violations, 0 warnings, 0 infos (fails on violation)." in out


def test_violations_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, BACKGROUND, ENGAGEMENTS)
    assert status == 1
    assert "Summary: does not conform: 23 violations, 2 warnings, 1 info" in out


def test_warnings_fail_only_with_fail_on_warning(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, BACKGROUND, WARNINGS_ONLY)[0] == 0
    assert _run(capsys, BACKGROUND, WARNINGS_ONLY, "--fail-on", "warning")[0] == 1
    assert _run(capsys, BACKGROUND, WARNINGS_ONLY, "--fail-on", "violation")[0] == 0


def test_infos_fail_only_with_fail_on_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(
        tmp_path,
        "info.ttl",
        HEADER + "data:e a coop:Engagement ; coop:provider data:usa ; coop:partner data:sdf ;\n"
        "  coop:engagementType coop:Funding ; coop:startDate '2015'^^xsd:gYear ;\n"
        "  coop:place data:syria ; coop:hasSource data:source .\n",
    )
    assert _run(capsys, BACKGROUND, data, "--fail-on", "warning")[0] == 0
    status, out, _ = _run(capsys, BACKGROUND, data, "--fail-on", "info")
    assert status == 1
    assert "0 violations, 0 warnings, 1 info (fails on info)" in out


def test_help_documents_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["validate", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for line in (
        "0  the data conforms",
        "1  the data does not conform",
        "2  bad input or usage",
        "3  internal error",
    ):
        assert line in out


def test_an_internal_error_exits_3_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("engine exploded")

    # The module, even if the package re-exports the function under the same name.
    monkeypatch.setattr(importlib.import_module("coopgraph.validate"), "run_engine", broken)
    status, out, err = _run(capsys, BACKGROUND)
    assert (status, out) == (3, "")
    assert err == "coopgraph: internal error: RuntimeError: engine exploded\n"


# --------------------------------------------------------------------------- bad input


def _bad_syntax_files(conformance: Path) -> list[Path]:
    return sorted(
        p
        for p in (conformance / "rdf-bad-syntax").rglob("*")
        if p.is_file() and p.name != "LICENSE"
    )


def test_every_bad_syntax_file_is_a_one_line_error_naming_it(
    conformance_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _bad_syntax_files(conformance_dir)
    assert len(files) == 313
    for path in files:
        status, out, err = _run(capsys, path)
        assert status == 2, path
        assert out == ""
        assert err.startswith(f"coopgraph: error: {path}"), err
        assert err.count("\n") == 1 and "Traceback" not in err, err


def test_a_bad_syntax_error_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(tmp_path, "broken.ttl", HEADER + "data:a a coop:State .\ndata:b a .\n")
    status, _, err = _run(capsys, data)
    assert status == 2
    assert err.startswith(f"coopgraph: error: {data}:6: ")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.ttl", b"", "file is empty (contains no RDF)"),
        ("binary.ttl", b"\x00\x01\x02binary", "binary file, not RDF text"),
        ("latin1.ttl", b'<urn:a> <urn:b> "caf\xe9" .\n', "invalid UTF-8 at byte offset 20"),
        (
            "data.xyz",
            b"<urn:a> <urn:b> <urn:c> .\n",
            "cannot tell the RDF format from extension '.xyz'",
        ),
    ],
)
def test_unusable_files_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    status, out, err = _run(capsys, path)
    assert (status, out) == (2, "")
    assert err.startswith(f"coopgraph: error: {path}") and message in err
    assert err.count("\n") == 1


def test_missing_file_directory_and_unknown_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.ttl"
    assert _run(capsys, missing) == (2, "", f"coopgraph: error: {missing}: no such file\n")
    assert _run(capsys, tmp_path) == (
        2,
        "",
        f"coopgraph: error: {tmp_path}: is a directory, not an RDF file\n",
    )
    status, _, err = _run(capsys, BACKGROUND, "--format", "yaml")
    assert status == 2 and "unknown RDF format 'yaml'" in err


def test_bad_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for option in (["--engine", "turbo"], ["--inference", "hermit"], ["--report", "pdf"]):
        with pytest.raises(SystemExit) as stop:
            main(["validate", str(BACKGROUND), *option])
        assert stop.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_the_api_raises_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(ParseError):
        validate([_write(tmp_path, "bad.ttl", "<urn:a> <urn:b> .")])
    with pytest.raises(InputError, match="no such file"):
        validate([tmp_path / "missing.ttl"])
    with pytest.raises(InputError, match="--fail-on: 'sometimes' is not one of"):
        validate([BACKGROUND], fail_on="sometimes")
    with pytest.raises(InputError, match="no data file given"):
        validate([])


# --------------------------------------------------------------------------- undefined terms


def test_undefined_coopgraph_terms_are_reported_with_the_closest_term(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(
        tmp_path,
        "typos.ttl",
        HEADER + "data:e a coop:Engagment ; coop:provder data:usa ;\n"
        "  coop:engagementType coop:IntelSharing .\n",
    )
    result = validate([BACKGROUND, data])
    assert [
        (str(t.iri), t.role, t.occurrences, str(t.suggestion)) for t in result.undefined_terms
    ] == [
        (
            "https://w3id.org/coopgraph/ontology#Engagment",
            "class",
            1,
            "https://w3id.org/coopgraph/ontology#Engagement",
        ),
        (
            "https://w3id.org/coopgraph/ontology#IntelSharing",
            "resource",
            1,
            "https://w3id.org/coopgraph/ontology#IntelligenceSharing",
        ),
        (
            "https://w3id.org/coopgraph/ontology#provder",
            "property",
            1,
            "https://w3id.org/coopgraph/ontology#provider",
        ),
    ]
    assert not result.conforms
    assert result.counts() == {"Violation": 3, "Warning": 0, "Info": 0}
    status, out, _ = _run(capsys, BACKGROUND, data)
    assert status == 1
    assert (
        "coop:Engagment is not defined by the coopgraph ontology (used 1 time as a class);"
        " did you mean coop:Engagement?"
    ) in out


def test_undefined_terms_can_be_allowed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path, "extra.ttl", HEADER + "data:usa coop:nickname 'Uncle Sam' .\n")
    result = validate([BACKGROUND, data], allow_undefined=True)
    assert result.conforms
    assert [f.severity for f in result.all_findings()] == ["Warning"]
    assert _run(capsys, BACKGROUND, data)[0] == 1
    assert _run(capsys, BACKGROUND, data, "--allow-undefined")[0] == 0


def test_extra_ontology_files_define_terms(tmp_path: Path) -> None:
    data = _write(tmp_path, "extra.ttl", HEADER + "data:usa coop:nickname 'Uncle Sam' .\n")
    ontology = _write(
        tmp_path,
        "extension.ttl",
        HEADER + "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "coop:nickname a owl:DatatypeProperty ; rdfs:label 'nickname'@en .\n",
    )
    assert validate([BACKGROUND, data], ontology=[ontology]).all_findings() == []


# --------------------------------------------------------------------------- shapes


def test_a_bundled_shape_can_be_switched_off(tmp_path: Path) -> None:
    off = _write(
        tmp_path,
        "off.ttl",
        "@prefix cgsh: <https://w3id.org/coopgraph/shapes#> .\n"
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "cgsh:IntelligenceSharingAgreementShape sh:deactivated true .\n",
    )
    assert len(validate([BACKGROUND, WARNINGS_ONLY]).results) == 1
    for engine in ("fast", "pyshacl"):
        assert validate([BACKGROUND, WARNINGS_ONLY], shapes=[off], engine=engine).results == []


def test_extra_shapes_add_constraints(tmp_path: Path) -> None:
    extra = _write(
        tmp_path,
        "extra.ttl",
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix coop: <https://w3id.org/coopgraph/ontology#> .\n"
        "<urn:ex:Consent> a sh:NodeShape ; sh:targetClass coop:Engagement ;\n"
        "  sh:property [ sh:path coop:hostStateConsent ; sh:minCount 1 ;\n"
        '    sh:message "record host-state consent" ] .\n',
    )
    result = validate([BACKGROUND, WARNINGS_ONLY], shapes=[extra])
    consent = [f for f in result.results if f.messages == {Literal("record host-state consent")}]
    assert [(str(f.focus_node), str(f.path), f.severity) for f in consent] == [
        (
            "https://w3id.org/coopgraph/data/e1",
            "https://w3id.org/coopgraph/ontology#hostStateConsent",
            "Violation",
        )
    ]
    assert len(result.results) == 2


def test_invalid_extra_shapes_are_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = _write(
        tmp_path,
        "bad-shapes.ttl",
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        '<urn:ex:S> a sh:NodeShape ; sh:targetNode <urn:ex:x> ; sh:minCount "one" .\n',
    )
    with pytest.raises(ShapesError, match="not a valid SHACL shapes graph"):
        validate([BACKGROUND], shapes=[extra])
    status, _, err = _run(capsys, BACKGROUND, "--shapes", extra)
    assert status == 2 and err.startswith(f"coopgraph: error: {extra}: not a valid SHACL")


# --------------------------------------------------------------------------- inputs


def test_files_are_pooled_into_one_data_graph(tmp_path: Path) -> None:
    # The engagement's source and actors are in another file: together they conform.
    engagement = SHAPE_FIXTURES / "EngagementShape" / "pass.ttl"
    assert validate([BACKGROUND, engagement]).conforms
    alone = validate([engagement])
    assert not alone.conforms


@pytest.mark.parametrize("fmt", ["nt", "json-ld", "xml", "trig", "nquads"])
def test_every_rdf_format_gives_the_same_results(tmp_path: Path, fmt: str) -> None:
    expected = rows(validate([BACKGROUND, ENGAGEMENTS]))
    graph = rdfio.read_graph([BACKGROUND, ENGAGEMENTS])
    extension = rdfio.FORMATS[fmt].extensions[0]
    converted = tmp_path / f"data{extension}"
    converted.write_text(rdfio.serialize(graph, fmt), encoding="utf-8")
    assert rows(validate([converted])) == expected
    named_wrongly = tmp_path / "data.txt"
    named_wrongly.write_text(converted.read_text(encoding="utf-8"), encoding="utf-8")
    assert rows(validate([named_wrongly], format=fmt)) == expected


def test_the_api_takes_an_rdflib_graph() -> None:
    graph = rdfio.read_graph([BACKGROUND, ENGAGEMENTS])
    assert rows(validate(graph)) == rows(validate([BACKGROUND, ENGAGEMENTS]))


# --------------------------------------------------------------------------- no network


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record (and refuse) every attempt to open a network connection."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network access attempted during a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: attempts.append(a) or [])
    return attempts


def test_owl_imports_are_not_followed(tmp_path: Path, no_network: list[object]) -> None:
    data = _write(
        tmp_path,
        "imports.ttl",
        HEADER + "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/kb> a owl:Ontology ; owl:imports <https://example.org/other.ttl> .\n",
    )
    for engine in ("fast", "pyshacl"):
        assert validate([BACKGROUND, data], engine=engine).conforms
    assert no_network == []


def test_remote_jsonld_context_is_refused_without_fetching(
    tmp_path: Path, no_network: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(
        tmp_path,
        "remote.jsonld",
        '{"@context": "https://example.org/context.jsonld", "@id": "urn:a", "name": "x"}',
    )
    with pytest.raises(NetworkRefusedError):
        validate([data])
    status, _, err = _run(capsys, data)
    assert status == 2 and "never fetches contexts" in err
    assert no_network == []


def test_rdfxml_external_entities_are_never_expanded(
    tmp_path: Path, no_network: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    secret = _write(tmp_path, "secret.txt", "secret")
    data = _write(
        tmp_path,
        "entity.rdf",
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY e SYSTEM "file://{secret}"> ]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
        '<rdf:Description rdf:about="urn:a"><rdfs:label>&e;</rdfs:label></rdf:Description>\n'
        "</rdf:RDF>\n",
    )
    status, out, err = _run(capsys, data)
    assert status == 2 and "external XML entity 'e' refused" in err and "secret" not in out
    assert no_network == []


# --------------------------------------------------------------------------- reports


def test_human_report_groups_by_focus_node_with_its_label(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = SHAPE_FIXTURES / "EngagementPartiesShape" / "fail.ttl"
    status, out, _ = _run(capsys, BACKGROUND, data)
    assert status == 1
    assert out.splitlines()[:4] == [
        "data:e1",
        "  Violation cgsh:EngagementPartiesShape  path coop:partner"
        "  value data:usa (United States)",
        "            The same actor is both provider and partner of the engagement;"
        " an engagement is between different actors.",
        "",
    ]
    assert "Summary: does not conform: 1 violation, 0 warnings, 0 infos" in out


def test_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    data = SHAPE_FIXTURES / "EngagementPartiesShape" / "fail.ttl"
    status, out, _ = _run(capsys, BACKGROUND, data, "--report", "json")
    report = json.loads(out)
    assert status == 1
    assert (report["conforms"], report["failOn"], report["engine"]) == (False, "Violation", "fast")
    assert report["counts"] == {"Violation": 1, "Warning": 0, "Info": 0}
    assert report["results"] == [
        {
            "severity": "Violation",
            "focusNode": "https://w3id.org/coopgraph/data/e1",
            "focusLabel": None,
            "resultPath": "coop:partner",
            "value": "https://w3id.org/coopgraph/data/usa",
            "sourceShape": "https://w3id.org/coopgraph/shapes#EngagementPartiesShape",
            "sourceConstraintComponent": "http://www.w3.org/ns/shacl#SPARQLConstraintComponent",
            "messages": [
                "The same actor is both provider and partner of the engagement;"
                " an engagement is between different actors."
            ],
        }
    ]
    assert report["undefinedTerms"] == []


def test_turtle_report_is_a_standard_validation_report(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, BACKGROUND, ENGAGEMENTS, "--report", "turtle")
    assert status == 1
    graph = Graph().parse(data=out, format="turtle")
    report = graph.value(None, RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms) == Literal(False)
    results = list(graph.objects(report, SH.result))
    assert len(results) == 26
    severities = sorted(str(graph.value(r, SH.resultSeverity)).rsplit("#")[1] for r in results)
    assert severities == ["Info"] + ["Violation"] * 23 + ["Warning"] * 2
    for result in results:
        assert graph.value(result, SH.focusNode) is not None
        assert graph.value(result, SH.sourceShape) is not None
        assert graph.value(result, SH.resultMessage) is not None


def test_markdown_report(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, BACKGROUND, ENGAGEMENTS, "--report", "markdown")
    assert status == 1
    lines = out.splitlines()
    assert lines[:3] == [
        "# Validation report",
        "",
        "**does not conform: 23 violations, 2 warnings, 1 info (fails on violation)**",
    ]
    assert "| Violation | 23 |" in lines
    assert (
        sum(
            1
            for line in lines
            if line.startswith(("| Violation | data:", "| Warning | data:", "| Info | data:"))
        )
        == 26
    )


def test_report_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "report.ttl"
    status, out, err = _run(
        capsys, BACKGROUND, WARNINGS_ONLY, "--report", "turtle", "--output", output
    )
    assert (status, out) == (0, "")
    assert err == (
        f"coopgraph validate: conforms (0 violation, 1 warning, 0 info); report in {output}\n"
    )
    graph = Graph().parse(output)
    assert len(list(graph.subjects(RDF.type, SH.ValidationResult))) == 1


def test_result_object(tmp_path: Path) -> None:
    result = validate([BACKGROUND, WARNINGS_ONLY])
    assert result.conforms
    assert [(f.severity, str(f.focus_node), str(f.source_shape)) for f in result.results] == [
        (
            "Warning",
            "https://w3id.org/coopgraph/data/e1",
            "https://w3id.org/coopgraph/shapes#IntelligenceSharingAgreementShape",
        )
    ]
    assert list(result.report_graph.objects(None, SH.conforms)) == [Literal(True)]
    assert render(result, "human").splitlines()[-2] == (
        "Summary: conforms: 0 violations, 1 warning, 0 infos (fails on violation)."
    )
    parties = validate([BACKGROUND, SHAPE_FIXTURES / "EngagementPartiesShape" / "fail.ttl"])
    assert parties.labels == {URIRef("https://w3id.org/coopgraph/data/usa"): "United States"}


# --------------------------------------------------------------------------- the knowledge base


_INFO = (
    "Info\t{}\tcoop:formality\t\tcgsh:Engagement-formality-recorded\tsh:MinCountConstraintComponent"
)
_RULE = "Warning\t{0}\t\t{0}\tcgsh:{1}\tsh:SPARQLConstraintComponent"

KB_FINDINGS = [
    # The sources do not say how formally these (mostly covert) engagements were arranged;
    # the data leaves formality out rather than guess, and the Info says so.
    *(
        _INFO.format(f"data:eng-{name}")
        for name in (
            "iran-hezbollah-capacity-building",
            "iran-hezbollah-funding",
            "iran-hezbollah-weapons",
            "iran-houthis-weapons",
            "iran-na-weapons",
            "pakistan-taliban-logistics",
            "russia-na-weapons",
            "rwanda-m23-territory",
            "rwanda-m23-troop-support",
            "rwanda-m23-troop-support-2022",
            "rwanda-m23-weapons",
            "southafrica-local-partners",
        )
    ),
    # The source article's South African claim is vague: no period is known.
    "Warning\tdata:eng-southafrica-local-partners\tcoop:startDate\t\tcgsh:Engagement-startDate"
    "\tsh:MinCountConstraintComponent",
    # Training or capacity building with no vetting procedure on record.
    *(
        _RULE.format(f"data:eng-{name}", "TrainingVettingShape")
        for name in (
            "germany-peshmerga-training",
            "iran-hezbollah-capacity-building",
            "uae-securitybelt-capacity-building",
            "us-contras-capacity-building",
            "us-na-advising",
        )
    ),
    # Intelligence shared with no agreement on record (competency question 10) ...
    *(
        _RULE.format(f"data:eng-{name}", "IntelligenceSharingAgreementShape")
        for name in (
            "nigeria-cjtf-intelligence",
            "us-awakening-intelligence",
            "us-na-intelligence",
            "us-sdf-intelligence",
        )
    ),
    # ... and with no secure channel on record.
    *(
        _RULE.format(f"data:eng-{name}", "IntelligenceSharingSecureChannelShape")
        for name in (
            "nigeria-cjtf-intelligence",
            "us-awakening-intelligence",
            "us-sdf-intelligence",
        )
    ),
]


def test_the_example_knowledge_base_conforms_with_only_deserved_findings() -> None:
    result = validate(sorted(EXAMPLES.glob("*.ttl")))
    assert result.conforms
    assert result.counts()["Violation"] == 0
    assert rows(result) == sorted(KB_FINDINGS)


@pytest.mark.parametrize("inference", ["rdfs", "owlrl"])
def test_inference_is_opt_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], inference: str
) -> None:
    # coop:designatedActor has the domain coop:Designation: only inference makes data:x a
    # designation, which then lacks its authority and start date.
    data = _write(tmp_path, "x.ttl", HEADER + "data:x coop:designatedActor data:sdf .\n")
    assert _run(capsys, BACKGROUND, data)[0] == 0
    status, out, _ = _run(capsys, BACKGROUND, data, "--inference", inference)
    assert status == 1
    assert "Summary: does not conform: 2 violations, 1 warning, 0 infos" in out
