"""Tests of coopgraph.rdfio: formats, safe reading, conversions, writing, and no network."""

from __future__ import annotations

import io
import json
import logging
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from coopgraph import rdfio
from coopgraph.errors import CoopgraphError, InputError, NetworkRefusedError, ParseError

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "rdfio"
BAD_SYNTAX_DIRS = ("turtle", "ntriples", "nquads", "trig", "rdfxml")
BAD_SYNTAX = sorted(
    p
    for d in BAD_SYNTAX_DIRS
    for p in (HERE.parent.parent / "shared" / "conformance" / "rdf-bad-syntax" / d).glob("*")
)
EX = "http://example.org/"


# --------------------------------------------------------------------------- helpers


def _error(call: Callable[[], object], kind: type[CoopgraphError]) -> CoopgraphError:
    """The error ``call`` raises, checked to be exactly of class ``kind`` and one line."""
    with pytest.raises(kind) as caught:
        call()
    assert type(caught.value) is kind
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    return caught.value


def _within(seconds: float, call: Callable[[], object]) -> object:
    """Run ``call`` in a thread and fail (instead of hanging) if it takes too long."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"did not finish within {seconds} s"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


class Listener:
    """A local TCP port that records whether anything (Python or native code) connected."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.setblocking(False)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def connected(self) -> bool:
        try:
            conn, _ = self.socket.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.socket.close()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make every Python-level connection attempt fail, and record it."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access attempted in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def _quad_set(quads: list[ox.Quad]) -> set[tuple[str, str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)) for q in quads}


# --------------------------------------------------------------------------- formats


