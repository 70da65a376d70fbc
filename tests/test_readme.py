"""Every command the README shows is run here, so the README never lies.

Commands are the lines of ```sh blocks that start with ``coopgraph``; a trailing
``# exit N`` comment gives the expected exit status (default 0). They run in a scratch
directory holding copies of the files the README refers to. ``coopgraph serve`` runs until
it answers a query, then is stopped. Python blocks are executed as scripts.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```(sh|python)\n(.*?)```", re.DOTALL)


def _blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README) if lang == language]


def _commands() -> list[tuple[str, int]]:
    commands = []
    for block in _blocks("sh"):
        for line in block.splitlines():
            if not line.startswith("coopgraph "):
                continue
            text, _, comment = line.partition("  #")
            status = re.search(r"exit (\d+)", comment)
            commands.append((text.strip(), int(status.group(1)) if status else 0))
    return commands


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch directory with the files the README's commands read."""
    root = tmp_path_factory.mktemp("readme")
    for folder in ("docs", "examples"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def _argv(command: str) -> list[str]:
    return [sys.executable, "-m", "coopgraph", *shlex.split(command)[1:]]


def test_the_readme_shows_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    venv = "python3 -m venv .venv && . .venv/bin/activate && "
    main_job = venv + "pip install . && coopgraph demo"
    tests = venv + 'pip install ".[test]" && pytest -q'
    assert main_job in README and tests in README
    assert tests in (REPO / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("command", "status"),
    [c for c in _commands() if not c[0].startswith("coopgraph serve")],
    ids=[c[0][:80] for c in _commands() if not c[0].startswith("coopgraph serve")],
)
def test_readme_command(workdir: Path, command: str, status: int) -> None:
    run = subprocess.run(_argv(command), cwd=workdir, capture_output=True, text=True, timeout=300)
    assert run.returncode == status, run.stderr[-2000:]
    assert "Traceback" not in run.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_readme_serve_command_answers_queries(workdir: Path) -> None:
    [command] = [c for c, _ in _commands() if c.startswith("coopgraph serve")]
    port = _free_port()
    argv = _argv(command.replace("--port 8000", f"--port {port}"))
    server = subprocess.Popen(argv, cwd=workdir, stderr=subprocess.PIPE, text=True)
    try:
        query = "ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
        url = f"http://127.0.0.1:{port}/sparql?query={query}"
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(
                    url, headers={"Accept": "application/sparql-results+json"}
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    assert response.status == 200
                    assert b'"boolean": true' in response.read().replace(
                        b'"boolean":true', b'"boolean": true'
                    )
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0


def test_readme_python_example_runs(workdir: Path) -> None:
    [example] = _blocks("python")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run(
        [sys.executable, "-c", example], cwd=workdir, capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["True", "1"]


def test_readme_sample_report_is_the_real_output(workdir: Path) -> None:
    [sample] = [body for lang, body in re.findall(r"```(text)\n(.*?)```", README, re.DOTALL)]
    run = subprocess.run(
        _argv("coopgraph validate docs/guide/engagement-before.ttl"),
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert sample.strip().splitlines() == [
        line for line in run.stdout.strip().splitlines() if not line.startswith("Engine:")
    ]
