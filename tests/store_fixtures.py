"""Real SPARQL servers and stores parametrised over every backend, for any test file.

``tests/conftest.py`` imports everything here, so each test module can simply ask for:

* ``store_backend``: the backend name, one of :data:`BACKENDS`; the test runs once per backend.
  The server backends carry ``@pytest.mark.server``.
* ``empty_store``: an open, empty :class:`~coopgraph.store.Store` of that backend.
* ``loaded_store``: a factory, ``loaded_store(path, (path, graph_iri), ...)`` → that store
  with the files loaded (a bare path goes into the graph :func:`graph_for` names). Call it
  again to add more files to the same store.
* ``any_store``: the store loaded with the compliance dataset (:data:`COMPLIANCE_DATASET`).
* ``oxigraph_server`` / ``virtuoso_server``: a private server for the whole session
  (:class:`ServerInfo`: URLs, credentials, ``open()`` for a store on it).

Servers are started on free loopback ports with their own temporary database directories,
waited for, and stopped by PID at the end of the session. A server whose binary is absent is
skipped locally, but fails the test when ``CI=true``: CI must run against both servers.
Each test gets a clean server: the graphs earlier tests wrote are dropped first.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from coopgraph.store import MemoryStore, OxigraphStore, SparqlStore, Store

__all__ = [
    "any_store",
    "empty_store",
    "loaded_store",
    "oxigraph_server",
    "store_backend",
    "virtuoso_server",
]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STORE_FIXTURES = FIXTURES / "store"
TEST_NS = "https://w3id.org/coopgraph/test/"
G_ACTORS = TEST_NS + "graph/actors"
G_ENGAGEMENTS = TEST_NS + "graph/engagements"
COMPLIANCE_DATASET: list[tuple[Path, str]] = [
    (STORE_FIXTURES / "actors.ttl", G_ACTORS),
    (STORE_FIXTURES / "engagements.ttl", G_ENGAGEMENTS),
]
"""The compliance suite's dataset: two Turtle files, each in its own named graph."""

LOCAL_BACKENDS = ["memory", "oxigraph"]
SERVER_BACKENDS = ["oxigraph-server", "virtuoso"]
BACKENDS = LOCAL_BACKENDS + SERVER_BACKENDS

VIRTUOSO_MAX_ROWS = 100_000
"""ResultSetMaxRows of the test Virtuoso: raised from Debian's 10000, still low enough for a
test to provoke truncation."""
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "coopgraph", "coopgraph-test"
"""A user with SPARQL_UPDATE for the Digest-authenticated endpoints (loopback test server)."""
START_TIMEOUT = 60.0


def graph_for(path: Path) -> str:
    """The named graph a fixture file goes into when the test does not say."""
    return f"{TEST_NS}graph/{Path(path).stem}"


# --------------------------------------------------------------------------- servers


@dataclass
class ServerInfo:
    """A running private SPARQL server and how to reach it."""

    name: str
    process: subprocess.Popen[bytes]
    query_url: str
    update_url: str
    gsp_url: str
    log: Path
    max_rows: int | None = None
    auth_query_url: str | None = None
    auth_gsp_url: str | None = None
    user: str | None = None
    password: str | None = None
    baseline_graphs: set[str] = field(default_factory=set)

    def open(self, **options: object) -> SparqlStore:
        """A store on this server (anonymous query + update; pass gsp_url= etc. to change)."""
        settings: dict[str, object] = {"update_url": self.update_url, "max_rows": self.max_rows}
        settings.update(options)
        return SparqlStore(self.query_url, **settings)  # type: ignore[arg-type]

    def graphs(self) -> set[str]:
        """Every graph on the server, its own included."""
        query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        document = json.loads(_http(self.query_url, {"query": query}, "GET"))
        return {b["g"]["value"] for b in document["results"]["bindings"]}

    def reset(self) -> None:
        """Drop every graph the tests wrote (never the server's own graphs)."""
        extra = sorted(self.graphs() - self.baseline_graphs)
        if extra:
            update = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in extra)
            _http(self.update_url, {"update": update}, "POST")


def _http(url: str, params: dict[str, str], method: str, timeout: float = 30.0) -> bytes:
    data = urllib.parse.urlencode(params)
    headers = {"Accept": "application/sparql-results+json"}
    if method == "GET":
        request = urllib.request.Request(f"{url}?{data}", headers=headers)
    else:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=data.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binary(name: str) -> str | None:
    """The executable beside this Python (the venv's bin/), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def _missing(what: str, hint: str) -> None:
    message = f"{what} not found ({hint})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}: CI must run the server tests", pytrace=False)
    pytest.skip(message)


def _no_proxy_for_loopback() -> None:
    """Keep loopback requests away from any HTTP proxy set in the environment."""
    for name in ("no_proxy", "NO_PROXY"):
        current = [h for h in os.environ.get(name, "").split(",") if h]
        for host in ("127.0.0.1", "localhost"):
            if host not in current:
                current.append(host)
        os.environ[name] = ",".join(current)


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path, what: str) -> float:
    """Poll ``url`` with ``ASK {}`` until it answers; fail with the log's tail if it dies."""
    started = time.monotonic()
    while time.monotonic() - started < START_TIMEOUT:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"{what} exited with status {process.returncode}:\n{tail}", pytrace=False)
        try:
            _http(url, {"query": "ASK {}"}, "GET", timeout=2.0)
            return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.05)
    _stop(process)
    pytest.fail(f"{what} did not answer {url} within {START_TIMEOUT:g} s", pytrace=False)
    raise AssertionError  # unreachable: pytest.fail raises


