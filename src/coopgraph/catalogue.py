"""The catalogue of canned SPARQL queries: their headers, their parameters, and running them.

Each shipped ``queries/*.rq`` file starts with a header in comments that this module reads::

    # @name applicable-risks
    # @question 1
    # @title Which risks apply to an engagement, and why
    # @description Free text; lines that start with "#" and two spaces
    #   continue the field above.
    # @param engagement IRI required data:some-engagement What the parameter is.
    # @column risk What the column holds.

A line with a bare ``#`` ends the header; comments after it are free text.

``@param`` gives the name, the kind (``IRI``, ``literal`` or ``date``), ``required`` or
``optional``, an example (quote it if it has spaces) and a description; the name is a variable
that the query projects. ``@column`` lines name the projected variables in order.

Parameter values are turned into RDF terms here, in one place (:func:`resolve_value`): a full
IRI, a compact name with a known prefix (``coop:``, ``data:``, ...) or an exact label that names
one term in the store. They are bound by the store as terms, never written into the query text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from coopgraph.errors import InputError, ParameterError, UnknownTermError
from coopgraph.render import compact_iri
from coopgraph.store import QueryResult, SelectResult, Store
from coopgraph.store.analysis import validate_iri
from coopgraph.vocab import PREFIXES, query_files, query_variant_file

PARAMETER_KINDS = ("IRI", "literal", "date")

# Terms with a label (rdfs:label, skos:prefLabel or skos:altLabel, any language) that is
# exactly ?text; ?text is bound as a plain literal.
_LABEL_LOOKUP = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?term ?text WHERE {
  VALUES ?property { rdfs:label skos:prefLabel skos:altLabel }
  ?term ?property ?label .
  FILTER(STR(?label) = ?text)
}
ORDER BY ?term
"""

_FIELD = re.compile(r"^#\s@(?P<key>[a-z]+)\s+(?P<value>.*)$")
_CONTINUATION = re.compile(r"^#\s{2,}(?P<value>\S.*)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
_SCHEME_IRI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.\-]*://|urn:)\S+$")
_MAX_CANDIDATES = 10


@dataclass(frozen=True)
class Parameter:
    """A parameter of a canned query: the variable it binds and the kind of value it takes."""

    name: str
    kind: str
    """IRI, literal or date."""
    required: bool
    example: str
    description: str


@dataclass(frozen=True)
class Column:
    """A projected variable of a canned query and what it holds."""

    name: str
    description: str


@dataclass(frozen=True)
class CannedQuery:
    """A shipped query with what its header says about it."""

    name: str
    title: str
    description: str
    question: int | None
    """The competency question it answers (domain brief), if any."""
    parameters: tuple[Parameter, ...]
    columns: tuple[Column, ...]
    text: str
    source: str
    """The file it was read from."""

    def text_for(self, dialect: str) -> str:
        """The text to run on a store of ``dialect`` (:attr:`Store.dialect`): the form written
        for that dialect where one ships (``queries/DIALECT/NAME.rq``), else :attr:`text`."""
        file = query_variant_file(self.name, dialect)
        return self.text if file is None else file.read_text(encoding="utf-8")

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``; ParameterError naming the declared ones otherwise."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        declared = ", ".join(p.name for p in self.parameters) or "none"
        raise ParameterError(
            f"query {self.name} has no parameter {name!r} (its parameters: {declared})"
        )


