"""coopgraph import-csv: tables of support relations to RDF through a TOML mapping."""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_isomorphic

from coopgraph.cli import main
from coopgraph.csvimport import MappingError, RowError, convert, load_mapping, write_output
from coopgraph.errors import InputError
from coopgraph.validate import SHAPES, validate
from coopgraph.vocab import COOP, DATA

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_TABLE = REPO / "examples" / "ucdp-esd-style.csv"
EXAMPLE_MAPPING = REPO / "examples" / "ucdp-esd-style.mapping.toml"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "csvimport"
EXPECTED = FIXTURES / "ucdp-esd-style.expected.ttl"


def _expected_graph() -> Graph:
    graph = Graph()
    graph.parse(EXPECTED, format="turtle")
    return graph


FACTS = (
    COOP.formality,
    COOP.visibility,
    COOP.supportMode,
    COOP.arrangement,
    COOP.viaCoalition,
    COOP.hostStateConsent,
)


def _local(term: object) -> str:
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    status = main(["import-csv", *argv])
    return status, capsys.readouterr().err.splitlines()


# --------------------------------------------------------------------------- the example


def test_example_table_converts_to_the_expected_triples() -> None:
    result = convert(EXAMPLE_TABLE, load_mapping(EXAMPLE_MAPPING))
    assert result.errors == []
    assert (result.rows, result.engagements, len(result.graph)) == (4, 9, 162)
    assert isomorphic(result.graph, _expected_graph())


def test_example_expected_output_spot_checks() -> None:
    """The expected file says what the table says (read independently of the importer)."""
    graph = _expected_graph()
    types = Counter(
        (str(graph.value(e, COOP.provider)), str(graph.value(e, COOP.engagementType)))
        for e in graph.subjects(COOP.engagementType, None)
    )
    assert types == Counter(
        {
            (str(DATA.rwanda), str(COOP.DirectTroopSupport)): 1,
            (str(DATA.rwanda), str(COOP.WeaponsSupply)): 1,
            (str(DATA.iran), str(COOP.WeaponsSupply)): 1,
            (str(DATA.iran), str(COOP.TrainingAndExpertise)): 1,
            (str(DATA.iran), str(COOP.Funding)): 1,
            (str(DATA["united-states"]), str(COOP.ForeignTroopPresence)): 1,
            (str(DATA["united-states"]), str(COOP.WeaponsSupply)): 1,
            (str(DATA["united-states"]), str(COOP.TrainingAndExpertise)): 1,
            (str(DATA["united-states"]), str(COOP.IntelligenceSharing)): 1,
        }
    )
    assert set(graph.subjects(COOP.provider, DATA.rwanda)) == set(
        graph.subjects(COOP.confidence, COOP.MediumConfidence)
    )
    assert graph.value(DATA.m23, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")) == (
        COOP.RebelGroup
    )
    assert graph.value(DATA.iran, COOP.countryCode) == Literal("IR")
    assert len(set(graph.objects(None, COOP.hasSource))) == 3


def test_example_states_arrangement_consent_formality_visibility_and_support_mode() -> None:
    """Each engagement has exactly the facts its row gives (read from the expected file)."""
    graph = _expected_graph()
    facts = {
        (
            _local(graph.value(e, COOP.provider)),
            _local(graph.value(e, COOP.engagementType)),
        ): tuple(sorted(_local(o) for p in FACTS for o in graph.objects(e, p)))
        for e in graph.subjects(COOP.engagementType, None)
    }
    rwanda = ("ActiveSupport", "BilateralArrangement", "ConsentAbsent", "Covert")
    iran = ("ActiveSupport", "BilateralArrangement")
    us_coalition = (
        "ActiveSupport",
        "CoalitionArrangement",
        "ConsentAbsent",
        "Overt",
        "SemiFormal",
        "global-coalition-against-daesh",
    )
    us_bilateral = ("ActiveSupport", "BilateralArrangement", "ConsentAbsent", "Formal", "Overt")
    assert facts == {
        ("rwanda", "DirectTroopSupport"): rwanda,
        ("rwanda", "WeaponsSupply"): rwanda,
        ("iran", "WeaponsSupply"): iran,
        ("iran", "TrainingAndExpertise"): iran,
        ("iran", "Funding"): iran,
        ("united-states", "ForeignTroopPresence"): us_coalition,
        ("united-states", "IntelligenceSharing"): us_coalition,
        ("united-states", "WeaponsSupply"): us_bilateral,
        ("united-states", "TrainingAndExpertise"): us_bilateral,
    }
    coalition = DATA["global-coalition-against-daesh"]
    assert sorted(graph.predicate_objects(coalition)) == [
        (RDF.type, COOP.Coalition),
        (RDFS.label, Literal("Global Coalition against Daesh", lang="en")),
        (COOP.hasSource, graph.value(DATA["united-states"], COOP.hasSource)),
    ]


