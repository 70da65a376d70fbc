"""What a SPARQL request asks for, read from rdflib's parse tree (never from a regex over the text).

Every backend calls :func:`analyse_query` / :func:`analyse_update` before it runs a request, so
the network check, the parameter checks and the hints the remote client needs (the query form,
``LIMIT``, which variables hold booleans) are decided once, in one place, the same way for all.
It also turns RDF terms into SPARQL text for the one backend that must send text (the remote
client's ``VALUES`` block and ``INSERT DATA``): IRIs are validated, literals fully escaped.

rdflib's parser takes tens of milliseconds per query, more than the embedded store needs to
answer most of them, so a query's analysis is also kept in the per-user cache
(:mod:`coopgraph.usercache`), keyed by the query text's SHA-256 and by this module's source and
rdflib's version (a change to either starts afresh and removes the old entries): the next
process skips the parse. At most :data:`MAX_STORED_ANALYSES` are kept, since ``serve`` analyses
whatever its clients send.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from pyparsing import ParseBaseException
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.plugins.sparql.parser import (
    ValuesClause,
    expandUnicodeEscapes,
    parseQuery,
    parseUpdate,
)
from rdflib.plugins.sparql.parserutils import CompValue

from coopgraph.errors import InputError, NetworkRefusedError, ParameterError
from coopgraph.usercache import cache_dir, read_json, remove_other_versions, write_json

BindingTerm = URIRef | Literal
"""What a query parameter may be bound to: an IRI or a literal (a blank node has no identity
outside the store, so it cannot be passed in)."""

QUERY_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}

# Parse-tree nodes whose value is always an xsd:boolean (Virtuoso returns them as 1/0 integers).
_BOOLEAN_NODES = {
    "UnaryNot",
    "Builtin_isIRI",
    "Builtin_isURI",
    "Builtin_isBLANK",
    "Builtin_isLITERAL",
    "Builtin_isNUMERIC",
    "Builtin_BOUND",
    "Builtin_sameTerm",
    "Builtin_REGEX",
    "Builtin_CONTAINS",
    "Builtin_STRSTARTS",
    "Builtin_STRENDS",
    "Builtin_LANGMATCHES",
    "Builtin_EXISTS",
    "Builtin_NOTEXISTS",
    "Builtin_isTRIPLE",
}
# Wrappers the grammar puts around every expression; with one operand they mean nothing.
_WRAPPERS = {
    "ConditionalOrExpression": "other",
    "ConditionalAndExpression": "other",
    "RelationalExpression": "op",
    "AdditiveExpression": "other",
    "MultiplicativeExpression": "other",
}

# ... and those that, with their operator present, give a boolean.
_LOGICAL = {"ConditionalOrExpression", "ConditionalAndExpression", "RelationalExpression"}

_VARNAME = re.compile(
    r"^[A-Za-z0-9_\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C\u200D"
    r"\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]+$"
)
_LANGTAG = re.compile(r"^[A-Za-z]+(-[A-Za-z0-9]+)*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


@dataclass(frozen=True)
class RequestInfo:
    """The facts about one SPARQL query or update that the store layer acts on."""

    form: str
    """SELECT, ASK, CONSTRUCT, DESCRIBE, or UPDATE."""
    network: tuple[str, ...] = ()
    """Each construct that could reach the network, as written (``SERVICE <x>``, ``FROM <x>``)."""
    variables: frozenset[str] = frozenset()
    """Every variable named anywhere in the request."""
    projected: frozenset[str] | None = None
    """The SELECT clause's variables; ``None`` for ``SELECT *`` and the other forms."""
    boolean_vars: frozenset[str] = frozenset()
    """Variables bound to a boolean-valued expression (BIND, SELECT) or constant (VALUES)."""
    assigned_vars: frozenset[str] = frozenset()
    """Variables the query assigns itself: ``BIND(... AS ?x)``, ``SELECT (... AS ?x)``."""
    has_values_clause: bool = False
    """Whether the query already ends with a ``VALUES`` block."""
    has_dataset_clause: bool = False
    """Whether the request names its own dataset (FROM / FROM NAMED, USING / USING NAMED, WITH)."""
    dataset_refs: tuple[str, ...] = ()
    """The FROM / FROM NAMED clauses among ``network``: a request dataset overrides them."""
    operations: tuple[str, ...] = ()
    """An update's operations in order, by parse-tree name (``Modify``, ``InsertData``, ...)."""
    limit: int | None = None
    """The outer query's LIMIT, if any."""