def parse_header(text: str, source: str) -> CannedQuery:
    """Read a query file's header; InputError naming the file and line when it is malformed."""
    fields: dict[str, list[str]] = {}
    entries: list[tuple[str, str, int]] = []  # (key, value, line) in order, for params/columns
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#") or line.rstrip() == "#":
            break  # a bare "#" ends the header: free comments may follow
        if match := _FIELD.match(line):
            key, value = match["key"], match["value"].strip()
            entries.append((key, value, number))
        elif (match := _CONTINUATION.match(line)) and entries:
            key, value, start = entries[-1]
            entries[-1] = (key, f"{value} {match['value'].strip()}", start)
        elif line.strip("# "):
            raise InputError(f"{source}:{number}: not a header field (# @key value): {line!r}")
    for key, value, _ in entries:
        fields.setdefault(key, []).append(value)

    def single(key: str, required: bool = True) -> str | None:
        values = fields.get(key, [])
        if len(values) > 1 or (required and not values):
            raise InputError(f"{source}: the header needs exactly one @{key}")
        return values[0] if values else None

    question = single("question", required=False)
    if question is not None and not question.isdigit():
        raise InputError(f"{source}: @question must be a number, not {question!r}")
    parameters = tuple(
        _parse_parameter(value, f"{source}:{line}")
        for key, value, line in entries
        if key == "param"
    )
    columns = tuple(
        Column(*_split_name(value, f"{source}:{line}"))
        for key, value, line in entries
        if key == "column"
    )
    known = {"name", "title", "description", "question", "param", "column"}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise InputError(f"{source}: unknown header field @{unknown[0]}")
    return CannedQuery(
        name=single("name") or "",
        title=single("title") or "",
        description=single("description") or "",
        question=int(question) if question is not None else None,
        parameters=parameters,
        columns=columns,
        text=text,
        source=source,
    )


def _split_name(value: str, where: str) -> tuple[str, str]:
    name, _, rest = value.partition(" ")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise InputError(f"{where}: {name!r} is not a variable name")
    return name, rest.strip()


def _parse_parameter(value: str, where: str) -> Parameter:
    parts = value.split(None, 3)
    if len(parts) < 4:
        raise InputError(f"{where}: @param needs a name, a kind, required/optional and an example")
    name, kind, presence, rest = parts
    _split_name(name, where)
    if kind not in PARAMETER_KINDS:
        raise InputError(f"{where}: parameter kind {kind!r} is not one of {PARAMETER_KINDS}")
    if presence not in ("required", "optional"):
        raise InputError(f"{where}: write required or optional, not {presence!r}")
    if rest.startswith('"'):
        example, quote, description = rest[1:].partition('"')
        if not quote:
            raise InputError(f"{where}: the example's closing quote is missing")
    else:
        example, _, description = rest.partition(" ")
    return Parameter(name, kind, presence == "required", example, description.strip())


@cache
def catalogue() -> dict[str, CannedQuery]:
    """Every shipped canned query by name, in file order."""
    queries: dict[str, CannedQuery] = {}
    for file in query_files():
        query = parse_header(file.read_text(encoding="utf-8"), f"queries/{file.name}")
        if query.name in queries:
            raise InputError(f"{query.source}: a query named {query.name} exists already")
        queries[query.name] = query
    return queries


def get_query(name: str) -> CannedQuery:
    """The canned query called ``name``; UnknownTermError listing the names otherwise."""
    queries = catalogue()
    if name not in queries:
        raise UnknownTermError(f"no canned query {name!r}; known: {', '.join(sorted(queries))}")
    return queries[name]


def expand_name(text: str, what: str = "IRI") -> str | None:
    """The IRI that ``text`` names as ``<iri>``, a full IRI or a compact name; None otherwise.

    Raises ParameterError (naming ``what``) when the text is meant as an IRI but is not valid.
    """
    if text.startswith("<") and text.endswith(">"):
        return validate_iri(text[1:-1], what)
    prefix, colon, local = text.partition(":")
    if colon and prefix in PREFIXES and " " not in text:
        return validate_iri(PREFIXES[prefix] + local, what)
    if _SCHEME_IRI.match(text):
        return validate_iri(text, what)
    return None