def test_formats_table() -> None:
    assert set(rdfio.FORMATS) == {"turtle", "nt", "nquads", "trig", "xml", "json-ld", "n3"}
    assert rdfio.FORMATS["turtle"] == ((".ttl",), "text/turtle")
    assert rdfio.FORMATS["xml"].extensions == (".rdf", ".owl", ".xml")
    assert rdfio.FORMATS["json-ld"].media_type == "application/ld+json"
    for extensions, media_type in rdfio.FORMATS.values():
        assert extensions and all(e.startswith(".") for e in extensions)
        assert "/" in media_type


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("a.ttl", "turtle"),
        ("A.TTL", "turtle"),
        ("a.nt", "nt"),
        ("a.nq", "nquads"),
        ("a.trig", "trig"),
        ("a.rdf", "xml"),
        ("a.owl", "xml"),
        ("a.xml", "xml"),
        ("a.jsonld", "json-ld"),
        ("a.json", "json-ld"),
        ("a.n3", "n3"),
        ("dir.with.dots/a.ttl", "turtle"),
    ],
)
def test_detect_format_by_extension(filename: str, expected: str) -> None:
    assert rdfio.detect_format(filename) == expected
    assert rdfio.detect_format(Path(filename)) == expected


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("ttl", "turtle"),
        ("Turtle", "turtle"),
        ("ntriples", "nt"),
        ("n-triples", "nt"),
        ("nq", "nquads"),
        ("n-quads", "nquads"),
        ("trig", "trig"),
        ("rdfxml", "xml"),
        ("rdf/xml", "xml"),
        ("xml", "xml"),
        ("jsonld", "json-ld"),
        ("json-ld", "json-ld"),
        ("n3", "n3"),
        ("text/turtle", "turtle"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_detect_format_explicit_alias_wins(alias: str, expected: str) -> None:
    assert rdfio.detect_format("data.nq", alias) == expected


def test_detect_format_unknown_extension() -> None:
    error = _error(lambda: rdfio.detect_format("data.foo"), InputError)
    message = str(error)
    assert message.startswith("data.foo: cannot tell the RDF format from extension '.foo'")
    assert "turtle (.ttl)" in message and "xml (.rdf .owl .xml)" in message


def test_detect_format_no_extension() -> None:
    message = str(_error(lambda: rdfio.detect_format("README"), InputError))
    assert message.startswith("README: cannot tell the RDF format from a name without an extension")


def test_detect_format_unknown_explicit_format() -> None:
    message = str(_error(lambda: rdfio.detect_format("data.ttl", "yaml"), InputError))
    assert message.startswith("data.ttl: unknown RDF format 'yaml'; known formats: turtle (.ttl)")


# --------------------------------------------------------------------------- bad syntax


def test_conformance_data_present(conformance_dir: Path) -> None:
    counts = {
        d: len(list((conformance_dir / "rdf-bad-syntax" / d).glob("*"))) for d in BAD_SYNTAX_DIRS
    }
    assert all(counts.values()), counts
    assert len(BAD_SYNTAX) == sum(counts.values())


@pytest.mark.parametrize("path", BAD_SYNTAX, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bad_syntax_is_a_one_line_parse_error(path: Path, conformance_dir: Path) -> None:
    error = _error(lambda: rdfio.read_quads(path), ParseError)
    message = str(error)
    assert error.path == str(path)
    assert message.startswith(f"{path}:")
    if path.parent.name == "rdfxml":
        # pyoxigraph's RDF/XML parser reports no position.
        assert error.line is None
        assert message.startswith(f"{path}: ") and len(message) > len(str(path)) + 2
    else:
        assert isinstance(error.line, int) and error.line >= 1
        assert message.startswith(f"{path}:{error.line}: ")
        assert "(column " in message
        assert "Parser error" not in message  # pyoxigraph's own position prefix is replaced


@pytest.mark.parametrize(
    ("relative", "line", "fragment"),
    [
        (
            "turtle/turtle-syntax-bad-base-01.ttl",
            2,
            "The BASE keyword should be followed by an IRI",
        ),
        ("turtle/turtle-syntax-bad-n3-extras-10.ttl", 3, "Unexpected end of file"),
        ("turtle/turtle-syntax-bad-string-05.ttl", 3, "Unexpected end of file"),
        ("ntriples/nt-syntax-bad-esc-01.nt", 2, "Unexpected escape character '\\z'"),
        ("nquads/nq-syntax-bad-quint-01.nq", 2, "Quads must be followed by a dot"),
        ("trig/trig-syntax-bad-struct-10.trig", 3, ". is not a valid RDF subject"),
    ],
)
def test_bad_syntax_exact_line(
    conformance_dir: Path, relative: str, line: int, fragment: str
) -> None:
    path = conformance_dir / "rdf-bad-syntax" / relative
    error = _error(lambda: rdfio.read_quads(path), ParseError)
    assert error.line == line
    assert str(error).startswith(f"{path}:{line}: {fragment}")


def test_bad_syntax_exact_message(conformance_dir: Path) -> None:
    path = conformance_dir / "rdf-bad-syntax" / "turtle" / "turtle-syntax-bad-base-01.ttl"
    error = _error(lambda: rdfio.read_quads(path), ParseError)
    assert str(error) == f"{path}:2: The BASE keyword should be followed by an IRI (column 7)"


def test_rdfxml_error_message(conformance_dir: Path) -> None:
    path = conformance_dir / "rdf-bad-syntax" / "rdfxml" / "rdfms-rdf-id_error001.rdf"
    error = _error(lambda: rdfio.read_quads(path), ParseError)
    assert str(error) == f"{path}: 333-555-666 is not a valid rdf:ID value"


def test_ill_formed_rdfxml_names_the_line(tmp_path: Path) -> None:
    # pyoxigraph reports XML errors without a position; expat finds it.
    path = tmp_path / "mismatched.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex.org/">\n'
        '<rdf:Description rdf:about="http://ex.org/a">\n'
        "  <ex:b>x</ex:c>\n"
        "</rdf:Description></rdf:RDF>\n"
    )
    error = _error(lambda: rdfio.read_quads(path), ParseError)
    assert str(error) == (
        f"{path}:4: ill-formed document: expected `</ex:b>`, but `</ex:c>` was found (column 12)"
    )


def test_jsonld_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonld"
    path.write_text('{\n  "@id": "http://example.org/s",\n  "http://example.org/p": "x"\n')
    error = _error(lambda: rdfio.read_quads(path), ParseError)
    assert error.line is not None
    assert str(error).startswith(f"{path}:{error.line}: ")


# --------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.ttl"
    assert str(_error(lambda: rdfio.read_quads(path), InputError)) == f"{path}: no such file"


def test_directory(tmp_path: Path) -> None:
    path = tmp_path / "data.ttl"
    path.mkdir()
    message = str(_error(lambda: rdfio.read_quads(path), InputError))
    assert message == f"{path}: is a directory, not an RDF file"


def test_not_a_regular_file() -> None:
    message = str(_error(lambda: rdfio.read_quads("/dev/null", "nt"), InputError))
    assert message == "/dev/null: is not a regular file"


@pytest.mark.parametrize("content", [b"", b"  \n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n"])
def test_empty_file_is_an_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.ttl"
    path.write_bytes(content)
    error = _error(lambda: rdfio.read_quads(path), ParseError)
    assert str(error) == f"{path}: file is empty (contains no RDF)"


def test_file_without_statements_is_an_error() -> None:
    path = FIXTURES / "comments-only.ttl"
    error = _error(lambda: rdfio.read_quads(path), ParseError)
    assert str(error) == f"{path}: contains no RDF statements (only comments or directives)"


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.ttl"
    path.write_bytes(b"<http://example.org/s>\n\x89PNG\x00\x01\x02")
    error = _error(lambda: rdfio.read_quads(path), ParseError)
    assert error.line == 2
    assert str(error) == f"{path}:2: binary file, not RDF text (NUL byte at byte offset 27)"


def test_utf16_file(tmp_path: Path) -> None:
    path = tmp_path / "utf16.ttl"
    path.write_bytes('<http://example.org/s> <http://example.org/p> "x" .\n'.encode("utf-16"))
    error = _error(lambda: rdfio.read_quads(path), ParseError)
    assert str(error) == f"{path}:1: is UTF-16 (or UTF-32) encoded; RDF files must be UTF-8"


def test_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.ttl"
    content = b'<http://example.org/s> <http://example.org/p> "ok" .\n'
    content += '<http://example.org/s> <http://example.org/p> "café" .\n'.encode("latin-1")
    path.write_bytes(content)
    offset = content.index(b"\xe9")
    error = _error(lambda: rdfio.read_quads(path), ParseError)
    assert error.line == 2
    assert str(error) == (
        f"{path}:2: invalid UTF-8 at byte offset {offset} (byte 0xe9); RDF files must be UTF-8"
    )


def test_invalid_utf8_offset_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tiny chunks so that multi-byte characters straddle chunk boundaries.
    monkeypatch.setattr(rdfio, "_UTF8_CHUNK", 3)
    good = '<http://example.org/s> <http://example.org/p> "Ωμέγα ✓ 😀" .\n'.encode()
    path = tmp_path / "good.ttl"
    path.write_bytes(good)
    assert len(rdfio.read_quads(path)) == 1
    # A truncated 4-byte sequence at the very end, and a bad continuation byte after the emoji.
    for bad, offset in (
        (good + b"\xf0\x9f", len(good)),
        (good[:-3] + b"\xc3(" + good[-3:], len(good) - 3),
    ):
        path.write_bytes(bad)
        error = _error(lambda: rdfio.read_quads(path), ParseError)
        assert f"invalid UTF-8 at byte offset {offset} " in str(error)


def test_utf8_bom_is_accepted() -> None:
    quads = rdfio.read_quads(FIXTURES / "bom.ttl")
    assert [str(q.object) for q in quads] == ['"with a BOM"']


def test_unknown_extension_on_read(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text(f"<{EX}s> <{EX}p> <{EX}o> .\n")
    message = str(_error(lambda: rdfio.read_quads(path), InputError))
    assert message.startswith(f"{path}: cannot tell the RDF format from extension '.txt'")
    assert len(rdfio.read_quads(path, "ttl")) == 1


def test_explicit_format_overrides_extension(tmp_path: Path) -> None:
    path = tmp_path / "really-ntriples.ttl"
    path.write_text(f"<{EX}s> <{EX}p> <{EX}o> .\n")
    assert len(rdfio.read_quads(path, "ntriples")) == 1
    path.write_text(f"@prefix ex: <{EX}> . ex:s ex:p ex:o .\n")
    error = _error(lambda: rdfio.read_quads(path, "nt"), ParseError)
    assert error.line == 1


def test_relative_iris_resolve_against_the_file(tmp_path: Path) -> None:
    path = tmp_path / "relative.ttl"
    path.write_text("<s> <p> <#o> .\n")
    (quad,) = rdfio.read_quads(path)
    assert quad.subject == ox.NamedNode(path.resolve().parent.as_uri() + "/s")
    assert quad.object == ox.NamedNode(path.resolve().as_uri() + "#o")
    (quad,) = rdfio.read_quads(path, base_iri=EX)
    assert quad.subject == ox.NamedNode(EX + "s")


def test_n3_formulas_are_refused() -> None:
    path = FIXTURES / "formula.n3"
    error = _error(lambda: rdfio.read_quads(path), ParseError)
    assert str(error) == f"{path}: N3 formulas ({{ ... }}) are not supported; only plain triples"


def test_messages_are_one_line_and_capped() -> None:
    assert rdfio._one_line("a\nb\rc\td") == "a\\nb\\rc\\td"
    long = rdfio._one_line("x" * 1000)
    assert len(long) == 300 and long.endswith("…")


# --------------------------------------------------------------------------- quads and graphs


@pytest.mark.parametrize("name", ["sample.trig", "sample.nq"])
def test_read_quads_keeps_graph_names(name: str) -> None:
    quads = rdfio.read_quads(FIXTURES / name)
    assert _quad_set(quads) == {
        (f"<{EX}s>", f"<{EX}p>", f"<{EX}o>", "DEFAULT"),
        (f"<{EX}s>", f"<{EX}p>", '"in g1"', f"<{EX}g1>"),
        (f"<{EX}a>", f"<{EX}b>", f"<{EX}c>", f"<{EX}g1>"),
        (f"<{EX}s>", f"<{EX}p>", '"in g2"@en', f"<{EX}g2>"),
    }


def test_read_graph_pools_named_graphs() -> None:
    graph = rdfio.read_graph(FIXTURES / "sample.trig")
    assert isinstance(graph, rdflib.Graph) and not isinstance(graph, rdflib.ConjunctiveGraph)
    assert len(graph) == 4
    assert (
        rdflib.URIRef(EX + "s"),
        rdflib.URIRef(EX + "p"),
        rdflib.Literal("in g2", lang="en"),
    ) in graph


def test_read_graph_pools_several_files() -> None:
    graph = rdfio.read_graph([FIXTURES / "sample.trig", FIXTURES / "sample.ttl"])
    assert len(graph) == 4 + len(rdfio.read_quads(FIXTURES / "sample.ttl"))
    assert graph.namespace_manager.store.namespace("coop") == rdflib.URIRef(
        "https://w3id.org/coopgraph/ontology#"
    )


def test_blank_nodes_stay_distinct_per_file(tmp_path: Path) -> None:
    first, second = tmp_path / "first.ttl", tmp_path / "second.ttl"
    for path in (first, second):
        path.write_text(f"_:b <{EX}p> <{EX}o> .\n_:b <{EX}q> <{EX}o> .\n")
    graph = rdfio.read_graph([first, second])
    assert len(graph) == 4
    assert len(set(graph.subjects())) == 2  # one blank node per file, shared inside a file
    assert len(rdfio.read_graph([first, first])) == 4


def test_read_graph_is_all_or_nothing(conformance_dir: Path) -> None:
    bad = conformance_dir / "rdf-bad-syntax" / "turtle" / "turtle-syntax-bad-base-01.ttl"
    error = _error(lambda: rdfio.read_graph([FIXTURES / "sample.ttl", bad]), ParseError)
    assert error.path == str(bad)


def test_read_graph_needs_a_file() -> None:
    assert str(_error(lambda: rdfio.read_graph([]), InputError)) == "no RDF file given"


def test_read_graph_refuses_triple_terms(tmp_path: Path) -> None:
    path = tmp_path / "star.nt"
    path.write_text(f"<{EX}s> <{EX}p> <<( <{EX}a> <{EX}b> <{EX}c> )>> .\n")
    assert len(rdfio.read_quads(path)) == 1  # pyoxigraph holds RDF 1.2 triple terms
    error = _error(lambda: rdfio.read_graph(path), ParseError)
    assert str(error).startswith(f"{path}: RDF 1.2 triple term ")


# --------------------------------------------------------------------------- term conversion


def test_to_rdflib_terms() -> None:
    assert rdfio.to_rdflib(ox.NamedNode(EX + "s")) == rdflib.URIRef(EX + "s")
    assert rdfio.to_rdflib(ox.BlankNode("b1")) == rdflib.BNode("b1")
    plain = rdfio.to_rdflib(ox.Literal("x"))
    assert plain == rdflib.Literal("x") and plain.datatype is None and plain.language is None
    assert rdfio.to_rdflib(ox.Literal("x", language="en")) == rdflib.Literal("x", lang="en")
    typed = rdfio.to_rdflib(ox.Literal("5", datatype=ox.NamedNode(str(rdflib.XSD.integer))))
    assert typed == rdflib.Literal(5) and typed.datatype == rdflib.XSD.integer
    assert rdfio.to_rdflib(ox.DefaultGraph()) == DATASET_DEFAULT_GRAPH_ID


def test_to_rdflib_refuses_what_rdflib_cannot_hold() -> None:
    triple = ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "b"), ox.NamedNode(EX + "c"))
    assert str(_error(lambda: rdfio.to_rdflib(triple), InputError)).startswith(
        "RDF 1.2 triple term "
    )
    _error(lambda: rdfio.to_rdflib("not a term"), InputError)


