"""``coopgraph network ...`` on the hand-built fixture: outputs, files and exit statuses."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import networkx as nx
import pytest

from coopgraph.cli import main
from coopgraph.store import OxigraphStore

SMALL = Path(__file__).parent / "fixtures" / "network" / "small.ttl"
D = "https://w3id.org/coopgraph/data/"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["network", *argv, "--data", str(SMALL)])
    out, err = capsys.readouterr()
    return status, out, err


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_centrality_as_csv(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "centrality", "--format", "csv", "--top", "3")
    assert status == 0
    assert rows(out) == [
        ["actor", "label", "kind", "neighbours", "provided", "received", "degree",
         "betweenness", "betweenness_method"],
        [D + "StateB", "State B", "state", "3", "3", "0", "0.375", "0.446429", "exact betweenness"],
        [D + "R2", "Rebels Two", "rebel group", "2", "0", "2", "0.25", "0.428571",
         "exact betweenness"],
        [D + "StateC", "State C", "state", "3", "3", "0", "0.375", "0.392857", "exact betweenness"],
    ]  # fmt: skip
    assert err == (
        "coopgraph: note: network all dates; 9 actors, 15 edges\n"
        "coopgraph: note: exact betweenness\n"
    )


def test_sampled_centrality_says_so_in_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "centrality", "--format", "csv", "--samples", "3", "--seed", "1")
    assert status == 0
    assert {r[-1] for r in rows(out)[1:]} == {
        "betweenness estimated from 3 of 9 source actors (seed 1)"
    }


def test_brokers_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "brokers")
    assert status == 0
    assert out.splitlines()[2:] == [
        "data:R2  Rebels Two   rebel group      1            1                "
        "State B / State C  State B / State C",
        "data:K   Kin Council  community group  1            0                State A / State B",
        "data:M1  Militia One  militia          1            0                State A / State B",
        "(3 rows)",
    ]


def test_communities_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "communities", "--format", "json")
    assert status == 0
    bindings = json.loads(out)["results"]["bindings"]
    assert [(b["community"]["value"], b["members"]["value"]) for b in bindings] == [
        ("1", "Group Three; Rebels Two; Splinter; State C"),
        ("2", "Kin Council; Militia One; State A; State B"),
    ]
    assert "coopgraph: note: modularity 0.3642\n" in err
    assert "coopgraph: note: 1 actors without edges are in no community\n" in err


def test_paths_by_label_and_compact_name(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "paths", "data:StateA", "Group Three", "--format", "csv")
    assert status == 0
    table = rows(out)
    assert table[0] == ["path", "hop", "from", "from_label", "to", "to_label", "edges"]
    assert [[*r[:2], r[3], r[5]] for r in table[1:]] == [
        ["1", "1", "State A", "Kin Council"],
        ["1", "2", "Kin Council", "State B"],
        ["1", "3", "State B", "Rebels Two"],
        ["1", "4", "Rebels Two", "State C"],
        ["1", "5", "State C", "Group Three"],
        ["2", "1", "State A", "Militia One"],
        ["2", "2", "Militia One", "State B"],
        ["2", "3", "State B", "Rebels Two"],
        ["2", "4", "Rebels Two", "State C"],
        ["2", "5", "State C", "Group Three"],
    ]
    assert table[6][6] == (
        "data:e1 (intelligence sharing, 2014 to 2016); data:e3 (joint training, 2017-06-01 to "
        "ongoing)"
    )


def test_no_path_is_exit_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "paths", "State A", "State C", "--as-of", "2013")
    assert status == 1
    assert out.endswith("(0 rows)\n")
    assert err.endswith("coopgraph: note: no chain joins the two actors\n")


def test_ego_and_filters(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys, "ego", "Rebels Two", "--radius", "2", "--type", "funding", "--format", "csv"
    )
    assert status == 0
    # Funding: e4 (B -> R2) and e9 (C -> S); within 2 hops of R2: B, and nothing else.
    assert [[*r[0:3], r[4], r[8]] for r in rows(out)[1:]] == [
        ["engagement", D + "StateB", "State B", "Rebels Two", D + "e4"],
    ]
    assert "types coop:Funding" in err


def test_changes_and_competing_sponsors(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "changes", "2015", "2019", "--format", "csv")
    assert status == 0
    assert [r[0] for r in rows(out)[1:]] == [
        "appeared", "appeared", "appeared", "appeared", "ended", "ended", "ended",
        "came and went", "switched (engagements)", "switched (recorded)",
    ]  # fmt: skip
    assert rows(out)[-1] == [
        "switched (recorded)", D + "g3Turn", "State C -> State B", "Group Three", "",
        "2018-07-01", "",
    ]  # fmt: skip
    status, out, _ = run(capsys, "competing-sponsors", "--as-of", "2016", "--format", "csv")
    assert status == 0
    # 2016: North (A->M1, B->M1, B->K) and South (B->R2, C->G3), and Xland with both.
    assert [(r[1], r[2], r[3]) for r in rows(out)[1:]] == [
        ("North", "2016-01-01 to 2016-12-31", "State A; State B"),
        ("South", "2016-01-01 to 2016-12-31", "State B; State C"),
        ("Xland", "2016-01-01 to 2016-12-31", "State A; State B; State C"),
    ]


def test_summary_of_a_store(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        store.load(SMALL)
    status = main(["network", "summary", "--store", f"oxigraph:{tmp_path / 'store'}",
                   "--format", "csv"])  # fmt: skip
    out, _ = capsys.readouterr()
    assert status == 0
    assert [r[2:] for r in rows(out)[1:]] == [
        ["coalition of states", "1"], ["community group", "1"], ["insurgent group", "2"],
        ["militia", "1"], ["rebel group", "1"], ["state", "3"],
        ["allegiance_change", "2"], ["alliance", "1"], ["engagement", "9"],
        ["membership", "1"], ["rivalry", "1"], ["split", "1"],
    ]  # fmt: skip


def test_export_and_draw_write_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "ego.gexf"
    status, _, err = run(capsys, "export", "-o", str(target), "--ego", "data:R2")
    assert status == 0
    assert err == f"wrote {target} (gexf: 3 actors, 2 edges)\n"
    assert sorted(nx.read_gexf(target).nodes(data="label")) == [
        (D + "R2", "Rebels Two"),
        (D + "StateB", "State B"),
        (D + "StateC", "State C"),
    ]
    picture = tmp_path / "network.png"
    status, _, err = run(capsys, "draw", "-o", str(picture), "--between", "2014", "2016")
    assert status == 0
    assert err == f"wrote {picture}\n"
    assert picture.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["centrality", "--as-of", "2015-13"], "--as-of: '2015-13' is not a date"),
        (["ego", "Nobody"], "ACTOR: 'Nobody' is not an IRI, a compact name"),
        (["ego", "data:Nobody"], "ACTOR: https://w3id.org/coopgraph/data/Nobody is not an actor"),
        (["paths", "data:S", "data:StateA", "--as-of", "2015"],
         "SOURCE: https://w3id.org/coopgraph/data/S is not an actor in the network (as of 2015)"),
        (["summary", "--type", "data:North"], "--type: https://w3id.org/coopgraph/data/North is "
         "not an engagement type"),
        (["draw", "-o", "x.jpg"], "--output: 'x.jpg' is not a picture name"),
        (["export", "-o", "x.txt"], "--output: cannot tell the format of 'x.txt'"),
        (["communities", "--runs", "0"], "--runs: 0 is not a positive number"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_status_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("coopgraph: error: " + message)
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["centrality", "--top", "0"], "--top: 0 is not a positive number"),
        (["centrality", "--top", "-1"], "--top: -1 is not a positive number"),
        (["brokers", "--top", "-1"], "--top: -1 is not a positive number"),
        (["communities", "--resolution", "nan"], "--resolution: nan is not a positive number"),
        (["communities", "--resolution", "inf"], "--resolution: inf is not a positive number"),
        (["draw", "-o", "x.png", "--seed", "-1"],
         "--seed: -1 is not a layout seed (0 to 4294967295)"),
        (["draw", "-o", "x.png", "--seed", "4294967296"],
         "--seed: 4294967296 is not a layout seed (0 to 4294967295)"),
    ],
)  # fmt: skip
def test_numeric_options_out_of_range_are_exit_status_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # where draw would write x.png if it let the seed through
    assert run(capsys, *argv) == (2, "", f"coopgraph: error: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_brokers_top(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "brokers", "--top", "1", "--format", "csv")
    assert status == 0
    assert [r[1] for r in rows(out)] == ["label", "Rebels Two"]


def test_a_missing_data_file_is_exit_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["network", "summary", "--data", "/nonexistent/file.ttl"])
    _, err = capsys.readouterr()
    assert status == 2
    assert err.count("\n") == 1 and "/nonexistent/file.ttl" in err
