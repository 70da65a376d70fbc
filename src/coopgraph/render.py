"""One renderer per output format, shared by every command.

Tabular results (a SELECT answer, or any rows a capability produces) are a list of column
names and rows whose cells are RDF terms (rdflib URIRef, BNode, Literal), plain Python values
(str, int, float, bool, date) or None (unbound). They render as:

* ``table``: aligned text for a terminal; IRIs as compact names followed by their label;
* ``markdown``: a GitHub-flavoured Markdown table, cells as in ``table``;
* ``csv`` / ``tsv``: the W3C SPARQL 1.1 Query Results CSV and TSV formats;
* ``json``: the W3C SPARQL 1.1 Query Results JSON format (an ASK answer as ``boolean``).

Graphs (CONSTRUCT / DESCRIBE answers) render as ``turtle`` or ``json-ld`` through
:mod:`coopgraph.rdfio`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TypeAlias

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from coopgraph import rdfio
from coopgraph.errors import ParameterError
from coopgraph.store import (
    AskResult,
    GraphResult,
    OxigraphStore,
    QueryResult,
    SelectResult,
    Store,
)
from coopgraph.store.analysis import sparql_term
from coopgraph.vocab import PREFIXES

Cell: TypeAlias = URIRef | BNode | Literal | str | int | float | bool | date | None
"""One value of a row: an RDF term, a plain value, or None for unbound."""

TABLE_FORMATS = ("table", "csv", "tsv", "json", "markdown")
"""Formats for rows (SELECT answers)."""
GRAPH_FORMATS = ("turtle", "json-ld")
"""Formats for graphs (CONSTRUCT and DESCRIBE answers)."""

_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_LABEL_BATCH = 500

# The labels of a batch of IRIs (the VALUES block is written from validated result terms).
_LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?term ?property ?label WHERE {
  VALUES ?property { rdfs:label skos:prefLabel }
  ?term ?property ?label .
  VALUES ?term { %s }
}
"""
# The same for up to _LABEL_SLOTS terms bound to ?t0, ?t1, ... (a short batch repeats its
# last term): a union of small lookups costs the embedded store less than one VALUES join.
_LABEL_SLOTS = 8
_SLOT_LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "SELECT ?term ?property ?label "
    + " ".join(f"?t{i}" for i in range(_LABEL_SLOTS))  # a bound variable must be projected
    + " WHERE {\n"
    + "\n  UNION\n".join(
        f"  {{ ?t{i} ?property ?label . BIND(?t{i} AS ?term) "
        "FILTER(?property = rdfs:label || ?property = skos:prefLabel) }"
        for i in range(_LABEL_SLOTS)
    )
    + "\n}\n"
)
_RANKED_PROPERTIES = (
    URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
    URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
)


def compact_iri(iri: str) -> str:
    """``prefix:local`` for an IRI in a known namespace (:data:`coopgraph.vocab.PREFIXES`),
    else ``<iri>``."""
    for prefix, namespace in PREFIXES.items():
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and (not local or _LOCAL_NAME.fullmatch(local)):
            return f"{prefix}:{local}"
    return f"<{iri}>"


def label_map(store: Store, terms: Iterable[object]) -> dict[URIRef, str]:
    """A display label for each IRI among ``terms`` that has one in ``store``.

    The first of rdfs:label and skos:prefLabel, preferring English, then no language, then the
    lexically first.
    """
    iris = sorted({t for t in terms if isinstance(t, URIRef) and _writable(t)})
    if isinstance(store, OxigraphStore):
        # One fixed text with the IRIs bound: the store layer checks it once per process.
        batches = (
            iris[start : start + _LABEL_SLOTS] for start in range(0, len(iris), _LABEL_SLOTS)
        )
        results = (
            store.query(
                _SLOT_LABELS,
                {f"t{i}": batch[min(i, len(batch) - 1)] for i in range(_LABEL_SLOTS)},
            )
            for batch in batches
        )
    else:  # a remote store: few requests
        results = (
            store.query(
                _LABELS % " ".join(sparql_term(i) for i in iris[start : start + _LABEL_BATCH])
            )
            for start in range(0, len(iris), _LABEL_BATCH)
        )
    best: dict[URIRef, tuple[tuple[int, int, str], str]] = {}
    for result in results:
        for term, prop, label, *_ in result.rows if isinstance(result, SelectResult) else []:
            if not isinstance(term, URIRef) or not isinstance(label, Literal):
                continue
            language = label.language or ""
            rank = (
                _RANKED_PROPERTIES.index(prop) if prop in _RANKED_PROPERTIES else 2,
                0 if language.startswith("en") else 1 if not language else 2,
                str(label),
            )
            if term not in best or rank < best[term][0]:
                best[term] = (rank, str(label))
    return {term: label for term, (_, label) in best.items()}


def _writable(iri: URIRef) -> bool:
    """Whether an IRI can be written into SPARQL text (a remote store may return odd ones)."""
    try:
        sparql_term(iri)
    except ParameterError:
        return False
    return True


