"""The built wheel carries every module and data file, so the tool works from any directory."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO

DATA_SUFFIXES = {".ttl", ".rq", ".xml", ".jsonld", ".csv", ".toml", ".java"}


def _expected_members() -> set[str]:
    """Every Python module under src/ and every data file of the shipped data folders."""
    expected = {
        str(path.relative_to(REPO / "src"))
        for path in (REPO / "src" / "coopgraph").rglob("*")
        if path.suffix in {".py"} | DATA_SUFFIXES and "__pycache__" not in path.parts
    }
    for folder in ("ontology", "shapes", "queries", "examples"):
        expected |= {
            f"coopgraph/{folder}/{path.name}"
            for path in (REPO / folder).iterdir()
            if path.suffix in DATA_SUFFIXES | {".py"}
        }
    return expected


def test_wheel_contains_every_module_and_data_file(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("coopgraph-*.whl")
    members = set(zipfile.ZipFile(wheel).namelist())
    assert _expected_members() - members == set()
