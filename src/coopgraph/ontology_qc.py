"""Ontology quality control: a ROBOT-style report of SPARQL checks, and the OWL 2 DL profile check.

**Report** (:func:`run_qc`). Each check is a SPARQL SELECT in ``coopgraph/qc/<id>.rq`` whose
header comments give its ``id``, ``level`` (ERROR, WARN or INFO) and ``description``; it
returns ``?entity ?property ?value`` rows, one per problem, as ROBOT's ``report`` does. The
queries run over the union of the given ontology files and their imports, and see the
namespace to check (``coop:`` by default) as the bound variable ``?base``, so terms of other
vocabularies (declared in the alignment module) are not held to coopgraph's conventions.

**OWL 2 DL profile** (:func:`dl_profile_violations`). The OWL API's ``OWL2DLProfile``, the
checker ROBOT's ``validate-profile`` uses, run through a small Java class
(``coopgraph/qc/DLProfileCheck.java``) that is compiled on first use into the user's cache
directory. It needs ``javac``/``java`` and the OWL API jars (Debian: ``libowlapi-java``, found
in /usr/share/java, or the classpath in ``$COOPGRAPH_OWLAPI_CLASSPATH``). Imports resolve
through coopgraph's catalogs only (see :mod:`coopgraph.reason`); the Java side refuses any
other import, so the check never touches the network.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources import as_file
from pathlib import Path
from typing import TypeAlias

import pyoxigraph as ox
import rdflib
from rdflib import Literal, Variable

from coopgraph.errors import CoopgraphError, InputError, ParameterError
from coopgraph.reason import (
    StrPath,
    bundled_ontology_files,
    java_message,
    jvm_started,
    load_documents,
    require_program,
)
from coopgraph.usercache import cache_dir
from coopgraph.vocab import COOP

__all__ = [
    "LEVELS",
    "ProfileViolation",
    "QcCheck",
    "QcReport",
    "Violation",
    "dl_profile_violations",
    "qc_checks",
    "run_qc",
]

LEVELS = ("ERROR", "WARN", "INFO")
"""Report levels, most severe first."""

_HEADER = re.compile(r"^#\s*(id|level|description):\s*(.*?)\s*$")


@dataclass(frozen=True)
class QcCheck:
    """One report check: a SPARQL query and the level of what it finds."""

    id: str
    level: str
    description: str
    query: str


Term: TypeAlias = rdflib.term.Node | None


@dataclass(frozen=True)
class Violation:
    """One row of the report (an unbound column is None)."""

    level: str
    check: str
    entity: Term
    property: Term
    value: Term

    def row(self) -> tuple[str, str, Term, Term, Term]:
        return (self.level, self.check, self.entity, self.property, self.value)


@dataclass(frozen=True)
class QcReport:
    """The violations found, sorted by level, check and entity."""

    violations: list[Violation]

    def counts(self) -> dict[str, int]:
        return {level: sum(v.level == level for v in self.violations) for level in LEVELS}

    def fails(self, fail_on: str) -> bool:
        """Whether there is a violation at ``fail_on`` or a more severe level (``none``: never)."""
        if fail_on == "none":
            return False
        threshold = LEVELS.index(fail_on)
        return any(LEVELS.index(v.level) <= threshold for v in self.violations)


def qc_checks() -> list[QcCheck]:
    """The shipped checks, sorted by id."""
    checks = []
    for entry in sorted(
        resources.files("coopgraph").joinpath("qc").iterdir(), key=lambda f: f.name
    ):
        if entry.name.endswith(".rq"):
            checks.append(_parse_check(entry.name, entry.read_text(encoding="utf-8")))
    return checks


def _parse_check(name: str, text: str) -> QcCheck:
    header: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            header[match.group(1)] = match.group(2)
    missing = {"id", "level", "description"} - header.keys()
    if missing or header["level"] not in LEVELS:
        raise CoopgraphError(f"qc/{name}: needs id, level ({'/'.join(LEVELS)}) and description")
    return QcCheck(header["id"], header["level"], header["description"], text)


def run_qc(
    paths: Sequence[StrPath] | None = None,
    *,
    base: str = str(COOP),
    catalogs: Iterable[StrPath] = (),
    dl_profile: bool = False,
) -> QcReport:
    """Run every check over ``paths`` (default: the bundled core and alignment module).

    ``base`` is the namespace whose terms are held to the conventions (ParameterError if it
    is not an absolute IRI). With ``dl_profile``, the OWL 2 DL profile violations
    (:func:`dl_profile_violations`) are added as ERROR rows of check ``owl2_dl_profile``,
    the violation kind as property and its description as value.
    """
    try:
        ox.NamedNode(base)
    except ValueError:
        raise ParameterError(f"base namespace {base!r} is not an absolute IRI") from None
    graph = rdflib.Graph()
    for doc in load_documents(
        bundled_ontology_files() if paths is None else paths, catalogs=catalogs
    ):
        graph += doc.graph
    bindings = {Variable("base"): Literal(base)}
    violations = []
    for check in qc_checks():
        for row in graph.query(check.query, initBindings=bindings):
            entity, prop, value = (row.get(name) for name in ("entity", "property", "value"))
            violations.append(Violation(check.level, check.id, entity, prop, value))
    if dl_profile:
        for problem in dl_profile_violations(paths, catalogs=catalogs):
            kind, description = Literal(problem.kind), Literal(problem.description)
            violations.append(Violation("ERROR", "owl2_dl_profile", None, kind, description))
    violations.sort(key=lambda v: (LEVELS.index(v.level), *(str(x) for x in v.row()[1:])))
    return QcReport(violations)


# =========================================================================== OWL 2 DL profile


@dataclass(frozen=True)
class ProfileViolation:
    """One OWL 2 DL profile violation reported by the OWL API."""

    file: str
    kind: str
    """The OWL API's violation class, e.g. UseOfUndeclaredClass, IllegalPunning."""
    description: str