def resolve_term(store: Store, text: str, what: str = "term") -> URIRef:
    """The one IRI that ``text`` names: an IRI, a compact name, or an exact label in the store.

    UnknownTermError when no term has that label, or when several do (they are listed).
    """
    if not isinstance(text, str):
        raise ParameterError(
            f"{what}: expects a name, an IRI or a label, not {type(text).__name__}"
        )
    iri = expand_name(text, what)
    if iri is not None:
        return URIRef(iri)
    result = store.query(_LABEL_LOOKUP, {"text": Literal(text)})
    rows = result.rows if isinstance(result, SelectResult) else []
    candidates = [row[0] for row in rows if isinstance(row[0], URIRef)]
    if not candidates:
        raise UnknownTermError(
            f"{what}: {text!r} is not an IRI, a compact name (prefixes: "
            f"{', '.join(p + ':' for p in PREFIXES)}) or the exact label of a term"
        )
    if len(candidates) > 1:
        shown = ", ".join(compact_iri(c) for c in candidates[:_MAX_CANDIDATES])
        more = (
            f" and {len(candidates) - _MAX_CANDIDATES} more"
            if len(candidates) > _MAX_CANDIDATES
            else ""
        )
        raise UnknownTermError(
            f"{what}: the label {text!r} names {len(candidates)} terms: {shown}{more}; "
            "give one of them"
        )
    return candidates[0]


def resolve_value(
    store: Store, parameter: Parameter, value: str | URIRef | Literal, what: str
) -> URIRef | Literal:
    """The RDF term for a parameter value of the declared kind; ParameterError otherwise."""
    if parameter.kind == "IRI":
        if isinstance(value, URIRef):
            return URIRef(validate_iri(str(value), what))
        if isinstance(value, Literal):
            raise ParameterError(f"{what}: expects an IRI, not the literal {value.n3()}")
        return resolve_term(store, value, what)
    if parameter.kind == "date":
        if isinstance(value, Literal):
            if value.datatype in (XSD.date, XSD.gYear) and value.ill_typed is not True:
                return value
            raise ParameterError(f"{what}: expects an xsd:date or xsd:gYear, not {value.n3()}")
        if isinstance(value, URIRef):
            raise ParameterError(f"{what}: expects a date, not the IRI <{value}>")
        return _date_literal(value, what)
    if isinstance(value, URIRef):
        raise ParameterError(f"{what}: expects a literal, not the IRI <{value}>")
    return value if isinstance(value, Literal) else Literal(value)


def _date_literal(text: str, what: str) -> Literal:
    if _YEAR.match(text):
        return Literal(text, datatype=XSD.gYear)
    if _DATE.match(text):
        try:
            date.fromisoformat(text)
        except ValueError:
            raise ParameterError(f"{what}: {text!r} is not a calendar date") from None
        return Literal(text, datatype=XSD.date)
    raise ParameterError(f"{what}: expects a date as YYYY-MM-DD or a year as YYYY, not {text!r}")


def bind_parameters(
    store: Store, query: CannedQuery, values: Mapping[str, str | URIRef | Literal]
) -> dict[str, URIRef | Literal]:
    """The parameters of ``query`` as RDF terms, checked against its header.

    Unknown names, missing required parameters and values of the wrong kind raise
    ParameterError (exit 2); a label that names no term or several, UnknownTermError.
    """
    if not isinstance(values, Mapping):
        raise ParameterError(
            f"the parameters of {query.name} map names to values, not a {type(values).__name__}"
        )
    bindings: dict[str, URIRef | Literal] = {}
    for name, value in values.items():
        parameter = query.parameter(name)
        bindings[name] = resolve_value(store, parameter, value, f"{query.name} --param {name}")
    missing = [p.name for p in query.parameters if p.required and p.name not in bindings]
    if missing:
        raise ParameterError(
            f"query {query.name} needs --param {missing[0]}=... "
            f"({query.parameter(missing[0]).description})"
        )
    return bindings


def run_query(
    store: Store, name: str, params: Mapping[str, str | URIRef | Literal] | None = None
) -> QueryResult:
    """Run the canned query ``name`` on ``store`` with its parameters bound as terms."""
    query = get_query(name)
    text = query.text_for(store.dialect)
    return store.query(text, bind_parameters(store, query, params or {}))


def run_select(
    store: Store, name: str, params: Mapping[str, str | URIRef | Literal] | None = None
) -> SelectResult:
    """:func:`run_query` for the canned SELECT queries."""
    result = run_query(store, name, params)
    if not isinstance(result, SelectResult):
        raise InputError(f"query {name} is not a SELECT query")
    return result