def test_example_output_validates_with_exactly_these_findings() -> None:
    result = validate(convert(EXAMPLE_TABLE, load_mapping(EXAMPLE_MAPPING)).graph)
    assert result.conforms
    assert result.counts() == {"Violation": 0, "Warning": 4, "Info": 5}
    graph = _expected_graph()
    label = {
        e: str(graph.value(e, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
        for e in graph.subjects(COOP.engagementType, None)
    }
    warnings = sorted(
        (label[f.focus_node], str(f.source_shape))
        for f in result.all_findings()
        if f.severity == "Warning"
    )
    assert warnings == [
        (
            "intelligence sharing: United States to Syrian Democratic Forces (2016)",
            str(SHAPES.IntelligenceSharingAgreementShape),
        ),
        (
            "intelligence sharing: United States to Syrian Democratic Forces (2016)",
            str(SHAPES.IntelligenceSharingSecureChannelShape),
        ),
        ("training and expertise: Iran to Hezbollah (2012)", str(SHAPES.TrainingVettingShape)),
        (
            "training and expertise: United States to Syrian Democratic Forces (2016)",
            str(SHAPES.TrainingVettingShape),
        ),
    ]
    infos = sorted(
        (label[f.focus_node], str(f.source_shape))
        for f in result.all_findings()
        if f.severity == "Info"
    )
    assert infos == [
        (name, str(SHAPES["Engagement-formality-recorded"]))
        for name in (
            "funding: Iran to Hezbollah (2012)",
            "training and expertise: Iran to Hezbollah (2012)",
            "troop support: Rwanda to M23 (2012)",
            "weapons supply: Iran to Hezbollah (2012)",
            "weapons supply: Rwanda to M23 (2012)",
        )
    ]


def test_cli_writes_the_example_and_reimport_is_identical(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first.ttl", tmp_path / "second.ttl"
    for out in (first, second):
        status, err = _run(
            capsys, str(EXAMPLE_TABLE), "--mapping", str(EXAMPLE_MAPPING), "-o", str(out)
        )
        assert status == 0
        assert err == [f"coopgraph import-csv: 9 engagements from 4 rows; 162 triples in {out}"]
    assert first.read_bytes() == second.read_bytes()
    graph = Graph().parse(first, format="turtle")
    assert to_isomorphic(graph) == to_isomorphic(_expected_graph())


def test_cli_format_option_and_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.data"
    status, _ = _run(
        capsys, str(EXAMPLE_TABLE), "-m", str(EXAMPLE_MAPPING), "-o", str(out), "--format", "nt"
    )
    assert status == 0
    assert isomorphic(Graph().parse(out, format="nt"), _expected_graph())
    jsonld = tmp_path / "out.jsonld"
    assert _run(capsys, str(EXAMPLE_TABLE), "-m", str(EXAMPLE_MAPPING), "-o", str(jsonld))[0] == 0
    assert isomorphic(Graph().parse(jsonld, format="json-ld"), _expected_graph())


def test_cli_dash_writes_to_stdout_and_the_summary_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [str(EXAMPLE_TABLE), "-m", str(EXAMPLE_MAPPING), "-o", "-", "--format", "turtle"]
    assert main(["import-csv", *argv]) == 0
    out, err = capsys.readouterr()
    assert isomorphic(Graph().parse(data=out, format="turtle"), _expected_graph())
    assert err.splitlines() == [
        "coopgraph import-csv: 9 engagements from 4 rows; 162 triples on standard output"
    ]
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_cli_dash_needs_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, err = _run(capsys, str(EXAMPLE_TABLE), "-m", str(EXAMPLE_MAPPING), "-o", "-")
    assert status == 2
    assert err == ["coopgraph: error: give --format when writing to standard output (-o -)"]
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- bad rows

BAD_ROWS = FIXTURES / "bad-rows.csv"
BAD_ROW_MESSAGES = [
    "3:recipient_type: unknown code 'rebels'; allowed: 'state', 'rebel', 'militia', 'insurgent'",
    "3:supporter_iso: 'Rwanda' is not an ISO 3166-1 alpha-2 code (two capital letters)",
    "3:ext_w: 'yes' is neither marked ('1') nor unmarked ('', '0')",
    "3:confidence: unknown code 'certain'; allowed: 'high', 'medium', 'low'",
    "4:year: empty; every row needs its year",
    "4:supporter: empty; every engagement needs a provider",
    "4:ext_x: no support type is marked in any of ext_x, ext_p, ext_w, ext_t, ext_i, ext_f",
    "4:source: empty; every record needs a source",
    "5:ext_w: repeats the engagement of row 2 (same provider, partner, type, dates and place)",
    "6:recipient: 'm23' gives the IRI data:m23 of 'M23' (row 2); add one of them to partner.lookup",
    "7:recipient_type: 'M23' is a coop:Militia here but a coop:RebelGroup in row 2",
    "8:year: '20l3' is not a year (YYYY)",
    "8:recipient: the partner is the provider (data:rwanda); an engagement is between"
    " different actors",
    "9:ext_i: the row has 11 cells, the header 20",
    "11:ext_coalition: unknown code 'coalition'; allowed: '1', '0'",
    "11:coalition: '??' has no letter or digit to make an IRI from; give its IRI in"
    " coalition.lookup",
    "11:host_consent: unknown code 'No'; allowed: 'yes', 'no'",
    "11:formality: unknown code 'semiformal'; allowed: 'formal', 'semi-formal', 'informal'",
]


def test_bad_rows_are_all_reported_by_row_and_column() -> None:
    result = convert(BAD_ROWS, load_mapping(EXAMPLE_MAPPING))
    assert [e.format("T") for e in result.errors] == [f"T:{m}" for m in BAD_ROW_MESSAGES]
    assert result.rows == 10  # the blank last line is no row
    assert result.engagements == 3  # row 2 (troops, weapons) and row 10 (funding)


def test_cli_bad_rows_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.ttl"
    status, err = _run(capsys, str(BAD_ROWS), "-m", str(EXAMPLE_MAPPING), "-o", str(out))
    assert status == 2
    assert err == [f"{BAD_ROWS}:{m}" for m in BAD_ROW_MESSAGES] + [
        "coopgraph import-csv: 8 bad rows of 10; nothing written (--skip-bad-rows writes the"
        " good rows)"
    ]
    assert not out.exists()


def test_cli_skip_bad_rows_writes_the_good_rows_and_still_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.ttl"
    status, err = _run(
        capsys, str(BAD_ROWS), "-m", str(EXAMPLE_MAPPING), "-o", str(out), "--skip-bad-rows"
    )
    assert status == 2
    assert err[:-1] == [f"{BAD_ROWS}:{m}" for m in BAD_ROW_MESSAGES]
    assert err[-1] == (
        f"coopgraph import-csv: 3 engagements from 2 rows, 8 bad rows skipped; 57 triples in {out}"
    )
    graph = Graph().parse(out, format="turtle")
    engagements = {
        (graph.value(e, COOP.provider), graph.value(e, COOP.engagementType))
        for e in graph.subjects(COOP.engagementType, None)
    }
    assert engagements == {
        (DATA.rwanda, COOP.DirectTroopSupport),
        (DATA.rwanda, COOP.WeaponsSupply),
        (DATA.uganda, COOP.Funding),
    }
    assert validate(graph).conforms


# --------------------------------------------------------------------------- codes mapping

CODES_TABLE = FIXTURES / "codes.csv"
CODES_MAPPING = FIXTURES / "codes.mapping.toml"


def test_code_column_dates_lookup_and_constants() -> None:
    result = convert(CODES_TABLE, load_mapping(CODES_MAPPING))
    assert result.errors == [
        RowError(4, "kind", "unknown code 'X'; allowed: 'W', 'I', 'D'"),
        RowError(4, "to", "the end 2014 is before the start 2015"),
        RowError(4, "covert", "unknown code '2'; allowed: '1', '0'"),
        RowError(4, "coalition", "unknown code 'Z'; allowed: 'C', ''"),
        RowError(5, "sponsor", "'France' is not in the lookup table ('USA')"),
        RowError(5, "from", "'2013-02-30' is not a date of the calendar"),
        RowError(6, "to", "the end 2015-06-01 is before the start 2016"),
    ]
    expected = Graph().parse(
        data="""
        @prefix coop: <https://w3id.org/coopgraph/ontology#> .
        @prefix data: <https://w3id.org/coopgraph/data/> .
        @prefix dcterms: <http://purl.org/dc/terms/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix im: <https://example.org/import/> .

        im:src-7678a03673bb5f2c a coop:Source ;
            dcterms:bibliographicCitation "A test citation, 2024." .
        im:actor-raqqa-internal-security-forces a coop:NonStateArmedGroup ;
            rdfs:label "Raqqa Internal Security Forces"@en ;
            coop:hasSource im:src-7678a03673bb5f2c .
        im:eng-208a2139dc20a8f2 a coop:Engagement ;
            rdfs:label "weapons supply: USA to SDF (2015-)"@en ;
            coop:provider data:UnitedStates ; coop:partner data:SyrianDemocraticForces ;
            coop:engagementType coop:WeaponsSupply ;
            coop:startDate "2015"^^xsd:gYear ;
            coop:place data:NortheastSyria ; coop:formality coop:Formal ;
            coop:visibility coop:Overt ;
            coop:arrangement coop:BilateralArrangement ;
            coop:hostStateConsent coop:ConsentAbsent ;
            coop:hasSource im:src-7678a03673bb5f2c .
        im:eng-4eeda43496c57230 a coop:Engagement ;
            rdfs:label "strategic dialogue: USA to Raqqa Internal Security Forces (2017-10-20 to 2018)"@en ;
            coop:provider data:UnitedStates ;
            coop:partner im:actor-raqqa-internal-security-forces ;
            coop:engagementType coop:StrategicDialogue ;
            coop:startDate "2017-10-20"^^xsd:date ; coop:endDate "2018"^^xsd:gYear ;
            coop:place data:NortheastSyria ; coop:formality coop:Formal ;
            coop:arrangement coop:CoalitionArrangement ;
            coop:hostStateConsent coop:ConsentAbsent ;
            coop:hasSource im:src-7678a03673bb5f2c .
        """,  # noqa: E501
        format="turtle",
    )
    assert isomorphic(result.graph, expected)


def test_missing_column_is_one_line_error(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text(
        "sponsor;group;kind;from;covert;coalition\nUSA;SDF;W;2015;0;\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        convert(table, load_mapping(CODES_MAPPING))
    assert str(caught.value) == (
        f"{table}: no column 'to' (named by key 'dates.end' of {CODES_MAPPING});"
        " the header has: sponsor, group, kind, from, covert, coalition"
    )


def test_missing_column_of_a_new_section_is_named_with_its_key(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("sponsor;group;kind;from;to;covert\nUSA;SDF;W;2015;;0\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        convert(table, load_mapping(CODES_MAPPING))
    assert str(caught.value) == (
        f"{table}: no column 'coalition' (named by key 'arrangement.column' of {CODES_MAPPING});"
        " the header has: sponsor, group, kind, from, to, covert"
    )


def _codes_table(tmp_path: Path, *groups: str) -> Path:
    """A table for the codes mapping: one row per partner name (creating the partners)."""
    table = tmp_path / "names.csv"
    rows = "".join(f"USA;{group};W;2015;;0;\n" for group in groups)
    table.write_text(f"sponsor;group;kind;from;to;covert;coalition\n{rows}", encoding="utf-8")
    return table


def _created_partners(graph: Graph) -> dict[str, str]:
    return {
        str(iri): str(graph.value(iri, RDFS.label))
        for iri in graph.subjects(RDF.type, COOP.NonStateArmedGroup)
    }


def test_names_in_any_script_mint_iris_from_their_letters(tmp_path: Path) -> None:
    """Letters of any script are kept (lower case); accents on Latin letters are dropped."""
    names = [
        "日本赤軍",
        "حزب الله",
        "Группа Вагнера",
        "Йеменская армия",  # й stays й (not и)
        "Café",
        "Front de Libération du Québec",
        "Forces Nouvelles de Côte d\u2019Ivoire",  # the curly apostrophe parts words like '
    ]
    result = convert(_codes_table(tmp_path, *names), load_mapping(CODES_MAPPING))
    assert result.errors == []
    assert _created_partners(result.graph) == {
        "https://example.org/import/actor-日本赤軍": "日本赤軍",
        "https://example.org/import/actor-حزب-الله": "حزب الله",
        "https://example.org/import/actor-группа-вагнера": "Группа Вагнера",
        "https://example.org/import/actor-йеменская-армия": "Йеменская армия",
        "https://example.org/import/actor-cafe": "Café",
        "https://example.org/import/actor-front-de-liberation-du-quebec": (
            "Front de Libération du Québec"
        ),
        "https://example.org/import/actor-forces-nouvelles-de-cote-d-ivoire": (
            "Forces Nouvelles de Côte d\u2019Ivoire"
        ),
    }
    out = tmp_path / "names.ttl"
    write_output(result, out)
    assert isomorphic(Graph().parse(out, format="turtle"), result.graph)


def test_a_name_gives_the_same_iri_however_it_is_encoded(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Йеменская армия")
    assert decomposed != "Йеменская армия"
    result = convert(_codes_table(tmp_path, decomposed), load_mapping(CODES_MAPPING))
    assert list(_created_partners(result.graph)) == [
        "https://example.org/import/actor-йеменская-армия"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'year,recipient\n2012,"unterminated\n',
            "2:recipient: malformed CSV: the quote that opens this cell on line 2 is never closed",
        ),
        (  # row 3 starts on line 3 of the file, its open cell on line 4
            'a,b,c\n1,x,y\n2,"two\r\nlines","open\nto the end\n',
            "3:c: malformed CSV: the quote that opens this cell on line 4 is never closed",
        ),
        (
            'a,"b\n',
            "1:cell 2: malformed CSV: the quote that opens this cell on line 1 is never closed",
        ),
        ('a,b\n1,2\n1,"x"y\n', "3: malformed CSV: ',' expected after '\"' (line 3)"),
    ],
)
def test_malformed_csv_names_the_row(tmp_path: Path, text: str, message: str) -> None:
    table = tmp_path / "t.csv"
    table.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        convert(table, load_mapping(EXAMPLE_MAPPING))
    assert str(caught.value) == f"{table}:{message}"


def test_cli_unclosed_quote_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "t.csv"
    table.write_text('year,recipient\n2012,"unterminated\n', encoding="utf-8")
    out = tmp_path / "out.ttl"
    status, err = _run(capsys, str(table), "-m", str(EXAMPLE_MAPPING), "-o", str(out))
    assert status == 2
    assert err == [
        f"coopgraph: error: {table}:2:recipient: malformed CSV: the quote that opens this cell"
        " on line 2 is never closed"
    ]
    assert not out.exists()


# --------------------------------------------------------------------------- bad mappings

EXAMPLE_TEXT = EXAMPLE_MAPPING.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'column = "supporter"',
            'column = "supporter',
            "invalid TOML: Illegal character '\\n' (at line 36, column 20)",
        ),
        ("create = true", 'create = "yes"', "key 'provider.create': must be true or false"),
        ('[source]\ncolumn = "source"', "", "key 'source': missing section"),
        (
            'column = "source"',
            'column = "source"\ncitation = "x"',
            "key 'source.citation': give either a constant citation or a column, not both",
        ),
        (
            '"non-state" = "coop:NonStateArmedGroup"',
            '"non-state" = "coop:Guerrilla"',
            "key 'provider.classes': 'coop:Guerrilla' is not an actor class; one of: ",
        ),
        (
            '"ext_f"]',
            '"ext_z"]',
            "key 'engagement_type.columns': 'ext_z' is not an engagement type notation",
        ),
        (
            'low = "coop:LowConfidence"',
            'low = "coop:Low"',
            "key 'confidence.codes': 'coop:Low' is not a confidence value; one of:"
            " coop:HighConfidence, coop:LowConfidence, coop:MediumConfidence",
        ),
        (
            'year = "year"',
            'year = "year"\nstart = "from"',
            "key 'dates.year': give either year or start (and end), not both",
        ),
        (
            '"1" = "coop:CoalitionArrangement"',
            '"1" = "coop:Coalition"',
            "key 'arrangement.codes': 'coop:Coalition' is not an arrangement value; one of:"
            " coop:BilateralArrangement, coop:CoalitionArrangement",
        ),
        (
            'column = "ext_coalition"\n',
            "",
            "key 'arrangement.column': give either a column (with codes) or a constant",
        ),
        (
            'no = "coop:ConsentAbsent"',
            'no = "coop:ConsentDenied"',
            "key 'host_state_consent.codes': 'coop:ConsentDenied' is not a host-state consent"
            " value; one of: coop:ConsentAbsent, coop:ConsentGiven",
        ),
        (
            'column = "host_consent"\n',
            'column = "host_consent"\nconstant = "coop:ConsentGiven"\n',
            "key 'host_state_consent.column': give either a column (with codes) or a constant",
        ),
        (
            'codes = { yes = "coop:ConsentGiven", no = "coop:ConsentAbsent" }',
            "",
            "key 'host_state_consent.codes': missing: the values that the codes of the column"
            " stand for",
        ),
        (
            'column = "coalition"',
            'column = "coalition"\nconstant = "data:GlobalCoalitionAgainstDaesh"',
            "key 'coalition.column': give either a column of names or a constant coalition",
        ),
        (
            "[place]",
            "[place]\nwhere = 1",
            "key 'place.where': unknown key; known keys: column, constant, create, lookup",
        ),
        (
            'region_prefix = "region-"',
            'region_prefix = "region/"',
            "key 'iris.region_prefix': may hold only letters, digits, '_', '.' and '-'",
        ),
    ],
)
def test_broken_mapping_gives_one_line_error_naming_file_and_key(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in EXAMPLE_TEXT
    path = tmp_path / "broken.toml"
    path.write_text(EXAMPLE_TEXT.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: {message}")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "[dates]\nyear",
            "[dates]\nyeer",
            "key 'dates.yeer': unknown key; known keys: end, start, year",
        ),
        (
            "[arrangement]\n",
            '[arrangement]\ndefault = "coop:BilateralArrangement"\n',
            "key 'arrangement.default': unknown key; known keys: codes, column, constant",
        ),
        (
            'yes = "coop:ConsentGiven"',
            'yes = "coop:Formal"',
            "key 'host_state_consent.codes': 'coop:Formal' is not a host-state consent value;"
            " one of: coop:ConsentAbsent, coop:ConsentGiven",
        ),
    ],
)
def test_cli_broken_mapping_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    assert old in EXAMPLE_TEXT
    path = tmp_path / "broken.toml"
    path.write_text(EXAMPLE_TEXT.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "out.ttl"
    status, err = _run(capsys, str(EXAMPLE_TABLE), "-m", str(path), "-o", str(out))
    assert status == 2
    assert err == [f"coopgraph: error: {path}: {message}"]
    assert not out.exists()