@dataclass(frozen=True)
class QueryDataset:
    """The RDF dataset of one request, chosen by graph IRI (the protocol's dataset parameters).

    The default graph is the merge of ``default_graphs`` (an empty graph when there are none)
    and ``GRAPH`` sees exactly ``named_graphs``, as with FROM / FROM NAMED (queries) or USING /
    USING NAMED (updates). It replaces the store's usual dataset (the union default graph and
    every named graph) and any FROM clause of a query; an update that names its own dataset
    (USING, WITH) cannot be given one. The IRIs are validated here, and written into request
    text, where a backend must, only as validated IRIs.
    """

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("default_graphs", "named_graphs"):
            graphs = getattr(self, name)
            if isinstance(graphs, str):
                raise ParameterError(f"{name} is a list of graph IRIs, not one string")
            what = name.replace("_", " ").removesuffix("s")
            object.__setattr__(self, name, tuple(validate_iri(str(g), what) for g in graphs))
        if not self.default_graphs and not self.named_graphs:
            raise ParameterError("a dataset names at least one default or named graph")


def _get(node: CompValue, key: str) -> Any:
    """A parse-tree field or None (``CompValue.get`` returns the key itself when it is absent)."""
    return OrderedDict.get(node, key)


def _walk(node: Any) -> Iterator[Any]:
    """Every node of an rdflib parse tree, depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, CompValue):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):  # pyparsing ParseResults is list-like too
            stack.extend(item)
        elif hasattr(item, "as_list") and not isinstance(item, str):
            stack.extend(list(item))


def _term_text(node: Any) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Variable):
        return f"?{node}"
    if isinstance(node, CompValue) and node.name == "pname":
        return f"{_get(node, 'prefix') or ''}:{_get(node, 'localname') or ''}"
    return str(node)


def _network_refs(tree: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every construct that could reach the network, and those of them that are FROM clauses."""
    refs: list[str] = []
    dataset: list[str] = []
    for node in _walk(tree):
        if not isinstance(node, CompValue):
            continue
        if node.name == "ServiceGraphPattern":
            refs.append(f"SERVICE {_term_text(_get(node, 'term'))}")
        elif node.name == "Load":
            refs.append(f"LOAD {_term_text(_get(node, 'iri'))}")
        elif node.name in ("DatasetClause", "UsingClause"):
            keyword = "FROM" if node.name == "DatasetClause" else "USING"
            found = [
                f"{keyword}{named} {_term_text(node[key])}"
                for key, named in (("default", ""), ("named", " NAMED"))
                if _get(node, key) is not None
            ]
            refs.extend(found)
            if node.name == "DatasetClause":
                dataset.extend(found)
    return tuple(refs), tuple(dataset)


def _unwrap(expr: Any) -> Any:
    while isinstance(expr, CompValue) and expr.name in _WRAPPERS:
        if _get(expr, _WRAPPERS[expr.name]) is not None:
            return expr
        expr = _get(expr, "expr")
    return expr


def _is_boolean(expr: Any) -> bool:
    expr = _unwrap(expr)
    if isinstance(expr, Literal):
        return expr.datatype == XSD.boolean
    if not isinstance(expr, CompValue):
        return False
    if expr.name in _BOOLEAN_NODES or expr.name in _LOGICAL:
        return True
    if expr.name == "Builtin_IF":
        return _is_boolean(_get(expr, "arg2")) and _is_boolean(_get(expr, "arg3"))
    if expr.name == "Builtin_COALESCE":
        args = _get(expr, "arg") or []
        return bool(args) and all(_is_boolean(a) for a in args)
    return False


def _boolean_vars(tree: Any) -> frozenset[str]:
    found: set[str] = set()
    for node in _walk(tree):
        if not isinstance(node, CompValue):
            continue
        if node.name in ("InlineData", "ValuesClause"):
            found.update(_boolean_columns(node))
            continue
        name = _get(node, "var") if node.name == "Bind" else _get(node, "evar")
        if node.name in ("Bind", "vars") and name is not None and _is_boolean(_get(node, "expr")):
            found.add(str(name))
    return frozenset(found)


