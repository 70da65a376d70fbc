"""The ontology reference site: anchors, links, every relation both ways, shapes and queries
in words, knowledge tables, the diagram, imports, no network, the command line.

Two sites are built once per session: the shipped ontology with its shipped shapes and
queries, and a small fixture ontology (tests/fixtures/docs) that uses every kind of class
expression, an unresolvable import, an undefined term, shapes of each kind and a query
file with a broken header.
"""

from __future__ import annotations

import errno
import itertools
import os
import socket
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib.resources import as_file
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from coopgraph.cli import main
from coopgraph.docs import DIAGRAM, PAGE, SiteReport, build_site, default_ontology_files
from coopgraph.docs.diagram import core_diagram
from coopgraph.docs.model import load
from coopgraph.vocab import COOP, ontology_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "docs"
MINI = "https://example.org/mini#"
ZOO = "https://example.org/zoo#"
# Another ontology than coopgraph's, whose only object property has no class as its range:
# there is no diagram to draw.
ZOO_TTL = f"""\
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix zoo: <{ZOO}> .
<https://example.org/zoo> a owl:Ontology ; dcterms:title "Zoo"@en ;
    dcterms:license <https://creativecommons.org/licenses/by/4.0/> .
zoo:Animal a owl:Class ; rdfs:label "animal"@en ; skos:definition "A creature of the zoo."@en .
zoo:Lion a owl:Class ; rdfs:label "lion"@en ; rdfs:subClassOf zoo:Animal .
zoo:Keeper a owl:Class ; rdfs:label "keeper"@en .
zoo:feeds a owl:ObjectProperty ; rdfs:label "feeds"@en ; rdfs:domain zoo:Keeper ;
    rdfs:range zoo:Diet .
"""
NO_DIAGRAM = (
    "No diagram: no object property of the namespace has a domain and a range among its classes."
)


# ----------------------------------------------------------------------------- page model


@dataclass
class Row:
    """A <dt>/<dd> pair of an entry: the title, the top-level list items, the links."""

    title: str = ""
    items: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)


@dataclass
class Entry:
    anchor: str
    classes: str
    text: str = ""
    rows: list[Row] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)

    def row(self, title: str) -> Row:
        matches = [r for r in self.rows if r.title == title]
        assert len(matches) == 1, f"{self.anchor}: rows {[r.title for r in self.rows]}"
        return matches[0]

    def titles(self) -> list[str]:
        return [r.title for r in self.rows]


@dataclass
class TableRow:
    cells: list[str] = field(default_factory=list)
    hrefs: list[list[str]] = field(default_factory=list)


