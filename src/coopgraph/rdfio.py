"""Reading and writing RDF files: the one place where coopgraph touches RDF syntax.

Every command that reads or writes RDF goes through this module so that the safe
defaults hold everywhere:

* Parsing uses pyoxigraph (fast, precise line/column errors) and reads a file
  completely before returning, so a caller can load it all or nothing.
* Bad input never escapes as a Python exception: missing, unreadable, empty,
  binary, non-UTF-8 and malformed files raise :class:`~coopgraph.errors.InputError`
  or :class:`~coopgraph.errors.ParseError` with a one-line message that starts
  with the file name (and the line where it is known).
* An empty file, or one that holds no statement at all, is an error: an empty or
  truncated file is almost always a mistake (wrong file, failed download), and
  loading nothing would make validation pass vacuously.
* No network, ever. RDF/XML external entities are refused (pyoxigraph never
  loads them either) and internal entities are checked so that their expansion
  cannot exhaust memory ("billion laughs"); a JSON-LD document whose
  ``@context`` (or ``@import``) is a URL or a file name is refused with
  :class:`~coopgraph.errors.NetworkRefusedError` instead of being fetched; and
  ``owl:imports`` are ordinary triples here, never followed.
* Blank nodes get fresh identifiers on every read, so the blank nodes of two
  files (or of two reads of one file) never merge by accident.
* JSON-LD is written compacted with the published context
  (``ontology/coopgraph.context.jsonld``, inline), unless flat expanded output is asked for.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import hashlib
import io
import itertools
import json
import logging
import os
import re
import stat
import warnings
import xml.parsers.expat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeAlias, TypeVar

import pyoxigraph as ox
import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.serializers.jsonld import Converter
from rdflib.plugins.shared.jsonld.context import Context

from coopgraph.errors import InputError, NetworkRefusedError, ParseError
from coopgraph.vocab import PREFIXES, jsonld_context

__all__ = [
    "FORMATS",
    "CheckedFile",
    "FileSummary",
    "Format",
    "Progress",
    "check_file",
    "detect_format",
    "from_rdflib",
    "read_graph",
    "read_quads",
    "scan",
    "serialize",
    "to_rdflib",
    "write",
]

StrPath: TypeAlias = str | os.PathLike[str]
Progress: TypeAlias = Callable[[str, int, int], None]
"""Told ``(step, bytes done, bytes in all)`` as a file is read: for progress bars."""
RdfData: TypeAlias = rdflib.Graph | Iterable[ox.Quad] | Iterable[ox.Triple]
"""What :func:`write` and :func:`serialize` accept: an rdflib Graph or Dataset, or pyoxigraph
quads or triples."""


class Format(NamedTuple):
    """The file extensions (first one preferred) and media type of one RDF syntax."""

    extensions: tuple[str, ...]
    media_type: str


FORMATS: dict[str, Format] = {
    "turtle": Format((".ttl",), "text/turtle"),
    "nt": Format((".nt",), "application/n-triples"),
    "nquads": Format((".nq",), "application/n-quads"),
    "trig": Format((".trig",), "application/trig"),
    "xml": Format((".rdf", ".owl", ".xml"), "application/rdf+xml"),
    "json-ld": Format((".jsonld", ".json"), "application/ld+json"),
    "n3": Format((".n3",), "text/n3"),
}
"""Canonical format names (the same names rdflib uses) with their extensions and media type."""

_ALIASES: dict[str, str] = {
    "ttl": "turtle",
    "ntriples": "nt",
    "n-triples": "nt",
    "nt11": "nt",
    "nq": "nquads",
    "n-quads": "nquads",
    "rdfxml": "xml",
    "rdf/xml": "xml",
    "rdf+xml": "xml",
    "rdf": "xml",
    "owl": "xml",
    "jsonld": "json-ld",
    "json": "json-ld",
}
for _name, _fmt in FORMATS.items():
    _ALIASES[_name] = _name
    _ALIASES[_fmt.media_type] = _name

_BY_EXTENSION: dict[str, str] = {ext: name for name, f in FORMATS.items() for ext in f.extensions}

_OX_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "xml": ox.RdfFormat.RDF_XML,
    "json-ld": ox.RdfFormat.JSON_LD,
    "n3": ox.RdfFormat.N3,
}

_DATASET_FORMATS = frozenset({"nquads", "trig", "json-ld"})
"""Formats that can hold named graphs; the others receive the union of all graphs."""

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# Guards against XML entity expansion attacks (a few KB of RDF/XML that expands to GBs).
_MAX_ENTITY_CHARS = 1 << 20
"""The longest replacement text one RDF/XML entity may expand to."""
_MAX_EXPANSION_BASE = 64 << 20
_MAX_EXPANSION_RATIO = 16
"""All entity references of a file together may expand to at most BASE + RATIO * file size."""

_MAX_MESSAGE = 300
_UTF8_CHUNK = 1 << 22


# --------------------------------------------------------------------------- formats


def _known_formats() -> str:
    return ", ".join(f"{name} ({' '.join(f.extensions)})" for name, f in FORMATS.items())


T = TypeVar("T")


def one_or_many(value: T | Iterable[T]) -> list[T]:
    """A path or a name given alone, as a list of one: a string is not a list of letters."""
    return [value] if isinstance(value, str | os.PathLike) else list(value)  # type: ignore[list-item,arg-type]


def detect_format(path: StrPath, fmt: str | None = None) -> str:
    """The canonical format name of ``path``: ``fmt`` (a name or alias) if given, else by extension.

    Raises InputError naming the file and listing the known formats when neither tells.
    """
    name = os.fspath(path)
    if fmt is not None:
        return _canonical_format(fmt, name)
    suffix = Path(name).suffix.lower()
    canonical = _BY_EXTENSION.get(suffix)
    if canonical is None:
        what = f"extension {suffix!r}" if suffix else "a name without an extension"
        raise InputError(
            f"{name}: cannot tell the RDF format from {what}; give the format explicitly;"
            f" known formats: {_known_formats()}"
        )
    return canonical


def _canonical_format(fmt: str, where: str | None) -> str:
    canonical = _ALIASES.get(fmt.strip().lower())
    if canonical is None:
        prefix = f"{where}: " if where else ""
        raise InputError(f"{prefix}unknown RDF format {fmt!r}; known formats: {_known_formats()}")
    return canonical


# --------------------------------------------------------------------------- reading


def read_quads(
    path: StrPath,
    fmt: str | None = None,
    *,
    base_iri: str | None = None,
    progress: Progress | None = None,
) -> list[ox.Quad]:
    """Parse one RDF file completely into memory with pyoxigraph.

    The whole file is checked and parsed before anything is returned, so a caller
    can load the result atomically. Quads from TriG, N-Quads and JSON-LD keep their
    graph names; triple formats give quads in the default graph. Relative IRIs
    resolve against ``base_iri``, by default the file's own ``file://`` URI.
    Blank nodes get fresh identifiers on every call. ``progress`` is told how far the
    parser has read (step ``"parsing"``).

    Raises InputError (missing file, directory, unreadable, unknown format),
    NetworkRefusedError (remote JSON-LD context) or ParseError (empty, binary,
    not UTF-8, syntax error, refused XML entities, no statement at all).
    """
    quads, _ = _parse(path, fmt, base_iri, progress)
    return quads


def read_graph(paths: StrPath | Iterable[StrPath], fmt: str | None = None) -> rdflib.Graph:
    """Pool one or more RDF files into a single rdflib Graph.

    Every file is parsed before the graph is built (all or nothing). Named graphs
    contribute their triples to the pool; blank nodes stay distinct per file. The
    graph has the coopgraph prefixes and those declared in the files bound.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    parsed = [(os.fspath(p), *_parse(p, fmt, None)) for p in paths]
    if not parsed:
        raise InputError("no RDF file given")
    graph = rdflib.Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    convert = _ToRdflib()
    for name, quads, prefixes in parsed:
        for prefix, namespace in prefixes.items():
            graph.bind(prefix, namespace, override=True, replace=True)
        try:
            with _gc_paused(), _rdflib_quiet():
                graph.addN(
                    (convert(q.subject), convert(q.predicate), convert(q.object), graph)
                    for q in quads
                )
        except InputError as error:
            raise ParseError(name, str(error)) from None
    return graph