def _assigned_vars(tree: Any) -> frozenset[str]:
    found: set[str] = set()
    for node in _walk(tree):
        if isinstance(node, CompValue):
            name = _get(node, "var") if node.name == "Bind" else _get(node, "evar")
            if node.name in ("Bind", "vars") and name is not None:
                found.add(str(name))
    return frozenset(found)


def _boolean_columns(node: CompValue) -> set[str]:
    """The variables of a VALUES block that hold a boolean constant in some row."""
    names = [str(v) for v in _get(node, "var") or []]
    found: set[str] = set()
    for row in _get(node, "value") or []:
        cells = list(row) if not isinstance(row, str) else [row]
        for name, cell in zip(names, cells, strict=False):
            if isinstance(cell, Literal) and cell.datatype == XSD.boolean:
                found.add(name)
    return found


def _syntax_error(kind: str, exc: ParseBaseException) -> InputError:
    where = f"line {exc.lineno}, column {exc.col}"
    return InputError(f"SPARQL {kind} syntax error at {where}: {exc.msg}")


MAX_STORED_ANALYSES = 2000
"""How many query analyses the per-user cache keeps (about 1 MB); later queries are not stored."""


@lru_cache(maxsize=1)
def _analysis_namespace() -> str | None:
    """What the stored analyses depend on besides the query: this module and rdflib's parser."""
    try:
        source = Path(__file__).read_bytes()
    except OSError:  # not installed as files: no cache
        return None
    return hashlib.sha256(source + rdflib.__version__.encode()).hexdigest()[:16]


def _stored_analysis_path(sparql: str) -> Path | None:
    namespace = _analysis_namespace()
    if namespace is None:
        return None
    key = hashlib.sha256(sparql.encode("utf-8", "surrogatepass")).hexdigest()
    return cache_dir() / f"sparql-analysis-{namespace}" / f"{key}.json"


def _info_to_json(info: RequestInfo) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in fields(RequestInfo):
        value = getattr(info, field.name)
        if isinstance(value, frozenset | tuple):
            value = sorted(value) if isinstance(value, frozenset) else list(value)
        data[field.name] = value
    return data


def _info_from_json(data: Any) -> RequestInfo | None:
    """The RequestInfo stored as ``data``; ``None`` when it is not one (a corrupt file)."""
    if not isinstance(data, dict) or set(data) != {field.name for field in fields(RequestInfo)}:
        return None
    values: dict[str, Any] = {}
    for field in fields(RequestInfo):
        value, kind = data[field.name], str(field.type)
        if value is None and kind.endswith("| None"):
            pass
        elif kind.startswith(("frozenset", "tuple")):
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                return None
            value = frozenset(value) if kind.startswith("frozenset") else tuple(value)
        elif type(value).__name__ != kind.removesuffix(" | None"):  # str, bool or int
            return None
        values[field.name] = value
    return RequestInfo(**values)


@lru_cache(maxsize=512)
def analyse_query(sparql: str) -> RequestInfo:
    """Parse a query with rdflib's SPARQL 1.1 parser and report what the store layer needs.

    Raises InputError (exit 2) in one line when the text is not a SPARQL 1.1 query: a request
    that cannot be checked for network access is not run. The analysis of a well-formed query
    is read from, or written to, the per-user cache.
    """
    _check_encodable(sparql, "query")
    stored = _stored_analysis_path(sparql)
    info = _info_from_json(read_json(stored)) if stored else None
    if info is None:
        info = _parse_query(sparql)
        if stored:
            if not stored.parent.is_dir():  # the first analysis of this version
                remove_other_versions(stored.parent)
            write_json(stored, _info_to_json(info), max_entries=MAX_STORED_ANALYSES)
    return info


def _check_encodable(sparql: str, kind: str) -> None:
    """Refuse what is not text, and text that has no UTF-8 form: lone surrogates, which is
    what Python makes of bytes that are not UTF-8 in a command-line argument."""
    if not isinstance(sparql, str):
        raise ParameterError(f"a SPARQL {kind} is a str, not {type(sparql).__name__}")
    try:
        sparql.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"SPARQL {kind}: character {exc.start + 1} is not valid UTF-8 text"
        ) from None


