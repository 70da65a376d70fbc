"""Turn a table of support relations (CSV) into coopgraph RDF through a declarative mapping.

Conflict-data users keep external support in tables with one row per supporter,
recipient, year and support type (like the UCDP External Support data). A small TOML
mapping file says which column gives what; :func:`load_mapping` reads it and
:func:`convert` turns the table into an rdflib Graph of ``coop:Engagement`` records,
the actors and regions they name, and the ``coop:Source`` they cite. The shipped example
``examples/ucdp-esd-style.mapping.toml`` documents every key in its comments.

The mapping (TOML; ``[provider]``, ``[partner]``, ``[engagement_type]``, ``[dates]`` and
``[source]`` are required, the other sections optional)::

    [table]
    delimiter = ","          # one character; default ","
    language = "en"          # language tag of the labels made from names; default "en"

    [iris]
    namespace = "https://w3id.org/coopgraph/data/"   # of generated IRIs; default data:
    actor_prefix = ""        # actors: <namespace><actor_prefix><slug of the name>
    region_prefix = "region-"  # regions: <namespace><region_prefix><slug of the name>

    [provider]               # and [partner]: who gives and who receives the support
    column = "supporter"     # the actor's name
    lookup = { "USA" = "data:UnitedStates" }   # names of actors declared elsewhere
    create = true            # other names create an actor (default true; false: bad row)
    class = "coop:State"     # the class of created actors, or:
    class_column = "supporter_is_state"        # a column whose codes give the class
    classes = { "1" = "coop:State", "0" = "coop:NonStateArmedGroup" }
    country_code_column = "supporter_iso"      # optional: ISO 3166-1 codes of created actors

    [engagement_type]        # either one column of codes ...
    column = "support_type"
    codes = { W = "ext_w", T = "coop:TrainingAndExpertise" }   # optional
    # ... or yes/no columns, one per type: one engagement per marked column
    columns = ["ext_w", "ext_t"]               # or { weapons = "ext_w", ... }
    marked = ["1"]                             # default ["1"]
    unmarked = ["0", ""]                       # default ["0", ""]

    [dates]                  # either a year per row (start and end of the engagement) ...
    year = "year"
    # ... or start and end columns (YYYY or YYYY-MM-DD; an empty end means ongoing)
    start = "start"
    end = "end"

    [place]                  # optional: a column of region names (lookup/create as actors)
    column = "location"      # or constant = "data:NorthKivu"

    [coalition]              # optional: the coalition the support is given through
    column = "coalition"     # (coop:viaCoalition; lookup/create as for [place]), or
    # constant = "data:GlobalCoalitionAgainstDaesh"

    [formality]              # also [visibility], [support_mode], [arrangement],
    column = "formal"        # [host_state_consent], [confidence]: a column of codes ...
    codes = { "1" = "coop:Formal", "0" = "coop:Informal" }
    # constant = "coop:Formal"   ... or one value for every row

    [source]                 # required: every record cites a coop:Source
    citation = "UCDP External Support Dataset, ..."   # a constant citation, or:
    column = "source"        # a column of citations

Values are IRIs, written in full or as CURIEs with the coopgraph prefixes (``coop:``,
``data:``, ...). An engagement type may also be given by its ``skos:notation`` in the
ontology (``ext_w``, ``ext_t``, ``ext_i``, ...); without ``codes`` the cells themselves
hold notations or CURIEs. Codes are compared exactly; an empty cell of an optional
column states nothing unless ``codes`` has an entry for ``""`` (the default of the
column, such as ``"" = "coop:BilateralArrangement"``).

Generated IRIs are deterministic, so importing the same table twice gives the same
graph: actors and regions from a slug of the name, engagements ``eng-`` + a hash of
provider, partner, type, dates and place, sources ``src-`` + a hash of the citation. The
slug keeps the name's letters and digits, of any script, in lower case (IRIs, RFC 3987,
allow them) and turns every other run of characters into one ``-``; Latin letters lose
their accents, as they always did: ``United States`` -> ``united-states``, ``Café`` ->
``cafe``, ``日本`` -> ``日本``, ``حزب الله`` -> ``حزب-الله``, ``Группа Вагнера`` ->
``группа-вагнера``. A name with no letter or digit (``???``) makes no IRI: give its IRI
in the section's ``lookup`` table.

Bad rows are collected (all of them, not just the first) as :class:`RowError` with the
row number a spreadsheet shows (the header is row 1; a quoted cell that spans lines is
still one row) and the column; :func:`convert`
returns them with the graph of the good rows. A bad mapping raises
:class:`MappingError`, one line naming the mapping file and the key.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import IO, NoReturn

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from coopgraph import rdfio
from coopgraph.errors import InputError
from coopgraph.vocab import COOP, DATA, PREFIXES, ontology_file

__all__ = [
    "ImportResult",
    "Mapping",
    "MappingError",
    "RowError",
    "convert",
    "load_mapping",
    "write_output",
]

StrPath = str | os.PathLike[str]


class MappingError(InputError):
    """The mapping file cannot be used; the message names the file and the key (exit 2)."""


@dataclass(frozen=True)
class RowError:
    """A bad row: its number as a spreadsheet shows it (header = row 1), the column, why."""

    row: int
    column: str
    message: str

    def format(self, table: str) -> str:
        return f"{table}:{self.row}:{self.column}: {self.message}"


@dataclass
class ImportResult:
    """The graph of the good rows, the bad rows, and how many rows and engagements."""

    graph: Graph
    errors: list[RowError]
    rows: int
    engagements: int


# --------------------------------------------------------------------------- the ontology


@dataclass(frozen=True)
class _Vocabulary:
    """What the mapping may refer to, read from the bundled ontology."""

    engagement_types: dict[URIRef, str]  # type -> English label
    notations: dict[str, URIRef]
    actor_classes: frozenset[URIRef]
    individuals: dict[URIRef, frozenset[URIRef]]  # class -> its individuals


@cache
def _vocabulary() -> _Vocabulary:
    with resources.as_file(ontology_file()) as path:
        ontology = rdfio.read_graph(path)
    types = {
        t: _english_label(ontology, t) for t in ontology.subjects(RDF.type, COOP.EngagementType)
    }
    notations = {str(n): t for t in types for n in ontology.objects(t, SKOS.notation)}
    actor_classes = frozenset(ontology.transitive_subjects(RDFS.subClassOf, COOP.Actor))
    individuals = {
        cls: frozenset(s for s in ontology.subjects(RDF.type, cls) if isinstance(s, URIRef))
        for _, cls, _ in _CODED_SECTIONS.values()
    }
    return _Vocabulary(types, notations, actor_classes, individuals)


def _english_label(graph: Graph, term: URIRef) -> str:
    labels = [label for label in graph.objects(term, RDFS.label) if isinstance(label, Literal)]
    english = [str(label) for label in labels if label.language == "en"]
    return (english or [str(label) for label in labels] or [_local_name(term)])[0]


def _local_name(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


# --------------------------------------------------------------------------- the mapping


@dataclass(frozen=True)
class _ActorSpec:
    """How one column names an actor (or a region, with the class fixed to coop:Region)."""

    key: str
    column: str | None
    constant: URIRef | None
    lookup: dict[str, URIRef]
    create: bool
    prefix: str
    cls: URIRef | None
    class_column: str | None
    classes: dict[str, URIRef]
    country_code_column: str | None


@dataclass(frozen=True)
class _CodedSpec:
    """A value from a column of codes, or a constant."""

    key: str
    column: str | None
    codes: dict[str, URIRef] | None
    constant: URIRef | None


@dataclass(frozen=True)
class _TypeSpec:
    column: str | None
    codes: dict[str, URIRef] | None
    flag_columns: dict[str, URIRef]
    marked: frozenset[str]
    unmarked: frozenset[str]


@dataclass(frozen=True)
class _DateSpec:
    year: str | None
    start: str | None
    end: str | None


@dataclass(frozen=True)
class Mapping:
    """A checked mapping file (see the module docstring for its format)."""

    path: str
    delimiter: str
    language: str
    namespace: str
    provider: _ActorSpec
    partner: _ActorSpec
    engagement_type: _TypeSpec
    dates: _DateSpec
    place: _ActorSpec | None
    coalition: _ActorSpec | None
    coded: dict[URIRef, _CodedSpec]  # property -> spec: formality, arrangement, ...
    citation: str | None
    citation_column: str | None

    def columns(self) -> dict[str, str]:
        """Every column the mapping reads, with the first key that names it."""
        named: dict[str, str] = {}
        for spec in (self.provider, self.partner, self.place, self.coalition):
            if spec is not None:
                for suffix, column in (
                    ("column", spec.column),
                    ("class_column", spec.class_column),
                    ("country_code_column", spec.country_code_column),
                ):
                    if column is not None:
                        named.setdefault(column, f"{spec.key}.{suffix}")
        if self.engagement_type.column is not None:
            named.setdefault(self.engagement_type.column, "engagement_type.column")
        for column in self.engagement_type.flag_columns:
            named.setdefault(column, "engagement_type.columns")
        for name in ("year", "start", "end"):
            column = getattr(self.dates, name)
            if column is not None:
                named.setdefault(column, f"dates.{name}")
        for spec in self.coded.values():
            if spec.column is not None:
                named.setdefault(spec.column, f"{spec.key}.column")
        if self.citation_column is not None:
            named.setdefault(self.citation_column, "source.column")
        return named


# section -> (property of the engagement, class of its values, what a value is called)
_CODED_SECTIONS: dict[str, tuple[URIRef, URIRef, str]] = {
    "formality": (COOP.formality, COOP.FormalityLevel, "a formality value"),
    "visibility": (COOP.visibility, COOP.Visibility, "a visibility value"),
    "support_mode": (COOP.supportMode, COOP.SupportMode, "a support mode value"),
    "arrangement": (COOP.arrangement, COOP.Arrangement, "an arrangement value"),
    "host_state_consent": (
        COOP.hostStateConsent,
        COOP.ConsentStatus,
        "a host-state consent value",
    ),
    "confidence": (COOP.confidence, COOP.ConfidenceLevel, "a confidence value"),
}

_SECTIONS = frozenset(
    {
        "table",
        "iris",
        "provider",
        "partner",
        "engagement_type",
        "dates",
        "place",
        "coalition",
        "source",
        *_CODED_SECTIONS,
    }
)


class _Reader:
    """Typed access to the keys of a TOML table, with errors naming the file and the key."""

    def __init__(self, path: str, table: dict[str, object], prefix: str, keys: set[str]) -> None:
        self.path = path
        self.table = table
        self.prefix = prefix
        unknown = sorted(set(table) - keys)
        if unknown:
            self.fail(unknown[0], f"unknown key; known keys: {', '.join(sorted(keys))}")

    def fail(self, key: str, message: str) -> NoReturn:
        raise MappingError(f"{self.path}: key '{self.prefix}{key}': {message}")

    def has(self, key: str) -> bool:
        return key in self.table

    def string(self, key: str, default: str | None = None) -> str | None:
        value = self.table.get(key, default)
        if value is not None and not isinstance(value, str):
            self.fail(key, "must be a string")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
        return value

    def strings(self, key: str, default: list[str]) -> list[str]:
        value = self.table.get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, "must be a list of strings")
        return value

    def string_table(self, key: str) -> dict[str, str] | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.fail(key, 'must be a table of strings, such as { code = "coop:Term" }')
        return value

    def iri(self, key: str, text: str) -> URIRef:
        """An IRI written in full or as a CURIE with a coopgraph prefix."""
        prefix, colon, rest = text.partition(":")
        if colon and prefix in PREFIXES and not rest.startswith("//"):
            return URIRef(PREFIXES[prefix] + rest)
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"{}|\\^`]+$", text):
            return URIRef(text)
        self.fail(
            key,
            f"{text!r} is not an IRI or a CURIE with a known prefix"
            f" ({', '.join(p + ':' for p in PREFIXES)})",
        )

    def member(self, key: str, text: str, allowed: frozenset[URIRef], what: str) -> URIRef:
        iri = self.iri(key, text)
        if iri not in allowed:
            names = ", ".join(sorted(_curie(a) for a in allowed))
            self.fail(key, f"{text!r} is not {what}; one of: {names}")
        return iri

    def section(self, key: str, keys: set[str], required: bool = True) -> _Reader | None:
        value = self.table.get(key)
        if value is None:
            if required:
                self.fail(key, "missing section")
            return None
        if not isinstance(value, dict):
            self.fail(key, "must be a section ([" + key + "])")
        return _Reader(self.path, value, f"{self.prefix}{key}.", keys)


def _curie(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


def load_mapping(path: StrPath) -> Mapping:
    """Read and check a mapping file; raise MappingError (one line, file and key) if unusable."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as stream:
            document = tomllib.load(stream)
    except FileNotFoundError:
        raise MappingError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise MappingError(f"{name}: is a directory, not a mapping file") from None
    except OSError as error:
        raise MappingError(f"{name}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise MappingError(f"{name}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"{name}: invalid TOML: {error}") from None
    vocabulary = _vocabulary()
    root = _Reader(name, document, "", set(_SECTIONS))

    table = root.section("table", {"delimiter", "language"}, required=False)
    delimiter = (table.string("delimiter", ",") if table else ",") or ","
    if len(delimiter) != 1 and table is not None:
        table.fail("delimiter", "must be one character")
    language = (table.string("language", "en") if table else "en") or "en"
    if table is not None and not re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", language):
        table.fail("language", f"{language!r} is not a language tag such as 'en'")

    iris = root.section("iris", {"namespace", "actor_prefix", "region_prefix"}, required=False)
    namespace = str(DATA)
    actor_prefix, region_prefix = "", "region-"
    if iris is not None:
        namespace = str(iris.iri("namespace", iris.string("namespace", str(DATA)) or ""))
        if not namespace.endswith(("/", "#")):
            iris.fail("namespace", "must end in '/' or '#'")
        actor_prefix = iris.string("actor_prefix", actor_prefix) or ""
        region_prefix = iris.string("region_prefix", region_prefix) or ""
        for key, value in (("actor_prefix", actor_prefix), ("region_prefix", region_prefix)):
            if value and not re.fullmatch(r"[A-Za-z0-9_.-]+", value):
                iris.fail(key, "may hold only letters, digits, '_', '.' and '-'")

    provider = _actor_spec(root, "provider", actor_prefix, vocabulary)
    partner = _actor_spec(root, "partner", actor_prefix, vocabulary)
    coded = {}
    for key, (prop, cls, what) in _CODED_SECTIONS.items():
        spec = _coded_spec(root, key, vocabulary.individuals[cls], what)
        if spec is not None:
            coded[prop] = spec

    source = root.section("source", {"citation", "column"})
    citation, citation_column = source.string("citation"), source.string("column")
    if (citation is None) == (citation_column is None):
        source.fail("citation", "give either a constant citation or a column, not both")
    if citation is not None and not citation.strip():
        source.fail("citation", "must not be empty")

    return Mapping(
        path=name,
        delimiter=delimiter,
        language=language,
        namespace=namespace,
        provider=provider,
        partner=partner,
        engagement_type=_type_spec(root, vocabulary),
        dates=_date_spec(root),
        place=_optional_spec(root, "place", COOP.Region, region_prefix),
        coalition=_optional_spec(root, "coalition", COOP.Coalition, actor_prefix),
        coded=coded,
        citation=citation,
        citation_column=citation_column,
    )