def _die_with_parent() -> None:
    """In the server's process: have Linux send SIGTERM when the test run dies (a killed
    pytest skips its teardown, and must not leave servers behind)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _spawn(command: list[str], log: Path, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            command,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )


def _stop(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM by PID (a clean shutdown, with Virtuoso's checkpoint), then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """A private Oxigraph server (the ``oxigraph`` wheel's binary) for the session."""
    binary = _binary("oxigraph")
    if binary is None:
        _missing("the oxigraph server binary", "pip install oxigraph")
    assert binary is not None
    _no_proxy_for_loopback()
    home = tmp_path_factory.mktemp("oxigraph-server")
    port = _free_port()
    log = home / "server.log"
    process = _spawn(
        [binary, "serve", "--location", str(home / "db"), "--bind", f"127.0.0.1:{port}"], log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, f"{base}/query", log, "oxigraph serve")
        yield ServerInfo(
            name="oxigraph-server",
            process=process,
            query_url=f"{base}/query",
            update_url=f"{base}/update",
            gsp_url=f"{base}/store",
            log=log,
        )
    finally:
        _stop(process)


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = .
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxMemPoolSize = 200000000
MaxQueryMem = 1G
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}/vsp
MaxClientConnections = 10
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[URIQA]
DynamicLocal = 0
DefaultHost = 127.0.0.1:{http_port}

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 300
DefaultQuery = SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT 1
DeferInferenceRulesInit = 0
"""


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """A private Virtuoso 7 (Debian's ``virtuoso-t``) with its own database, for the session.

    Loopback ports only; ResultSetMaxRows raised to :data:`VIRTUOSO_MAX_ROWS`; SPARQL_UPDATE
    granted to the anonymous ``SPARQL`` user (``/sparql``, ``/sparql-graph-crud``) and to a
    Digest user (``/sparql-auth``, ``/sparql-graph-crud-auth``).
    """
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binary is None or isql is None:
        _missing(
            "virtuoso-t / isql-vt",
            "apt-get install --no-install-recommends virtuoso-opensource-7-bin",
        )
    assert binary is not None and isql is not None
    _no_proxy_for_loopback()
    db = tmp_path_factory.mktemp("virtuoso")
    (db / "vsp").mkdir()
    sql_port, http_port = _free_port(), _free_port()
    ini = db / "virtuoso.ini"
    ini.write_text(
        _VIRTUOSO_INI.format(
            db=db, sql_port=sql_port, http_port=http_port, max_rows=VIRTUOSO_MAX_ROWS
        )
    )
    log = db / "stdout.log"
    process = _spawn([binary, "+configfile", str(ini), "+foreground"], log, cwd=db)
    base = f"http://127.0.0.1:{http_port}"
    try:
        _wait_ready(process, f"{base}/sparql", log, "virtuoso-t")
        grants = (
            f"DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{VIRTUOSO_PASSWORD}'); "
            f'GRANT SPARQL_UPDATE TO "{VIRTUOSO_USER}"; '
            'GRANT SPARQL_UPDATE TO "SPARQL";'
        )
        done = subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={grants}"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0 or b"Error" in done.stdout + done.stderr:
            pytest.fail(f"virtuoso grants failed: {done.stdout!r} {done.stderr!r}", pytrace=False)
        info = ServerInfo(
            name="virtuoso",
            process=process,
            query_url=f"{base}/sparql",
            update_url=f"{base}/sparql",
            gsp_url=f"{base}/sparql-graph-crud",
            log=log,
            max_rows=VIRTUOSO_MAX_ROWS,
            auth_query_url=f"{base}/sparql-auth",
            auth_gsp_url=f"{base}/sparql-graph-crud-auth",
            user=VIRTUOSO_USER,
            password=VIRTUOSO_PASSWORD,
        )
        info.baseline_graphs = info.graphs()
        yield info
    finally:
        _stop(process)


# --------------------------------------------------------------------------- stores


@pytest.fixture(
    params=[
        pytest.param(name, marks=[pytest.mark.server] if name in SERVER_BACKENDS else [], id=name)
        for name in BACKENDS
    ]
)
def store_backend(request: pytest.FixtureRequest) -> str:
    """The backend this test runs on (the test runs once per backend)."""
    return str(request.param)


@pytest.fixture
def empty_store(
    store_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Store]:
    """An open, empty store of the current backend (a server store starts clean)."""
    store: Store
    if store_backend == "memory":
        store = MemoryStore()
    elif store_backend == "oxigraph":
        store = OxigraphStore(tmp_path / "oxigraph-store")
    else:
        fixture = "oxigraph_server" if store_backend == "oxigraph-server" else "virtuoso_server"
        server: ServerInfo = request.getfixturevalue(fixture)
        server.reset()
        # The Oxigraph server loads through the Graph Store Protocol, Virtuoso through
        # batched INSERTs: between them both write paths of the client are exercised.
        gsp = server.gsp_url if store_backend == "oxigraph-server" else None
        store = server.open(gsp_url=gsp)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def loaded_store(empty_store: Store) -> Callable[..., Store]:
    """A factory: ``loaded_store(path, (path, graph), ...)`` loads files and returns the store."""

    def load(*files: Path | str | tuple[Path | str, str]) -> Store:
        for item in files:
            path, graph = item if isinstance(item, tuple) else (item, graph_for(Path(item)))
            empty_store.load(path, graph=graph)
        return empty_store

    return load


@pytest.fixture
def any_store(loaded_store: Callable[..., Store]) -> Store:
    """The current backend's store, loaded with the compliance dataset."""
    return loaded_store(*COMPLIANCE_DATASET)
