"""The commands of issue 4: query list/show/run, sparql, risks, report and demo."""

from __future__ import annotations

import errno
import io
import json
import os
import threading
from pathlib import Path

import pytest
import rdflib
from conftest import REPO

from coopgraph.catalogue import catalogue
from coopgraph.cli import main
from coopgraph.server import SparqlServer
from coopgraph.store import open_store
from coopgraph.vocab import DATA, jsonld_context

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "queries"
PERIODS = str(FIXTURES / "designation-periods.ttl")
MITIGATIONS = str(FIXTURES / "all-mitigations.ttl")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_query_list(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "query", "list", "--format", "csv")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "name,question,title,parameters"
    assert len(lines) == 1 + len(catalogue())
    assert 'applicable-risks,1,"Which risks apply to an engagement, and why",' in out
    assert "engagement (IRI, required)" in out


def test_query_show_prints_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "query", "show", "state-partners")
    assert status == 0
    assert (
        out == (Path(__file__).resolve().parents[1] / "queries" / "state-partners.rq").read_text()
    )


def test_query_run_over_user_data(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys, "query", "run", "applicable-risks", "--data", PERIODS,
        "--param", "engagement=data:last-day", "--format", "csv",
    )  # fmt: skip
    assert (status, err) == (0, "")
    listing = f"{DATA['front']},{DATA['front-terrorist-listing']}"
    situation = "https://w3id.org/coopgraph/ontology#UnderTerroristDesignation"
    assert out.splitlines() == [
        "engagement,risk,source,factor,actor,evidence",
        f"{DATA['last-day']},https://w3id.org/coopgraph/ontology#LegalExposure,"
        f"partner situation,{situation},{listing}",
        f"{DATA['last-day']},https://w3id.org/coopgraph/ontology#ValuesConflict,"
        f"partner situation,{situation},{listing}",
    ]