def _actor_spec(root: _Reader, key: str, prefix: str, vocabulary: _Vocabulary) -> _ActorSpec:
    keys = {"column", "lookup", "create", "class", "class_column", "classes", "country_code_column"}
    section = root.section(key, keys)
    column = section.string("column")
    if column is None:
        section.fail("column", "missing: the column that names the actor")
    lookup = {
        name: section.iri("lookup", value)
        for name, value in (section.string_table("lookup") or {}).items()
    }
    create = section.boolean("create", True)
    cls, class_column, classes = None, section.string("class_column"), {}
    if section.has("class"):
        cls = section.member(
            "class", section.string("class") or "", vocabulary.actor_classes, "an actor class"
        )
    if class_column is not None:
        table = section.string_table("classes")
        if not table:
            section.fail("classes", "missing: the classes that the codes of class_column give")
        classes = {
            code: section.member("classes", value, vocabulary.actor_classes, "an actor class")
            for code, value in table.items()
        }
    elif section.has("classes"):
        section.fail("classes", "needs class_column, the column whose codes it maps")
    if create and (cls is None) == (class_column is None):
        section.fail("class", "give the class of created actors: class or class_column")
    return _ActorSpec(
        key=key,
        column=column,
        constant=None,
        lookup=lookup,
        create=create,
        prefix=prefix,
        cls=cls,
        class_column=class_column,
        classes=classes,
        country_code_column=section.string("country_code_column"),
    )


