"""What ``coopgraph validate`` checks in extra shapes files before anything runs.

Every SPARQL text of the shapes (constraints, validators, rules, targets, target types,
functions) that uses SERVICE or FROM is refused in one line (exit 2) before any connection
is attempted, whichever engine and with or without --advanced. Every sh:pattern and
sh:flags is checked too, so both engines refuse a bad regular expression alike instead of
one crashing and the other switching the constraint off. pySHACL's warnings become notes.
"""

from __future__ import annotations

import socket
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph
from shape_fixtures import BACKGROUND, rows

from coopgraph import rdfio
from coopgraph.cli import main
from coopgraph.errors import NetworkRefusedError
from coopgraph.validate import (
    ENGINES,
    RunOptions,
    ShapesError,
    ValidationResult,
    run_pyshacl,
    validate,
)

PREFIXES = (
    "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
    "@prefix coop: <https://w3id.org/coopgraph/ontology#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    "@prefix ex: <http://example.org/ns#> .\n"
)
NETWORK = ", which may access the network; validation never does"


def _run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    status = main(["validate", *(str(a) for a in argv)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _shapes(tmp_path: Path, text: str, name: str = "shapes.ttl") -> Path:
    path = tmp_path / name
    path.write_text(PREFIXES + text, encoding="utf-8")
    return path


class Listener:
    """A loopback port that accepts connections and closes them at once, counting them."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/sparql"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


# --------------------------------------------------------------------------- SPARQL texts


NETWORK_CASES = {
    "constraint": (
        "<urn:ex:S> a sh:NodeShape ; sh:targetClass coop:State ;\n"
        '  sh:sparql [ sh:select """SELECT $this WHERE { SERVICE <URL> { $this ?p ?o } }""" ] .\n',
        "the SPARQL constraint of <urn:ex:S> uses SERVICE <URL>",
    ),
    "constraint-of-a-property-shape": (
        "<urn:ex:S> a sh:NodeShape ; sh:targetClass coop:State ;\n"
        "  sh:property [ sh:path coop:countryCode ; sh:sparql [ a sh:SPARQLConstraint ;\n"
        '    sh:select """SELECT $this FROM NAMED <URL> WHERE { $this $PATH ?v }""" ] ] .\n',
        "the SPARQL constraint of the property shape coop:countryCode of <urn:ex:S>"
        " uses FROM NAMED <URL>",
    ),
    "rule": (
        "<urn:ex:R> a sh:NodeShape ; sh:targetClass coop:State ; sh:rule [ a sh:SPARQLRule ;\n"
        '  sh:construct """CONSTRUCT { $this <urn:ex:p> ?o }\n'
        '    WHERE { SERVICE <URL> { $this ?p ?o } }""" ] .\n',
        "the SPARQL rule of <urn:ex:R> uses SERVICE <URL>",
    ),
    "rule-from": (
        "<urn:ex:R> a sh:NodeShape ; sh:targetClass coop:State ; sh:rule [ a sh:SPARQLRule ;\n"
        '  sh:construct """CONSTRUCT { $this <urn:ex:p> ?o } FROM <URL>\n'
        '    WHERE { $this ?p ?o }""" ] .\n',
        "the SPARQL rule of <urn:ex:R> uses FROM <URL>",
    ),
    "target": (
        "<urn:ex:T> a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ;\n"
        '    sh:select """SELECT ?this WHERE { SERVICE <URL> { ?this ?p ?o } }""" ] ;\n'
        "  sh:property [ sh:path coop:countryCode ; sh:minCount 1 ] .\n",
        "the SPARQL target of <urn:ex:T> uses SERVICE <URL>",
    ),
    "target-type": (
        "ex:TT a sh:SPARQLTargetType ; rdfs:subClassOf sh:Target ;\n"
        '  sh:select """SELECT ?this WHERE { SERVICE <URL> { ?this ?p ?o } }""" .\n'
        "<urn:ex:T> a sh:NodeShape ; sh:target [ a ex:TT ] ;\n"
        "  sh:property [ sh:path coop:countryCode ; sh:minCount 1 ] .\n",
        "the SPARQL target type <http://example.org/ns#TT> uses SERVICE <URL>",
    ),
    "function": (
        "ex:f a sh:SPARQLFunction ; sh:returnType xsd:boolean ;\n"
        '  sh:ask """ASK { SERVICE <URL> { ?s ?p ?o } }""" .\n'
        "<urn:ex:S> a sh:NodeShape ; sh:targetClass coop:State ;\n"
        "  sh:sparql [\n"
        '    sh:select "SELECT $this WHERE { FILTER (<http://example.org/ns#f>()) }" ] .\n',
        "the SPARQL function <http://example.org/ns#f> uses SERVICE <URL>",
    ),
    "validator": (
        "<urn:ex:C> a sh:ConstraintComponent ; sh:parameter [ sh:path ex:flag ] ;\n"
        "  sh:validator [ a sh:SPARQLAskValidator ;\n"
        '    sh:ask """ASK { SERVICE <URL> { $value ?p ?o } }""" ] .\n'
        "<urn:ex:S> a sh:NodeShape ; sh:targetClass coop:State ; ex:flag true .\n",
        "the SPARQL validator of <urn:ex:C> uses SERVICE <URL>",
    ),
}