def _parse_query(sparql: str) -> RequestInfo:
    try:
        parsed = parseQuery(sparql)
    except ParseBaseException as exc:
        raise _update_given(sparql) or _syntax_error("query", exc) from None
    except ValueError as exc:  # a bad \\u escape
        raise InputError(f"SPARQL query syntax error: {exc}") from None
    query = parsed[1]
    _check_prefixes_declared(parsed[0], query, "query")
    form = QUERY_FORMS.get(query.name, query.name)
    projected: frozenset[str] | None = None
    if form == "SELECT" and _get(query, "projection"):
        projected = frozenset(
            str(_get(item, "var") if _get(item, "var") is not None else _get(item, "evar"))
            for item in query["projection"]
        )
    network, dataset_refs = _network_refs(query)
    if not network:  # Oxigraph would call the service while checking
        _check_grammar_rules(sparql)
    limit = None
    limitoffset = _get(query, "limitoffset")
    if limitoffset is not None and _get(limitoffset, "limit") is not None:
        limit = int(limitoffset["limit"])
    return RequestInfo(
        form=form,
        network=network,
        dataset_refs=dataset_refs,
        variables=frozenset(str(v) for v in _walk(query) if isinstance(v, Variable)),
        projected=projected,
        boolean_vars=_boolean_vars(query),
        assigned_vars=_assigned_vars(query),
        has_values_clause=_get(query, "valuesClause") is not None,
        has_dataset_clause=bool(_get(query, "datasetClause")),
        limit=limit,
    )


def _check_prefixes_declared(prologue: Any, request: Any, kind: str) -> None:
    """Refuse a prefixed name whose prefix no PREFIX declares: rdflib's parser accepts it
    (its engine then fails, or falls back on prefixes of its own), Oxigraph refuses it."""
    declared = {
        _get(item, "prefix") or ""
        for item in prologue
        if isinstance(item, CompValue) and item.name == "PrefixDecl"
    }
    for node in _walk(request):
        if isinstance(node, CompValue) and node.name == "pname":
            prefix = _get(node, "prefix") or ""
            if prefix not in declared:
                raise InputError(
                    f"SPARQL {kind} syntax error: the prefix {prefix}: is not declared"
                    f" (add PREFIX {prefix}: <namespace IRI>)"
                )


_OXIGRAPH_ERROR = re.compile(r"error at (\d+):(\d+): expected (?:one of )?(.*)", re.DOTALL)


_RULES = {  # Oxigraph's words for the rule broken, and ours
    "The SELECT contains a variable that is unbound": (
        "a variable is selected that is neither grouped (GROUP BY) nor inside an aggregate"
    ),
    "SELECT * is not authorized with GROUP BY": (
        "SELECT * and CONSTRUCT cannot be used with GROUP BY (select the grouped variables)"
    ),
    "Duplicated variable name in SELECT": "a variable is selected twice",
    "Prefix not found": "a prefix that no PREFIX declares",
    "IRI parsing failed": "not a valid IRI",
    "The SELECT overrides an existing variable using an expression": (
        "(... AS ?v) assigns a variable that the query pattern already uses"
    ),
}
_RULE_NOT_NAMED = "SPARQL 1.1 does not allow this here"


def _check_grammar_rules(sparql: str, kind: str = "query") -> None:
    """Refuse the queries SPARQL 1.1 forbids beyond its grammar that rdflib's parser lets
    through (rdflib's engine then answers them, Oxigraph refuses them): a projected variable
    that is not grouped, SELECT * with GROUP BY, a SELECT or BIND expression assigning a
    variable already in use, a blank node label shared by two graph patterns, a VALUES row of
    the wrong length. Oxigraph's parser finds them; a query is parsed, not evaluated, and an
    update runs on an empty store of its own."""
    try:
        run = ox.Store().query if kind == "query" else ox.Store().update
        run(sparql, base_iri="http://base.invalid/")
    except SyntaxError as exc:
        found = _OXIGRAPH_ERROR.match(str(exc))
        if found is None:
            raise InputError(f"SPARQL {kind} syntax error: {' '.join(str(exc).split())}") from None
        line, column, expected = found.groups()
        # The rule broken, when Oxigraph names it, is a sentence among the expected tokens.
        rules = [item for item in expected.split(", ") if " " in item and item[0] not in "[\"'"]
        reason = _RULES.get(rules[0], rules[0]) if rules else _RULE_NOT_NAMED
        raise InputError(
            f"SPARQL {kind} syntax error at line {line}, column {column}: {reason}"
        ) from None
    except (OSError, RuntimeError):  # an evaluation error on the empty store: not syntax
        pass