def _optional_spec(root: _Reader, key: str, cls: URIRef, prefix: str) -> _ActorSpec | None:
    """[place] (regions) or [coalition]: a column of names or a constant; empty cells: none."""
    section = root.section(key, {"column", "constant", "lookup", "create"}, required=False)
    if section is None:
        return None
    column, constant = section.string("column"), section.string("constant")
    if (column is None) == (constant is None):
        section.fail("column", f"give either a column of names or a constant {key}")
    return _ActorSpec(
        key=key,
        column=column,
        constant=section.iri("constant", constant) if constant is not None else None,
        lookup={
            name: section.iri("lookup", value)
            for name, value in (section.string_table("lookup") or {}).items()
        },
        create=section.boolean("create", True),
        prefix=prefix,
        cls=cls,
        class_column=None,
        classes={},
        country_code_column=None,
    )


def _coded_spec(
    root: _Reader, key: str, allowed: frozenset[URIRef], what: str
) -> _CodedSpec | None:
    section = root.section(key, {"column", "codes", "constant"}, required=False)
    if section is None:
        return None
    column, constant = section.string("column"), section.string("constant")
    if (column is None) == (constant is None):
        section.fail("column", "give either a column (with codes) or a constant")
    codes = section.string_table("codes")
    if column is not None and codes is None:
        section.fail("codes", "missing: the values that the codes of the column stand for")
    if constant is not None and codes is not None:
        section.fail("codes", "a constant needs no codes")
    return _CodedSpec(
        key=key,
        column=column,
        codes={c: section.member("codes", v, allowed, what) for c, v in (codes or {}).items()}
        if codes is not None
        else None,
        constant=section.member("constant", constant, allowed, what) if constant else None,
    )