@pytest.mark.parametrize("case", NETWORK_CASES)
@pytest.mark.parametrize("engine", ENGINES)
def test_sparql_that_may_access_the_network_is_refused_before_any_connection(
    tmp_path: Path, listener: Listener, case: str, engine: str
) -> None:
    text, message = NETWORK_CASES[case]
    shapes = _shapes(tmp_path, text.replace("URL", listener.url))
    with pytest.raises(NetworkRefusedError) as refused:
        validate([BACKGROUND], shapes=[shapes], engine=engine, advanced=True)
    assert str(refused.value) == f"{shapes}: {message.replace('URL', listener.url)}{NETWORK}"
    assert listener.connections == 0


@pytest.mark.parametrize("advanced", [[], ["--advanced"]])
def test_the_command_line_refuses_a_rule_or_target_using_service_in_one_line(
    tmp_path: Path, listener: Listener, capsys: pytest.CaptureFixture[str], advanced: list[str]
) -> None:
    for case in ("rule", "target"):
        text, message = NETWORK_CASES[case]
        shapes = _shapes(tmp_path, text.replace("URL", listener.url))
        for engine in ENGINES:
            status, out, err = _run(
                capsys, BACKGROUND, "--shapes", shapes, "--engine", engine, *advanced
            )
            expected = f"{shapes}: {message.replace('URL', listener.url)}{NETWORK}"
            assert (status, out, err) == (2, "", f"coopgraph: error: {expected}\n")
    assert listener.connections == 0


def test_sparql_that_does_not_parse_is_refused_naming_its_shape(tmp_path: Path) -> None:
    shapes = _shapes(
        tmp_path,
        "<urn:ex:R> a sh:NodeShape ; sh:targetClass coop:State ; sh:rule [ a sh:SPARQLRule ;\n"
        '  sh:construct """CONSTRUCT { $this <urn:ex:p> ?o } WHERE { $this ?p""" ] .\n',
    )
    with pytest.raises(ShapesError) as refused:
        validate([BACKGROUND], shapes=[shapes], advanced=True)
    assert str(refused.value) == (
        f"{shapes}: the SPARQL rule of <urn:ex:R>: SPARQL query syntax error at line 1,"
        " column 43: Expected ConstructQuery"
    )


