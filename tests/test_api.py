"""The package-level API: each name is the capability's function."""

from __future__ import annotations

import rdflib
from conftest import REPO

import coopgraph
from coopgraph import rdfio
from coopgraph.reason import reason


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


BEFORE = REPO / "docs" / "guide" / "engagement-before.ttl"


def _findings(result: coopgraph.ValidationResult) -> list[tuple[str, str, str]]:
    return [(str(f.focus_node), str(f.source_shape), f.severity) for f in result.results]


def test_validate_takes_a_dataset_as_it_takes_a_graph() -> None:
    # A Dataset iterates over quads: it was a raw "too many values to unpack" ValueError.
    graph = rdfio.read_graph(BEFORE)
    dataset = rdflib.Dataset()
    dataset.graph(rdflib.URIRef("urn:x:partner-data")).__iadd__(graph)
    expected = _findings(coopgraph.validate(graph))
    assert len(expected) == 5  # (and one undefined term, reported apart)
    assert _findings(coopgraph.validate(dataset)) == expected


def test_a_single_path_or_name_is_one_item_not_a_list_of_letters() -> None:
    # validate(ontology="x.ttl") read the files "x", ".", "t"...; focus="data:x" nine names.
    as_lists = coopgraph.validate(
        [BEFORE], ontology=[BEFORE], shapes=[], focus=["data:eng-hill-intel"]
    )
    alone = coopgraph.validate(BEFORE, ontology=BEFORE, focus="data:eng-hill-intel")
    assert _findings(alone) == _findings(as_lists)
    assert {focus for focus, _, _ in _findings(alone)} == {
        "https://w3id.org/coopgraph/data/eng-hill-intel"
    }


def test_the_other_functions_take_a_single_path_too() -> None:
    # open_dataset("x.ttl") read "x", ".", "t"...: "x: cannot tell the RDF format".
    after = REPO / "docs" / "guide" / "engagement-after.ttl"
    with coopgraph.open_dataset(str(after)) as alone, coopgraph.open_dataset([after]) as listed:
        assert len(alone) == len(listed) == 1843
    alone_closure, listed_closure = reason(str(after)).triples, reason([after]).triples
    assert len(alone_closure) == len(listed_closure) == 3028
    named = {t for t in alone_closure if not any(isinstance(n, rdflib.BNode) for n in t)}
    assert named == {t for t in listed_closure if not any(isinstance(n, rdflib.BNode) for n in t)}