class Page(HTMLParser):
    """The parts of the generated page the tests look at."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.entries: dict[str, Entry] = {}
        self.tables: dict[str, list[TableRow]] = {}
        self._entry: Entry | None = None
        self._field: str | None = None
        self._li_depth = 0
        self._table: str | None = None
        self._cell = False
        self._tags: list[str] = []
        self.feed(text)
        for entry in self.entries.values():
            entry.text = " ".join(entry.text.split())
            for row in entry.rows:
                row.title = " ".join(row.title.split())
                row.items = [" ".join(i.split()) for i in row.items]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if "id" in attributes:
            self.ids.append(attributes["id"])
            if tag == "section" and attributes["id"].startswith("table-"):
                self._table = attributes["id"]
                self.tables[self._table] = []
        if tag == "article":
            self._entry = Entry(attributes["id"], attributes.get("class", ""))
            self.entries[self._entry.anchor] = self._entry
        elif self._entry is not None and tag in ("dt", "dd"):
            self._field = tag
            if tag == "dt":
                self._entry.rows.append(Row())
        elif self._entry is not None and self._field == "dd" and tag == "li":
            self._li_depth += 1
            if self._li_depth == 1:
                self._entry.rows[-1].items.append("")
        if self._table is not None and tag == "tr":
            self.tables[self._table].append(TableRow())
        if self._table is not None and tag == "td":
            self._cell = True
            self.tables[self._table][-1].cells.append("")
            self.tables[self._table][-1].hrefs.append([])
        if "href" in attributes:
            href = attributes["href"]
            self.hrefs.append(href)
            if self._entry is not None:
                self._entry.hrefs.append(href)
                if self._field == "dd":
                    self._entry.rows[-1].hrefs.append(href)
            if self._cell and self._table is not None:
                self.tables[self._table][-1].hrefs[-1].append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._entry = None
        elif tag in ("dt", "dd"):
            self._field = None
        elif tag == "li" and self._field == "dd":
            self._li_depth -= 1
        elif tag == "td":
            self._cell = False
        elif tag == "section" and self._table is not None:
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._entry is not None:
            self._entry.text += data
            if self._field == "dt":
                self._entry.rows[-1].title += data
            elif self._field == "dd" and self._entry.rows[-1].items and self._li_depth >= 1:
                self._entry.rows[-1].items[-1] += data
        if self._cell and self._table is not None:
            self.tables[self._table][-1].cells[-1] += data

    def table_row(self, table: str, first_href: str) -> TableRow:
        rows = [r for r in self.tables[table] if r.hrefs and r.hrefs[0][:1] == [first_href]]
        assert len(rows) == 1, f"{table}: {len(rows)} rows start with {first_href}"
        return rows[0]


@dataclass
class Site:
    report: SiteReport
    directory: Path
    html: str
    page: Page


def _build(directory: Path, **options: object) -> Site:
    report = build_site(directory, **options)  # type: ignore[arg-type]
    html = (directory / PAGE).read_text(encoding="utf-8")
    return Site(report, directory, html, Page(html))


def _mini_options() -> dict[str, object]:
    return {
        "ontology": [FIXTURES / "mini.ttl"],
        "shapes": [FIXTURES / "mini-shapes.ttl"],
        "queries": [FIXTURES / "mini-query.rq", FIXTURES / "bad-header.rq"],
        "namespace": MINI,
    }


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return _build(tmp_path_factory.mktemp("shipped-site"))


@pytest.fixture(scope="session")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return _build(tmp_path_factory.mktemp("mini-site"), **_mini_options())


@pytest.fixture(scope="session")
def ontology() -> Graph:
    """The shipped ontology modules, read independently of the code under test."""
    graph = Graph()
    for file in default_ontology_files():
        graph.parse(data=file.read_text(encoding="utf-8"), format="turtle")
    return graph


def _anchors(iris: object) -> set[str]:
    return {"#" + str(i).removeprefix(str(COOP)) for i in iris}  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- anchors and links


def test_every_term_has_an_entry_anchored_at_its_local_name(shipped: Site, ontology: Graph) -> None:
    expected = {
        str(s).removeprefix(str(COOP))
        for s in ontology.subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(str(COOP))
    }
    terms = {a for a, e in shipped.page.entries.items() if "term" in e.classes.split()}
    assert terms == expected
    for anchor in expected:
        entry = shipped.page.entries[anchor]
        assert entry.hrefs[0] == f"#{anchor}"  # the IRI line links to the entry itself
        assert f"{COOP}{anchor}" in entry.text


@pytest.mark.parametrize("site_name", ["shipped", "mini"])
def test_anchors_are_unique_and_every_internal_link_lands_on_one(
    site_name: str, request: pytest.FixtureRequest
) -> None:
    site: Site = request.getfixturevalue(site_name)
    duplicates = sorted({i for i in site.page.ids if site.page.ids.count(i) > 1})
    assert duplicates == []
    ids = set(site.page.ids)
    fragments = {h[1:] for h in site.page.hrefs if h.startswith("#")}
    assert fragments - ids == set()
    local_files = {h for h in site.page.hrefs if ":" not in h and not h.startswith("#")}
    assert {f for f in local_files if not (site.directory / f).is_file()} == set()
    assert DIAGRAM in local_files
    svg = ET.parse(site.directory / DIAGRAM).getroot()
    svg_links = {a.get("href", "") for a in svg.iter("{http://www.w3.org/2000/svg}a")}
    assert {link.removeprefix(f"{PAGE}#") for link in svg_links} - ids == set()
    assert all(link.startswith(f"{PAGE}#") for link in svg_links)


def test_page_needs_no_script_and_loads_nothing(shipped: Site) -> None:
    html = shipped.html.lower()
    assert "<script" not in html
    assert " onload=" not in html and " onclick=" not in html
    assert "<link" not in html and "@import" not in html
    assert " src=" not in html  # no images, frames or scripts to fetch: the SVG is inline


# ----------------------------------------------------------------------------- class expressions


def test_restriction_is_written_out_with_its_filler(shipped: Site) -> None:
    entry = shipped.page.entries["TerroristDesignation"]
    supers = entry.row("Superclasses")
    assert supers.items == [
        "designation",
        "indicates situation value partner under a terrorist designation",
    ]
    assert supers.hrefs == ["#Designation", "#indicatesSituation", "#UnderTerroristDesignation"]


def test_every_kind_of_class_expression_in_manchester_syntax_with_labels(mini: Site) -> None:
    entries = mini.page.entries
    assert entries["Box"].row("Superclasses").items == [
        "(inverse holds) min 0",
        "colour of value red",
        "holds max 3 item",
        "holds only (item or box)",
        "holds some item",
        "weight some xsd:decimal[>= 0.0]",
    ]
    assert entries["SmallBox"].row("Superclasses").items == [
        "box",
        "colour of some {red, blue}",
        "contains some mini:Ghost",
        "holds exactly 1",
    ]
    assert entries["Item"].row("Equivalent to").items == ["mini:Thing and (not box)"]
    assert entries["contains"].row("Derived along the chain").items == ["holds ∘ contains"]
    assert entries["Red"].row("Used in the axioms of").hrefs == ["#Box", "#SmallBox"]


# ----------------------------------------------------------------------------- both directions


def test_domain_and_range_both_ways(shipped: Site, ontology: Graph) -> None:
    entry = shipped.page.entries["Engagement"]
    domain_of = entry.row("Used as the domain of").hrefs
    assert "#provider" in domain_of
    assert set(domain_of) == _anchors(ontology.subjects(RDFS.domain, COOP.Engagement))
    assert len(domain_of) == len(set(domain_of))
    range_of = entry.row("Used as the range of").hrefs
    assert set(range_of) == _anchors(ontology.subjects(RDFS.range, COOP.Engagement))
    assert shipped.page.entries["provider"].row("Domain").hrefs == ["#Engagement"]
    assert shipped.page.entries["provider"].row("Range").hrefs == ["#Actor"]


def test_inverses_are_shown_from_both_sides(shipped: Site, mini: Site) -> None:
    assert shipped.page.entries["providesIn"].row("Inverse").hrefs == ["#provider"]
    assert shipped.page.entries["provider"].row("Inverse").hrefs == ["#providesIn"]
    assert shipped.page.entries["rivalOf"].row("Inverse").items == [
        "itself (the property is symmetric)"
    ]
    held_by = mini.page.entries["heldBy"]
    assert held_by.row("Domain").items == ["item or box (the range of its inverse holds)"]
    assert held_by.row("Range").items == ["box (the domain of its inverse holds)"]


def test_individuals_show_statements_to_them(shipped: Site, ontology: Graph) -> None:
    entry = shipped.page.entries["Infiltration"]
    carried = entry.row("Inverse of carries risk").hrefs
    assert set(carried) == _anchors(ontology.subjects(COOP.carriesRisk, COOP.Infiltration))
    mitigated = entry.row("Inverse of mitigates").hrefs
    assert set(mitigated) == _anchors(ontology.subjects(COOP.mitigates, COOP.Infiltration))
    assert "#SecureCommunications" in mitigated
    governs = shipped.page.entries["UnderTerroristDesignation"].row("Governed by").hrefs
    assert set(governs) == _anchors(ontology.subjects(COOP.governs, COOP.UnderTerroristDesignation))


def test_skos_notations_and_mappings(shipped: Site, mini: Site) -> None:
    assert shipped.page.entries["IntelligenceSharing"].row("Notation").items == ["064", "ext_i"]
    assert mini.page.entries["Box"].row("Mappings to other vocabularies").items == [
        "exact match https://schema.org/Box",
        "subclass of prov:Entity",
    ]
    assert mini.page.entries["Red"].row("Notation").items == ["R"]


# ----------------------------------------------------------------------------- shapes and queries


def test_shapes_are_written_as_sentences(mini: Site) -> None:
    box_shape = mini.page.entries["shape-BoxShape"]
    assert "Applies to: every instance of box (and of its subclasses)." in box_shape.text
    sentences = [
        "Every box must have exactly 1 colour of value; each must be one of red, blue. "
        "Message: A box has exactly one colour, red or blue.",
        "Each rdfs:label value of every box must be at least 2 characters long and text "
        "matching the pattern ^[a-z].",
        "Every box must have at most 1 value along the inverse of holds; each must be an "
        "instance of box. Severity: info.",
        "Each weight value of every box must be at least 0 and either (a literal of datatype "
        "xsd:decimal) or (a literal of datatype xsd:integer). Severity: warning. Message: The "
        "weight is a number of kilograms, not negative.",
    ]
    assert all(s in box_shape.text for s in sentences)
    anonymous = mini.page.entries["shape-anonymous-1"]
    assert "Applies to: every subject of brighter than." in anonymous.text
    assert "Each brighter than value of every focus node must be an IRI." in anonymous.text
    rule = mini.page.entries["shape-SmallBoxRule"]
    assert (
        "A SPARQL query finds the focus nodes that break this rule: A small box holds a box."
        in rule.text
    )
    # A class shows every shape that applies to it, its own and its superclasses'.
    applying = mini.page.entries["SmallBox"].row("SHACL shapes that apply")
    assert [h for h in applying.hrefs if h.startswith("#shape-")] == [
        "#shape-BoxShape",
        "#shape-SmallBoxRule",
    ]
    assert mini.page.entries["colour"].row("Constrained by SHACL shapes").hrefs == [
        "#shape-BoxShape"
    ]


def test_queries_show_parameters_columns_and_the_terms_they_use(mini: Site) -> None:
    query = mini.page.entries["query-boxes-by-colour"]
    assert query.row("Parameters").items == [
        "colour (IRI, optional; for example mini:Red): The colour (every colour if omitted)."
    ]
    assert query.row("Result columns").items == ["box: The box.", "colour: Its colour."]
    assert query.row("Uses terms").hrefs == ["#colour"]
    assert mini.page.entries["colour"].row("Used in canned queries").hrefs == [
        "#query-boxes-by-colour"
    ]
    broken = mini.page.entries["query-bad-header"]
    assert "bad-header.rq:2: not a header field" in broken.text
    assert any("bad-header.rq: the header could not be read" in w for w in mini.report.warnings)


def test_shipped_queries_all_have_a_readable_header(shipped: Site) -> None:
    queries = [e for e in shipped.page.entries.values() if e.anchor.startswith("query-")]
    assert len(queries) == shipped.report.queries
    assert [q.anchor for q in queries if "could not be read" in q.text] == []


# ----------------------------------------------------------------------------- imports, warnings


def test_unresolvable_import_is_a_warning_in_the_page_not_a_crash(mini: Site) -> None:
    unreachable = "https://example.org/unreachable/ontology"
    assert any(unreachable in w and "could not be resolved" in w for w in mini.report.warnings)
    warning_box = mini.html.split('id="section-warnings"', 1)[1].split("</div>", 1)[0]
    assert unreachable in warning_box
    assert "<code>mini:Ghost</code>, <code>mini:Thing</code>" in warning_box
    assert "Terms used but not defined in the ontology: mini:Ghost, mini:Thing." in (
        mini.report.warnings
    )


def test_import_resolves_through_the_catalog_beside_the_module(tmp_path: Path) -> None:
    importing = tmp_path / "uses-mini.ttl"
    importing.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/uses-mini> a owl:Ontology ;\n"
        "    owl:imports <https://example.org/mini/1.0> .\n",
        encoding="utf-8",
    )
    (tmp_path / "catalog-v001.xml").write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">\n'
        f'  <uri name="https://example.org/mini/1.0" uri="{FIXTURES / "mini.ttl"}"/>\n'
        "</catalog>\n",
        encoding="utf-8",
    )
    model = load([importing], MINI)
    assert [(m.path.name, m.imported) for m in model.modules] == [
        ("uses-mini.ttl", False),
        ("mini.ttl", True),
    ]
    statuses = {str(i.imported): i.resolved_by for i in model.imports}
    assert statuses == {
        "https://example.org/mini/1.0": FIXTURES / "mini.ttl",
        "https://example.org/unreachable/ontology": None,
    }
    assert "Box" in {t.anchor for t in model.terms.values()}


def test_the_build_never_opens_a_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the docs build tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    shipped_report = build_site(tmp_path / "shipped")
    mini_report = build_site(tmp_path / "mini", **_mini_options())  # type: ignore[arg-type]
    assert (tmp_path / "shipped" / PAGE).is_file()
    assert any("unreachable" in w for w in mini_report.warnings)
    assert shipped_report.warnings == []


def test_output_is_the_same_on_every_build(tmp_path: Path, mini: Site, shipped: Site) -> None:
    again = build_site(tmp_path / "again")
    assert (tmp_path / "again" / PAGE).read_bytes() == (shipped.directory / PAGE).read_bytes()
    assert again.files[-1].name == PAGE
    build_site(tmp_path / "mini", **_mini_options())  # type: ignore[arg-type]
    assert (tmp_path / "mini" / PAGE).read_bytes() == (mini.directory / PAGE).read_bytes()


# ----------------------------------------------------------------------------- knowledge tables


def test_risk_factor_table(shipped: Site, ontology: Graph) -> None:
    row = shipped.page.table_row("table-risk-factors", "#IntelligenceSharing")
    kind, risks, inherited, governed = row.hrefs[1:]
    assert kind == ["#EngagementType"]
    assert set(risks) == _anchors(ontology.objects(COOP.IntelligenceSharing, COOP.carriesRisk))
    assert inherited == []
    assert set(governed) == _anchors(ontology.subjects(COOP.governs, COOP.IntelligenceSharing))
    joint = shipped.page.table_row("table-risk-factors", "#JointTraining")
    broader = _anchors(ontology.objects(COOP.TrainingAndExpertise, COOP.carriesRisk))
    assert set(joint.hrefs[3]) == broader | {"#TrainingAndExpertise"}
    assert joint.cells[3].count("(from training and expertise)") == len(broader)


def test_countermeasure_and_framework_tables(shipped: Site, ontology: Graph) -> None:
    audits = shipped.page.table_row("table-countermeasures", "#RegularAudits")
    assert set(audits.hrefs[1]) == _anchors(ontology.objects(COOP.RegularAudits, COOP.mitigates))
    assert audits.hrefs[2] == ["#Audit"]  # the hasValue restriction on coop:implements
    leahy = shipped.page.table_row("table-legal-frameworks", "#LeahyLawState")
    assert leahy.cells[1] == "22 U.S.C. §2378d"
    assert leahy.cells[2] == "US: binds only providers whose country code is US"
    geneva = shipped.page.table_row("table-legal-frameworks", "#GenevaConventions")
    assert geneva.cells[2] == "international: binds every provider"
    assert set(geneva.hrefs[4]) == _anchors(ontology.objects(COOP.GenevaConventions, COOP.governs))


# ----------------------------------------------------------------------------- diagram


def test_diagram_is_generated_from_the_ontology() -> None:
    with as_file(ontology_file()) as core:
        model = load([core])
    diagram = core_diagram(model)
    edges = {(e.source, e.target): e.properties for e in diagram.edges}
    assert edges[(COOP.Engagement, COOP.Actor)] == (COOP.partner, COOP.provider)
    # Sub-properties are folded into the super-property that already draws the arrow.
    assert edges[(COOP.Engagement, COOP.Situation)] == (COOP.engagementSituation,)
    assert edges[(COOP.SourcedRecord, COOP.Actor)] == (COOP.concernsActor,)
    assert COOP.changingActor not in {p for props in edges.values() for p in props}
    # Classes below the second level are folded into their ancestor.
    assert COOP.AllegianceChange not in diagram.nodes
    assert COOP.formerAlly in edges[(COOP.ActorEvent, COOP.Actor)]
    assert diagram.loops[COOP.Actor] == (COOP.rivalOf,)
    assert diagram.parents[COOP.State] == (COOP.Actor,)


def test_diagram_boxes_are_inside_the_picture_and_never_overlap(shipped: Site) -> None:
    svg = ET.parse(shipped.directory / DIAGRAM).getroot()
    width, height = float(svg.get("width", 0)), float(svg.get("height", 0))
    ns = "{http://www.w3.org/2000/svg}"
    boxes = [
        tuple(float(r.get(k, 0)) for k in ("x", "y", "width", "height"))
        for r in svg.iter(f"{ns}rect")
        if r.get("class") == "dg-box"
    ]
    names = {t.text for t in svg.iter(f"{ns}text") if t.get("class") == "dg-name"}
    assert "engagement" in names and "actor" in names
    assert len(boxes) == len(names)
    for x, y, w, h in boxes:
        assert x >= 0 and x + w <= width and y >= 0 and y + h <= height
    for (x1, y1, w1, h1), (x2, y2, w2, h2) in itertools.combinations(boxes, 2):
        assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1


def test_page_embeds_the_diagram_and_links_the_file(shipped: Site) -> None:
    assert shipped.html.count('<svg xmlns="http://www.w3.org/2000/svg" class="diagram"') == 1
    assert f'<a href="{DIAGRAM}">' in shipped.html


# ----------------------------------------------------------------------------- command line


def test_cli_writes_the_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "-o", str(tmp_path / "site"), "--no-shapes", "--no-queries"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"wrote {tmp_path / 'site' / PAGE} and 3 more files")
    assert "0 shapes, 0 queries" in out
    assert err == ""
    names = sorted(p.name for p in (tmp_path / "site").iterdir())
    assert names == ["coopgraph-align.ttl", "coopgraph.ttl", DIAGRAM, PAGE]


def test_cli_warns_about_an_unresolvable_import_and_succeeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        ["docs", "-o", str(tmp_path), "--ontology", str(FIXTURES / "mini.ttl"),
         "--namespace", MINI, "--no-shapes", "--no-queries"]
    )  # fmt: skip
    _, err = capsys.readouterr()
    assert status == 0
    assert (
        "coopgraph: warning: https://example.org/mini imports "
        "https://example.org/unreachable/ontology, which could not be resolved offline"
    ) in err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--ontology", "{tmp}/missing.ttl"], "missing.ttl: no such file"),
        (["--ontology", "{fixtures}/mini-query.rq"], "mini-query.rq"),
        (["--shapes", "{fixtures}/bad-header.rq"], "bad-header.rq"),
    ],
)
def test_cli_bad_input_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    filled = [a.format(tmp=tmp_path, fixtures=FIXTURES) for a in arguments]
    assert main(["docs", "-o", str(tmp_path / "site"), *filled]) == 2
    _, err = capsys.readouterr()
    assert err.startswith("coopgraph: error: ") and message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "site").exists()  # nothing is written when an input is bad


def test_cli_output_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    assert main(["docs", "-o", str(target)]) == 2
    assert capsys.readouterr().err == f"coopgraph: error: {target}: exists and is not a directory\n"


def test_relative_output_directory_and_shipped_files_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    report = build_site("site", shapes=[], queries=[])
    assert [p.name for p in report.files] == ["coopgraph-align.ttl", "coopgraph.ttl", DIAGRAM, PAGE]
    assert (tmp_path / "site" / PAGE).is_file()
    assert report.shapes == 0 and report.queries == 0


# ----------------------------------------------------------------------------- other ontologies


def _zoo(directory: Path) -> Path:
    path = directory / "zoo.ttl"
    path.write_text(ZOO_TTL, encoding="utf-8")
    return path


def _no_terms(namespace: str, elsewhere: str) -> str:
    return (
        f"No term of the namespace {namespace} is declared in the modules read, so no term is "
        f"documented (most of those they declare are in {elsewhere})."
    )


@pytest.mark.parametrize("namespace", [[], ["--namespace", ZOO]])
def test_another_ontology_is_documented_without_coopgraphs_shapes_queries_or_diagram(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], namespace: list[str]
) -> None:
    # Without --namespace, the one in which the module declares the most terms: it used to
    # be coopgraph's, which documented nothing of another ontology.
    site = tmp_path / "site"
    arguments = ["--ontology", str(_zoo(tmp_path)), *namespace]
    assert main(["docs", "-o", str(site), *arguments]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"wrote {site / PAGE} and 1 more files")
    assert out.endswith(": 3 classes, 1 object properties, 0 shapes, 0 queries\n")
    assert err == "coopgraph: warning: Terms used but not defined in the ontology: zoo:Diet.\n"
    assert sorted(p.name for p in site.iterdir()) == [PAGE, "zoo.ttl"]
    html = (site / PAGE).read_text(encoding="utf-8")
    page = Page(html)
    terms = {a: e for a, e in page.entries.items() if "term" in e.classes.split()}
    assert sorted(terms) == ["Animal", "Keeper", "Lion", "feeds"]
    expected = {  # (title, items, links) of each row
        "Animal": [("Subclasses", ["lion"], ["#Lion"])],
        "Lion": [("Superclasses", ["animal"], ["#Animal"])],
        "Keeper": [("Used as the domain of", ["feeds"], ["#feeds"])],
        "feeds": [("Domain", ["keeper"], ["#Keeper"]), ("Range", ["zoo:Diet"], [])],
    }
    for anchor, rows in expected.items():
        assert [(r.title, r.items, r.hrefs) for r in terms[anchor].rows] == rows
        assert terms[anchor].text.startswith(f"{anchor[0].lower()}{anchor[1:]} ")
        assert f" {ZOO}{anchor} " in terms[anchor].text
    assert "A creature of the zoo." in terms["Animal"].text
    assert "No definition is given." in terms["Lion"].text
    assert [e for e in page.entries if e not in terms] == []  # no shapes, no queries
    assert "<p>No SHACL shapes were given.</p>" in html
    assert "<p>No canned queries were given.</p>" in html
    assert NO_DIAGRAM in html and "<svg" not in html and DIAGRAM not in page.hrefs


def test_a_bare_ontology_is_a_page_without_terms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = tmp_path / "bare.ttl"
    bare.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/d> a owl:Ontology .\n",
        encoding="utf-8",
    )
    site = tmp_path / "site"
    assert main(["docs", "-o", str(site), "--ontology", str(bare)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"wrote {site / PAGE} and 1 more files")
    assert out.endswith(": no terms, 0 shapes, 0 queries\n")
    assert err.splitlines() == [
        f"coopgraph: warning: No term of the namespace {COOP} is declared in the modules read, "
        "so no term is documented.",
        "coopgraph: warning: The ontology has no title (dcterms:title).",
        "coopgraph: warning: The ontology states no license (dcterms:license).",
    ]
    assert sorted(p.name for p in site.iterdir()) == ["bare.ttl", PAGE]
    html = (site / PAGE).read_text(encoding="utf-8")
    assert Page(html).entries == {}
    assert "<dt>Terms</dt><dd>none</dd>" in html
    assert NO_DIAGRAM in html


@pytest.mark.parametrize("foreign", ["namespace", "ontology"])
def test_a_namespace_without_terms_is_a_warning_that_names_the_likely_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], foreign: str
) -> None:
    site = tmp_path / "site"
    if foreign == "namespace":  # the shipped ontology, another namespace
        arguments, expected = ["--namespace", ZOO], _no_terms(ZOO, str(COOP))
        files = ["coopgraph-align.ttl", "coopgraph.ttl", PAGE]
    else:  # another ontology, coopgraph's namespace
        arguments = ["--ontology", str(_zoo(tmp_path)), "--namespace", str(COOP)]
        expected = _no_terms(str(COOP), ZOO)
        files = [PAGE, "zoo.ttl"]
    assert main(["docs", "-o", str(site), *arguments, "--no-shapes", "--no-queries"]) == 0
    out, err = capsys.readouterr()
    assert err == f"coopgraph: warning: {expected}\n"
    assert out.endswith(": no terms, 0 shapes, 0 queries\n")
    assert sorted(p.name for p in site.iterdir()) == files
    html = (site / PAGE).read_text(encoding="utf-8")
    assert Page(html).entries == {}
    assert NO_DIAGRAM in html


def test_a_small_diagram_is_as_wide_as_its_legend(tmp_path: Path) -> None:
    ttl = ZOO_TTL.replace("rdfs:range zoo:Diet", "rdfs:range zoo:Keeper")  # one box, a loop
    (tmp_path / "zoo.ttl").write_text(ttl, encoding="utf-8")
    build_site(tmp_path / "site", ontology=[tmp_path / "zoo.ttl"], namespace=ZOO)
    svg = ET.parse(tmp_path / "site" / DIAGRAM).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    names = [t.text for t in svg.iter(f"{ns}text") if t.get("class") in ("dg-name", "dg-note")]
    assert names == ["keeper", "↻ feeds"]
    legend = [t for t in svg.iter(f"{ns}text") if t.get("class") == "dg-legend"]
    assert [t.text for t in legend] == [
        "Boxes are classes; a subclass deeper than the second level is folded into its ancestor.",
        "Arrows are object properties, from domain to range; ↻ marks a property from a class "
        "to itself.",
    ]
    assert float(svg.get("width", 0)) == 585  # not the 100 of the box alone
    assert float(legend[-1].get("y", 0)) < float(svg.get("height", 0))


# ----------------------------------------------------------------------------- all or nothing


def test_a_failing_build_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(*args: object) -> None:
        raise RuntimeError("a bug in the page")

    monkeypatch.setattr("coopgraph.docs.render_page", bug)
    with pytest.raises(RuntimeError):
        build_site(tmp_path / "site", ontology=[FIXTURES / "mini.ttl"], namespace=MINI)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("existing", [False, True])
def test_a_failing_write_leaves_the_output_directory_as_it_was(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    existing: bool,
) -> None:
    site = tmp_path / "site"
    if existing:
        site.mkdir()
        (site / PAGE).write_text("the previous build", encoding="utf-8")
    write_text = Path.write_text

    def disk_full(path: Path, text: str, *args: object, **kwargs: object) -> int:
        if path.name == PAGE:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write_text(path, text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", disk_full)
    arguments = ["--ontology", str(FIXTURES / "mini.ttl"), "--namespace", MINI]
    assert main(["docs", "-o", str(site), *arguments]) == 2
    message = f"coopgraph: error: {site}: cannot write the site (No space left on device)\n"
    assert capsys.readouterr().err == message
    assert sorted(p.name for p in tmp_path.iterdir()) == (["site"] if existing else [])
    if existing:
        assert [p.name for p in site.iterdir()] == [PAGE]
        assert (site / PAGE).read_text(encoding="utf-8") == "the previous build"


def test_a_build_into_an_existing_directory_replaces_its_files_and_keeps_the_others(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / PAGE).write_text("the previous build", encoding="utf-8")
    (site / "notes.txt").write_text("kept", encoding="utf-8")
    report = build_site(site, ontology=[FIXTURES / "mini.ttl"], namespace=MINI)
    assert [p.name for p in report.files] == [DIAGRAM, PAGE, "mini.ttl"]
    assert sorted(p.name for p in site.iterdir()) == [DIAGRAM, PAGE, "mini.ttl", "notes.txt"]
    assert (site / PAGE).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (site / "notes.txt").read_text(encoding="utf-8") == "kept"
    assert list(tmp_path.iterdir()) == [site]


def test_a_build_without_a_diagram_removes_an_earlier_one(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site(site, ontology=[FIXTURES / "mini.ttl"], namespace=MINI)
    assert (site / DIAGRAM).is_file()
    report = build_site(site, ontology=[_zoo(tmp_path)], namespace=ZOO)
    assert DIAGRAM not in [p.name for p in report.files]
    assert sorted(p.name for p in site.iterdir()) == [PAGE, "mini.ttl", "zoo.ttl"]