def test_a_network_failure_inside_pyshacl_is_bad_input_not_a_crash(listener: Listener) -> None:
    # Shapes that did not come through load_shapes, so nothing refused the SERVICE before.
    text, _ = NETWORK_CASES["rule"]
    shapes = Graph().parse(data=PREFIXES + text.replace("URL", listener.url), format="turtle")
    graph = rdfio.read_graph(BACKGROUND)
    with pytest.raises(NetworkRefusedError) as refused:
        run_pyshacl(graph, shapes, RunOptions(advanced=True))
    message = str(refused.value)
    assert message.startswith(
        "the shapes made pySHACL access the network, which validation never does ("
    )
    assert "\n" not in message and listener.connections >= 1


# --------------------------------------------------------------------------- regular expressions


PATTERN_SHAPE = (
    "<urn:ex:C> a sh:NodeShape ; sh:targetClass coop:State ;\n"
    "  sh:property [ sh:path coop:countryCode ; sh:pattern {pattern} {flags}] .\n"
)
OF_SHAPE = "of the property shape coop:countryCode of <urn:ex:C>"


def _found(result: ValidationResult) -> list[tuple[str, str, str]]:
    """Severity, focus node and value of each pattern finding (the shape is a blank node)."""
    cells = [row.split("\t") for row in rows(result)]
    return [(c[0], c[1], c[3]) for c in cells if c[5] == "sh:PatternConstraintComponent"]


