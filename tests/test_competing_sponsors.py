"""Competing sponsors (competency question 8) mean one thing everywhere: the canned query, the
context risks of an assessment and the network analysis agree, case by case, on
``tests/fixtures/competing/sponsors.ttl`` (one region per case).

Two engagements compete when each has a state provider the other lacks and a partner the other
neither backs nor provides. A single joint engagement, allies backing the same partners, and a
state backing another state's own engagement were flagged as competing by the query and the
network analysis (the assessment already saw no competition in the joint case).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coopgraph.catalogue import run_select
from coopgraph.dataset import open_dataset
from coopgraph.network import competing_sponsors, project
from coopgraph.risks import assess
from coopgraph.store import Store
from coopgraph.vocab import DATA

SPONSORS = Path(__file__).resolve().parent / "fixtures" / "competing" / "sponsors.ttl"
CONTEXT_RISKS = {"EscalationAndMiscalculation", "PowerImbalance", "RegionalDestabilisation"}


@pytest.fixture(scope="module")
def store() -> Store:
    return open_dataset([SPONSORS])


def test_the_canned_query_finds_only_the_rival_region(store: Store) -> None:
    rows = run_select(store, "competing-sponsors", {}).rows
    assert rows == [
        (DATA.Rival, DATA.StateA, DATA.P1, DATA["rival-a"]),
        (DATA.Rival, DATA.StateB, DATA.P2, DATA["rival-b"]),
    ]


def test_the_network_analysis_finds_only_the_rival_region_in_the_overlap(store: Store) -> None:
    found = competing_sponsors(project(store))
    assert [(c.region, c.periods, c.engagements) for c in found] == [
        (
            str(DATA.Rival),
            [("2016-01-01", "2016-12-31")],
            [str(DATA["rival-a"]), str(DATA["rival-b"])],
        ),
    ]
    assert [[a.label for a in c.states] for c in found] == [["State A", "State B"]]
    assert [[a.label for a in c.partners] for c in found] == [["Partner One", "Partner Two"]]


@pytest.mark.parametrize(
    ("engagement", "expected"),
    [
        ("rival-a", CONTEXT_RISKS),
        ("rival-b", CONTEXT_RISKS),
        ("joint", set()),
        ("allies-a", set()),
        ("allies-b", set()),
        ("backer-a", set()),
        ("backer-b", set()),
        ("overlap-a", set()),
        ("overlap-b", set()),
        ("apart-a", set()),
        ("apart-b", set()),
    ],
)
def test_an_assessment_has_context_risks_only_in_the_rival_region(
    store: Store, engagement: str, expected: set[str]
) -> None:
    risks = assess(store, DATA[engagement], with_sources=False).risks
    context = {
        str(r.risk).rsplit("#", 1)[1]
        for r in risks
        if any(w.source == "context" for w in r.reasons)
    }
    assert context == expected
