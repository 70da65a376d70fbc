"""The fast engine (shapes compiled to SPARQL on Oxigraph) reports exactly what pySHACL does.

Both engines run on the same parsed data and the same shapes graph, so every finding
(focus node, path, value, source shape, component, severity, messages, source
constraint) must be equal, blank nodes included.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from shape_fixtures import BACKGROUND, ENGINE_FIXTURE, FIXTURE_DIRS

from coopgraph.validate import (
    EngineRun,
    RunOptions,
    _read_data,
    _read_files,
    load_shapes,
    run_engine,
)
from coopgraph.vocab import example_files, ontology_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _both(
    data: list[Path], shapes: Sequence[Path] = (), inference: str = "none"
) -> tuple[EngineRun, EngineRun]:
    quads = _read_data(data, None)
    ontology = _read_files(ontology_file(), [])
    shapes_graph = load_shapes(shapes)
    options = RunOptions(inference=inference)
    fast = run_engine("fast", quads, ontology, shapes_graph, options)
    reference = run_engine("pyshacl", quads, ontology, shapes_graph, options)
    return fast, reference


def _assert_same(fast: EngineRun, reference: EngineRun) -> None:
    assert fast.engine == "fast", fast.notes
    assert reference.engine == "pyshacl"
    assert Counter(fast.findings) == Counter(reference.findings)


@pytest.mark.parametrize(
    "data",
    [d / kind for d in FIXTURE_DIRS for kind in ("pass.ttl", "fail.ttl")],
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
def test_engines_agree_on_every_fixture(data: Path) -> None:
    _assert_same(*_both([BACKGROUND, data]))


def test_engines_agree_on_the_example_knowledge_base() -> None:
    files = sorted(EXAMPLES.glob("*.ttl"))
    assert len(files) == len(example_files())
    fast, reference = _both(files)
    _assert_same(fast, reference)


def test_engines_agree_on_every_compiled_shacl_feature() -> None:
    fast, reference = _both([ENGINE_FIXTURE / "data.ttl"], [ENGINE_FIXTURE / "shapes.ttl"])
    _assert_same(fast, reference)
    components = Counter(str(f.component).rsplit("#", 1)[1] for f in fast.findings)
    # Each compiled component fires at least once, so the comparison is not vacuous.
    for name in (
        "HasValueConstraintComponent",
        "NodeKindConstraintComponent",
        "ClosedConstraintComponent",
        "MinLengthConstraintComponent",
        "MaxLengthConstraintComponent",
        "NodeConstraintComponent",
        "XoneConstraintComponent",
        "NotConstraintComponent",
        "AndConstraintComponent",
        "OrConstraintComponent",
        "PatternConstraintComponent",
        "MaxCountConstraintComponent",
        "MinCountConstraintComponent",
        "UniqueLangConstraintComponent",
        "DatatypeConstraintComponent",
        "InConstraintComponent",
        "SPARQLConstraintComponent",
    ):
        assert components[name] > 0, name


def test_engines_agree_with_rdfs_inference() -> None:
    # Without inference data:x is nothing; with RDFS, coop:designatedActor's domain makes
    # it a designation, which then lacks its authority and start date.
    data = BACKGROUND.parent / "DesignationShape" / "fail.ttl"
    fast, reference = _both([BACKGROUND, data], inference="rdfs")
    _assert_same(fast, reference)


def test_fast_engine_hands_what_it_cannot_compile_to_pyshacl(tmp_path: Path) -> None:
    shapes = tmp_path / "extra.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix coop: <https://w3id.org/coopgraph/ontology#> .\n"
        "<urn:ex:Order> a sh:PropertyShape ; sh:targetClass coop:Engagement ;\n"
        '  sh:path coop:startDate ; sh:lessThan coop:endDate ; sh:message "ends first" .\n'
    )
    data = BACKGROUND.parent / "PeriodOrderShape" / "fail.ttl"
    fast, reference = _both([BACKGROUND, data], [shapes])
    assert fast.engine == "pyshacl"
    assert fast.notes == [
        "the fast engine cannot handle sh:lessThan on a shape, so pySHACL was used"
    ]
    assert Counter(fast.findings) == Counter(reference.findings)


def test_fast_engine_hands_literals_oxigraph_would_rewrite_to_pyshacl(tmp_path: Path) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(
        "@prefix coop: <https://w3id.org/coopgraph/ontology#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<urn:ex:t> a coop:EngagementType ; coop:allowsStatePartner "1"^^xsd:boolean .\n'
    )
    fast, reference = _both([data])
    assert fast.engine == "pyshacl"
    assert fast.notes == [
        'the fast engine cannot handle literals not in canonical form (such as "1"^^'
        "<http://www.w3.org/2001/XMLSchema#boolean>), which Oxigraph rewrites,"
        " so pySHACL was used"
    ]
    # The literal is reported as written: "1", not Oxigraph's "true".
    assert Counter(fast.findings) == Counter(reference.findings)


def _write(path: Path, text: str) -> Path:
    path.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "@prefix ex: <http://ex.org/> .\n" + text
    )
    return path


EX_PREFIXES = (
    'ex:prefixes sh:declare [ sh:prefix "ex" ; sh:namespace "http://ex.org/"^^xsd:anyURI ] .\n'
)
"""The sh:prefixes of the SPARQL constraints below."""


def _focus_and_messages(run: EngineRun) -> list[tuple[str, str]]:
    return sorted((str(f.focus_node), str(sorted(f.messages)[0])) for f in run.findings)


def test_shape_values_oxigraph_would_read_as_other_terms_go_to_pyshacl(tmp_path: Path) -> None:
    # The fast engine compared with "5"^^xsd:integer and "1"^^xsd:decimal, the terms
    # Oxigraph reads the query's "5"^^xsd:int and 1.0 as, and found no violation.
    data = _write(tmp_path / "data.ttl", 'ex:a a ex:T ; ex:rank 5 ; ex:score "1"^^xsd:decimal .\n')
    shapes = _write(
        tmp_path / "shapes.ttl",
        "ex:S a sh:NodeShape ; sh:targetClass ex:T ;\n"
        '  sh:property [ sh:path ex:rank ; sh:in ( "5"^^xsd:int ) ; sh:message "rank" ] ;\n'
        '  sh:property [ sh:path ex:score ; sh:hasValue 1.0 ; sh:message "score" ] .\n',
    )
    fast, reference = _both([data], [shapes])
    assert fast.engine == "pyshacl"
    assert fast.notes == [
        "the fast engine cannot handle shape values not in canonical form (such as"
        ' "1.0"^^<http://www.w3.org/2001/XMLSchema#decimal>), which Oxigraph reads as another'
        " term, so pySHACL was used"
    ]
    assert _focus_and_messages(fast) == [("http://ex.org/a", "rank"), ("http://ex.org/a", "score")]
    assert Counter(fast.findings) == Counter(reference.findings)


@pytest.mark.parametrize(
    ("projection", "message"),
    [
        ("$this ?m # the message is {q}", "q is [fine]"),
        ('$this (CONCAT("{", ?v) AS ?m)', "q is {fine"),
    ],
)
def test_a_brace_before_the_pattern_of_a_sparql_constraint_keeps_its_targets(
    tmp_path: Path, projection: str, message: str
) -> None:
    # The focus nodes went in after the first "{" of the text, inside the comment or the
    # string: ex:b, which is no ex:T, was reported too, and the message held the SPARQL.
    data = _write(tmp_path / "data.ttl", 'ex:a a ex:T ; ex:q "fine" . ex:b ex:q "not a T" .\n')
    where = 'WHERE { $this ex:q ?v . BIND(CONCAT("[", ?v, "]") AS ?m) }'
    if "CONCAT" in projection:
        where = "WHERE { $this ex:q ?v }"
    shapes = _write(
        tmp_path / "shapes.ttl",
        "ex:S a sh:NodeShape ; sh:targetClass ex:T ;\n"
        '  sh:sparql [ sh:message "q is {?m}" ; sh:prefixes ex:prefixes ;\n'
        f'    sh:select """SELECT {projection}\n{where}""" ] .\n' + EX_PREFIXES,
    )
    fast, reference = _both([data], [shapes])
    _assert_same(fast, reference)
    assert _focus_and_messages(fast) == [("http://ex.org/a", message)]


def test_a_backslash_in_a_value_is_text_in_both_engines_messages(tmp_path: Path) -> None:
    # Filling {?value} used the value as a re.sub template: "bad escape \d" (exit 3) in both
    # engines, and "\n" became a newline.
    data = _write(tmp_path / "data.ttl", 'ex:a a ex:T ; ex:file "C:\\\\data\\\\new.csv" .\n')
    shapes = _write(
        tmp_path / "shapes.ttl",
        "ex:S a sh:NodeShape ; sh:targetClass ex:T ;\n"
        '  sh:sparql [ sh:message "bad file {?v}" ; sh:prefixes ex:prefixes ;\n'
        '    sh:select "SELECT $this ?v WHERE { $this ex:file ?v }" ] .\n' + EX_PREFIXES,
    )
    fast, reference = _both([data], [shapes])
    _assert_same(fast, reference)
    assert _focus_and_messages(fast) == [("http://ex.org/a", "bad file C:\\data\\new.csv")]


def test_a_target_class_whose_iri_holds_a_comma_has_its_instances_checked(
    tmp_path: Path,
) -> None:
    # The commas between the class IRIs were removed with str.replace, and those inside
    # an IRI with them: the shape targeted <http://ex.org/ArmedGroup>, nothing.
    data = _write(tmp_path / "data.ttl", "ex:a a <http://ex.org/Armed,Group> .\n")
    shapes = _write(
        tmp_path / "shapes.ttl",
        "ex:S a sh:NodeShape ; sh:targetClass <http://ex.org/Armed,Group> ;\n"
        '  sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "needs a name" ] .\n',
    )
    fast, reference = _both([data], [shapes])
    _assert_same(fast, reference)
    assert _focus_and_messages(fast) == [("http://ex.org/a", "needs a name")]


def test_both_engines_match_patterns_as_xpath_does(tmp_path: Path) -> None:
    # pySHACL used Python's re: "$" matched before a final newline (the bundled country-code
    # shape took "RU\n"), and it ignored the flags s, x and q. The engines had no finding in
    # common on this data.
    data = _write(
        tmp_path / "data.ttl",
        'ex:a a ex:T ; ex:s "a\\nb" ; ex:x "ab" ; ex:q "a.b" , "axb" ; ex:e "abc\\n" .\n'
        "<http://ex.org/Ruritania> a <https://w3id.org/coopgraph/ontology#State> ;\n"
        '  <http://www.w3.org/2000/01/rdf-schema#label> "Ruritania"@en ;\n'
        '  <https://w3id.org/coopgraph/ontology#countryCode> "RU\\n" .\n',
    )
    shapes = _write(
        tmp_path / "shapes.ttl",
        "ex:S a sh:NodeShape ; sh:targetClass ex:T ;\n"
        "  sh:property ex:Ps , ex:Px , ex:Pq , ex:Pe .\n"
        'ex:Ps sh:path ex:s ; sh:pattern "^a.b$" ; sh:flags "s" ; sh:message "s" .\n'
        'ex:Px sh:path ex:x ; sh:pattern "^a b$" ; sh:flags "x" ; sh:message "x" .\n'
        'ex:Pq sh:path ex:q ; sh:pattern "a.b" ; sh:flags "q" ; sh:message "q" .\n'
        'ex:Pe sh:path ex:e ; sh:pattern "^abc$" ; sh:message "e" .\n',
    )
    fast, reference = _both([data], [shapes])
    _assert_same(fast, reference)
    values = sorted((str(f.source_shape), str(f.value)) for f in fast.findings)
    assert values == [
        ("http://ex.org/Pe", "abc\n"),
        ("http://ex.org/Pq", "axb"),
        ("https://w3id.org/coopgraph/shapes#Actor-countryCode-format", "RU\n"),
    ]
