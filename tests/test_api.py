"""The package-level API: each name is the capability's function."""

from __future__ import annotations

from conftest import REPO

import coopgraph


def test_public_names_are_the_capabilities_functions() -> None:
    from coopgraph.catalogue import run_query
    from coopgraph.dataset import open_dataset
    from coopgraph.network import project
    from coopgraph.reason import check, materialise
    from coopgraph.risks import assess
    from coopgraph.store import open_store
    from coopgraph.validate import validate

    assert coopgraph.validate is validate
    assert coopgraph.run_query is run_query
    assert coopgraph.open_dataset is open_dataset
    assert coopgraph.open_store is open_store
    assert coopgraph.project is project
    assert coopgraph.check is check
    assert coopgraph.materialise is materialise
    assert coopgraph.assess is assess


def test_validate_returns_a_result_object() -> None:
    result = coopgraph.validate([REPO / "docs" / "guide" / "engagement-before.ttl"])
    assert result.conforms is False
    assert result.counts() == {"Violation": 3, "Warning": 3, "Info": 0}