def _update_given(sparql: str) -> InputError | None:
    """An error that says so when a query was expected and the text is an update."""
    try:
        request = parseUpdate(sparql).request or []  # an empty text is an empty update
    except (ParseBaseException, ValueError):
        return None
    operations = [op.name for op in request if isinstance(op, CompValue)]
    if not operations:
        return None
    names = ", ".join(_UPDATE_OPERATIONS.get(name, name) for name in operations)
    return InputError(f"this is a SPARQL update ({names}), not a query; only queries run here")


_UPDATE_OPERATIONS = {
    "Load": "LOAD",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
    "InsertData": "INSERT DATA",
    "DeleteData": "DELETE DATA",
    "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT",
}


@lru_cache(maxsize=128)
def analyse_update(sparql: str) -> RequestInfo:
    """Parse an update with rdflib's parser; raises InputError in one line on a syntax error."""
    _check_encodable(sparql, "update")
    try:
        parsed = parseUpdate(sparql)
    except ParseBaseException as exc:
        raise _syntax_error("update", exc) from None
    except ValueError as exc:
        raise InputError(f"SPARQL update syntax error: {exc}") from None
    operations = [op for op in parsed.request if isinstance(op, CompValue)]
    # Each operation may declare prefixes; a declaration holds for the operations after it.
    _check_prefixes_declared(_walk(parsed.prologue), parsed.request, "update")
    for op in operations:
        _check_update_terms(op)
    network = _network_refs(parsed)[0]
    # Only a WHERE clause can break the rules beyond the grammar; data blocks are checked
    # above, and are not copied into a scratch store for nothing.
    if not network and any(op.name in ("Modify", "DeleteWhere") for op in operations):
        _check_grammar_rules(sparql, "update")
    return RequestInfo(
        form="UPDATE",
        network=network,
        has_dataset_clause=any(
            _get(op, "using") or _get(op, "withClause") is not None for op in operations
        ),
        operations=tuple(op.name for op in operations),
    )


_FORBIDDEN_TERMS: dict[str, tuple[str, str, tuple[type, ...]]] = {
    # operation: (the part that is checked, what it is called, the terms it cannot hold)
    "InsertData": ("quads", "INSERT DATA", (Variable,)),
    "DeleteData": ("quads", "DELETE DATA", (Variable, BNode)),
    "DeleteWhere": ("quads", "DELETE WHERE", (BNode,)),
    "Modify": ("delete", "a DELETE template", (BNode,)),
}


def _check_update_terms(op: CompValue) -> None:
    """Refuse what the SPARQL 1.1 grammar forbids and rdflib's parser lets through: variables
    in data blocks, blank nodes where triples are deleted. rdflib's engine would store a
    variable as if it were a term; Oxigraph refuses it, so every backend now does."""
    part, name, forbidden = _FORBIDDEN_TERMS.get(op.name, ("", "", ()))
    if not forbidden or _get(op, part) is None:
        return
    found = next((n for n in _walk(_get(op, part)) if isinstance(n, forbidden)), None)
    if found is not None:
        kind = f"the variable ?{found}" if isinstance(found, Variable) else "a blank node"
        raise InputError(f"SPARQL update syntax error: {name} cannot hold {kind}")