def test_from_rdflib_terms() -> None:
    assert rdfio.from_rdflib(rdflib.URIRef(EX + "s")) == ox.NamedNode(EX + "s")
    assert rdfio.from_rdflib(rdflib.BNode("b1")) == ox.BlankNode("b1")
    assert rdfio.from_rdflib(rdflib.Literal("x")) == ox.Literal("x")
    assert rdfio.from_rdflib(rdflib.Literal("x", lang="en")) == ox.Literal("x", language="en")
    assert rdfio.from_rdflib(rdflib.Literal(5)) == ox.Literal(
        "5", datatype=ox.NamedNode(str(rdflib.XSD.integer))
    )
    assert rdfio.from_rdflib(DATASET_DEFAULT_GRAPH_ID) == ox.DefaultGraph()
    graph = rdflib.Graph(identifier=rdflib.URIRef(EX + "g"))
    assert rdfio.from_rdflib(graph) == ox.NamedNode(EX + "g")
    # rdflib allows any string as a blank node id: it maps to a stable valid one.
    odd = rdflib.BNode("not valid!")
    assert rdfio.from_rdflib(odd) == rdfio.from_rdflib(rdflib.BNode("not valid!"))
    assert isinstance(rdfio.from_rdflib(odd), ox.BlankNode)