def _engagement_type(section: _Reader, key: str, text: str, vocabulary: _Vocabulary) -> URIRef:
    """An engagement type by notation (ext_w) or IRI (coop:WeaponsSupply)."""
    if text in vocabulary.notations:
        return vocabulary.notations[text]
    allowed = frozenset(vocabulary.engagement_types)
    if ":" not in text:
        notations = ", ".join(sorted(vocabulary.notations))
        section.fail(key, f"{text!r} is not an engagement type notation ({notations}) or IRI")
    return section.member(key, text, allowed, "an engagement type")


def _type_spec(root: _Reader, vocabulary: _Vocabulary) -> _TypeSpec:
    section = root.section("engagement_type", {"column", "codes", "columns", "marked", "unmarked"})
    column = section.string("column")
    flags = section.table.get("columns")
    if (column is None) == (flags is None):
        section.fail("column", "give either a column of codes or columns (one per type)")
    codes = section.string_table("codes")
    if flags is not None and codes is not None:
        section.fail("codes", "codes go with column; with columns, map each column to its type")
    if isinstance(flags, list) and all(isinstance(f, str) for f in flags):
        flags = {f: f for f in flags}
    if flags is not None and not (
        isinstance(flags, dict) and flags and all(isinstance(v, str) for v in flags.values())
    ):
        section.fail("columns", "must be a list of notations or a table { column = type }")
    marked = frozenset(section.strings("marked", ["1"]))
    unmarked = frozenset(section.strings("unmarked", ["0", ""]))
    if marked & unmarked:
        section.fail("unmarked", f"{sorted(marked & unmarked)[0]!r} is also marked")
    return _TypeSpec(
        column=column,
        codes={c: _engagement_type(section, "codes", v, vocabulary) for c, v in codes.items()}
        if codes is not None
        else None,
        flag_columns={
            c: _engagement_type(section, "columns", v, vocabulary) for c, v in (flags or {}).items()
        },
        marked=marked,
        unmarked=unmarked,
    )


