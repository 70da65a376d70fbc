"""The ontology reference site (``coopgraph docs -o DIR``): static HTML, no scripts, no network.

    report = build_site("site")    # the shipped ontology, shapes and queries
    report.files                   # index.html, the diagram, copies of the ontology modules
    report.warnings                # what the page warns about (unresolved imports, ...)

The site is one page, ``index.html``, whose anchors are the local names of the terms
(publish it at the namespace's document address and every term IRI resolves to its
entry), the core-class diagram as a separate SVG file (left out when there is nothing
to draw), and a copy of each ontology module for download. Every file is written
before any is put in place, so a build that fails leaves the output directory as it was.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from html import unescape
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from rdflib import Graph
from rdflib.term import Node

from coopgraph.docs.diagram import core_diagram, render_svg
from coopgraph.docs.model import Module, OntologyModel, TermKind, load
from coopgraph.docs.page import PageParts, render_page
from coopgraph.docs.queries import read_query
from coopgraph.docs.render import Renderer
from coopgraph.docs.shapes import ShapeDoc, describe_shapes
from coopgraph.docs.tables import knowledge_tables
from coopgraph.docs.terms import TermWriter, build_index
from coopgraph.errors import InputError
from coopgraph.rdfio import read_graph
from coopgraph.vocab import ALIGNMENT_MODULE, COOP, ontology_file, query_files, shapes_files

__all__ = ["PAGE", "SiteReport", "build_site", "default_ontology_files"]

PAGE = "index.html"
DIAGRAM = "core-classes.svg"
StrPath = str | os.PathLike[str]


@dataclass
class SiteReport:
    """What :func:`build_site` wrote, how large it is, and what the reader is warned about."""

    output_dir: Path
    files: list[Path]
    terms: dict[str, int]
    shapes: int
    queries: int
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def size(self) -> int:
        """Total size of the written files in bytes."""
        return sum(f.stat().st_size for f in self.files)


def default_ontology_files() -> list[Traversable]:
    """The core ontology and, when it is shipped, the alignment module."""
    files = [ontology_file()]
    alignment = ontology_file(ALIGNMENT_MODULE)
    if alignment.is_file():
        files.append(alignment)
    return files


def build_site(
    output_dir: StrPath,
    ontology: Sequence[StrPath] | None = None,
    shapes: Sequence[StrPath] | None = None,
    queries: Sequence[StrPath] | None = None,
    catalogs: Sequence[StrPath] = (),
    namespace: str | None = None,
) -> SiteReport:
    """Write the reference of the ontology modules, shapes and queries into ``output_dir``.

    Each argument left as ``None`` means the files coopgraph ships; an empty list means
    none. The shipped shapes and queries describe the shipped ontology, so when
    ``ontology`` is given they are only documented if given too. The terms documented are
    those of ``namespace``: by default coopgraph's for the shipped ontology, and for other
    modules the namespace in which they declare the most terms. ``catalogs`` are OASIS
    XML catalogs for resolving ``owl:imports`` offline (see
    :func:`coopgraph.docs.model.load`). Raises InputError when the output directory cannot
    be written or an input file cannot be read, ParseError when an RDF file is malformed;
    either way the output directory is left as it was. Never touches the network:
    ``owl:imports`` that nothing resolves become warnings in the page (and in the report),
    not errors.
    """
    started = time.perf_counter()
    out = Path(output_dir)
    if ontology is not None:
        shapes = [] if shapes is None else shapes
        queries = [] if queries is None else queries
    elif namespace is None:
        namespace = str(COOP)
    with ExitStack() as stack:
        ontology_paths = _paths(stack, ontology, default_ontology_files)
        shape_paths = _paths(stack, shapes, shapes_files)
        query_paths = _paths(stack, queries, query_files)
        model = load(ontology_paths, namespace, catalogs)
        renderer = Renderer(model)
        shape_docs = _shape_docs(shape_paths, renderer)
        query_docs = sorted((read_query(p) for p in query_paths), key=lambda q: q.name)
        if out.exists() and not out.is_dir():
            raise InputError(f"{out}: exists and is not a directory")
        downloads = _downloads(model)
        index = build_index(model, shape_docs, query_docs)
        writer = TermWriter(model, renderer, shape_docs, index)
        diagram = core_diagram(model)
        drawn = bool(diagram.nodes)  # nothing to draw: no object property joins two classes
        parts = PageParts(
            shapes=shape_docs,
            queries=query_docs,
            tables=knowledge_tables(model, renderer),
            diagram_svg=render_svg(diagram, model) if drawn else None,
            diagram_file=DIAGRAM,
            downloads=[(name, _what(module)) for name, module in downloads],
        )
        page, warnings = render_page(model, renderer, writer, parts)
        contents: list[tuple[str, Path | str]] = [(n, m.path) for n, m in downloads]
        if drawn:
            contents.append((DIAGRAM, _standalone(render_svg(diagram, model, PAGE))))
        contents.append((PAGE, page))
        written = _publish(out, contents)
        if not drawn:  # an earlier build's diagram would describe another ontology
            (out / DIAGRAM).unlink(missing_ok=True)
    return SiteReport(
        output_dir=out,
        files=sorted(written),
        terms={kind.value: len(model.terms_of(kind)) for kind in TermKind},
        shapes=len(shape_docs),
        queries=len(query_docs),
        warnings=[_plain(w) for w in warnings],
        seconds=time.perf_counter() - started,
    )


def _paths(
    stack: ExitStack,
    given: Sequence[StrPath] | None,
    shipped: Callable[[], list[Traversable]],
) -> list[Path]:
    if given is not None:
        return [Path(p) for p in given]
    files = shipped()
    return [stack.enter_context(resources.as_file(f)) for f in files]


def _shape_docs(paths: list[Path], renderer: Renderer) -> list[ShapeDoc]:
    if not paths:
        return []
    graph = Graph()
    sources: dict[Node, Path] = {}
    for path in paths:
        part = read_graph(path)
        for subject in part.subjects():
            sources.setdefault(subject, path)
        graph += part
    return describe_shapes(graph, sources, renderer)


def _downloads(model: OntologyModel) -> list[tuple[str, Module]]:
    """The file name each module is offered under, unique and clear of the site's own files."""
    downloads: list[tuple[str, Module]] = []
    for number, module in enumerate(model.modules, start=1):
        name = module.path.name
        if name in (PAGE, DIAGRAM) or any(name == d for d, _ in downloads):
            name = f"module-{number}-{name}"
        downloads.append((name, module))
    return downloads