def test_from_rdflib_refuses_invalid_terms() -> None:
    message = str(_error(lambda: rdfio.from_rdflib(rdflib.URIRef("not an iri")), InputError))
    assert message.startswith("cannot use <not an iri> in RDF: ")
    _error(lambda: rdfio.from_rdflib(rdflib.Literal("x", lang="abcdefghi")), InputError)
    _error(lambda: rdfio.from_rdflib(rdflib.Variable("x")), InputError)


def test_term_round_trip() -> None:
    for quad in rdfio.read_quads(FIXTURES / "sample.ttl"):
        for term in (quad.subject, quad.predicate, quad.object):
            assert rdfio.from_rdflib(rdfio.to_rdflib(term)) == term


# --------------------------------------------------------------------------- writing


@pytest.fixture(scope="module")
def sample_graph() -> rdflib.Graph:
    return rdfio.read_graph(FIXTURES / "sample.ttl")


@pytest.mark.parametrize("fmt", sorted(rdfio.FORMATS))
def test_round_trip_every_format(fmt: str, sample_graph: rdflib.Graph, tmp_path: Path) -> None:
    path = tmp_path / f"out{rdfio.FORMATS[fmt].extensions[0]}"
    rdfio.write(sample_graph, path)
    assert isomorphic(rdfio.read_graph(path), sample_graph)
    # Also through serialize() and an explicit format.
    other = tmp_path / "out.txt"
    other.write_text(rdfio.serialize(sample_graph, fmt))
    assert isomorphic(rdfio.read_graph(other, fmt), sample_graph)


