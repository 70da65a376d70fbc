"""The bundled SHACL shapes: well-formed, documented, and checked against fixtures.

Each folder of ``tests/fixtures/shapes`` holds a conforming and a non-conforming example
for one node shape, with the exact expected results beside them (see its README).
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from shape_fixtures import BACKGROUND, FIXTURE_DIRS, SHAPE_FIXTURES, expected_rows, rows

from coopgraph.validate import SHAPES, load_shapes, validate


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


def _named_shapes(shapes: Graph) -> set[URIRef]:
    kinds = (SH.NodeShape, SH.PropertyShape)
    return {s for k in kinds for s in shapes.subjects(RDF.type, k) if isinstance(s, URIRef)}


def test_shapes_conform_to_shacl_for_shacl(shapes: Graph, conformance_dir: Path) -> None:
    shacl_shacl = Graph().parse(conformance_dir / "shacl" / "shacl-shacl.ttl")
    conforms, _, text = pyshacl.validate(shapes, shacl_graph=shacl_shacl)
    assert conforms, text


def test_shapes_live_in_their_own_namespace(shapes: Graph) -> None:
    named = _named_shapes(shapes)
    assert len(named) == 148
    assert all(str(s).startswith(str(SHAPES)) for s in named)


def test_every_constraint_has_a_message(shapes: Graph) -> None:
    # SPARQL-based constraints carry their message themselves (checked below).
    constrained = {
        s
        for s in _named_shapes(shapes)
        if not _only_groups_properties(shapes, s) and (s, SH.sparql, None) not in shapes
    }
    without = sorted(str(s) for s in constrained if (s, SH.message, None) not in shapes)
    constraints = set(shapes.objects(None, SH.sparql))
    without += sorted(str(c) for c in constraints if (c, SH.message, None) not in shapes)
    assert without == []


def _only_groups_properties(shapes: Graph, shape: URIRef) -> bool:
    """A node shape whose constraints are all in its property shapes (they carry messages)."""
    own = {p for p in shapes.predicates(shape) if str(p).startswith(str(SH))}
    return own <= {SH.targetClass, SH.targetSubjectsOf, SH.property}


def test_every_node_shape_has_a_fixture_folder(shapes: Graph) -> None:
    node_shapes = {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    names = {str(s)[len(str(SHAPES)) :] for s in node_shapes}
    assert names == {d.name for d in FIXTURE_DIRS}


def test_every_constraining_shape_fails_in_some_fixture(shapes: Graph) -> None:
    reported = {line.split("\t")[4] for folder in FIXTURE_DIRS for line in expected_rows(folder)}
    constrained = {
        f"cgsh:{str(s)[len(str(SHAPES)) :]}"
        for s in _named_shapes(shapes)
        if not _only_groups_properties(shapes, s)
    }
    assert sorted(constrained - reported) == []


def test_background_conforms_without_any_finding() -> None:
    result = validate([BACKGROUND])
    assert result.all_findings() == []
    assert result.conforms


@pytest.mark.parametrize("folder", FIXTURE_DIRS, ids=lambda d: d.name)
def test_conforming_example(folder: Path) -> None:
    result = validate([BACKGROUND, folder / "pass.ttl"])
    assert rows(result) == []
    assert result.conforms


@pytest.mark.parametrize("folder", FIXTURE_DIRS, ids=lambda d: d.name)
def test_non_conforming_example(folder: Path) -> None:
    result = validate([BACKGROUND, folder / "fail.ttl"])
    expected = expected_rows(folder)
    assert rows(result) == expected
    assert result.conforms == (not any(line.startswith("Violation") for line in expected))


def test_fixture_folders_hold_exactly_the_three_files() -> None:
    for folder in FIXTURE_DIRS:
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["fail.expected.tsv", "fail.ttl", "pass.ttl"], folder
    assert (SHAPE_FIXTURES / "README.md").is_file()