def _date_spec(root: _Reader) -> _DateSpec:
    section = root.section("dates", {"year", "start", "end"})
    year, start, end = section.string("year"), section.string("start"), section.string("end")
    if year is not None and (start is not None or end is not None):
        section.fail("year", "give either year or start (and end), not both")
    if year is None and start is None:
        section.fail("start", "missing: give the column of the year or of the start date")
    return _DateSpec(year, start, end)


# --------------------------------------------------------------------------- converting


class _BadCell(Exception):
    """A cell that cannot be converted; caught per row and turned into a RowError."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass
class _Node:
    """An actor or region the import creates, and the row that first created it."""

    name: str
    cls: URIRef
    row: int
    country_code: str | None = None


@dataclass
class _State:
    """What earlier good rows created, so later rows can be checked against it."""

    nodes: dict[URIRef, _Node] = field(default_factory=dict)
    engagements: dict[URIRef, int] = field(default_factory=dict)


_YEAR = re.compile(r"\d{4}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LINE_END = re.compile(r"\r\n|\r|\n")  # as the csv module counts lines


def _slug(name: str) -> str:
    """The name's letters and digits, lower case, every other run of characters one '-'.

    Letters and digits of any script are kept: the slug ends an IRI (RFC 3987), and letters,
    digits and combining marks are IRI characters (ucschar). Accents on Latin letters are
    dropped (compatibility decomposition, NFKD): Café -> cafe, Côte d'Ivoire ->
    cote-d-ivoire, as slugs always were. Other letters keep their marks (Йемен -> йемен, not
    иемен) and the slug is NFC, so a name gives the same slug however it is encoded.
    Variation selectors only choose a glyph (and those from U+E0100 are no IRI characters).
    """
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", name).lower():
        kind = unicodedata.category(char)[0]
        if kind == "M":  # a combining mark: kept with a letter that has no ASCII form
            if not kept or kept[-1].isascii() or "VARIATION SELECTOR" in unicodedata.name(char):
                continue
        elif kind not in "LN":
            char = "-"
        if char != "-" or (kept and kept[-1] != "-"):
            kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).strip("-")


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def _read_rows(table: str, delimiter: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the numbered records (spreadsheet numbering: the header is row 1)."""
    try:
        with open(table, encoding="utf-8-sig", newline="") as stream:
            lines = stream.readlines()  # as csv reads a file: each ends with \r\n, \r or \n
    except FileNotFoundError:
        raise InputError(f"{table}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{table}: is a directory, not a table") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{table}: not UTF-8 text (byte offset {error.start})") from None
    except OSError as error:
        raise InputError(f"{table}: cannot read: {error.strerror or error}") from None
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    read = 0  # the lines of the records read so far
    try:
        for record in reader:
            records.append(record)
            read = reader.line_num
    except csv.Error as error:
        row = len(records) + 1
        if str(error) == "unexpected end of data":  # the file ends inside a quoted cell
            raise _unclosed_quote(
                table, row, read, lines, records[0] if records else [], delimiter
            ) from None
        raise InputError(
            f"{table}:{row}: malformed CSV: {error} (line {reader.line_num})"
        ) from None
    if not records:
        raise InputError(f"{table}: empty table (no header row)")
    header = [name.strip() for name in records[0]]
    duplicates = sorted({n for n in header if header.count(n) > 1})
    if duplicates:
        raise InputError(f"{table}:1: column {duplicates[0]!r} appears twice in the header")
    return header, ((number, record) for number, record in enumerate(records[1:], start=2))