@pytest.mark.parametrize("fmt", ["turtle", "nt", "xml", "json-ld", "trig", "nquads"])
def test_output_is_readable_by_rdflib(fmt: str, sample_graph: rdflib.Graph) -> None:
    # Compared with rdflib's own reading of the fixture: rdflib normalizes lexical forms
    # ("1.5e3" becomes "1500.0") both times, while to_rdflib keeps them as written.
    expected = rdflib.Graph().parse(FIXTURES / "sample.ttl")
    text = rdfio.serialize(sample_graph, fmt)
    other = rdflib.Dataset() if fmt in ("trig", "nquads") else rdflib.Graph()
    other.parse(data=text, format=fmt)
    if isinstance(other, rdflib.Dataset):
        other = rdflib.Graph(store=other.store, identifier=DATASET_DEFAULT_GRAPH_ID)
    assert isomorphic(other, expected)


def test_to_rdflib_keeps_lexical_forms(sample_graph: rdflib.Graph) -> None:
    weight = sample_graph.value(
        rdflib.URIRef("https://w3id.org/coopgraph/data/agreement-1"),
        rdflib.URIRef("https://w3id.org/coopgraph/ontology#weight"),
    )
    assert str(weight) == "1.5e3" and weight.datatype == rdflib.XSD.double


def test_serialize_is_deterministic_and_uses_prefixes(sample_graph: rdflib.Graph) -> None:
    text = rdfio.serialize(sample_graph, "turtle")
    assert text == rdfio.serialize(sample_graph, "ttl")
    assert "@prefix coop: <https://w3id.org/coopgraph/ontology#> ." in text
    assert "@prefix brick:" not in text  # rdflib's unused default prefixes are not declared
    assert "data:agreement-1 a coop:CooperationAgreement ;" in text


@pytest.mark.parametrize("fmt", ["trig", "nquads", "json-ld"])
def test_quads_round_trip_with_graph_names(fmt: str, tmp_path: Path) -> None:
    quads = rdfio.read_quads(FIXTURES / "sample.trig")
    path = tmp_path / f"out{rdfio.FORMATS[fmt].extensions[0]}"
    rdfio.write(quads, path, fmt)
    assert _quad_set(rdfio.read_quads(path)) == _quad_set(quads)


def test_triple_formats_get_the_union_of_graphs(tmp_path: Path) -> None:
    quads = rdfio.read_quads(FIXTURES / "sample.trig")
    quads.append(
        ox.Quad(
            ox.NamedNode(EX + "s"),
            ox.NamedNode(EX + "p"),
            ox.NamedNode(EX + "o"),
            ox.NamedNode(EX + "g2"),
        )
    )
    text = rdfio.serialize(quads, "nt")
    assert len(text.splitlines()) == 4  # the duplicate triple from g2 appears once


def test_write_dataset(tmp_path: Path) -> None:
    dataset = rdflib.Dataset()
    dataset.add((rdflib.URIRef(EX + "s"), rdflib.URIRef(EX + "p"), rdflib.Literal("d")))
    dataset.graph(rdflib.URIRef(EX + "g")).add(
        (rdflib.URIRef(EX + "s"), rdflib.URIRef(EX + "p"), rdflib.Literal("n"))
    )
    path = tmp_path / "out.nq"
    rdfio.write(dataset, path)
    assert _quad_set(rdfio.read_quads(path)) == {
        (f"<{EX}s>", f"<{EX}p>", '"d"', "DEFAULT"),
        (f"<{EX}s>", f"<{EX}p>", '"n"', f"<{EX}g>"),
    }


