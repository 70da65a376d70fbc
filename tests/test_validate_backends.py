"""Validation of data held in a store gives the same findings on every backend.

The data is exported from the store (``coopgraph validate --store S``) and validated as
files would be; what a store changes on the way (literal forms, blank-node names) must not
change a finding.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO
from rdflib import Graph

from coopgraph.cli import main
from coopgraph.store import Store
from coopgraph.validate import validate
from coopgraph.vocab import example_files

BEFORE = REPO / "docs" / "guide" / "engagement-before.ttl"
EXAMPLES = [Path(str(f)) for f in example_files()]


def _findings(data: list[Path] | Graph) -> list[tuple[str, ...]]:
    result = validate(data)
    rows = [
        (f.severity, str(f.focus_node), str(f.path), str(f.source_shape), f.message_text())
        for f in result.all_findings()
    ]
    return sorted(rows)


def test_a_stores_content_validates_like_the_files(
    loaded_store: Callable[..., Store],
) -> None:
    store = loaded_store(BEFORE, *EXAMPLES)
    exported = Graph().parse(data=store.export("nt"), format="nt")
    expected = _findings([BEFORE, *EXAMPLES])
    assert len(expected) == 31  # 3 violations and 3 warnings in BEFORE, 13 + 12 in the KB
    assert _findings(exported) == expected


def test_cli_validates_a_store_and_refuses_files_with_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"oxigraph:{tmp_path / 'store'}"
    assert main(["load", str(BEFORE), "--store", store]) == 0
    assert main(["validate", "--store", store]) == 1
    assert "3 violations, 3 warnings" in capsys.readouterr().out
    assert main(["validate", str(BEFORE), "--store", store]) == 2
    assert capsys.readouterr().err == ("coopgraph: error: give DATA files or --store, not both\n")
