"""The commands work unchanged against a real SPARQL server (Virtuoso, with Digest auth).

Data is loaded with ``coopgraph load --store URL``, then queried, projected and validated
with the same ``--store URL`` and credentials options every command shares.
"""

from __future__ import annotations

import pytest
from conftest import REPO

from coopgraph.cli import main
from coopgraph.vocab import ontology_file

AFTER = REPO / "docs" / "guide" / "engagement-after.ttl"
GRAPH = "https://w3id.org/coopgraph/test/graph/cli-remote"


@pytest.mark.server
def test_load_query_project_and_validate_on_virtuoso(
    virtuoso_server, capsys: pytest.CaptureFixture[str]
) -> None:
    remote = [
        "--store", virtuoso_server.auth_query_url,
        "--user", virtuoso_server.user,
        "--password", virtuoso_server.password,
        "--auth", "digest",
        "--scope", GRAPH,
    ]  # fmt: skip
    # A store holds what was loaded: the canned queries need the ontology beside the data.
    load = [
        "load",
        str(ontology_file()),
        str(AFTER),
        "--graph",
        GRAPH,
        "--gsp-url",
        virtuoso_server.auth_gsp_url,
    ]
    assert main([*load, *remote]) == 0
    capsys.readouterr()

    assert main(["query", "run", "state-partners", "--format", "csv", *remote]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows == [
        "state,partner,engagement,engagementType,start,end",
        "https://w3id.org/coopgraph/data/Ruritania,https://w3id.org/coopgraph/data/HillMilitia,"
        "https://w3id.org/coopgraph/data/eng-hill-intel,"
        "https://w3id.org/coopgraph/ontology#IntelligenceSharing,2021-04-01,",
    ]

    assert main(["network", "summary", "--format", "csv", *remote]) == 0
    assert "2 actors, 1 edges" in capsys.readouterr().err

    assert main(["validate", *remote]) == 0
    assert "conforms: 0 violations, 1 warning" in capsys.readouterr().out
