"""The shape fixtures of ``tests/fixtures/shapes``, shared by the shape and engine tests."""

from __future__ import annotations

from pathlib import Path

from coopgraph.validate import Finding, ValidationResult, _curie, path_text

SHAPE_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
BACKGROUND = SHAPE_FIXTURES / "background.ttl"
FIXTURE_DIRS = sorted(p for p in SHAPE_FIXTURES.iterdir() if (p / "pass.ttl").is_file())
ENGINE_FIXTURE = SHAPE_FIXTURES / "_engine"


def row(result: ValidationResult, finding: Finding) -> str:
    """One finding as a line of ``fail.expected.tsv``."""
    cells = [
        finding.severity,
        _curie(finding.focus_node),
        path_text(result.shapes_graph, finding.path),
        _curie(finding.value),
        _curie(finding.source_shape),
        _curie(finding.component),
    ]
    return "\t".join(cells)


def rows(result: ValidationResult) -> list[str]:
    return sorted(row(result, f) for f in result.all_findings())


def expected_rows(folder: Path) -> list[str]:
    lines = (folder / "fail.expected.tsv").read_text(encoding="utf-8").splitlines()
    return sorted(line for line in lines if line and not line.startswith("#"))


def canonical(result: ValidationResult) -> list[tuple]:
    """Every finding with all its fields, blank-node paths written out: what must be equal
    between engines (each run loads the shapes afresh, so blank-node ids differ)."""
    return sorted(
        (
            f.severity,
            f.focus_node.n3(),
            path_text(result.shapes_graph, f.path),
            "" if f.value is None else f.value.n3(),
            f.source_shape.n3(),
            f.component.n3(),
            tuple(sorted(m.n3() for m in f.messages)),
            "" if f.source_constraint is None else f.source_constraint.n3(),
        )
        for f in result.results
    )