_DEFAULT_OWLAPI_CLASSPATH = "/usr/share/java/*"
_OWLAPI_MARKER = Path("/usr/share/java/owlapi-api.jar")
_JAVA_TIMEOUT_S = 600


def dl_profile_violations(
    paths: Sequence[StrPath] | None = None, *, catalogs: Iterable[StrPath] = ()
) -> list[ProfileViolation]:
    """OWL 2 DL profile violations of each file in ``paths`` with its import closure.

    Default: the bundled core ontology and alignment module. Raises InputError for files
    that cannot be read or imports no catalog resolves, and when Java or the OWL API are
    missing or Java cannot start; CoopgraphError when the check fails otherwise.
    """
    paths = bundled_ontology_files() if paths is None else list(paths)
    documents = load_documents(paths, catalogs=catalogs)
    # Every ontology IRI (and version IRI) read maps to its file, so that the Java side
    # resolves the same imports the Python loader did, and nothing else.
    mapping = {}
    for doc in documents:
        for ontology in doc.graph.subjects(rdflib.RDF.type, rdflib.OWL.Ontology):
            for iri in (ontology, *doc.graph.objects(ontology, rdflib.OWL.versionIRI)):
                mapping[str(iri)] = doc.path.resolve()
    classpath, classes = _compiled_checker()
    violations = []
    for path in paths:
        command = ["java", "-cp", f"{classpath}{os.pathsep}{classes}", "DLProfileCheck"]
        command += [os.fspath(Path(path).resolve())]
        command += [f"{iri}={file}" for iri, file in sorted(mapping.items())]
        done = _run_java(command, "the OWL 2 DL profile check")
        lines = done.stdout.splitlines()
        if done.returncode == 2 and lines and lines[-1].startswith("ERROR\t"):
            raise InputError(f"{path}: the OWL API cannot load it: {lines[-1][6:]}")
        if done.returncode != 0 or not lines or not lines[-1].startswith("IN_PROFILE\t"):
            raise _java_error("the OWL 2 DL profile check failed", done.stderr)
        for line in lines[:-1]:
            _, kind, description = line.split("\t", 2)
            violations.append(ProfileViolation(os.fspath(path), kind, description))
    return violations


def _compiled_checker() -> tuple[str, Path]:
    """The OWL API classpath and the directory holding the compiled DLProfileCheck class."""
    classpath = os.environ.get("COOPGRAPH_OWLAPI_CLASSPATH")
    configured = classpath is not None
    if classpath is None:
        if not _OWLAPI_MARKER.is_file():
            raise InputError(
                "the OWL 2 DL profile check needs the OWL API: install the Debian package"
                " libowlapi-java, or set COOPGRAPH_OWLAPI_CLASSPATH to its jars"
            )
        classpath = _DEFAULT_OWLAPI_CLASSPATH
    for tool in ("java", "javac"):
        require_program(tool, "the OWL 2 DL profile check", "a JDK (Debian: default-jdk-headless)")
    with as_file(resources.files("coopgraph").joinpath("qc", "DLProfileCheck.java")) as source:
        code = Path(source).read_bytes()
        key = hashlib.sha256(code + classpath.encode()).hexdigest()[:16]
        cache = cache_dir()
        target = cache / f"dlprofile-{key}"
        if (target / "DLProfileCheck.class").is_file():
            return classpath, target
        cache.mkdir(parents=True, exist_ok=True)
        # Compile beside the target and rename: concurrent runs never see half a class dir.
        building = Path(tempfile.mkdtemp(prefix="dlprofile-", dir=cache))
        try:
            done = _run_java(
                ["javac", "-d", os.fspath(building), "-cp", classpath, os.fspath(source)],
                "compiling the OWL API checker",
            )
        except InputError:
            shutil.rmtree(building, ignore_errors=True)
            raise
        if done.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            if configured and jvm_started(done.stderr):  # the user's jars are not the OWL API
                raise InputError(
                    "cannot compile the OWL API checker against $COOPGRAPH_OWLAPI_CLASSPATH"
                    f" ({classpath}): {java_message(done.stderr)}"
                )
            raise _java_error("cannot compile the OWL API checker", done.stderr)
        try:
            building.rename(target)
        except OSError:  # another run finished first
            shutil.rmtree(building, ignore_errors=True)
    return classpath, target


def _run_java(command: list[str], task: str) -> subprocess.CompletedProcess[str]:
    """Run a Java tool; one that runs past the time limit is stopped (InputError): a hung or
    swapping JVM must not hold the command for ever, nor end as an internal error."""
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=_JAVA_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise InputError(
            f"{task}: {command[0]} did not finish within {_JAVA_TIMEOUT_S:g} s and was stopped"
        ) from None


def _java_error(failed: str, stderr: str) -> CoopgraphError:
    """One line for a Java tool that failed: bad usage (InputError) when the Java virtual
    machine did not start (for example an option in JAVA_TOOL_OPTIONS), else a bug."""
    if not jvm_started(stderr):
        return InputError(f"{failed}: Java could not start: {java_message(stderr)}")
    return CoopgraphError(f"{failed}: {java_message(stderr)}")