def _unclosed_quote(
    table: str, row: int, read: int, lines: list[str], header: list[str], delimiter: str
) -> InputError:
    """The error for a quoted cell that the end of the file leaves open, naming that cell.

    ``read`` lines precede the row; read leniently, the row ends with the open cell.
    """
    cells = next(csv.reader(lines[read:], delimiter=delimiter))
    names = [name.strip() for name in header]
    index = len(cells) - 1
    column = names[index] if index < len(names) else f"cell {index + 1}"
    line = read + 1 + sum(len(_LINE_END.findall(cell)) for cell in cells[:-1])
    return InputError(
        f"{table}:{row}:{column}: malformed CSV: the quote that opens this cell on line {line}"
        " is never closed"
    )


def convert(table: StrPath, mapping: Mapping) -> ImportResult:
    """Convert a CSV table with a mapping: the graph of the good rows and every bad row.

    Raises InputError when the table cannot be read or lacks a column the mapping names.
    """
    name = os.fspath(table)
    header, records = _read_rows(name, mapping.delimiter)
    for column, key in mapping.columns().items():
        if column not in header:
            raise InputError(
                f"{name}: no column {column!r} (named by key '{key}' of {mapping.path});"
                f" the header has: {', '.join(header)}"
            )
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    state = _State()
    errors: list[RowError] = []
    rows = engagements = 0
    for number, record in records:
        if not any(cell.strip() for cell in record):
            continue  # blank lines, as spreadsheets leave them at the end
        rows += 1
        if len(record) != len(header):
            errors.append(
                RowError(
                    number,
                    header[-1] if len(record) > len(header) else header[len(record)],
                    f"the row has {len(record)} cells, the header {len(header)}",
                )
            )
            continue
        row = {column: cell.strip() for column, cell in zip(header, record, strict=True)}
        row_errors, triples = _convert_row(number, row, mapping, state)
        errors.extend(row_errors)
        if not row_errors:
            for triple in triples:
                graph.add(triple)
            engagements += sum(1 for t in triples if t[1] == RDF.type and t[2] == COOP.Engagement)
    return ImportResult(graph, errors, rows, engagements)


_Triple = tuple[URIRef, URIRef, URIRef | Literal]


