"""Shared test fixtures: where the W3C conformance data and the repository live."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_fixtures import *  # noqa: F403 - store backends and real servers for every test file

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CONFORMANCE = SHARED / "conformance"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    """The W3C test data beside the repository (../shared/conformance)."""
    if not CONFORMANCE.is_dir():
        pytest.fail(f"W3C conformance data not found at {CONFORMANCE}")
    return CONFORMANCE
