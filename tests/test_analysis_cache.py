"""The analysis of a SPARQL query is kept in the per-user cache and read back exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Literal

from coopgraph.catalogue import catalogue
from coopgraph.errors import InputError
from coopgraph.store import analysis
from coopgraph.store.analysis import RequestInfo, analyse_query, bind_as_text

EVERY_KIND_OF_FIELD = (
    "SELECT ?x (BOUND(?y) AS ?b) FROM <http://example.org/g> "
    "WHERE { SERVICE <http://example.org/sparql> { ?x ?p ?y } BIND(true AS ?c) } LIMIT 5"
)
EVERY_KIND_EXPECTED = RequestInfo(
    form="SELECT",
    network=("SERVICE <http://example.org/sparql>", "FROM <http://example.org/g>"),
    variables=frozenset({"b", "c", "p", "x", "y"}),
    projected=frozenset({"b", "x"}),
    boolean_vars=frozenset({"b", "c"}),
    assigned_vars=frozenset({"b", "c"}),
    has_dataset_clause=True,
    dataset_refs=("FROM <http://example.org/g>",),
    limit=5,
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty per-user cache; the in-process memo is cleared before and after."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    analyse_query.cache_clear()
    yield tmp_path / "coopgraph"
    analyse_query.cache_clear()


def _stored_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("sparql-analysis-*/*.json"))


def _refuse_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse(_text: str) -> None:
        raise AssertionError("the query was parsed again")

    monkeypatch.setattr(analysis, "parseQuery", parse)


def test_a_query_is_parsed_once_then_read_from_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert analyse_query(EVERY_KIND_OF_FIELD) == EVERY_KIND_EXPECTED
    [stored] = _stored_files(cache)
    assert json.loads(stored.read_text()) == {
        "form": "SELECT",
        "network": ["SERVICE <http://example.org/sparql>", "FROM <http://example.org/g>"],
        "variables": ["b", "c", "p", "x", "y"],
        "projected": ["b", "x"],
        "boolean_vars": ["b", "c"],
        "assigned_vars": ["b", "c"],
        "has_values_clause": False,
        "has_dataset_clause": True,
        "dataset_refs": ["FROM <http://example.org/g>"],
        "operations": [],
        "limit": 5,
    }
    analyse_query.cache_clear()  # as in a new process
    _refuse_parsing(monkeypatch)
    assert analyse_query(EVERY_KIND_OF_FIELD) == EVERY_KIND_EXPECTED


def test_every_canned_query_reads_back_as_parsed(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [query.text for query in catalogue().values()]
    parsed = [analyse_query(text) for text in texts]
    assert len(_stored_files(cache)) == len(texts) == 13
    analyse_query.cache_clear()
    _refuse_parsing(monkeypatch)
    assert [analyse_query(text) for text in texts] == parsed


def _stored_with(**changes: object) -> str:
    return json.dumps({**analysis._info_to_json(EVERY_KIND_EXPECTED), **changes})


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"form": "SELECT"}',
        _stored_with(limit="5"),
        _stored_with(network=[1]),
        _stored_with(has_values_clause=0),
        _stored_with(projected="x"),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "fields-missing",
        "limit-text",
        "network-number",
        "flag-number",
        "projection-text",
    ],
)
def test_a_corrupt_entry_is_parsed_afresh_and_replaced(cache: Path, content: str) -> None:
    analyse_query(EVERY_KIND_OF_FIELD)
    [stored] = _stored_files(cache)
    stored.write_text(content)
    analyse_query.cache_clear()
    assert analyse_query(EVERY_KIND_OF_FIELD) == EVERY_KIND_EXPECTED
    assert json.loads(stored.read_text())["limit"] == 5


def test_an_unwritable_cache_costs_only_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file: no directory can be made in it
    analyse_query.cache_clear()
    try:
        assert analyse_query(EVERY_KIND_OF_FIELD) == EVERY_KIND_EXPECTED
    finally:
        analyse_query.cache_clear()
    assert [path.name for path in tmp_path.iterdir()] == ["a-file"]


def test_syntax_errors_are_not_stored(cache: Path) -> None:
    with pytest.raises(
        InputError, match=r"^SPARQL query syntax error at line 1, column 12: Expected SelectQuery$"
    ):
        analyse_query("SELECT * { ?s ?p }")
    assert _stored_files(cache) == []


def test_another_rdflib_version_replaces_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyse_query(EVERY_KIND_OF_FIELD)
    [first] = _stored_files(cache)
    monkeypatch.setattr(analysis.rdflib, "__version__", "0.0.0")
    analysis._analysis_namespace.cache_clear()
    analyse_query.cache_clear()
    try:
        analyse_query(EVERY_KIND_OF_FIELD)
    finally:
        analysis._analysis_namespace.cache_clear()
    [second] = _stored_files(cache)  # the older version's entries are gone
    assert (second.name, second.parent == first.parent) == (first.name, False)


def test_texts_with_bound_values_are_not_stored(cache: Path) -> None:
    text = "SELECT ?x WHERE { ?x ?p ?y }"
    bind_as_text(text, {"y": Literal("one")})
    bind_as_text(text, {"y": Literal("two")})
    # the query, and the query with ?y bound to the placeholder: never the values themselves
    placeholder = "SELECT ?x WHERE {\nVALUES (?y) { (<urn:coopgraph:placeholder>) }\n ?x ?p ?y }"
    assert {path.name for path in _stored_files(cache)} == {
        analysis.hashlib.sha256(t.encode()).hexdigest() + ".json" for t in (text, placeholder)
    }


def test_bound_texts_are_not_parsed_again_for_new_values(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "SELECT ?x WHERE { ?x ?p ?y }"
    bind_as_text(text, {"y": Literal("one")})
    _refuse_parsing(monkeypatch)
    analysis.analyse_query.cache_clear()  # read from the disk cache, not the process's
    assert bind_as_text(text, {"y": Literal("two", lang="en")}) == (
        'SELECT ?x WHERE {\nVALUES (?y) { ("two"@en) }\n ?x ?p ?y }'
    )


def test_the_cache_stops_growing_at_its_bound(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "MAX_STORED_ANALYSES", 2)
    texts = [f"SELECT ?x WHERE {{ ?x ?p {n} }}" for n in range(3)]
    infos = [analyse_query(text) for text in texts]
    assert [info.variables for info in infos] == [frozenset({"x", "p"})] * 3
    stored = {path.name for path in _stored_files(cache)}
    assert stored == {analysis._stored_analysis_path(t).name for t in texts[:2]}  # type: ignore[union-attr]


def test_a_new_version_removes_what_older_ones_stored(cache: Path) -> None:
    old = cache / "sparql-analysis-0123456789abcdef"
    old.mkdir(parents=True)
    (old / "entry.json").write_text("{}")
    unrelated = cache / "dlprofile-0123456789abcdef"
    unrelated.mkdir()
    analyse_query(EVERY_KIND_OF_FIELD)
    assert sorted(path.name for path in cache.iterdir()) == sorted(
        [unrelated.name, analysis._stored_analysis_path(EVERY_KIND_OF_FIELD).parent.name]  # type: ignore[union-attr]
    )
