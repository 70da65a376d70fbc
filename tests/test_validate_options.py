"""The options ``coopgraph validate`` shares with pySHACL's and CASE's command lines.

--focus and --shape (both engines, same findings), --abort, --metashacl, --advanced and
--iterate-rules, --inference both, the graph report formats (nt, xml, json-ld) and
``table``, and the pySHACL names mapped onto coopgraph's options.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SH
from shape_fixtures import BACKGROUND, SHAPE_FIXTURES, canonical, rows

from coopgraph.cli import main
from coopgraph.errors import ParameterError
from coopgraph.validate import ShapesError, ValidationResult, render, validate

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.ttl"))
ENGAGEMENTS = SHAPE_FIXTURES / "EngagementShape" / "fail.ttl"
WARNINGS_ONLY = SHAPE_FIXTURES / "IntelligenceSharingAgreementShape" / "fail.ttl"
ADVANCED = SHAPE_FIXTURES / "_advanced"
DATA = "https://w3id.org/coopgraph/data/"
ABORT_NOTE = (
    "--abort: the shapes stopped at the first constraint with a finding at or above {},"
    " so other findings may be missing"
)
HEADER = (
    "@prefix coop: <https://w3id.org/coopgraph/ontology#> .\n"
    "@prefix data: <https://w3id.org/coopgraph/data/> .\n"
    "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
)


def _run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    status = main(["validate", *(str(a) for a in argv)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _both(data: list[Path], **options: object) -> ValidationResult:
    """Validate with both engines; assert the fast engine ran and both found the same."""
    fast = validate(data, engine="fast", **options)  # type: ignore[arg-type]
    reference = validate(data, engine="pyshacl", **options)  # type: ignore[arg-type]
    assert fast.engine == "fast", fast.notes
    assert canonical(fast) == canonical(reference)
    assert fast.undefined_terms == reference.undefined_terms
    assert fast.notes == reference.notes
    return fast


def _with_focus(expected: list[str], *names: str) -> list[str]:
    return [row for row in expected if row.split("\t")[1] in names]


# --------------------------------------------------------------------------- --focus


def test_focus_keeps_only_the_given_focus_nodes_in_both_engines() -> None:
    full = rows(validate([BACKGROUND, ENGAGEMENTS]))
    assert len(full) == 26
    # A compact name and a full IRI.
    result = _both([BACKGROUND, ENGAGEMENTS], focus=["data:e1", f"{DATA}e3"])
    assert rows(result) == _with_focus(full, "data:e1", "data:e3")
    assert result.counts() == {"Violation": 4, "Warning": 2, "Info": 1}


def test_focus_still_checks_values_that_are_not_focus_nodes(tmp_path: Path) -> None:
    # pySHACL's own focus_nodes option would skip data:x here (it is no focus node).
    shapes = tmp_path / "named.ttl"
    shapes.write_text(
        HEADER + "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<urn:ex:Providers> a sh:NodeShape ; sh:targetClass coop:Engagement ;\n"
        "  sh:property <urn:ex:Providers-named> .\n"
        "<urn:ex:Providers-named> sh:path coop:provider ; sh:node <urn:ex:Named> ;\n"
        '  sh:message "unnamed provider" .\n'
        "<urn:ex:Named> a sh:NodeShape ;\n"
        "  sh:property [ sh:path rdfs:label ; sh:minCount 1 ] .\n"
    )
    data = tmp_path / "data.ttl"
    data.write_text(
        HEADER + "data:e1 a coop:Engagement ; coop:provider data:x .\n"
        "data:e2 a coop:Engagement ; coop:provider data:y .\n"
    )
    result = _both([data], shapes=[shapes], focus=["data:e1"])
    mine = URIRef("urn:ex:Providers-named")
    found = [(f.focus_node, f.value, f.component) for f in result.results if f.source_shape == mine]
    assert found == [(URIRef(f"{DATA}e1"), URIRef(f"{DATA}x"), SH.NodeConstraintComponent)]


def test_focus_limits_the_undefined_terms_to_triples_about_the_focus_nodes(
    tmp_path: Path,
) -> None:
    data = tmp_path / "typos.ttl"
    data.write_text(HEADER + "data:a coop:nickame 'a' .\ndata:b coop:nicknam 'b' .\n")
    result = _both([data], focus=["data:b"])
    assert [str(t.iri) for t in result.undefined_terms] == [
        "https://w3id.org/coopgraph/ontology#nicknam"
    ]


def test_a_focus_node_the_data_does_not_mention_is_noted() -> None:
    result = _both([BACKGROUND], focus=["data:nobody"])
    assert result.notes == ["--focus: data:nobody does not occur in the data"]
    assert result.all_findings() == []


def test_focus_and_shape_options_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    repeated = _run(capsys, BACKGROUND, ENGAGEMENTS, "--focus", "data:e3", "--focus", "data:talks")
    commas = _run(capsys, BACKGROUND, ENGAGEMENTS, "--focus", "data:e3,data:talks")
    assert repeated[0] == commas[0] == 1
    assert repeated[1].split("Engine:")[0] == commas[1].split("Engine:")[0]
    assert "Summary: does not conform: 2 violations, 0 warnings, 0 infos" in repeated[1]


# --------------------------------------------------------------------------- --shape


def test_shape_keeps_only_the_given_shapes_in_both_engines() -> None:
    result = _both(EXAMPLES, use_shapes=["cgsh:TrainingVettingShape"])
    assert [_row_shape(r) for r in rows(result)] == ["cgsh:TrainingVettingShape"] * 5
    two = _both(
        EXAMPLES,
        use_shapes=[
            "cgsh:EngagementShape",
            "https://w3id.org/coopgraph/shapes#TrainingVettingShape",
        ],
    )
    assert sorted({_row_shape(r) for r in rows(two)}) == [
        "cgsh:Engagement-formality-recorded",
        "cgsh:Engagement-startDate",
        "cgsh:TrainingVettingShape",
    ]
    assert two.counts() == {"Violation": 0, "Warning": 6, "Info": 12}


def _row_shape(row: str) -> str:
    return row.split("\t")[4]


def test_shape_and_focus_apply_the_shape_to_the_node_as_pyshacl_does() -> None:
    # data:usa is an actor, not an engagement: named together, the shape still applies.
    result = _both([BACKGROUND], use_shapes=["cgsh:Engagement-startDate"], focus=["data:usa"])
    assert rows(result) == [
        "Warning\tdata:usa\tcoop:startDate\t\tcgsh:Engagement-startDate"
        "\tsh:MinCountConstraintComponent"
    ]


def test_a_shape_without_targets_is_noted() -> None:
    result = _both([BACKGROUND, ENGAGEMENTS], use_shapes=["cgsh:Engagement-startDate"])
    assert result.all_findings() == []
    assert result.notes == [
        "--shape: cgsh:Engagement-startDate has no targets of its own, so it checked nothing"
        " (add --focus to apply it to given nodes)"
    ]


def test_the_undefined_terms_check_is_a_shape_to_select(tmp_path: Path) -> None:
    data = tmp_path / "typo.ttl"
    data.write_text(HEADER + "data:e1 a coop:Engagment .\n")
    only_terms = _both([BACKGROUND, ENGAGEMENTS, data], use_shapes=["cgsh:DefinedTermsCheck"])
    assert only_terms.results == []
    assert [str(t.iri) for t in only_terms.undefined_terms] == [
        "https://w3id.org/coopgraph/ontology#Engagment"
    ]
    without = _both([BACKGROUND, ENGAGEMENTS, data], use_shapes=["cgsh:EngagementShape"])
    assert without.undefined_terms == []
    assert len(without.results) == 26


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--focus", "e1"],
            "--focus: 'e1' is neither a full IRI (http, https, urn or file) nor a compact name"
            " with a known prefix (cgsh:, coop:, data:, dcterms:, owl:, prov:, rdf:, rdfs:, sh:,"
            " skos:, xsd:)",
        ),
        (
            ["--focus", "ex:e1"],
            "--focus: 'ex:e1' is neither a full IRI (http, https, urn or file) nor a compact name"
            " with a known prefix (cgsh:, coop:, data:, dcterms:, owl:, prov:, rdf:, rdfs:, sh:,"
            " skos:, xsd:)",
        ),
        (
            ["--focus", "https://example.org/a b"],
            "--focus: 'https://example.org/a b' is not a valid IRI",
        ),
        (["--shape", "data:a>b"], "--shape: 'data:a>b' is not a valid IRI"),
        (
            ["--shape", "cgsh:NoSuchShape"],
            "--shape: 'cgsh:NoSuchShape' is not a shape of the shapes graph",
        ),
        (
            ["--shape", "coop:Engagement"],
            "--shape: 'coop:Engagement' is not a shape of the shapes graph",
        ),
        (["--iterate-rules"], "--iterate-rules: rules only run with --advanced"),
    ],
)
def test_bad_names_are_one_line_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert _run(capsys, BACKGROUND, *argv) == (2, "", f"coopgraph: error: {message}\n")


def test_the_api_raises_parameter_errors_for_bad_names() -> None:
    with pytest.raises(ParameterError, match="--shape: 'cgsh:Nope' is not a shape"):
        validate([BACKGROUND], use_shapes=["cgsh:Nope"])


# --------------------------------------------------------------------------- --abort


def test_abort_stops_the_fast_engine_after_one_failing_constraint() -> None:
    full = validate([BACKGROUND, ENGAGEMENTS])
    aborted = validate([BACKGROUND, ENGAGEMENTS], abort=True)
    assert aborted.engine == "fast"
    assert aborted.notes == [ABORT_NOTE.format("violation")]
    # Exactly the findings of one constraint (one shape, one component) of the full run.
    constraints = {(f.source_shape, f.component) for f in aborted.results}
    assert len(constraints) == 1
    assert aborted.results == [
        f for f in full.results if (f.source_shape, f.component) in constraints
    ]
    assert 1 <= aborted.counts()["Violation"] < full.counts()["Violation"]


def test_abort_stops_pyshacl_after_one_failing_shape(tmp_path: Path) -> None:
    # Two node shapes fail; pySHACL stops after the first (it checks a node shape's
    # property shapes together), so one node shape's violations remain, beside warnings
    # of shapes checked before it.
    actors = tmp_path / "actor.ttl"
    actors.write_text(HEADER + "data:nameless a coop:State .\n")
    full = validate([BACKGROUND, ENGAGEMENTS, actors], engine="pyshacl")
    aborted = validate([BACKGROUND, ENGAGEMENTS, actors], engine="pyshacl", abort=True)
    assert aborted.notes == [ABORT_NOTE.format("violation")]
    shapes = full.shapes_graph
    violations = [f for f in aborted.results if f.severity == "Violation"]
    owners = {_owner(shapes, f.source_shape) for f in violations}
    assert len(owners) == 1
    assert violations == [
        f
        for f in full.results
        if f.severity == "Violation" and _owner(shapes, f.source_shape) in owners
    ]
    assert set(aborted.results) <= set(full.results)
    assert len(violations) < full.counts()["Violation"] == 24


def _owner(shapes: Graph, shape: object) -> object:
    """The node shape a property shape belongs to (or the shape itself)."""
    return shapes.value(None, SH.property, shape) or shape  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_abort_stops_at_warnings_only_when_they_fail(engine: str) -> None:
    data = [BACKGROUND, WARNINGS_ONLY]
    strict = validate(data, engine=engine, abort=True, fail_on="warning")
    assert (strict.conforms, strict.counts()["Warning"]) == (False, 1)
    assert strict.notes == [ABORT_NOTE.format("warning")]
    lenient = validate(data, engine=engine, abort=True)
    assert (lenient.conforms, lenient.counts()["Warning"], lenient.notes) == (True, 1, [])


def test_abort_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, BACKGROUND, ENGAGEMENTS, "--abort")
    assert status == 1
    assert f"note: {ABORT_NOTE.format('violation')}" in out


# --------------------------------------------------------------------------- --metashacl


def _broken_bundled_shapes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        HEADER + "<urn:ex:S> a sh:NodeShape ; sh:targetClass coop:Engagement ;\n"
        '  sh:nodeKind sh:IRI ; sh:deactivated "no" .\n'
    )
    module = importlib.import_module("coopgraph.validate")
    bundled = module.shapes_files()
    monkeypatch.setattr(module, "shapes_files", lambda: [*bundled, broken])


def test_metashacl_checks_the_bundled_shapes_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _broken_bundled_shapes(monkeypatch, tmp_path)
    # Without --metashacl the bundled shapes are trusted (the test suite checks them).
    assert _run(capsys, BACKGROUND)[0] == 0
    status, out, err = _run(capsys, BACKGROUND, "--metashacl")
    assert (status, out) == (2, "")
    # pySHACL lists the allowed values in no fixed order.
    assert err.startswith(
        "coopgraph: error: the bundled shapes: not a valid SHACL shapes graph: <urn:ex:S>:"
        ' Value Literal("no") not in list ['
    )
    assert err.endswith("] (checked against the W3C SHACL-for-SHACL shapes)\n")
    assert err.count("\n") == 1
    with pytest.raises(ShapesError):
        validate([BACKGROUND], metashacl=True)


def test_metashacl_passes_the_real_bundled_shapes(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, BACKGROUND, "-m")[0] == 0


# --------------------------------------------------------------------------- --advanced


REVIEW = (
    "Violation\tdata:e-funding\t<urn:ex:reviewedBy>\t\t<urn:ex:ReviewShape-reviewedBy>"
    "\tsh:MinCountConstraintComponent"
)
ESCALATION = (
    "Violation\tdata:e-funding\t<urn:ex:escalatedTo>\t\t<urn:ex:EscalationShape-escalatedTo>"
    "\tsh:MinCountConstraintComponent"
)
RULES_NOTE = "the fast engine cannot handle SHACL Advanced Features (sh:rule), so pySHACL was used"


def _advanced(engine: str, **options: object) -> ValidationResult:
    data = [BACKGROUND, ADVANCED / "data.ttl"]
    return validate(data, shapes=[ADVANCED / "shapes.ttl"], engine=engine, **options)  # type: ignore[arg-type]


def test_rules_run_only_in_advanced_mode() -> None:
    # Without --advanced, rules are ignored (by pySHACL, and so by the fast engine).
    assert _advanced("fast").engine == "fast"
    assert rows(_advanced("fast")) == rows(_advanced("pyshacl")) == []
    # With it, the rules infer ex:needsReview, which ex:ReviewShape then requires a reviewer for.
    for engine in ("fast", "pyshacl"):
        result = _advanced(engine, advanced=True)
        assert (result.engine, rows(result)) == ("pyshacl", [REVIEW])
    assert _advanced("fast", advanced=True).notes == [RULES_NOTE]


def test_iterate_rules_reaches_what_a_later_rule_enables() -> None:
    for engine in ("fast", "pyshacl"):
        result = _advanced(engine, advanced=True, iterate_rules=True)
        assert rows(result) == [ESCALATION, REVIEW]


def test_advanced_mode_without_advanced_features_keeps_the_fast_engine() -> None:
    result = validate([BACKGROUND, ENGAGEMENTS], advanced=True)
    assert (result.engine, len(result.results)) == ("fast", 26)


def test_advanced_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [BACKGROUND, ADVANCED / "data.ttl", "--shapes", ADVANCED / "shapes.ttl"]
    assert _run(capsys, *argv)[0] == 0
    status, out, _ = _run(capsys, *argv, "-a", "-it", "--report", "table")
    assert status == 1
    assert "Summary: does not conform: 2 violations, 0 warnings, 0 infos" in out


# --------------------------------------------------------------------------- inference


def test_inference_both_is_rdfs_and_owl_rl(tmp_path: Path) -> None:
    # coop:designatedActor's domain (RDFS) makes data:x a designation.
    data = tmp_path / "x.ttl"
    data.write_text(HEADER + "data:x coop:designatedActor data:sdf .\n")
    result = _both([BACKGROUND, data], inference="both")
    assert result.counts() == {"Violation": 2, "Warning": 1, "Info": 0}


# --------------------------------------------------------------------------- reports


@pytest.mark.parametrize("fmt", ["nt", "xml", "json-ld"])
def test_graph_reports_round_trip_to_the_turtle_report(fmt: str) -> None:
    result = validate([BACKGROUND, ENGAGEMENTS])
    turtle = Graph().parse(data=render(result, "turtle"), format="turtle")
    other = Graph().parse(data=render(result, fmt), format=fmt)
    assert len(other) == len(turtle) == 228  # the report node and its 26 results
    assert isomorphic(other, turtle)


def test_graph_report_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, BACKGROUND, WARNINGS_ONLY, "--report", "nt")
    assert status == 0
    graph = Graph().parse(data=out, format="nt")
    assert len(list(graph.subjects(None, SH.ValidationResult))) == 1


def test_table_report() -> None:
    data = SHAPE_FIXTURES / "EngagementPartiesShape" / "fail.ttl"
    text = render(validate([BACKGROUND, data]), "table")
    lines = text.splitlines()
    assert lines[0].split() == ["Severity", "Focus", "node", "Path", "Value", "Shape", "Message"]
    assert lines[2].startswith("Violation  data:e1     coop:partner  data:usa (United States)")
    assert lines[3:] == [
        "(1 row)",
        "Summary: does not conform: 1 violation, 0 warnings, 0 infos (fails on violation).",
    ]


# --------------------------------------------------------------------------- pySHACL names


def test_pyshacl_names_for_the_fail_level(capsys: pytest.CaptureFixture[str]) -> None:
    data = [BACKGROUND, WARNINGS_ONLY]
    assert _run(capsys, *data, "--allow-infos")[0] == 1  # --fail-on warning
    assert _run(capsys, *data, "-w")[0] == 0  # --fail-on violation
    with pytest.raises(SystemExit) as stop:
        main(["validate", *map(str, data), "--allow-warnings", "--fail-on", "info"])
    assert stop.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_formats_of_shapes_and_ontology_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shapes = tmp_path / "shapes.txt"
    shapes.write_text((ADVANCED / "shapes.ttl").read_text())
    ontology = tmp_path / "extension.txt"
    ontology.write_text(
        HEADER + "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "coop:nickname a owl:DatatypeProperty .\n"
    )
    data = tmp_path / "data.txt"
    data.write_text(HEADER + "data:usa coop:nickname 'Uncle Sam' .\n")
    status, _, err = _run(capsys, BACKGROUND, data, "--shapes", shapes)
    assert status == 2 and "cannot tell the RDF format from extension '.txt'" in err
    argv = [BACKGROUND, data, "-df", "turtle", "-s", shapes, "-sf", "turtle"]
    status, out, _ = _run(capsys, *argv, "-e", ontology, "--ontology-format", "turtle")
    assert status == 0
    assert "Summary: conforms: 0 violations, 0 warnings, 0 infos" in out
    # Without the extension the nickname is undefined: the ontology file was read.
    assert _run(capsys, *argv)[0] == 1