def _convert_row(
    number: int, row: dict[str, str], mapping: Mapping, state: _State
) -> tuple[list[RowError], list[_Triple]]:
    """The triples of one row, or its errors (every bad cell, in column order)."""
    errors: list[RowError] = []
    triples: list[_Triple] = []
    new_nodes: dict[URIRef, _Node] = {}

    def attempt(function: Callable[[], object]) -> object:
        try:
            return function()
        except _BadCell as bad:
            errors.append(RowError(number, bad.column, bad.message))
            return None

    provider = attempt(lambda: _actor(mapping.provider, row, number, mapping, state, new_nodes))
    partner = attempt(lambda: _actor(mapping.partner, row, number, mapping, state, new_nodes))
    types = attempt(lambda: _types(mapping.engagement_type, row))
    period = attempt(lambda: _period(mapping.dates, row))
    place, coalition = (
        None
        if spec is None
        else attempt(lambda spec=spec: _actor(spec, row, number, mapping, state, new_nodes))
        for spec in (mapping.place, mapping.coalition)
    )
    coded = {
        prop: attempt(lambda spec=spec: _coded(spec, row)) for prop, spec in mapping.coded.items()
    }
    citation = mapping.citation
    if mapping.citation_column is not None:
        citation = row[mapping.citation_column]
        if not citation:
            errors.append(
                RowError(number, mapping.citation_column, "empty; every record needs a source")
            )
    if provider is not None and provider == partner:
        errors.append(
            RowError(
                number,
                mapping.partner.column or "",
                f"the partner is the provider ({_curie(provider)});"
                " an engagement is between different actors",
            )
        )
    if errors:
        return sorted(errors, key=lambda e: _column_order(e.column, row)), []
    assert isinstance(provider, URIRef) and isinstance(partner, URIRef)
    assert isinstance(types, list) and isinstance(period, tuple) and citation is not None

    source = URIRef(f"{mapping.namespace}src-{_hash(citation)}")
    triples += [
        (source, RDF.type, COOP.Source),
        (source, DCTERMS.bibliographicCitation, Literal(citation)),
    ]
    for iri, node in new_nodes.items():
        triples += [
            (iri, RDF.type, node.cls),
            (iri, RDFS.label, Literal(node.name, lang=mapping.language)),
        ]
        if node.cls != COOP.Region:
            triples.append((iri, COOP.hasSource, source))
        if node.country_code:
            triples.append((iri, COOP.countryCode, Literal(node.country_code)))
    start, end = period
    vocabulary = _vocabulary()
    new_engagements: dict[URIRef, int] = {}
    for engagement_type, type_column in types:
        key = [provider, partner, engagement_type, start or "", end or "", place or ""]
        engagement = URIRef(f"{mapping.namespace}eng-{_hash(*map(str, key))}")
        earlier = state.engagements.get(engagement) or new_engagements.get(engagement)
        if earlier is not None:
            errors.append(
                RowError(
                    number,
                    type_column,
                    f"repeats the engagement of row {earlier} (same provider, partner, type,"
                    " dates and place)",
                )
            )
            continue
        new_engagements[engagement] = number
        years = _period_label(start, end)
        label = (
            f"{vocabulary.engagement_types[engagement_type]}: "
            f"{row[mapping.provider.column or '']} to {row[mapping.partner.column or '']}{years}"
        )
        triples += [
            (engagement, RDF.type, COOP.Engagement),
            (engagement, RDFS.label, Literal(label, lang=mapping.language)),
            (engagement, COOP.provider, provider),
            (engagement, COOP.partner, partner),
            (engagement, COOP.engagementType, engagement_type),
            (engagement, COOP.hasSource, source),
        ]
        if start is not None:
            triples.append((engagement, COOP.startDate, start))
        if end is not None:
            triples.append((engagement, COOP.endDate, end))
        if isinstance(place, URIRef):
            triples.append((engagement, COOP.place, place))
        if isinstance(coalition, URIRef):
            triples.append((engagement, COOP.viaCoalition, coalition))
        for prop, value in coded.items():
            if isinstance(value, URIRef):
                triples.append((engagement, prop, value))
    if errors:
        return errors, []
    state.nodes.update(new_nodes)
    state.engagements.update(new_engagements)
    return [], triples


def _column_order(column: str, row: dict[str, str]) -> int:
    columns = list(row)
    return columns.index(column) if column in columns else len(columns)


def _period_label(start: Literal | None, end: Literal | None) -> str:
    if start is None:
        return ""
    if end is None:
        return f" ({start}-)"
    return f" ({start})" if start == end else f" ({start} to {end})"


def _actor(
    spec: _ActorSpec,
    row: dict[str, str],
    number: int,
    mapping: Mapping,
    state: _State,
    new_nodes: dict[URIRef, _Node],
) -> URIRef | None:
    """The IRI of the actor or region a row names, noting the nodes the row creates."""
    if spec.constant is not None:
        return spec.constant
    assert spec.column is not None
    name = row[spec.column]
    if not name:
        if spec.key in ("place", "coalition"):
            return None
        raise _BadCell(spec.column, f"empty; every engagement needs a {spec.key}")
    if name in spec.lookup:
        return spec.lookup[name]
    known = ", ".join(repr(n) for n in sorted(spec.lookup))
    if not spec.create:
        raise _BadCell(spec.column, f"{name!r} is not in the lookup table ({known})")
    slug = _slug(name)
    if not slug:
        raise _BadCell(
            spec.column,
            f"{name!r} has no letter or digit to make an IRI from;"
            f" give its IRI in {spec.key}.lookup",
        )
    iri = URIRef(f"{mapping.namespace}{spec.prefix}{slug}")
    cls = spec.cls
    if spec.class_column is not None:
        code = row[spec.class_column]
        if code not in spec.classes:
            raise _BadCell(
                spec.class_column,
                f"unknown code {code!r}; allowed: {_codes(spec.classes)}",
            )
        cls = spec.classes[code]
    assert cls is not None
    country_code = None
    if spec.country_code_column is not None:
        country_code = row[spec.country_code_column] or None
        if country_code is not None and not re.fullmatch(r"[A-Z]{2}", country_code):
            raise _BadCell(
                spec.country_code_column,
                f"{country_code!r} is not an ISO 3166-1 alpha-2 code (two capital letters)",
            )
    node = _Node(name, cls, number, country_code)
    earlier = new_nodes.get(iri) or state.nodes.get(iri)
    if earlier is None:
        new_nodes[iri] = node
    elif earlier.name != name:
        raise _BadCell(
            spec.column,
            f"{name!r} gives the IRI {_curie(iri)} of {earlier.name!r} (row {earlier.row});"
            f" add one of them to {spec.key}.lookup",
        )
    elif earlier.cls != cls:
        raise _BadCell(
            spec.class_column or spec.column,
            f"{name!r} is a {_curie(cls)} here but a {_curie(earlier.cls)} in row {earlier.row}",
        )
    elif country_code is not None and earlier.country_code not in (None, country_code):
        raise _BadCell(
            spec.country_code_column or spec.column,
            f"country code {country_code!r} of {name!r} differs from"
            f" {earlier.country_code!r} in row {earlier.row}",
        )
    elif country_code is not None and earlier.country_code is None:
        # The first row to give the actor's code states it (with that row's source).
        new_nodes[iri] = _Node(name, cls, earlier.row, country_code)
    return iri