class CheckedFile(NamedTuple):
    """One RDF file read and checked, ready for a parser: see :func:`check_file`."""

    name: str
    fmt: str
    """The canonical format name (a key of :data:`FORMATS`)."""
    data: bytes
    base_iri: str

    @property
    def ox_format(self) -> ox.RdfFormat:
        return _OX_FORMATS[self.fmt]

    def input(self, step: str, progress: Progress | None) -> bytes | IO[bytes]:
        """The data for a parser or loader, telling ``progress`` how far it has read."""
        return self.data if progress is None else _ReportingReader(self.data, step, progress)


class _ReportingReader(io.BytesIO):
    """The bytes of a file, reporting each read so that a progress bar can follow a parser."""

    def __init__(self, data: bytes, step: str, progress: Progress) -> None:
        super().__init__(data)
        self._step, self._progress, self._total = step, progress, len(data)
        progress(step, 0, self._total)

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self._progress(self._step, self.tell(), self._total)
        return chunk

    def readinto(self, buffer: Any) -> int:
        count = super().readinto(buffer)
        self._progress(self._step, self.tell(), self._total)
        return count


class FileSummary(NamedTuple):
    """What a file holds, from :func:`scan`: its statement count and the graphs they go to."""

    statements: int
    graphs: frozenset[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]