def refuse_network(info: RequestInfo, allow_network: bool, overridden: bool = False) -> None:
    """Raise NetworkRefusedError if the request could reach the network and that is not allowed.

    FROM / FROM NAMED / USING are refused whatever the IRI: rdflib fetches the IRI over HTTP to
    build the dataset, so they are network access on at least one backend. Scope a query to a
    stored graph with ``GRAPH <iri> { ... }`` or a :class:`QueryDataset` instead. When the
    request's dataset is ``overridden`` by a QueryDataset, its FROM clauses are ignored.
    """
    refs = [r for r in info.network if not (overridden and r in info.dataset_refs)]
    if refs and not allow_network:
        what = ", ".join(refs)
        raise NetworkRefusedError(
            f"the SPARQL {info.form.lower()} uses {what}, which may access the network; "
            "this store was opened without network access (use GRAPH <iri> { ... } to read a "
            "stored graph; allow network access with --allow-network on the command line, "
            "allow_network=True in Python)"
        )


def check_bindings(info: RequestInfo, bindings: Mapping[str, Any] | None) -> dict[str, BindingTerm]:
    """Validate query parameters; returns them keyed by bare variable name.

    The same rules hold on every backend so that a parameterised query gives the same answer
    everywhere: values are IRIs or literals (no blank nodes, no plain strings: the caller decides
    whether a user's text is an IRI or a literal), the variable must occur in the query, and a
    SELECT must project it (pyoxigraph's substitution and a trailing VALUES block agree only then).
    """
    if not bindings:
        return {}
    if not isinstance(bindings, Mapping):
        raise ParameterError(
            f"parameters map variable names to RDF terms (a dict), not a {type(bindings).__name__}"
        )
    checked: dict[str, BindingTerm] = {}
    for raw_name, value in bindings.items():
        name = raw_name[1:] if raw_name[:1] in ("?", "$") else raw_name
        if not _VARNAME.match(name):
            raise ParameterError(f"{raw_name!r} is not a SPARQL variable name")
        if isinstance(value, BNode):
            raise ParameterError(f"?{name}: a blank node cannot be passed as a query parameter")
        if not isinstance(value, URIRef | Literal):
            raise ParameterError(
                f"?{name}: parameters must be RDF terms (rdflib URIRef or Literal), "
                f"not {type(value).__name__}"
            )
        validate_term(value, f"?{name}")
        if name not in info.variables:
            raise ParameterError(f"the query has no variable ?{name} to bind")
        if name in info.assigned_vars:  # backends disagree: rdflib keeps the query's value
            raise ParameterError(
                f"?{name} is assigned in the query (AS ?{name}); it cannot be bound"
            )
        if info.projected is not None and name not in info.projected:
            raise ParameterError(
                f"?{name} is not in the SELECT clause; a parameter must be projected to be bound"
            )
        checked[name] = value
    return checked


def validate_iri(iri: str, what: str = "IRI") -> str:
    """Check that text can be written as a SPARQL/N-Triples IRIREF and is an absolute IRI
    (RFC 3987, as Oxigraph parses it); returns it unchanged."""
    if not _SCHEME.match(iri) or _IRI_FORBIDDEN.search(iri):
        raise ParameterError(f"{what}: {iri!r} is not an absolute IRI")
    try:  # e.g. a bad percent-encoding or host, which every store would refuse later
        ox.NamedNode(iri)
    except ValueError as exc:
        raise ParameterError(f"{what}: {iri!r} is not an absolute IRI: {exc}") from None
    return iri


def validate_term(term: URIRef | Literal | BNode, what: str = "term") -> None:
    """Check an IRI or literal before it is written into SPARQL text."""
    if isinstance(term, URIRef):
        validate_iri(str(term), what)
    elif isinstance(term, Literal):
        if term.language is not None and not _LANGTAG.match(term.language):
            raise ParameterError(f"{what}: {term.language!r} is not a language tag")
        if term.datatype is not None:
            validate_iri(str(term.datatype), f"{what} datatype")


_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')
_CODEPOINT_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return _ESCAPES.get(char) or f"\\u{ord(char):04X}"