def test_query_run_table_shows_compact_names_and_labels(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(
        capsys, "query", "run", "designated-partners", "--data", PERIODS,
        "-p", "engagement=data:last-day",
    )  # fmt: skip
    assert status == 0
    assert "data:front (The Front)" in out and "in force" in out
    assert out.endswith("(1 row)\n")


def test_query_run_writes_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "rows.json"
    status, out, _ = run(
        capsys, "query", "run", "state-partners", "--data", MITIGATIONS, "--format", "json",
        "-o", str(target),
    )  # fmt: skip
    assert (status, out) == (0, "")
    document = json.loads(target.read_text())
    assert document["head"]["vars"] == [
        "state", "partner", "engagement", "engagementType", "start", "end",
    ]  # fmt: skip
    assert len(document["results"]["bindings"]) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["query", "run", "nope"], "no canned query 'nope'"),
        (["query", "run", "applicable-risks"], "needs --param engagement=..."),
        (["query", "run", "applicable-risks", "-p", "who=x"], "has no parameter 'who'"),
        (["query", "run", "applicable-risks", "-p", "engagement"], "write it as name=value"),
        (
            ["query", "run", "applicable-risks", "-p", "engagement=<http://a b>"],
            "is not an absolute IRI",
        ),
        (
            ["query", "run", "applicable-risks", "-p", "engagement=No Such Label"],
            "is not an IRI, a compact name",
        ),
        (["query", "run", "state-partners", "--data", "/nonexistent.ttl"], "/nonexistent.ttl"),
        (["sparql", "SELECT * WHERE { ?s ?p }"], "syntax error"),
        (
            ["sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--format", "turtle"],
            "--format turtle",
        ),
        (["sparql"], "give the query as an argument or with -f FILE"),
        (["sparql", "-f", "/nonexistent.rq"], "/nonexistent.rq: cannot read the query"),
        (["risks", "data:front"], "data:front is not an engagement"),
        (["report", "data:nothing"], "data:nothing is not an engagement"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    if argv[0] in ("risks", "report"):
        argv = [*argv, "--data", PERIODS]
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert err.startswith("coopgraph: error: ") and err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err


def test_sparql_select_construct_ask(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    select = (
        "PREFIX coop: <https://w3id.org/coopgraph/ontology#> "
        "SELECT ?e WHERE { ?e coop:partner ?p } ORDER BY ?e"
    )
    status, out, _ = run(capsys, "sparql", select, "--data", MITIGATIONS, "--format", "tsv")
    assert status == 0
    assert out.splitlines() == [
        "?e",
        f"<{DATA['fully-mitigated']}>",
        f"<{DATA['unmitigated']}>",
    ]
    construct = tmp_path / "q.rq"
    construct.write_text(
        "PREFIX coop: <https://w3id.org/coopgraph/ontology#>\n"
        "CONSTRUCT { ?e coop:partner ?p } WHERE { ?e coop:partner ?p }\n"
    )
    status, out, _ = run(capsys, "sparql", "-f", str(construct), "--data", MITIGATIONS)
    assert status == 0
    assert "data:fully-mitigated coop:partner data:watch" in out
    status, out, _ = run(
        capsys, "sparql", "-f", str(construct), "--data", MITIGATIONS, "--format", "json-ld"
    )
    assert status == 0
    assert json.loads(out) == {
        "@context": jsonld_context(),
        "@graph": [
            {"id": "data:fully-mitigated", "partner": "data:watch"},
            {"id": "data:unmitigated", "partner": "data:watch"},
        ],
    }
    status, out, _ = run(capsys, "sparql", "ASK { ?s ?p ?o }", "--data", MITIGATIONS)
    assert (status, out) == (0, "true\n")


def test_sparql_refuses_network_access(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys, "sparql", "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    )
    assert status == 2
    assert "may access the network" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("LOAD <http://example.org/x>", "this is a SPARQL update (LOAD), not a query"),
        (
            "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c } ;"
            " DELETE WHERE { ?s ex:gone ?o }",
            "this is a SPARQL update (INSERT DATA, DELETE WHERE), not a query",
        ),
        # an empty text parses as an empty update: a syntax error, not an internal error
        ("", "SPARQL query syntax error at line 1, column 1: Expected {SelectQuery"),
        ("# nothing", "SPARQL query syntax error at line 1, column 10: Expected {SelectQuery"),
    ],
    ids=["load", "two-updates", "empty", "comment-only"],
)
def test_sparql_names_an_update_or_an_empty_text(
    capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    status, out, err = run(capsys, "sparql", text)
    assert (status, out) == (2, "")
    assert err.startswith(f"coopgraph: error: {message}") and err.count("\n") == 1


def test_allow_network_reaches_a_service_over_the_bundled_data(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # --allow-network used to be ignored unless --store was given.
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    remote = open_store("memory")
    remote.add(rdflib.Graph().parse(data="<urn:x:s> <urn:x:p> <urn:x:o> .", format="nt"))
    server = SparqlServer(remote, ("127.0.0.1", 0), log=io.StringIO())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    query = (
        f"SELECT ?o WHERE {{ SERVICE <http://127.0.0.1:{server.server_address[1]}/sparql> "
        "{ <urn:x:s> <urn:x:p> ?o } }"
    )
    try:
        allowed = run(capsys, "sparql", query, "--allow-network", "--format", "csv")
        refused = run(capsys, "sparql", query, "--format", "csv")
    finally:
        server.shutdown()
        server.server_close()
    assert allowed == (0, "o\r\nurn:x:o\r\n", "")
    assert refused[0] == 2 and "--allow-network on the command line" in refused[2]


def test_risks_command(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "risks", "data:unmitigated", "--data", MITIGATIONS)
    assert status == 0
    assert out.splitlines()[:6] == [
        f"Risk assessment of data:unmitigated <{DATA['unmitigated']}>",
        "3 risk(s) apply, 1 legal framework(s) govern it; "
        "2 mitigating countermeasure(s) are not in place.",
        "",
        "Risk: espionage",
        "  why: The engagement's type, intelligence sharing, brings the risk with it.",
        "  lacking: secure communication channels (known absent)",
    ]
    assert out.splitlines()[-2:] == [
        "Legal framework: international human rights law",
        "  why: The engagement's type, intelligence sharing, brings the framework with it.",
    ]
    status, out, _ = run(
        capsys, "risks", "data:unmitigated", "--data", MITIGATIONS, "--format", "json"
    )
    assert status == 0
    assert [r["risk"]["label"] for r in json.loads(out)["risks"]] == [
        "espionage",
        "infiltration",
        "information compromise",
    ]


@pytest.mark.parametrize(("fmt", "start"), [("markdown", "# Risk"), ("html", "<!DOCTYPE html>"),
                                            ("json", "{")])  # fmt: skip
def test_report_command_writes_a_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str, start: str
) -> None:
    target = tmp_path / f"report.{fmt}"
    status, out, _ = run(
        capsys, "report", "data:fully-mitigated", "--data", MITIGATIONS, "--format", fmt,
        "-o", str(target),
    )  # fmt: skip
    assert (status, out) == (0, "")
    assert target.read_text().startswith(start)


def test_report_of_the_example_knowledge_base(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "report", "US weapons supply to the SDF")
    assert status == 0
    assert out.startswith("# Risk assessment: US weapons supply to the SDF\n")
    assert "| Leahy law (Department of Defense) |" in out
    assert "## Sources" in out and "Lead Inspector General" in out


def test_demo(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "demo", "--engagements", "2")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("Loaded the bundled ontology and example knowledge base: ")
    assert lines[1].startswith("Validation against the ontology and shapes: the data ")
    assert sum(line.startswith("Risk assessment of ") for line in lines) == 2


AFTER = REPO / "docs" / "guide" / "engagement-after.ttl"


class _FullDisk(io.StringIO):
    """Standard output on a full disk (as `> /dev/full`)."""

    def __init__(self, errno_value: int) -> None:
        super().__init__()
        self.errno_value = errno_value

    def write(self, text: str) -> int:
        raise OSError(self.errno_value, os.strerror(self.errno_value))


@pytest.mark.parametrize("errno_value", [errno.ENOSPC, errno.EIO])
@pytest.mark.parametrize(
    "argv",
    [
        ["query", "run", "competing-sponsors"],
        ["sparql", "--format", "csv", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"],
        ["convert", str(AFTER), "-", "--to", "nt"],
    ],
)
def test_a_failed_write_to_standard_output_is_exit_2(
    argv: list[str],
    errno_value: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # It was an internal error (exit 3, "please report it").
    monkeypatch.setattr("sys.stdout", _FullDisk(errno_value))
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        f"coopgraph: error: cannot write the output: {os.strerror(errno_value)}\n"
    )


def test_other_os_errors_stay_internal_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdout", _FullDisk(errno.EBADF))
    assert main(["query", "run", "competing-sponsors"]) == 3
    assert capsys.readouterr().err.startswith("coopgraph: internal error: OSError: [Errno 9]")


SELECT_ONE = (
    "SELECT ?s WHERE { ?s a <https://w3id.org/coopgraph/ontology#State> } ORDER BY ?s LIMIT 2"
)
CONSTRUCT_ONE = (
    "CONSTRUCT { <urn:x:s> <urn:x:p> ?s } WHERE { ?s a <https://w3id.org/coopgraph/ontology#State> "
    "FILTER(?s = <https://w3id.org/coopgraph/data/Germany>) }"
)


@pytest.mark.parametrize(
    ("argv", "suffix", "fmt"),
    [
        (["query", "run", "competing-sponsors"], ".csv", "csv"),
        (["sparql", SELECT_ONE], ".tsv", "tsv"),
        (["sparql", SELECT_ONE], ".srj", "json"),
        (["sparql", SELECT_ONE], ".md", "markdown"),
        (["sparql", CONSTRUCT_ONE], ".jsonld", "json-ld"),
        (["sparql", CONSTRUCT_ONE], ".ttl", "turtle"),
    ],
)
def test_the_output_file_extension_chooses_the_format(
    argv: list[str], suffix: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `-o answers.csv` used to hold the aligned text table; a .jsonld file, Turtle.
    out = tmp_path / f"answer{suffix}"
    assert run(capsys, *argv, "-o", str(out)) == (0, "", "")
    assert run(capsys, *argv, "--format", fmt)[:2] == (0, out.read_bytes().decode("utf-8"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["sparql", SELECT_ONE, "-o", "x.ttl"],
            "-o x.ttl: turtle is for CONSTRUCT and DESCRIBE answers",
        ),
        (
            ["sparql", SELECT_ONE, "--format", "json-ld"],
            "--format json-ld: json-ld is for CONSTRUCT",
        ),
        (
            ["sparql", CONSTRUCT_ONE, "-o", "x.csv"],
            "-o x.csv: csv is for SELECT and ASK answers; use",
        ),
        (
            ["sparql", CONSTRUCT_ONE, "--format", "table"],
            "--format table: table is for SELECT and ASK",
        ),
        (["demo", "--engagements", "-1"], "--engagements: -1 is not a count (0 or more)"),
    ],
)
def test_a_format_that_cannot_hold_the_answer_is_exit_2(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert err.startswith(f"coopgraph: error: {message}") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