def check_file(path: StrPath, fmt: str | None = None, base_iri: str | None = None) -> CheckedFile:
    """Read one file and run every check that comes before parsing.

    Refuses what is not a readable regular file, an unknown format, empty, binary and
    non-UTF-8 content, RDF/XML entities that are external or expand too far, and remote
    JSON-LD contexts. Relative IRIs will resolve against ``base_iri``, by default the file's
    own ``file://`` URI.
    """
    name = os.fspath(path)
    fmt = detect_format(name, fmt)
    data = _check_text(name, _read_bytes(name))
    if fmt == "xml":
        _check_xml_entities(name, data)
        _check_xml_depth(name, data)
    elif fmt == "json-ld":
        _check_jsonld_contexts(name, data)
    if base_iri is None:
        base_iri = Path(name).resolve().as_uri()
    return CheckedFile(name, fmt, data, base_iri)


def scan(source: CheckedFile, progress: Progress | None = None) -> FileSummary:
    """Parse a checked file to the end without keeping its statements.

    A store that writes the file with its own loader calls this first, so that a syntax
    error is found before anything is written, at a fraction of the memory of
    :func:`read_quads`. Raises ParseError as :func:`read_quads` does. ``progress`` is told
    how far the parser has read (step ``"checking"``).
    """
    statements = 0
    graphs: set[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = set()
    for quad in _statements(source, _parser(source, progress, "checking")):
        statements += 1
        graphs.add(quad.graph_name)
    _check_statements(source, statements, graphs)
    return FileSummary(statements, frozenset(graphs))


def _parse(
    path: StrPath, fmt: str | None, base_iri: str | None, progress: Progress | None = None
) -> tuple[list[ox.Quad], dict[str, str]]:
    """Check and parse one file; also return the prefixes it declares."""
    source = check_file(path, fmt, base_iri)
    parser = _parser(source, progress, "parsing", rename_blank_nodes=True)
    with _gc_paused():
        quads = list(_statements(source, parser))
    _check_statements(source, len(quads), {q.graph_name for q in quads})
    return quads, dict(parser.prefixes)


def _parser(
    source: CheckedFile, progress: Progress | None, step: str, *, rename_blank_nodes: bool = False
) -> ox.QuadParser:
    try:
        return ox.parse(
            source.input(step, progress),
            source.ox_format,
            base_iri=source.base_iri,
            rename_blank_nodes=rename_blank_nodes,
        )
    except ValueError as error:  # an invalid base IRI
        raise ParseError(source.name, _one_line(str(error))) from None


def _statements(source: CheckedFile, parser: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """The parser's quads, with its errors turned into one-line errors naming the file."""
    try:
        yield from parser
    except SyntaxError as error:
        if source.fmt == "xml" and error.lineno is None:
            error.lineno, error.offset = _xml_error_position(error.msg or "", source.data)
        raise _syntax_error(source.name, error) from None
    except ValueError as error:
        raise ParseError(source.name, _one_line(str(error))) from None


def _xml_error_position(message: str, data: bytes) -> tuple[int | None, int | None]:
    """Where expat finds the XML error that pyoxigraph's RDF/XML parser reports without a
    position (line, column), if the message is about the XML itself, not the RDF in it."""
    if not message.lower().startswith(("ill-formed document", "syntax error")):
        return None, None
    try:  # the entities were checked before parsing (_check_xml_entities)
        xml.parsers.expat.ParserCreate().Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        return error.lineno, error.offset + 1
    return None, None


def _check_statements(source: CheckedFile, statements: int, graphs: Iterable[object]) -> None:
    if not statements:
        raise ParseError(source.name, "contains no RDF statements (only comments or directives)")
    if source.fmt == "n3" and any(not isinstance(g, ox.DefaultGraph) for g in graphs):
        raise ParseError(source.name, "N3 formulas ({ ... }) are not supported; only plain triples")


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of acyclic objects.

    Otherwise its full collections rescan the growing list again and again: with
    the collector running, parsing a million triples takes about twice as long.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_bytes(name: str) -> bytes:
    """The file's bytes, refusing what is not a readable regular file."""
    try:
        info = os.stat(name)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{name}: no such file") from None
    except OSError as error:
        raise InputError(f"{name}: cannot read: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name}: is a directory, not an RDF file")
    if not stat.S_ISREG(info.st_mode):
        # Devices and pipes could block or never end.
        raise InputError(f"{name}: is not a regular file")
    try:
        with open(name, "rb") as stream:
            return stream.read()
    except OSError as error:
        raise InputError(f"{name}: cannot read: {error.strerror or error}") from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _check_text(name: str, data: bytes) -> bytes:
    """Refuse empty, binary and non-UTF-8 content; return the data without a UTF-8 BOM."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ParseError(name, "is UTF-16 (or UTF-32) encoded; RDF files must be UTF-8", 1)
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    if bom:
        data = data[bom:]
    if not data or data.isspace():
        raise ParseError(name, "file is empty (contains no RDF)")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ParseError(
            name,
            f"binary file, not RDF text (NUL byte at byte offset {nul + bom})",
            _line_of(data, nul),
        )
    if not data.isascii():
        bad = _first_invalid_utf8(data)
        if bad is not None:
            raise ParseError(
                name,
                f"invalid UTF-8 at byte offset {bad + bom} (byte 0x{data[bad]:02x});"
                " RDF files must be UTF-8",
                _line_of(data, bad),
            )
    return data


def _first_invalid_utf8(data: bytes) -> int | None:
    """Offset of the first byte that is not valid UTF-8, decoding in chunks to bound memory."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), _UTF8_CHUNK):
        pending = len(decoder.getstate()[0])
        end = start + _UTF8_CHUNK
        try:
            decoder.decode(view[start:end], final=end >= len(data))
        except UnicodeDecodeError as error:
            return start - pending + error.start
    return None


_OX_POSITION = re.compile(r"^Parser error (?:at|between) line[^:]*: ")


def _syntax_error(name: str, error: SyntaxError) -> InputError:
    """Turn pyoxigraph's SyntaxError into a one-line coopgraph error naming the file."""
    message = error.msg or str(error)
    if "LoadDocumentCallback" in message:  # a remote JSON-LD context slipped past the check
        return NetworkRefusedError(
            f"{name}: refers to a remote JSON-LD context, which coopgraph never fetches;"
            " inline the context in the file"
        )
    message = _OX_POSITION.sub("", message)
    line = error.lineno or None
    if line is not None and error.offset:
        message = f"{message} (column {error.offset})"
    return ParseError(name, _one_line(message), line)


def _one_line(message: str) -> str:
    """Escape line breaks and control characters and cap the length of a message."""
    message = "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in message
    )
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 1] + "…"
    return message


