"""``coopgraph load``, ``export`` and ``convert``: exit statuses, messages and round trips."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic
from store_fixtures import COMPLIANCE_DATASET, G_ACTORS, G_ENGAGEMENTS

from coopgraph import rdfio
from coopgraph.cli import main
from coopgraph.cli.store import render_bar
from coopgraph.vocab import jsonld_context

ACTORS, ENGAGEMENTS = (path for path, _ in COMPLIANCE_DATASET)
QUERY_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_load_then_export_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = f"oxigraph:{tmp_path / 'db'}"
    assert main(["load", str(ACTORS), "--store", store, "--graph", G_ACTORS]) == 0
    assert "loaded 32 statements from 1 file(s)" in capsys.readouterr().out
    assert main(["load", str(ENGAGEMENTS), "--store", store]) == 0
    assert "the store holds 53 statements" in capsys.readouterr().out
    out = tmp_path / "all.trig"
    assert main(["export", "--store", store, "-o", str(out)]) == 0
    dataset = rdflib.Dataset()
    dataset.parse(out, format="trig")
    actors = dataset.graph(rdflib.URIRef(G_ACTORS))
    assert isomorphic(actors, rdflib.Graph().parse(ACTORS))
    assert main(["export", "--store", store, "--format", "nt", "--graph", G_ACTORS]) == 0
    exported = rdflib.Graph().parse(data=capsys.readouterr().out, format="nt")
    assert isomorphic(exported, rdflib.Graph().parse(ACTORS))


def test_load_bad_file_is_exit_2_and_atomic(
    tmp_path: Path, conformance_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "db")  # a plain directory path means the embedded store
    bad = conformance_dir / "rdf-bad-syntax" / "turtle" / "turtle-syntax-bad-kw-01.ttl"
    assert main(["load", str(ACTORS), str(bad), "--store", store]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"coopgraph: error: {bad}:") and "none of it was loaded" in error
    assert f"loaded before it: {ACTORS}" in error and "\n" not in error
    assert main(["export", "--store", store, "--format", "nt"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 32


def test_bad_store_and_unreachable_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--store", "sqlite:x", "--format", "nt"]) == 2
    assert "unknown store 'sqlite:x'" in capsys.readouterr().err
    assert main(["export", "--store", "http://127.0.0.1:9/sparql", "--format", "nt"]) == 4
    error = capsys.readouterr().err
    assert "cannot reach the SPARQL endpoint" in error and error.count("\n") == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        # urllib raised ValueError here: an internal error (exit 3) with no option named
        ("http://[::1", "the query URL 'http://[::1' is not a valid URL: Invalid IPv6 URL"),
        ("http://h:port/sparql", "the query URL 'http://h:port/sparql' is not a valid URL: Port"),
        ("http://", "the query URL 'http://' names no host"),
        ("http://a b/sparql", "the query URL 'http://a b/sparql' contains spaces or control"),
    ],
)
def test_malformed_endpoint_url_is_exit_2_before_any_request(
    url: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sparql", "--store", url, "ASK {}"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"coopgraph: error: {message}") and error.count("\n") == 1


def test_default_store_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COOPGRAPH_STORE", str(tmp_path / "default"))
    assert main(["load", str(ACTORS), "--graph", G_ACTORS]) == 0
    assert str(tmp_path / "default") in capsys.readouterr().out
    assert (tmp_path / "default").is_dir()
    # a store the environment names wrongly is named as coming from it
    monkeypatch.setenv("COOPGRAPH_STORE", str(tmp_path / "typo"))
    assert main(["export", "--format", "nt"]) == 4
    assert capsys.readouterr().err == (
        f"coopgraph: error: $COOPGRAPH_STORE: no Oxigraph store at {tmp_path / 'typo'} "
        "(coopgraph load creates one)\n"
    )


def test_convert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "actors.nt"
    assert main(["convert", str(ACTORS), str(out)]) == 0
    assert isomorphic(rdflib.Graph().parse(out), rdflib.Graph().parse(ACTORS))
    assert main(["convert", str(out), "-", "--to", "turtle"]) == 0
    assert isomorphic(
        rdflib.Graph().parse(data=capsys.readouterr().out, format="turtle"),
        rdflib.Graph().parse(ACTORS),
    )
    assert main(["convert", str(out), "-"]) == 2
    assert "--to" in capsys.readouterr().err


def _blank_labels_erased(text: str) -> str:
    """The fixtures hold one blank node, whose label is fresh on every read."""
    return re.sub(r"_:\w+", "_:b", text)


def _quads_read_back(text: str, tmp_path: Path) -> set[str]:
    path = tmp_path / "read-back.jsonld"
    path.write_text(text)
    return {_blank_labels_erased(str(quad)) for quad in rdfio.read_quads(path)}


def test_json_ld_is_compacted_unless_expanded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"oxigraph:{tmp_path / 'db'}"
    for path, graph in COMPLIANCE_DATASET:
        assert main(["load", str(path), "--store", store, "--graph", graph]) == 0
    capsys.readouterr()
    assert main(["export", "--store", store, "--format", "nquads"]) == 0
    expected = {
        _blank_labels_erased(line.removesuffix(" ."))
        for line in capsys.readouterr().out.splitlines()
    }
    assert len(expected) == 53

    assert main(["export", "--store", store, "--format", "json-ld"]) == 0
    compact = json.loads(compact_text := capsys.readouterr().out)
    assert compact["@context"] == jsonld_context()
    assert [graph["id"] for graph in compact["@graph"]] == [G_ACTORS, G_ENGAGEMENTS]
    assert _quads_read_back(compact_text, tmp_path) == expected

    assert main(["export", "--store", store, "--format", "json-ld", "--expanded"]) == 0
    expanded = json.loads(text := capsys.readouterr().out)
    assert isinstance(expanded, list) and "@context" not in text
    assert _quads_read_back(text, tmp_path) == expected

    trig = tmp_path / "all.trig"
    assert main(["export", "--store", store, "-o", str(trig)]) == 0
    assert main(["convert", str(trig), "-", "--to", "json-ld"]) == 0
    assert _blank_labels_erased(capsys.readouterr().out) == _blank_labels_erased(compact_text)
    assert main(["convert", str(trig), str(tmp_path / "flat.jsonld"), "--expanded"]) == 0
    flat = (tmp_path / "flat.jsonld").read_text()
    assert isinstance(json.loads(flat), list) and "@context" not in flat
    assert _quads_read_back(flat, tmp_path) == expected


def test_progress_bar_frames() -> None:
    assert render_bar("[1/2] a.ttl", "parsing", 0, 2_000_000) == (
        "[1/2] a.ttl: parsing  [........................]   0%  0.0/2.0 MB"
    )
    assert render_bar("[1/2] a.ttl", "writing", 1_000_000, 2_000_000) == (
        "[1/2] a.ttl: writing  [############............]  50%  1.0/2.0 MB"
    )
    assert render_bar("x", "parsing", 5, 5).endswith("[########################] 100%  0.0/0.0 MB")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_load_draws_a_progress_bar_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.CaptureFixture[str]
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["load", str(ACTORS), "--store", str(tmp_path / "db")]) == 0
    frames = [frame for frame in terminal.getvalue().split("\r\033[K") if frame]
    size = ACTORS.stat().st_size / 1e6
    prefix = f"[1/1] {ACTORS}"
    # A check, then Oxigraph's loader reading the file again to write it; a frame per per cent.
    assert frames[0] == f"{prefix}: checking [........................]   0%  0.0/{size:.1f} MB"
    assert f"{prefix}: checking [########################] 100%  {size:.1f}/{size:.1f} MB" in frames
    assert f"{prefix}: writing  [########################] 100%  {size:.1f}/{size:.1f} MB" in frames
    assert frames[-1].startswith(f"{prefix}: 32 statements in ") and frames[-1].endswith(" s\n")


def test_load_draws_nothing_when_stderr_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", str(ACTORS), "--store", str(tmp_path / "db")]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["sparql", "ASK { ?s ?p ?o }"],
        ["export", "--format", "nt"],
        ["query", "run", "state-partners"],
        ["risks", "data:eng-hill-intel"],
        ["network", "summary"],
    ],
)
def test_reading_a_missing_store_is_exit_4_and_creates_nothing(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A mistyped path used to become a new, empty store: "conforms", "false", no rows, exit 0.
    typo = tmp_path / "typo"
    assert main([*command, "--store", str(typo)]) == 4
    assert capsys.readouterr().err == (
        f"coopgraph: error: no Oxigraph store at {typo} (coopgraph load creates one)\n"
    )
    assert not typo.exists()


def test_a_directory_that_is_not_a_store_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("mine\n")
    for command in (["load", str(ACTORS)], ["export", "--format", "nt"]):
        assert main([*command, "--store", str(notes)]) == 4
        assert capsys.readouterr().err == (
            f"coopgraph: error: {notes}: is a directory that holds no Oxigraph store\n"
        )
    assert sorted(p.name for p in notes.iterdir()) == ["todo.txt"]


def test_load_refuses_a_bad_graph_name_before_making_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It was an internal error (pyoxigraph's ValueError), after the store was created.
    store = tmp_path / "new"
    assert main(["load", str(ACTORS), "--store", str(store), "--graph", "http://x/%zz"]) == 2
    assert capsys.readouterr().err == (
        "coopgraph: error: --graph: 'http://x/%zz' is not an absolute IRI: "
        "Invalid IRI percent encoding '%zz'\n"
    )
    assert not store.exists()


def test_load_creates_the_store_then_reads_find_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "new" / "store"
    empty = tmp_path / "empty"
    empty.mkdir()  # an empty directory is a store yet to be made
    for target in (store, empty):
        assert main(["load", str(ACTORS), "--store", str(target)]) == 0
        capsys.readouterr()
        assert main(["sparql", "--store", str(target), "--format", "csv", QUERY_COUNT]) == 0
        assert capsys.readouterr().out.splitlines() == ["n", "32"]


@pytest.mark.parametrize(
    ("command", "options"),
    [
        (["query", "run", "competing-sponsors"], ["--scope", "http://example.org/g"]),
        (["sparql", "ASK {}"], ["--max-rows", "5"]),
        (["network", "summary"], ["--user", "bob", "--auth", "digest"]),
    ],
)
def test_remote_options_without_a_remote_store_are_refused(
    command: list[str], options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # They were dropped in silence: --scope gave the unscoped answer.
    assert main([*command, *options]) == 2
    named = ", ".join(option for option in options if option.startswith("--"))
    assert capsys.readouterr().err == (
        f"coopgraph: error: {named}: only for a remote store (--store http(s)://...)\n"
    )