def display(cell: Cell, labels: Mapping[URIRef, str] | None = None) -> str:
    """A cell as people read it: an IRI as its compact name and label, a literal's text."""
    if cell is None:
        return ""
    if isinstance(cell, URIRef):
        name = compact_iri(str(cell))
        label = (labels or {}).get(cell)
        return f"{name} ({label})" if label else name
    if isinstance(cell, BNode):
        return f"_:{cell}"
    if isinstance(cell, bool):
        return "true" if cell else "false"
    return str(cell)


def as_term(cell: Cell) -> URIRef | BNode | Literal | None:
    """An RDF term for a cell (plain values become typed literals)."""
    if cell is None or isinstance(cell, URIRef | BNode | Literal):
        return cell
    return Literal(cell)


def render_rows(
    variables: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    fmt: str,
    labels: Mapping[URIRef, str] | None = None,
) -> str:
    """Rows in a table format (:data:`TABLE_FORMATS`); ParameterError for another format."""
    rows = [tuple(row) for row in rows]
    if fmt == "table":
        return _table(variables, rows, labels)
    if fmt == "markdown":
        return _markdown(variables, rows, labels)
    if fmt == "csv":
        return _csv(variables, rows)
    if fmt == "tsv":
        return _tsv(variables, rows)
    if fmt == "json":
        return _json(variables, rows)
    raise ParameterError(f"format {fmt!r} is not for rows; use one of {', '.join(TABLE_FORMATS)}")


def render_graph(graph: rdflib.Graph, fmt: str) -> str:
    """A graph in a graph format (:data:`GRAPH_FORMATS`); ParameterError for another format."""
    if fmt not in GRAPH_FORMATS:
        raise ParameterError(
            f"format {fmt!r} is not for graphs; use one of {', '.join(GRAPH_FORMATS)}"
        )
    return rdfio.serialize(graph, fmt)


def render_result(
    result: QueryResult, fmt: str | None = None, labels: Mapping[URIRef, str] | None = None
) -> str:
    """Any query answer: rows as ``table`` and graphs as ``turtle`` unless ``fmt`` says."""
    if isinstance(result, SelectResult):
        return render_rows(result.variables, result.rows, fmt or "table", labels)
    if isinstance(result, GraphResult):
        return render_graph(result.graph, fmt or "turtle")
    return render_boolean(result, fmt or "table")


def render_boolean(result: AskResult, fmt: str) -> str:
    """An ASK answer: ``true``/``false``, or the W3C JSON ``{"head": {}, "boolean": ...}``."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": bool(result)}, indent=2) + "\n"
    if fmt in ("table", "markdown", "csv", "tsv"):
        return ("true" if result else "false") + "\n"
    raise ParameterError(f"format {fmt!r} is not for an ASK answer; use table or json")


# --------------------------------------------------------------------------- formats


def _table(
    variables: Sequence[str], rows: list[tuple[Cell, ...]], labels: Mapping[URIRef, str] | None
) -> str:
    cells = [[display(c, labels).replace("\n", " ") for c in row] for row in rows]
    widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(variables)]
    lines = ["  ".join(name.ljust(w) for name, w in zip(variables, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )
    count = len(rows)
    lines.append(f"({count} row{'s' if count != 1 else ''})")
    return "\n".join(lines) + "\n"


def _markdown(
    variables: Sequence[str], rows: list[tuple[Cell, ...]], labels: Mapping[URIRef, str] | None
) -> str:
    def cell(value: Cell) -> str:
        text = display(value, labels).replace("\\", "\\\\").replace("|", "\\|")
        return " ".join(text.split())

    lines = ["| " + " | ".join(variables) + " |", "|" + "---|" * len(variables)]
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def _csv(variables: Sequence[str], rows: list[tuple[Cell, ...]]) -> str:
    # SPARQL 1.1 Query Results CSV: IRIs and literals as plain strings, blank nodes as _:x.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow(
            [
                "" if c is None else f"_:{c}" if isinstance(c, BNode) else str(as_term(c))
                for c in row
            ]
        )
    return buffer.getvalue()


def _tsv(variables: Sequence[str], rows: list[tuple[Cell, ...]]) -> str:
    # SPARQL 1.1 Query Results TSV: terms in Turtle/N-Triples syntax, unbound as empty.
    lines = ["\t".join(f"?{v}" for v in variables)]
    for row in rows:
        lines.append("\t".join(_tsv_term(as_term(c)) for c in row))
    return "\n".join(lines) + "\n"


def _tsv_term(term: URIRef | BNode | Literal | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, URIRef):
        return f"<{term}>"
    text = '"' + str(term).translate(_TSV_ESCAPES) + '"'
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype is not None and term.datatype != XSD.string:
        return f"{text}^^<{term.datatype}>"
    return text


def _json(variables: Sequence[str], rows: list[tuple[Cell, ...]]) -> str:
    bindings = []
    for row in rows:
        binding: dict[str, dict[str, str]] = {}
        for name, cell in zip(variables, row, strict=True):
            term = as_term(cell)
            if term is not None:
                binding[name] = _json_term(term)
        bindings.append(binding)
    document = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _json_term(term: URIRef | BNode | Literal) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    value: dict[str, str] = {"type": "literal", "value": str(term)}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype is not None and term.datatype != XSD.string:
        value["datatype"] = str(term.datatype)
    return value