# RDF/XML entities, read the way pyoxigraph's RDF/XML parser reads them: general or
# parameter entity, name up to the first blank, value in double quotes.
_ENTITY_DECLARATION = re.compile(rb'<!ENTITY\s*%?\s*(\S+)\s+(?:"([^"]*)"|(\S+))')
_ENTITY_REFERENCE = re.compile(rb"&([^;&\s]+);")


def _check_xml_entities(name: str, data: bytes) -> None:
    """Refuse external entities and entities whose expansion would exhaust memory.

    pyoxigraph never loads external entities, but it expands internal entities
    eagerly and recursively, so a few nested declarations reach gigabytes.
    """
    if b"<!ENTITY" not in data:
        return
    lengths: dict[bytes, int] = {}
    for match in _ENTITY_DECLARATION.finditer(data):
        entity, value, other = match.groups()
        label = entity.decode("utf-8", "replace")
        line = _line_of(data, match.start())
        if value is None:
            if other in (b"SYSTEM", b"PUBLIC"):
                raise ParseError(
                    name,
                    f"external XML entity {label!r} refused:"
                    " coopgraph never reads external files or URLs",
                    line,
                )
            continue  # malformed: pyoxigraph reports it
        size = len(value)
        for ref in _ENTITY_REFERENCE.finditer(value):
            size += lengths.get(ref.group(1), len(ref.group(0))) - len(ref.group(0))
        if size > _MAX_ENTITY_CHARS:
            raise ParseError(
                name,
                f"XML entity {label!r} expands to more than {_MAX_ENTITY_CHARS} characters;"
                " refused (entity expansion attack?)",
                line,
            )
        lengths[entity] = size
    limit = _MAX_EXPANSION_BASE + _MAX_EXPANSION_RATIO * len(data)
    total = 0
    for ref in _ENTITY_REFERENCE.finditer(data):
        total += lengths.get(ref.group(1), 0)
        if total > limit:
            raise ParseError(
                name,
                f"XML entity references expand to more than {limit} characters;"
                " refused (entity expansion attack?)",
                _line_of(data, ref.start()),
            )