def test_write_to_streams(sample_graph: rdflib.Graph) -> None:
    text = io.StringIO()
    rdfio.write(sample_graph, text, "nt")
    binary = io.BytesIO()
    rdfio.write(sample_graph, binary, "nt")
    assert (
        text.getvalue() == binary.getvalue().decode("utf-8") == rdfio.serialize(sample_graph, "nt")
    )
    message = str(_error(lambda: rdfio.write(sample_graph, io.StringIO()), InputError))
    assert message == "<stream>: give the RDF format to write to a stream"


def test_write_errors(sample_graph: rdflib.Graph, tmp_path: Path) -> None:
    path = tmp_path / "no-such-dir" / "out.ttl"
    message = str(_error(lambda: rdfio.write(sample_graph, path), InputError))
    assert message == f"{path}: cannot write: No such file or directory"
    message = str(_error(lambda: rdfio.write(sample_graph, tmp_path / "out.yaml"), InputError))
    assert message.startswith(f"{tmp_path / 'out.yaml'}: cannot tell the RDF format")
    message = str(_error(lambda: rdfio.serialize(sample_graph, "yaml"), InputError))
    assert message.startswith("unknown RDF format 'yaml'; known formats: turtle (.ttl), nt (.nt)")
    _error(lambda: rdfio.write(["not a quad"], tmp_path / "x.nt"), InputError)


def test_failed_serialization_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "out.rdf"
    path.write_text("previous content")
    graph = rdflib.Graph()
    graph.add((rdflib.URIRef(EX + "s"), rdflib.URIRef(EX + "p/"), rdflib.URIRef(EX + "o")))
    message = str(_error(lambda: rdfio.write(graph, path), InputError))
    assert message.startswith(f"cannot write predicate <{EX}p/> in RDF/XML")
    assert path.read_text() == "previous content"


@pytest.mark.parametrize(
    ("term", "shown"),
    [
        (rdflib.Literal("a\x01b"), '"a\\u0001b"'),
        (rdflib.Literal("tab\tok, bell\x07"), '"tab\\tok, bell\\u0007"'),
    ],
)
def test_rdfxml_refuses_characters_xml_cannot_hold(
    term: rdflib.term.Node, shown: str, tmp_path: Path
) -> None:
    # The file was written, malformed: expat and rdflib refuse to read it back.
    path = tmp_path / "out.rdf"
    graph = rdflib.Graph()
    graph.add((rdflib.URIRef(EX + "s"), rdflib.URIRef(EX + "p"), term))
    message = str(_error(lambda: rdfio.write(graph, path), InputError))
    assert message == f"cannot write {shown} in RDF/XML: XML 1.0 cannot hold the character " + (
        f"U+{ord(next(c for c in str(term) if ord(c) < 32 and c != chr(9))):04X}"
        "; use turtle, nt or json-ld"
    )
    assert not path.exists()
    assert rdfio.serialize(graph, "nt").count("\n") == 1  # the other formats write it


def test_jsonld_compact_with_context(sample_graph: rdflib.Graph, tmp_path: Path) -> None:
    context = {
        "coop": "https://w3id.org/coopgraph/ontology#",
        "data": "https://w3id.org/coopgraph/data/",
        "label": "http://www.w3.org/2000/01/rdf-schema#label",
    }
    text = rdfio.serialize(sample_graph, "jsonld", context=context)
    document = json.loads(text)
    assert next(iter(document)) == "@context"
    assert document["@context"] == context
    assert '"label"' in text and '"coop:party"' in text
    path = tmp_path / "compact.jsonld"
    path.write_text(text)
    assert isomorphic(rdfio.read_graph(path), sample_graph)


def test_jsonld_compact_quads_with_context(tmp_path: Path) -> None:
    quads = rdfio.read_quads(FIXTURES / "sample.trig")
    path = tmp_path / "out.jsonld"
    rdfio.write(quads, path, context={"ex": EX})
    assert json.loads(path.read_text())["@context"] == {"ex": EX}
    assert _quad_set(rdfio.read_quads(path)) == _quad_set(quads)


def test_jsonld_remote_output_context_refused(
    sample_graph: rdflib.Graph, no_network: list[object]
) -> None:
    for context in (
        {"@context": "https://schema.org/"},
        {"@import": "https://example.org/context.jsonld", "ex": EX},
        {"@context": [{"ex": EX}, "https://example.org/other.jsonld"]},
    ):
        error = _error(
            lambda c=context: rdfio.serialize(sample_graph, "json-ld", context=c),
            NetworkRefusedError,
        )
        assert "coopgraph never fetches contexts" in str(error)
    assert no_network == []


# --------------------------------------------------------------------------- no network


def _xxe_document(system_id: str) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY xxe SYSTEM "{system_id}">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">
  <rdf:Description rdf:about="{EX}s"><ex:p>&xxe;</ex:p></rdf:Description>