def _what(module: Module) -> str:
    return "ontology module" if module.ontology is not None else "RDF file"


def _publish(out: Path, contents: list[tuple[str, Path | str]]) -> list[Path]:
    """Write the files (a text, or a file to copy) into ``out`` once every one is written.

    They are written into a hidden directory beside ``out`` that is then renamed to it,
    or, when ``out`` exists, inside it and then moved over the files of the same names;
    the hidden directory never outlives the call. A module that already is the file in
    ``out`` is left alone.
    """
    existed = out.is_dir()
    staging = (out if existed else out.parent) / f".{out.name}.{secrets.token_hex(4)}.partial"
    try:
        staging.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
    except OSError as error:
        raise InputError(f"{out}: cannot create the output directory ({error.strerror})") from None
    try:
        for name, content in contents:
            if isinstance(content, str):
                (staging / name).write_text(content, encoding="utf-8")
            elif not (existed and (out / name).exists() and (out / name).samefile(content)):
                shutil.copyfile(content, staging / name)
        if existed:
            for name, _ in contents:
                if (staging / name).exists():
                    (staging / name).replace(out / name)
        else:
            staging.rename(out)
    except OSError as error:
        raise InputError(f"{out}: cannot write the site ({error.strerror})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / name for name, _ in contents]


def _standalone(svg: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"


def _plain(html_text: str) -> str:
    """A warning as one line of text for the terminal."""
    return unescape(re.sub(r"<[^>]+>", "", html_text))