# Nesting depth of RDF/XML, measured at C speed: drop comments, CDATA and processing
# instructions, turn start and end tags into +1 and -1 bytes, and take the largest running sum.
_XML_SKIP = re.compile(rb"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<\?.*?(?:\?>|\Z)", re.S)
_XML_TAG_BODY = rb'[^<>"\'!?/\s][^<>"\']*(?:(?:"[^"]*"|\'[^\']*\')[^<>"\']*)*'
_XML_EMPTY_TAG = re.compile(rb"<" + _XML_TAG_BODY + rb"/>")
_XML_END_TAG = re.compile(rb"</[^<>]*>")
_XML_START_TAG = re.compile(rb"<" + _XML_TAG_BODY + rb">")
_NO_SIGNS = bytes.maketrans(b"\x01\xff", b"  ")
_NOT_SIGNS = bytes(b for b in range(256) if b not in (0x01, 0xFF))
_MAX_XML_DEPTH = 500
"""Deeper RDF/XML is refused: pyoxigraph's RDF/XML parser takes time quadratic in the depth
(a 7 MB file nested 200,000 deep would take many minutes); real files stay below 50."""


def _check_xml_depth(name: str, data: bytes) -> None:
    """Refuse RDF/XML nested so deep that parsing it would take practically forever."""
    shape = _XML_SKIP.sub(b" ", data).translate(_NO_SIGNS)
    shape = _XML_EMPTY_TAG.sub(b"", shape)
    shape = _XML_END_TAG.sub(b"\xff", shape)
    shape = _XML_START_TAG.sub(b"\x01", shape).translate(None, _NOT_SIGNS)
    depth = max(itertools.accumulate(memoryview(shape).cast("b")), default=0)
    if depth > _MAX_XML_DEPTH:
        raise ParseError(
            name,
            f"XML elements nested {depth} deep, more than {_MAX_XML_DEPTH};"
            " refused (too slow to parse)",
        )


def _check_jsonld_contexts(name: str, data: bytes) -> None:
    """Refuse a JSON-LD document whose context must be fetched (URL or file name)."""
    if b"@context" not in data and b"@import" not in data:
        return
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return  # pyoxigraph reports the syntax error with its position
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key in ("@context", "@import"):
                value = node.get(key)
                refs = value if isinstance(value, list) else [value]
                for ref in refs:
                    if isinstance(ref, str):
                        position = data.find(json.dumps(ref).encode("utf-8"))
                        raise NetworkRefusedError(
                            f"{name}:{_line_of(data, max(position, 0))}: JSON-LD {key} {ref!r}"
                            " would have to be fetched; coopgraph never fetches contexts:"
                            " inline the context in the file"
                        )
            stack.extend(node.values())


# --------------------------------------------------------------------------- terms


def to_rdflib(term: object) -> rdflib.term.Node:
    """The rdflib term for a pyoxigraph term (the default graph becomes rdflib's default graph id).

    Literals keep their lexical form exactly (no rdflib normalization), ill-typed
    ones included, without rdflib's warnings. Raises InputError for what rdflib
    cannot represent (RDF 1.2 triple terms and literals with a base direction).
    """
    # Only typed literals can make rdflib warn: the IRIs, blank nodes and strings that rows of
    # query results mostly hold skip the quiet context, which costs more than the conversion.
    if type(term) is ox.Literal and not term.language and term.datatype.value != _XSD_STRING:
        with _rdflib_quiet():
            return _term_to_rdflib(term)
    return _term_to_rdflib(term)


@contextlib.contextmanager
def _rdflib_quiet() -> Iterator[None]:
    """Silence rdflib about ill-typed literals ("2019-5-4"^^xsd:date).

    rdflib logs each one with a full traceback (to stderr when logging is not
    configured); reporting them is the job of SHACL validation, not of reading.
    """
    logger = logging.getLogger("rdflib.term")
    disabled = logger.disabled
    logger.disabled = True
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module=r"rdflib\.")
            yield
    finally:
        logger.disabled = disabled