</rdf:RDF>
"""


def test_xxe_local_file_and_url_refused(
    tmp_path: Path, listener: Listener, no_network: list[object]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42")
    for system_id in (secret.as_uri(), str(secret), "secret.txt", f"{listener.url}/xxe"):
        path = tmp_path / "xxe.rdf"
        path.write_text(_xxe_document(system_id))
        started = time.monotonic()
        error = _within(10, lambda p=path: _error(lambda: rdfio.read_quads(p), ParseError))
        assert time.monotonic() - started < 5
        assert str(error) == (
            f"{path}:3: external XML entity 'xxe' refused:"
            " coopgraph never reads external files or URLs"
        )
        assert "TOP-SECRET" not in str(error)
    assert not listener.connected()
    assert no_network == []


def test_xxe_parameter_entity_refused(tmp_path: Path, listener: Listener) -> None:
    path = tmp_path / "xxe-param.rdf"
    path.write_text(
        _xxe_document("unused")
        .replace(
            '<!ENTITY xxe SYSTEM "unused">',
            f'<!ENTITY % remote SYSTEM "{listener.url}/evil.dtd"> %remote;',
        )
        .replace("&xxe;", "x")
    )
    error = _within(10, lambda: _error(lambda: rdfio.read_quads(path), ParseError))
    assert "external XML entity 'remote' refused" in str(error)
    assert not listener.connected()


def test_external_dtd_is_not_fetched(
    tmp_path: Path, listener: Listener, no_network: list[object]
) -> None:
    path = tmp_path / "dtd.rdf"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "{listener.url}/rdf.dtd">\n'
        f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">\n'
        f'  <rdf:Description rdf:about="{EX}s"><ex:p>x</ex:p></rdf:Description>\n</rdf:RDF>\n'
    )
    quads = _within(10, lambda: rdfio.read_quads(path))
    assert _quad_set(quads) == {(f"<{EX}s>", f"<{EX}p>", '"x"', "DEFAULT")}
    assert not listener.connected()
    assert no_network == []


def test_internal_entities_still_work() -> None:
    quads = rdfio.read_quads(FIXTURES / "protege-entities.rdf")
    assert (
        "<https://w3id.org/coopgraph/ontology#State>",
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
        "<http://www.w3.org/2002/07/owl#Class>",
        "DEFAULT",
    ) in _quad_set(quads)


def _read_in_subprocess(path: Path) -> subprocess.CompletedProcess[str]:
    """read_quads in a child process limited to 2 GB and 60 s: a regression cannot hang the run."""
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from coopgraph import rdfio\n"
        "from coopgraph.errors import CoopgraphError\n"
        "try:\n"
        "    rdfio.read_quads(sys.argv[1])\n"
        "except CoopgraphError as error:\n"
        "    print(type(error).__name__, error)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_billion_laughs_refused() -> None:
    path = FIXTURES / "billion-laughs.rdf"
    result = _read_in_subprocess(path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"ParseError {path}:8: XML entity 'lol5' expands to more than 1048576 characters;"
        " refused (entity expansion attack?)"
    )


def test_quadratic_entity_blowup_refused(tmp_path: Path) -> None:
    path = tmp_path / "quadratic.rdf"
    big = "a" * 900_000
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY big "{big}"> ]>\n'
        f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">\n'
        f'  <rdf:Description rdf:about="{EX}s"><ex:p>{"&big;" * 200}</ex:p></rdf:Description>\n'
        "</rdf:RDF>\n"
    )
    result = _read_in_subprocess(path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        f"ParseError {path}:4: XML entity references expand to more than "
    )


@pytest.mark.parametrize(
    "context",
    [
        '"{url}/context.jsonld"',
        '["{url}/context.jsonld", {{"ex": "http://example.org/"}}]',
        '{{"@import": "{url}/context.jsonld", "ex": "http://example.org/"}}',
        '"context.jsonld"',
    ],
)
def test_jsonld_remote_context_refused(
    context: str, tmp_path: Path, listener: Listener, no_network: list[object]
) -> None:
    (tmp_path / "context.jsonld").write_text('{"@context": {"ex": "http://example.org/"}}')
    path = tmp_path / "remote.jsonld"
    path.write_text(
        '{\n  "@context": '
        + context.format(url=listener.url)
        + ',\n  "@id": "ex:s",\n  "ex:p": "x"\n}\n'
    )
    error = _within(10, lambda: _error(lambda: rdfio.read_quads(path), NetworkRefusedError))
    message = str(error)
    assert message.startswith(f"{path}:2: JSON-LD @")
    assert message.endswith(
        "would have to be fetched; coopgraph never fetches contexts: inline the context in the file"
    )
    assert not listener.connected()
    assert no_network == []


def test_jsonld_remote_context_refused_even_if_the_check_is_skipped(
    tmp_path: Path, listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pyoxigraph itself never loads remote contexts; its refusal also becomes NetworkRefusedError.
    monkeypatch.setattr(rdfio, "_check_jsonld_contexts", lambda name, data: None)
    path = tmp_path / "remote.jsonld"
    path.write_text(f'{{"@context": "{listener.url}/c.jsonld", "@id": "{EX}s"}}')
    error = _within(10, lambda: _error(lambda: rdfio.read_quads(path), NetworkRefusedError))
    assert str(error).startswith(f"{path}: refers to a remote JSON-LD context")
    assert not listener.connected()


def test_jsonld_inline_context_is_read() -> None:
    quads = rdfio.read_quads(FIXTURES / "inline-context.jsonld")
    assert _quad_set(quads) == {
        (
            f"<{EX}s>",
            "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
            f"<{EX}Thing>",
            "DEFAULT",
        ),
        (f"<{EX}s>", f"<{EX}name>", '"a thing"@en', "DEFAULT"),
        (f"<{EX}s>", f"<{EX}knows>", f"<{EX}o>", "DEFAULT"),
    }


def test_owl_imports_are_not_followed(
    tmp_path: Path, listener: Listener, no_network: list[object]
) -> None:
    path = tmp_path / "importing.ttl"
    path.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<{EX}onto> a owl:Ontology ; owl:imports <{listener.url}/imported.ttl> .\n"
    )
    graph = _within(10, lambda: rdfio.read_graph(path))
    assert len(graph) == 2
    assert not listener.connected()
    assert no_network == []


def _nested_rdfxml(depth: int) -> str:
    return (
        f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">\n'
        + '<rdf:Description ex:a="/>"><ex:p>' * depth
        + "<!-- </ex:p> --><rdf:Description/>"
        + "</ex:p></rdf:Description>" * depth
        + "\n</rdf:RDF>\n"
    )


def test_deeply_nested_rdfxml_refused(tmp_path: Path) -> None:
    # pyoxigraph's RDF/XML parser is quadratic in the nesting depth: 200,000 levels
    # (a 7 MB file) would take many minutes, so deep nesting is refused up front.
    path = tmp_path / "deep.rdf"
    path.write_text(_nested_rdfxml(200_000))
    started = time.monotonic()
    error = _within(30, lambda: _error(lambda: rdfio.read_quads(path), ParseError))
    assert time.monotonic() - started < 10
    assert (
        str(error)
        == f"{path}: XML elements nested 400001 deep, more than 500; refused (too slow to parse)"
    )


def test_moderately_nested_rdfxml_is_read(tmp_path: Path) -> None:
    path = tmp_path / "nested.rdf"
    path.write_text(_nested_rdfxml(200))  # 401 elements deep, counting rdf:RDF
    assert len(rdfio.read_quads(path)) == 400  # 200 ex:p links and 200 ex:a attributes


def test_ill_typed_literals_are_read_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder
) -> None:
    # rdflib logs a traceback for each literal it cannot convert: none must reach the user.
    path = tmp_path / "ill-typed.ttl"
    path.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        f'<{EX}s> <{EX}date> "2019-5-4"^^xsd:date ; <{EX}flag> "tre"^^xsd:boolean ;'
        f' <{EX}n> "12x"^^xsd:integer .\n'
    )
    graph = rdfio.read_graph(path)
    assert sorted(str(o) for o in graph.objects()) == ["12x", "2019-5-4", "tre"]
    single = rdfio.to_rdflib(ox.Literal("2019-5-4", datatype=ox.NamedNode(str(rdflib.XSD.date))))
    assert str(single) == "2019-5-4"
    assert [r for r in caplog.records if r.name.startswith("rdflib")] == []
    assert [w for w in recwarn if "rdflib" in w.filename] == []
    assert not logging.getLogger("rdflib.term").disabled  # restored afterwards


@pytest.mark.parametrize("fmt", sorted(rdfio.FORMATS))
def test_mutated_files_only_raise_coopgraph_errors(
    fmt: str, sample_graph: rdflib.Graph, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # Random damage to a valid file: either it still parses, or a one-line coopgraph error.
    rng = random.Random(f"rdfio-{fmt}")
    original = rdfio.serialize(sample_graph, fmt).encode("utf-8")
    path = tmp_path / f"mutated{rdfio.FORMATS[fmt].extensions[0]}"
    outcomes = {"parsed": 0, "refused": 0}
    for _ in range(150):
        data = bytearray(original)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(data))
            if rng.random() < 0.5:
                del data[at : at + rng.randint(1, 8)]
            else:
                data[at:at] = rng.choice(
                    [b"<", b">", b'"', b"{", b"}", b"[", b"@", b"&", b"\xff", b"\n"]
                )
        path.write_bytes(bytes(data))
        try:
            rdfio.read_graph(path)
            outcomes["parsed"] += 1
        except CoopgraphError as error:
            message = str(error)
            assert message.startswith(f"{path}") and "\n" not in message
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0
    assert "Traceback" not in capfd.readouterr().err
