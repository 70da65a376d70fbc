"""The ontology reference site (``coopgraph docs -o DIR``): static HTML, no scripts, no network.

    report = build_site("site")    # the shipped ontology, shapes and queries
    report.files                   # index.html, the diagram, copies of the ontology modules
    report.warnings                # what the page warns about (unresolved imports, ...)

The site is one page, ``index.html``, whose anchors are the local names of the terms
(publish it at the namespace's document address and every term IRI resolves to its
entry), the core-class diagram as a separate SVG file, and a copy of each ontology
module for download.
"""

from __future__ import annotations

import os
import re
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
from coopgraph.docs.model import OntologyModel, TermKind, load
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
    namespace: str = str(COOP),
) -> SiteReport:
    """Write the reference of the ontology modules, shapes and queries into ``output_dir``.

    Each argument left as ``None`` means the files coopgraph ships; an empty list means
    none. ``catalogs`` are OASIS XML catalogs for resolving ``owl:imports`` offline (see
    :func:`coopgraph.docs.model.load`). Raises InputError when the output directory cannot
    be written or an input file cannot be read, ParseError when an RDF file is malformed.
    Never touches the network: ``owl:imports`` that nothing resolves become warnings in
    the page (and in the report), not errors.
    """
    started = time.perf_counter()
    out = Path(output_dir)
    with ExitStack() as stack:
        ontology_paths = _paths(stack, ontology, default_ontology_files)
        shape_paths = _paths(stack, shapes, shapes_files)
        query_paths = _paths(stack, queries, query_files)
        model = load(ontology_paths, namespace, catalogs)
        renderer = Renderer(model)
        shape_docs = _shape_docs(shape_paths, renderer)
        query_docs = sorted((read_query(p) for p in query_paths), key=lambda q: q.name)
        _prepare(out)
        downloads = _copy_modules(model, out)
    index = build_index(model, shape_docs, query_docs)
    writer = TermWriter(model, renderer, shape_docs, index)
    diagram = core_diagram(model)
    parts = PageParts(
        shapes=shape_docs,
        queries=query_docs,
        tables=knowledge_tables(model, renderer),
        diagram_svg=render_svg(diagram, model),
        diagram_file=DIAGRAM,
        downloads=downloads,
    )
    page, warnings = render_page(model, renderer, writer, parts)
    written = [out / name for name, _ in downloads]
    written.append(_write(out / DIAGRAM, _standalone(render_svg(diagram, model, PAGE))))
    written.append(_write(out / PAGE, page))
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


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"{out}: cannot create the output directory ({error.strerror})") from None


def _copy_modules(model: OntologyModel, out: Path) -> list[tuple[str, str]]:
    downloads = []
    for number, module in enumerate(model.modules, start=1):
        name = module.path.name
        if name in (PAGE, DIAGRAM) or any(name == d for d, _ in downloads):
            name = f"module-{number}-{name}"
        target = out / name
        try:
            if not (target.exists() and target.samefile(module.path)):
                shutil.copyfile(module.path, target)
        except OSError as error:
            raise InputError(f"{out / name}: cannot write ({error.strerror})") from None
        what = "ontology module" if module.ontology is not None else "RDF file"
        downloads.append((name, what))
    return downloads


def _write(path: Path, text: str) -> Path:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot write ({error.strerror})") from None
    return path


def _standalone(svg: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"


def _plain(html_text: str) -> str:
    """A warning as one line of text for the terminal."""
    return unescape(re.sub(r"<[^>]+>", "", html_text))