def _term_to_rdflib(term: object) -> rdflib.term.Node:
    kind = type(term)
    if kind is ox.NamedNode:
        return rdflib.URIRef(term.value)
    if kind is ox.BlankNode:
        return rdflib.BNode(term.value)
    if kind is ox.Literal:
        if term.direction is not None:
            raise InputError(f"literal {term} has a base direction, which rdflib cannot hold")
        if term.language:
            return rdflib.Literal(term.value, lang=term.language, normalize=False)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:  # rdflib writes simple literals without a datatype
            return rdflib.Literal(term.value, normalize=False)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype), normalize=False)
    if kind is ox.DefaultGraph:
        return DATASET_DEFAULT_GRAPH_ID
    if kind is ox.Triple:
        raise InputError(f"RDF 1.2 triple term {term} is not supported by rdflib")
    raise InputError(f"cannot convert {term!r} to an rdflib term")


def from_rdflib(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph:
    """The pyoxigraph term for an rdflib term (or an rdflib Graph, meaning its name).

    Raises InputError for terms pyoxigraph refuses (invalid IRIs or language tags,
    variables, formulas).
    """
    if isinstance(term, rdflib.Graph):
        term = term.identifier
    try:
        if isinstance(term, rdflib.Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is not None:
                return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            return ox.Literal(str(term))
        if isinstance(term, rdflib.BNode):
            try:
                return ox.BlankNode(str(term))
            except ValueError:  # rdflib allows any string as a blank node id
                return ox.BlankNode(hashlib.sha1(str(term).encode("utf-8")).hexdigest())
        if isinstance(term, rdflib.URIRef):
            if term == DATASET_DEFAULT_GRAPH_ID:
                return ox.DefaultGraph()
            return ox.NamedNode(str(term))
    except ValueError as error:
        shown = f"<{term}>" if isinstance(term, rdflib.URIRef) else repr(str(term))
        raise InputError(f"cannot use {shown} in RDF: {_one_line(str(error))}") from None
    raise InputError(f"cannot convert {term!r} to an RDF term")


class _ToRdflib:
    """to_rdflib with a cache (IRIs and literals repeat a lot); use inside _rdflib_quiet()."""

    def __init__(self) -> None:
        self.cache: dict[object, rdflib.term.Node] = {}

    def __call__(self, term: object) -> rdflib.term.Node:
        node = self.cache.get(term)
        if node is None:
            node = self.cache[term] = _term_to_rdflib(term)
        return node


class _FromRdflib:
    """from_rdflib with a cache."""

    def __init__(self) -> None:
        self.cache: dict[object, object] = {}

    def __call__(self, term: object) -> object:
        node = self.cache.get(term)
        if node is None:
            node = self.cache[term] = from_rdflib(term)
        return node


# --------------------------------------------------------------------------- writing


def serialize(
    graph: RdfData,
    fmt: str,
    *,
    context: dict[str, object] | None = None,
    expanded: bool = False,
) -> str:
    """The text of ``graph`` (rdflib Graph/Dataset or pyoxigraph quads) in format ``fmt``.

    Triple formats (turtle, nt, xml, n3) receive the union of all named graphs.
    JSON-LD is compacted with ``context``, by default the published coopgraph context (it must
    be inline: a context that refers to a URL is refused, never fetched); ``expanded`` writes
    flat expanded JSON-LD without a context instead, about ten times faster on large data.
    """
    return _serialize(graph, _canonical_format(fmt, None), context, expanded).decode("utf-8")


def write(
    graph_or_quads: RdfData,
    destination: StrPath | IO[str] | IO[bytes],
    fmt: str | None = None,
    *,
    context: dict[str, object] | None = None,
    expanded: bool = False,
) -> None:
    """Write RDF to a file (format from ``fmt`` or the extension) or to an open stream.

    JSON-LD is compacted as :func:`serialize` says. The whole document is serialized before the
    destination is opened, so a failure never leaves a truncated file behind.
    """
    is_stream = hasattr(destination, "write")
    name = getattr(destination, "name", "<stream>") if is_stream else os.fspath(destination)
    if is_stream and fmt is None:
        raise InputError(f"{name}: give the RDF format to write to a stream")
    data = _serialize(graph_or_quads, detect_format(str(name), fmt), context, expanded)
    if is_stream:
        if isinstance(destination, io.TextIOBase):
            destination.write(data.decode("utf-8"))
        else:
            destination.write(data)
        return
    try:
        with open(name, "wb") as stream:
            stream.write(data)
    except OSError as error:
        raise InputError(f"{name}: cannot write: {error.strerror or error}") from None


def _serialize(data: RdfData, fmt: str, context: dict[str, object] | None, expanded: bool) -> bytes:
    if fmt == "json-ld" and not expanded:
        return _jsonld_with_context(data, jsonld_context() if context is None else context)
    quads, prefixes = _to_quads(data)
    # Sorted output groups each subject's statements (compact Turtle) and is stable to diff.
    quads.sort(key=_sort_key)
    if fmt in _DATASET_FORMATS:
        statements: Iterable[ox.Quad | ox.Triple] = quads
    else:  # a triple format: the union of all graphs, without duplicates
        statements = list(dict.fromkeys(q.triple for q in quads))
        if fmt == "xml":
            _check_xml_statements(statements)
    used = _used_prefixes(quads, prefixes) if fmt in ("turtle", "trig", "xml", "n3") else None
    try:
        text = ox.serialize(statements, format=_OX_FORMATS[fmt], prefixes=used)
    except (ValueError, TypeError) as error:
        raise InputError(f"cannot write {fmt}: {_one_line(str(error))}") from None
    return text if text.endswith(b"\n") else text + b"\n"  # JSON-LD comes without one


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _sort_key(quad: ox.Quad) -> tuple[str, bool, str, bool, str, str]:
    """Graph, then subjects (IRIs before blank nodes), rdf:type first, then the rest."""
    subject = quad.subject
    return (
        str(quad.graph_name),
        type(subject) is not ox.NamedNode,
        str(subject),
        quad.predicate != _RDF_TYPE,
        quad.predicate.value,
        str(quad.object),
    )


def _to_quads(data: RdfData) -> tuple[list[ox.Quad], dict[str, str]]:
    """pyoxigraph quads for any accepted input, with the prefixes worth declaring."""
    prefixes = dict(PREFIXES)
    if isinstance(data, rdflib.Graph):
        for prefix, namespace in data.namespaces():
            if prefix not in prefixes and str(namespace) not in prefixes.values():
                prefixes[prefix] = str(namespace)
        convert = _FromRdflib()
        if isinstance(data, rdflib.ConjunctiveGraph):
            return [
                ox.Quad(convert(s), convert(p), convert(o), convert(g))
                for s, p, o, g in data.quads((None, None, None, None))
            ], prefixes
        return [ox.Quad(convert(s), convert(p), convert(o)) for s, p, o in data], prefixes
    quads = []
    for statement in data:
        if isinstance(statement, ox.Quad):
            quads.append(statement)
        elif isinstance(statement, ox.Triple):
            quads.append(ox.Quad(statement.subject, statement.predicate, statement.object))
        else:
            raise InputError(f"cannot write {statement!r}: not an RDF triple or quad")
    return quads, prefixes


_PN_PREFIX = re.compile(r"^([A-Za-z\u00C0-\uFFFF]([\w.\-\u00B7]*[\w\-\u00B7])?)?$")


def _used_prefixes(quads: list[ox.Quad], prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes whose namespace some IRI ends in (no list of 30 unused declarations)."""
    namespaces: set[str] = set()
    seen: set[str] = set()
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if type(term) is ox.Literal:
                term = term.datatype
            if type(term) is ox.NamedNode:
                iri = term.value
                if iri not in seen:
                    seen.add(iri)
                    cut = max(iri.rfind("/"), iri.rfind("#"), iri.rfind(":"))
                    namespaces.add(iri[: cut + 1])
    used = {}
    for prefix, namespace in prefixes.items():
        if namespace in namespaces and _PN_PREFIX.match(prefix):
            try:
                ox.NamedNode(namespace)
            except ValueError:
                continue
            used[prefix] = namespace
    return used


_XML_LOCAL_NAME = re.compile(r"[^\W\d][\w.\-\u00B7]*$")


NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""A character an XML 1.0 document cannot hold, not even as a character reference."""


def _check_xml_statements(triples: Iterable[ox.Triple]) -> None:
    """Refuse what RDF/XML cannot write: a predicate that does not end in an XML name (it is
    written as namespace + name), and text with a character XML 1.0 does not allow (the file
    would be written, and be malformed)."""
    checked: set[str] = set()
    for triple in triples:
        iri = triple.predicate.value
        if iri not in checked:
            checked.add(iri)
            if not _XML_LOCAL_NAME.search(iri):
                raise InputError(
                    f"cannot write predicate <{iri}> in RDF/XML: it does not end in a valid"
                    " XML name; use turtle, nt or json-ld"
                )
        for term in triple:
            found = NOT_XML_CHAR.search(getattr(term, "value", ""))
            if found:
                raise InputError(
                    f"cannot write {term} in RDF/XML: XML 1.0 cannot hold the character"
                    f" U+{ord(found.group()):04X}; use turtle, nt or json-ld"
                )


class _LoopingConverter(Converter):
    """rdflib's JSON-LD converter, with the blank nodes it meets as objects queued rather than
    processed by recursion: it went one call deeper per node of a chain and a chain of about
    300 blank nodes raised RecursionError. It never embeds them, so the nodes are the same."""

    def from_graph(self, graph: rdflib.Graph) -> list[Any]:
        self._pending: list[rdflib.BNode] = []
        nodemap: dict[Any, Any] = {}
        for subject in set(graph.subjects()):
            # as rdflib: IRIs and unreferenced blank nodes; the others are reached from them
            if isinstance(subject, rdflib.URIRef) or (
                isinstance(subject, rdflib.BNode) and not any(graph.subjects(None, subject))
            ):
                self.process_subject(graph, subject, nodemap)
            while self._pending:
                self.process_subject(graph, self._pending.pop(), nodemap)
        return list(nodemap.values())

    def to_raw_value(self, graph: rdflib.Graph, s: Any, o: Any, nodemap: dict[str, Any]) -> Any:
        if isinstance(o, rdflib.BNode) and self.to_collection(graph, o) is None:
            self._pending.append(o)
            return {self.context.id_key: o.n3()}
        return super().to_raw_value(graph, s, o, nodemap)


def _jsonld_with_context(data: RdfData, context: dict[str, object]) -> bytes:
    """Compact JSON-LD with rdflib's serializer, after checking the context is all inline."""
    if not isinstance(context, dict):
        raise InputError("a JSON-LD context must be a dict (inline, never a URL)")
    stack: list[object] = [context]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key in ("@context", "@import"):
                value = node.get(key)
                refs = value if isinstance(value, list) else [value]
                if any(isinstance(ref, str) for ref in refs):
                    raise NetworkRefusedError(
                        f"the JSON-LD context refers to {key} {value!r}, which would have"
                        " to be fetched; coopgraph never fetches contexts"
                    )
            stack.extend(node.values())
    if not isinstance(data, rdflib.Graph):
        quads, _ = _to_quads(data)
        convert = _ToRdflib()
        named = any(not isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
        data = rdflib.Dataset() if named else rdflib.Graph()
        try:
            with _rdflib_quiet():
                for q in quads:
                    triple = (convert(q.subject), convert(q.predicate), convert(q.object))
                    data.add((*triple, convert(q.graph_name)) if named else triple)
        except InputError as error:
            raise InputError(f"cannot write json-ld: {error}") from None
    # rdflib's from_rdf() forces "native" JSON numbers whenever a context is active, which
    # turns "1.5e3"^^xsd:double into 1500.0, read back as an xsd:integer: keep lexical forms.
    inner = context.get("@context", context)
    active = Context(inner)
    converter = _LoopingConverter(active, False, False)
    converter.use_native_types = False
    document = _stable_jsonld(converter.convert(data), _JsonLdKeys.of(active, inner))
    if isinstance(document, list):
        document = {"@graph": document}
    document = {"@context": inner, **document}
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


class _JsonLdKeys(NamedTuple):
    id: str
    type: str
    lists: frozenset[str]
    """``@list`` or its alias, and the terms of ``@list`` containers: their order is data."""

    @classmethod
    def of(cls, context: Context, definitions: dict[str, object]) -> _JsonLdKeys:
        lists = {
            name
            for name, definition in definitions.items()
            if isinstance(definition, dict) and "@list" in _as_list(definition.get("@container"))
        }
        return cls(context.id_key, context.type_key, frozenset({context.list_key, *lists}))


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


def _stable_jsonld(value: Any, keys: _JsonLdKeys, ordered: bool = False) -> Any:
    """The same document for the same statements, whatever rdflib's set order in this run.

    A node's id and type come first, its other keys follow by name. Nodes are sorted by id and
    other values by their JSON text, except the members of a list, whose order is data.
    """
    if isinstance(value, dict):
        rank = {keys.id: 0, keys.type: 1}
        names = sorted(value, key=lambda name: (rank.get(name, 2), name))
        return {name: _stable_jsonld(value[name], keys, name in keys.lists) for name in names}
    if isinstance(value, list):
        items = [_stable_jsonld(item, keys) for item in value]
        return items if ordered else sorted(items, key=lambda item: _jsonld_order(item, keys.id))
    return value


def _jsonld_order(item: Any, id_key: str) -> tuple[bool, str]:
    """Nodes by id (unique in a list: rdflib merges a node's statements), then the rest by
    their JSON text."""
    ident = item.get(id_key) if isinstance(item, dict) else None
    if isinstance(ident, str):
        return (False, ident)
    return (True, json.dumps(item, sort_keys=True, ensure_ascii=False))