def sparql_literal_text(text: str) -> str:
    r"""A double-quoted SPARQL string: quote, backslash and every control character escaped.

    TAB, CR, LF, BS and FF use ECHAR escapes (rdflib's ``n3()`` leaves a TAB raw, which some
    servers turn into a space); other control characters use ``\uXXXX``, which SPARQL expands
    before parsing into a raw character that the string grammar allows.
    """
    if _CODEPOINT_ESCAPE.search(text):
        # SPARQL expands \uXXXX anywhere in the text before parsing, so a literal backslash
        # followed by u and four hex digits cannot be written faithfully in every server.
        raise ParameterError(
            f"the literal {text[:40]!r} contains a backslash followed by a \\u escape, "
            "which SPARQL text cannot carry unchanged; load it with the Graph Store Protocol"
        )
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def sparql_term(term: URIRef | Literal | BNode) -> str:
    """One RDF term as SPARQL / N-Triples text, validated and escaped (blank nodes as ``_:id``)."""
    if isinstance(term, URIRef):
        return f"<{validate_iri(str(term))}>"
    if isinstance(term, Literal):
        validate_term(term)
        text = sparql_literal_text(str(term))
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^<{term.datatype}>"
        return text
    if isinstance(term, BNode):
        label = re.sub(r"[^A-Za-z0-9_]", "_", str(term))
        return f"_:b{label}"
    raise ParameterError(f"cannot write {type(term).__name__} {term!r} as SPARQL")


def values_clause(bindings: Mapping[str, BindingTerm]) -> str:
    """A SPARQL 1.1 ``VALUES`` block with one row binding each parameter."""
    names = " ".join(f"?{name}" for name in bindings)
    row = " ".join(sparql_term(value) for value in bindings.values())
    return f"VALUES ({names}) {{ ({row}) }}"


_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-.:]*")
_NAME = re.compile(r"[A-Za-z0-9_\u00B7-\uFFFF]*")
_FORMS = {"select", "construct", "ask", "describe"}


def sparql_tokens(text: str) -> Iterator[tuple[int, str]]:
    """The query's braces, parentheses and bare keywords with their offsets.

    Strings, IRIs, comments, variables and prefixed names are stepped over, so a brace or a
    keyword inside them is never seen: this is a lexer for SPARQL's tokens, not a text search.
    """
    i, end = 0, len(text)
    while i < end:
        c = text[i]
        if c == "#":
            newline = text.find("\n", i)
            i = end if newline < 0 else newline + 1
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < end and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
        elif c == "<" and (match := _IRIREF.match(text, i)):
            i = match.end()
        elif c == "\\":
            i += 2
        elif c in "?$":
            i = _NAME.match(text, i + 1).end()  # type: ignore[union-attr]
        elif c in "{}()":
            yield i, c
            i += 1
        elif c.isalpha() or c == "_":
            match = _WORD.match(text, i)
            assert match is not None
            word = match.group(0)
            if ":" not in word:
                yield i, word.lower()
            i = match.end()
        else:
            i += 1


def with_values(sparql: str, bindings: Mapping[str, BindingTerm]) -> str:
    """The query with a ``VALUES`` block for the parameters at the start of its WHERE pattern.

    Why there and not as a trailing ``VALUES`` clause: Virtuoso accepts a trailing block only
    after a SELECT, and inside the pattern the parameters are bound before FILTERs and
    aggregates see them, as with pyoxigraph's substitutions and rdflib's initBindings, so
    the remote store answers like the embedded ones. A ``CONSTRUCT WHERE { }`` short form is
    rewritten to the long form first.
    """
    if not bindings:
        return sparql
    before, after = split_at_pattern(sparql)
    return f"{before}\n{values_clause(bindings)}\n{after}"


@lru_cache(maxsize=128)
def split_at_pattern(sparql: str) -> tuple[str, str]:
    """The query split just inside the ``{`` that opens its WHERE pattern: where
    :func:`with_values` puts the block, and the fast SHACL engine a shape's focus nodes.
    Braces in strings, IRIs and comments are not mistaken for it (lexed once per text)."""
    tokens = list(sparql_tokens(sparql))
    form = next((k for k, (_, word) in enumerate(tokens) if word in _FORMS), None)
    if form is None:
        raise ParameterError("cannot bind parameters: no query form found")
    keyword_at, kind = tokens[form]
    rest = tokens[form + 1 :]
    groups: list[tuple[int, int]] = []  # top-level { ... } groups, outside any ( ... )
    depth = parens = 0
    opened = 0
    for offset, token in rest:
        if token == "(" and depth == 0:
            parens += 1
        elif token == ")" and depth == 0:
            parens -= 1
        elif token == "{":
            if depth == 0:
                opened = offset
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0 and parens == 0:
                groups.append((opened, offset))
    if kind == "construct" and rest[:1] and rest[0][1] != "{" and groups:
        # CONSTRUCT WHERE { T } is CONSTRUCT { T } WHERE { T }: spell it out, then bind.
        start, close = groups[0]
        keyword_end = keyword_at + len("construct")
        return (
            f"{sparql[:keyword_end]} {{{sparql[start + 1 : close]}}}"
            f"{sparql[keyword_end : start + 1]}",
            sparql[start + 1 :],
        )
    index = 1 if kind == "construct" else 0
    if len(groups) <= index:
        raise ParameterError("cannot bind parameters: the query has no WHERE pattern")
    opened = groups[index][0]
    return sparql[: opened + 1], sparql[opened + 1 :]