@pytest.mark.parametrize(
    ("pattern", "error"),
    [
        ("([", "unterminated character set at position 1"),
        ("^Z(", "missing ), unterminated subpattern at position 2"),
        # Not XPath, and not Python's syntax either (only Oxigraph took it).
        ("(?<name>x)", "unknown extension ?<n at position 1"),
    ],
)
@pytest.mark.parametrize("engine", ENGINES)
def test_an_invalid_pattern_is_refused_alike_by_both_engines(
    tmp_path: Path, engine: str, pattern: str, error: str
) -> None:
    shapes = _shapes(tmp_path, PATTERN_SHAPE.format(pattern=f'"{pattern}"', flags=""))
    with pytest.raises(ShapesError) as refused:
        validate([BACKGROUND], shapes=[shapes], engine=engine)
    assert str(refused.value) == (
        f"{shapes}: sh:pattern {pattern!r} {OF_SHAPE} is not a valid regular expression: {error}"
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_invalid_flags_are_refused_alike_by_both_engines(tmp_path: Path, engine: str) -> None:
    shapes = _shapes(
        tmp_path, PATTERN_SHAPE.format(pattern='"^[A-Z]{2}$"', flags='; sh:flags "zz" ')
    )
    with pytest.raises(ShapesError) as refused:
        validate([BACKGROUND], shapes=[shapes], engine=engine)
    assert str(refused.value) == (
        f"{shapes}: sh:flags 'zz' {OF_SHAPE} is not valid: the flags of a regular expression"
        " are s, m, i, x and q"
    )


def test_an_invalid_pattern_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shapes = _shapes(tmp_path, PATTERN_SHAPE.format(pattern='"(["', flags=""))
    for engine in ENGINES:
        status, out, err = _run(capsys, BACKGROUND, "--shapes", shapes, "--engine", engine)
        assert (status, out) == (2, "")
        assert err == (
            f"coopgraph: error: {shapes}: sh:pattern '([' {OF_SHAPE} is not a valid regular"
            " expression: unterminated character set at position 1\n"
        )


def test_valid_patterns_and_flags_still_constrain_the_data(tmp_path: Path) -> None:
    # data:usa has "US", data:turkey "TR": only "TR" matches ^t without regard to case.
    shapes = _shapes(tmp_path, PATTERN_SHAPE.format(pattern='"^t"', flags='; sh:flags "i" '))
    fast = validate([BACKGROUND], shapes=[shapes])
    reference = validate([BACKGROUND], shapes=[shapes], engine="pyshacl")
    assert fast.engine == "fast"
    assert _found(fast) == _found(reference) == [("Violation", "data:usa", '"US"')]


def test_a_pattern_oxigraph_cannot_compile_is_run_by_pyshacl(tmp_path: Path) -> None:
    # A look-behind: Python's re takes it, Oxigraph's REGEX fails on it (which used to
    # switch the constraint off in silence).
    shapes = _shapes(tmp_path, PATTERN_SHAPE.format(pattern='"(?<=T)R"', flags=""))
    fast = validate([BACKGROUND], shapes=[shapes])
    reference = validate([BACKGROUND], shapes=[shapes], engine="pyshacl")
    assert fast.engine == "pyshacl"
    assert fast.notes == [
        "the fast engine cannot handle the sh:pattern '(?<=T)R', which Oxigraph cannot compile,"
        " so pySHACL was used"
    ]
    assert _found(fast) == _found(reference) == [("Violation", "data:usa", '"US"')]


# --------------------------------------------------------------------------- pySHACL's warnings


RECURSION_NOTE = (
    "pySHACL met recursive shapes and did not check a shape again inside itself"
    " (SHACL leaves the validation of recursive shapes undefined)"
)


@pytest.fixture
def recursive_shapes(tmp_path: Path) -> Path:
    # The path includes the node itself, so <urn:ex:B> is checked again inside itself.
    return _shapes(
        tmp_path,
        "<urn:ex:B> a sh:NodeShape ; sh:targetClass coop:State ; sh:node <urn:ex:B2> .\n"
        "<urn:ex:B2> a sh:NodeShape ; sh:property [\n"
        "  sh:path [ sh:zeroOrOnePath coop:countryCode ] ; sh:node <urn:ex:B> ] .\n",
    )


@pytest.mark.parametrize(
    ("engine", "notes"),
    [
        ("pyshacl", [RECURSION_NOTE]),
        (
            "fast",
            ["the fast engine cannot handle recursive shapes, so pySHACL was used", RECURSION_NOTE],
        ),
    ],
)
def test_pyshacl_warnings_become_one_line_notes(
    recursive_shapes: Path, engine: str, notes: list[str]
) -> None:
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        result = validate([BACKGROUND], shapes=[recursive_shapes], engine=engine)
    assert [str(w.message) for w in escaped] == []
    assert result.notes == notes


def test_pyshacl_warnings_are_notes_on_the_command_line(
    recursive_shapes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(capsys, BACKGROUND, "--shapes", recursive_shapes, "--engine", "pyshacl")
    assert (status, err) == (0, "")
    assert [line for line in out.splitlines() if line.startswith("note:")] == [
        f"note: {RECURSION_NOTE}"
    ]


def test_warnings_of_other_libraries_are_passed_on_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pyshacl

    original = pyshacl.validate

    def warning_validate(*args: object, **kwargs: object) -> object:
        warnings.warn("not pySHACL's", UserWarning, stacklevel=1)
        return original(*args, **kwargs)

    monkeypatch.setattr(pyshacl, "validate", warning_validate)
    with pytest.warns(UserWarning, match="not pySHACL's"):
        result = validate([BACKGROUND], engine="pyshacl")
    assert result.notes == []


def test_each_sparql_text_of_the_shapes_is_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # load_shapes checked "PREFIX ... text" and the fast engine analysed "PREFIX...\ntext":
    # two strings, so rdflib (0.1-0.6 s a text) parsed every SPARQL constraint twice.
    from rdflib.namespace import SH

    from coopgraph.store import analysis
    from coopgraph.validate import load_shapes, validate

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:x:S> a sh:NodeShape ; sh:targetNode <urn:x:a> ;\n"
        '  sh:sparql [ sh:select "SELECT $this WHERE { $this <urn:x:p> 1 }" ] .\n'
    )
    graph = load_shapes([shapes])
    texts = {str(t) for p in (SH.select, SH.ask, SH.construct) for t in graph.objects(None, p)}
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no stored analyses
    analysis.analyse_query.cache_clear()
    parsed: list[str] = []
    parse = analysis._parse_query
    monkeypatch.setattr(analysis, "_parse_query", lambda text: parsed.append(text) or parse(text))
    validate(BACKGROUND, shapes=[shapes])
    assert len(parsed) == len(texts) == 14