def _codes(codes: dict[str, URIRef]) -> str:
    return ", ".join(repr(code) for code in codes)


def _types(spec: _TypeSpec, row: dict[str, str]) -> list[tuple[URIRef, str]]:
    """The engagement types of a row, each with the column it comes from."""
    vocabulary = _vocabulary()
    if spec.column is not None:
        code = row[spec.column]
        if spec.codes is not None:
            if code not in spec.codes:
                raise _BadCell(spec.column, f"unknown code {code!r}; allowed: {_codes(spec.codes)}")
            return [(spec.codes[code], spec.column)]
        if code in vocabulary.notations:
            return [(vocabulary.notations[code], spec.column)]
        notations = ", ".join(repr(n) for n in sorted(vocabulary.notations))
        raise _BadCell(spec.column, f"unknown code {code!r}; allowed: {notations}")
    marked = []
    for column, engagement_type in spec.flag_columns.items():
        value = row[column]
        if value in spec.marked:
            marked.append((engagement_type, column))
        elif value not in spec.unmarked:
            raise _BadCell(
                column,
                f"{value!r} is neither marked ({', '.join(map(repr, sorted(spec.marked)))})"
                f" nor unmarked ({', '.join(map(repr, sorted(spec.unmarked)))})",
            )
    if not marked:
        first = next(iter(spec.flag_columns))
        raise _BadCell(first, f"no support type is marked in any of {', '.join(spec.flag_columns)}")
    return marked


def _date(column: str, text: str) -> Literal:
    if _YEAR.fullmatch(text):
        return Literal(text, datatype=XSD.gYear)
    if _DATE.fullmatch(text):
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            raise _BadCell(column, f"{text!r} is not a date of the calendar") from None
        return Literal(text, datatype=XSD.date)
    raise _BadCell(column, f"{text!r} is not a year (YYYY) or a date (YYYY-MM-DD)")


def _period(spec: _DateSpec, row: dict[str, str]) -> tuple[Literal | None, Literal | None]:
    if spec.year is not None:
        text = row[spec.year]
        if not text:
            raise _BadCell(spec.year, "empty; every row needs its year")
        if not _YEAR.fullmatch(text):
            raise _BadCell(spec.year, f"{text!r} is not a year (YYYY)")
        year = Literal(text, datatype=XSD.gYear)
        return year, year
    assert spec.start is not None
    start_text = row[spec.start]
    start = _date(spec.start, start_text) if start_text else None
    end = None
    if spec.end is not None and row[spec.end]:
        end = _date(spec.end, row[spec.end])
        if start is None:
            raise _BadCell(spec.start, "empty, but the row has an end date")
        if str(end)[:10].ljust(10, "~") < str(start)[:10]:
            raise _BadCell(spec.end, f"the end {end} is before the start {start}")
    return start, end


def _coded(spec: _CodedSpec, row: dict[str, str]) -> URIRef | None:
    if spec.constant is not None:
        return spec.constant
    assert spec.column is not None and spec.codes is not None
    code = row[spec.column]
    if code in spec.codes:
        return spec.codes[code]
    if not code:
        return None
    raise _BadCell(spec.column, f"unknown code {code!r}; allowed: {_codes(spec.codes)}")


def write_output(
    result: ImportResult, destination: StrPath | IO[str] | IO[bytes], fmt: str | None = None
) -> None:
    """Write the converted graph to a file (any RDF format, by ``fmt`` or the extension) or
    to an open stream such as standard output (``fmt`` required)."""
    rdfio.write(result.graph, destination, fmt)