def with_using(update: str, dataset: QueryDataset) -> str:
    """The update with ``USING`` / ``USING NAMED`` clauses for ``dataset`` before each top-level
    ``WHERE`` (the keyword every DELETE/INSERT operation has), re-parsed to prove it still has
    the same operations; the IRIs are validated (``DELETE WHERE`` takes no USING: the store
    refuses it before)."""
    before = analyse_update(update)
    using = [f"USING <{validate_iri(g)}>" for g in dataset.default_graphs] + [
        f"USING NAMED <{validate_iri(g)}>" for g in dataset.named_graphs
    ]
    clauses = " ".join(using)
    depth, previous, cut = 0, "", []
    for offset, token in sparql_tokens(update):
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif token == "where" and depth == 0 and previous != "delete":
            cut.append(offset)
        previous = token
    text = update
    for offset in reversed(cut):
        text = f"{text[:offset]}{clauses}\n{text[offset:]}"
    after = analyse_update(text)
    if (
        after.operations != before.operations
        or len(cut) != before.operations.count("Modify")
        or len(after.network) != len(before.network) + len(cut) * len(using)
    ):
        raise ParameterError("cannot apply the dataset: the update's structure was not understood")
    return text


_PLACEHOLDER = URIRef("urn:coopgraph:placeholder")


def bind_as_text(sparql: str, bindings: Mapping[str, BindingTerm]) -> str:
    """:func:`with_values`, proven to be one well-formed query that binds exactly ``bindings``.

    Re-parsing the whole bound text would cost 0.1-1 s per call for the canned queries, and the
    text is new for every set of values. Two smaller proofs give the same guarantee:

    * the query with the same variables bound to a placeholder IRI has the same form and the
      same network references as the query (analysed once per query and variables, cached);
    * the ``VALUES`` block, parsed alone, is exactly one block whose values read back as the
      given terms. The real block goes where the placeholder block went (the same split of the
      query text), in its place token for token.
    """
    if not bindings:
        return sparql
    _check_values_block(values_clause(bindings), bindings)
    placeholder = with_values(sparql, dict.fromkeys(bindings, _PLACEHOLDER))
    before, after = analyse_query(sparql), analyse_query(placeholder)
    if after.form != before.form or after.network != before.network:
        raise ParameterError("cannot bind parameters: the query's structure was not understood")
    return with_values(sparql, bindings)


def _check_values_block(values: str, bindings: Mapping[str, BindingTerm]) -> None:
    try:
        # as parseQuery does: \uXXXX escapes are expanded before the grammar sees the text
        [clause] = ValuesClause.parse_string(expandUnicodeEscapes(values), parse_all=True)
        block = clause.tokenList
        names = [str(variable) for variable in block["var"]]
        rows = [[sparql_term(_parsed_term(value)) for value in row] for row in block["value"]]
    except (ParseBaseException, ValueError, TypeError, KeyError):
        names, rows = [], []
    if names != list(bindings) or rows != [[sparql_term(v) for v in bindings.values()]]:
        raise ParameterError("cannot bind parameters: the VALUES block does not read back")


def _parsed_term(value: Any) -> URIRef | Literal:
    """A term of rdflib's parse tree of a VALUES block (literals are still parse nodes)."""
    if isinstance(value, URIRef):
        return value
    if isinstance(value, CompValue) and value.name == "literal":
        return Literal(
            _get(value, "string"), lang=_get(value, "lang"), datatype=_get(value, "datatype")
        )
    raise TypeError(f"unexpected value {value!r} in a VALUES block")
