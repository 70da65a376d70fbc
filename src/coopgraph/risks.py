"""The risk assessment of one engagement: which risks apply and why, what mitigates them, which
of those countermeasures the engagement has, and which legal frameworks govern it.

Everything here is the answer of the canned queries (``applicable-risks``,
``countermeasure-gaps``, ``governing-frameworks``, ``engagement-facts``,
``engagement-sources``), which read the domain knowledge from the ontology; this module groups
their rows and words them for people. The countermeasures are not read from
``countermeasure-gaps``, which works out the risks again (and which Virtuoso 7 refuses to run):
two small queries read what mitigates which risk, the engagement's safeguards and what it is
known to lack, and they are joined here with the risks as that query does. On the embedded
store (the default, where an assessment should take milliseconds) the risk factors are also
worked out only once for the risks and the law: one query joins their shared block, read from
the query file, with what carries a risk and what governs it (the rows of ``applicable-risks``
and ``governing-frameworks``, which other stores run as they are); and the labels are read
with a fixed query text per batch of terms (a text that changes with the terms costs more to
check than to run). tests/test_risks.py checks that this gives the canned queries' answer.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from rdflib import RDF, URIRef

from coopgraph.catalogue import get_query, resolve_term, run_select
from coopgraph.errors import ParameterError, UnknownTermError
from coopgraph.render import compact_iri, display, label_map
from coopgraph.store import OxigraphStore, SelectResult, Store, Term
from coopgraph.vocab import COOP

REPORT_FORMATS = ("markdown", "html", "json")

IN_PLACE = "in place"
"""The status of a countermeasure that one of the engagement's safeguard records implements."""
KNOWN_ABSENT = "known absent"
"""The status of a countermeasure the sources say the engagement lacks (and no record has)."""
NOT_RECORDED = "not recorded"
"""The status of a countermeasure the data says nothing about for the engagement."""

# What countermeasure-gaps.rq adds to the risks of applicable-risks.rq, for every risk at once:
# which countermeasure mitigates which risk (_MITIGATES); the engagement's safeguard records
# (coop:hasSafeguard or a sub-property) and the countermeasures they implement, as stated or by
# a hasValue restriction on their class, and the countermeasures it is known to lack
# (_SAFEGUARDS). Keep them in step with the query file (tests/test_risks.py compares the two on
# every fixture engagement). Every branch of _SAFEGUARDS binds ?engagement: Virtuoso drops the
# rows of a branch that leaves it unbound when the parameter is joined at the end.
_MITIGATES = """
PREFIX coop: <https://w3id.org/coopgraph/ontology#>
SELECT DISTINCT ?risk ?countermeasure WHERE { ?countermeasure coop:mitigates ?risk . }
"""
_SAFEGUARDS = """
PREFIX coop: <https://w3id.org/coopgraph/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT DISTINCT ?engagement ?countermeasure ?record ?absence
WHERE {
  {
    ?engagement ?safeguard ?record .
    FILTER(?safeguard = coop:hasSafeguard
           || EXISTS { ?safeguard (rdfs:subPropertyOf
                         |rdfs:subPropertyOf/rdfs:subPropertyOf
                         |rdfs:subPropertyOf/rdfs:subPropertyOf/rdfs:subPropertyOf
                         |rdfs:subPropertyOf/rdfs:subPropertyOf/rdfs:subPropertyOf
                          /rdfs:subPropertyOf) coop:hasSafeguard })
    {
      ?record coop:implements ?countermeasure .
    }
    UNION
    {
      ?record (rdf:type
              |rdf:type/rdfs:subClassOf
              |rdf:type/rdfs:subClassOf/rdfs:subClassOf
              |rdf:type/rdfs:subClassOf/rdfs:subClassOf/rdfs:subClassOf
              |rdf:type/rdfs:subClassOf/rdfs:subClassOf/rdfs:subClassOf
               /rdfs:subClassOf) ?recordKind .
      ?recordKind rdfs:subClassOf ?implementation .
      ?implementation owl:onProperty coop:implements ;
                      owl:hasValue ?countermeasure .
    }
  }
  UNION
  {
    ?engagement coop:knownToLack ?countermeasure .
    BIND("known absent" AS ?absence)
  }
}
"""

# applicable-risks.rq and governing-frameworks.rq in one pass over the risk factors (on the
# embedded store, where assess runs it; Virtuoso 7.2.5 fails on it with an internal error):
# @FACTORS@ is their shared block, read from the query file; the rest is what follows the block
# in each file. Rows with a ?risk are the rows of applicable-risks, rows with a ?framework those
# of governing-frameworks (tests/test_risks.py compares them on every fixture engagement).
_ONE_PASS = """
PREFIX coop: <https://w3id.org/coopgraph/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?engagement ?risk ?framework ?source ?factor ?actor (IRI(MIN(STR(?basis))) AS ?evidence)
WHERE {
  {
    ?basis coop:assessedEngagement ?engagement ;
           coop:identifiesRisk ?risk .
    BIND("asserted" AS ?source)
  }
  UNION
  {
@FACTORS@
    {
      ?factor coop:carriesRisk ?risk .
    }
    UNION
    {
      ?framework coop:governs ?factor .
    }
    # Here, not in the branch above, where ?engagement would be unbound: a national framework
    # binds only providers of its country. (IF tests the framework first; with || the engine
    # evaluated NOT EXISTS for every row, twice as slow.)
    FILTER(IF(BOUND(?framework), NOT EXISTS {
      ?framework coop:jurisdictionCode ?jurisdiction .
      FILTER NOT EXISTS {
        ?engagement coop:provider ?provider .
        ?provider coop:countryCode ?country .
        FILTER(STR(?country) = STR(?jurisdiction))
      }
    }, true))
  }
  BIND(IF(?source = "context", "", STR(?basis)) AS ?reason)
}
GROUP BY ?engagement ?risk ?framework ?source ?factor ?actor ?reason
HAVING (COUNT(*) > 0)
"""


@dataclass(frozen=True)
class Reason:
    """Why a risk applies or a framework governs: one row of the canned query."""

    source: str
    """asserted, engagement type, partner situation, engagement situation or context."""
    factor: URIRef | None
    """The engagement type or situation that carries the risk (None when asserted)."""
    actor: URIRef | None
    """The partner in that situation, or the other state backing another partner."""
    evidence: URIRef | None
    """The assessment, type, class, record, property or other engagement that shows it."""


@dataclass(frozen=True)
class Mitigation:
    """A countermeasure that mitigates a risk, and whether the engagement has it."""

    countermeasure: URIRef
    status: str
    """in place, known absent or not recorded."""
    records: tuple[URIRef, ...] = ()
    """The engagement's safeguard records that implement it."""


@dataclass(frozen=True)
class RiskFinding:
    """A risk that applies to the engagement."""

    risk: URIRef
    reasons: tuple[Reason, ...]
    mitigations: tuple[Mitigation, ...]

    @property
    def lacking(self) -> tuple[Mitigation, ...]:
        """The mitigating countermeasures the engagement does not have (absent or unrecorded)."""
        return tuple(m for m in self.mitigations if m.status != IN_PLACE)


@dataclass(frozen=True)
class FrameworkFinding:
    """A legal framework that governs the engagement."""

    framework: URIRef
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class SourceCitation:
    """A source of the engagement or of a record about it."""

    record: URIRef
    source: Term
    citation: str | None
    confidence: URIRef | None


@dataclass(frozen=True)
class Assessment:
    """Everything known about one engagement's risks and law, with its facts and sources."""

    engagement: URIRef
    risks: tuple[RiskFinding, ...]
    frameworks: tuple[FrameworkFinding, ...]
    facts: tuple[tuple[URIRef, Term], ...] = ()
    sources: tuple[SourceCitation, ...] = ()
    labels: Mapping[URIRef, str] = field(default_factory=dict)

    def name(self, term: object) -> str:
        """A term as people read it: its label, else its compact name or text."""
        if isinstance(term, URIRef):
            return self.labels.get(term) or compact_iri(str(term))
        return display(term)  # type: ignore[arg-type]


def _iri(term: object) -> URIRef | None:
    return term if isinstance(term, URIRef) else None


def _order(*terms: object) -> tuple[str, ...]:
    """A sort key that every backend agrees on (engines order mixed terms differently)."""
    return tuple("" if t is None else f"{type(t).__name__}:{t}" for t in terms)


def _reasons(rows: Iterable[dict[str, Term]]) -> tuple[Reason, ...]:
    reasons = (
        Reason(
            source=str(row["source"]),
            factor=_iri(row.get("factor")),
            actor=_iri(row.get("actor")),
            evidence=_iri(row.get("evidence")),
        )
        for row in rows
    )
    return tuple(sorted(reasons, key=lambda r: _order(r.source, r.factor, r.actor, r.evidence)))


def engagement_facts(store: Store, engagement: URIRef) -> tuple[tuple[URIRef, Term], ...]:
    """The statements about the engagement; UnknownTermError if it is not an engagement."""
    rows = run_select(store, "engagement-facts", {"engagement": engagement}).dicts()
    facts = tuple(
        sorted(((row["property"], row["value"]) for row in rows), key=lambda f: _order(*f))
    )
    if not any(
        (prop == RDF.type and value == COOP.Engagement) or prop == COOP.provider
        for prop, value in facts
    ):
        raise UnknownTermError(
            f"{compact_iri(str(engagement))} is not an engagement in the data "
            "(no rdf:type coop:Engagement and no coop:provider)"
        )
    return facts  # type: ignore[return-value]


def assess(store: Store, engagement: URIRef | str, *, with_sources: bool = True) -> Assessment:
    """The risk assessment of ``engagement`` (an IRI, a compact name or an exact label).

    Raises UnknownTermError if it names no engagement. ``with_sources=False`` leaves out the
    facts, the sources and the labels (the parts only a report needs). Everything is sorted by
    IRI, so the assessment is the same whatever the backend.
    """
    if not isinstance(engagement, URIRef):
        engagement = resolve_term(store, engagement, "engagement")
    facts = engagement_facts(store, engagement)
    params = {"engagement": engagement}

    if isinstance(store, OxigraphStore):
        # the embedded store: the risk factors worked out once for the risks and the law
        rows = store.query(_one_pass_query(), params)
        found = rows.dicts() if isinstance(rows, SelectResult) else []
        risk_rows = [row for row in found if row.get("risk") is not None]
        framework_rows = [row for row in found if row.get("framework") is not None]
    else:
        risk_rows = run_select(store, "applicable-risks", params).dicts()
        framework_rows = run_select(store, "governing-frameworks", params).dicts()
    mitigations = _mitigations(store, engagement)

    reasons_by_risk: dict[URIRef, list[dict[str, Term]]] = {}
    for row in risk_rows:
        reasons_by_risk.setdefault(row["risk"], []).append(row)  # type: ignore[arg-type]
    risks = tuple(
        RiskFinding(
            risk=risk,
            reasons=_reasons(reasons_by_risk[risk]),
            mitigations=mitigations(risk),
        )
        for risk in sorted(reasons_by_risk)
    )
    reasons_by_framework: dict[URIRef, list[dict[str, Term]]] = {}
    for row in framework_rows:
        reasons_by_framework.setdefault(row["framework"], []).append(row)  # type: ignore[arg-type]
    frameworks = tuple(
        FrameworkFinding(framework, _reasons(reasons_by_framework[framework]))
        for framework in sorted(reasons_by_framework)
    )
    if not with_sources:
        return Assessment(engagement, risks, frameworks)

    citations = (
        SourceCitation(
            record=row["record"],  # type: ignore[arg-type]
            source=row["source"],
            citation=str(row["citation"]) if "citation" in row else None,
            confidence=_iri(row.get("confidence")),
        )
        for row in run_select(store, "engagement-sources", params).dicts()
    )
    sources = tuple(
        sorted(citations, key=lambda s: _order(s.record, s.source, s.citation, s.confidence))
    )
    terms: set[object] = {engagement}
    terms.update(term for fact in facts for term in fact)
    for finding in risks:
        terms.add(finding.risk)
        terms.update(m.countermeasure for m in finding.mitigations)
        terms.update(r for m in finding.mitigations for r in m.records)
        terms.update(_reason_terms(finding.reasons))
    for framework in frameworks:
        terms.add(framework.framework)
        terms.update(_reason_terms(framework.reasons))
    terms.update(s.record for s in sources)
    terms.update(s.confidence for s in sources)
    return Assessment(engagement, risks, frameworks, facts, sources, label_map(store, terms))


@cache
def _one_pass_query() -> str:
    """applicable-risks and governing-frameworks in one query: their shared risk-factor block,
    taken from the query file, joined with what carries a risk and with what governs it."""
    lines = get_query("applicable-risks").text.splitlines()
    start = next(i for i, line in enumerate(lines) if "# BEGIN risk factors" in line)
    end = next(i for i, line in enumerate(lines) if "# END risk factors" in line)
    return _ONE_PASS.replace("@FACTORS@", "\n".join(lines[start : end + 1]))


def _mitigations(store: Store, engagement: URIRef) -> Callable[[URIRef], tuple[Mitigation, ...]]:
    """The rows of countermeasure-gaps for one risk of the engagement, as mitigations: every
    countermeasure that mitigates the risk, with its status and the records that implement it."""
    mitigating: dict[object, set[URIRef]] = {}
    result = store.query(_MITIGATES)
    for row in result.dicts() if isinstance(result, SelectResult) else []:
        mitigating.setdefault(row["risk"], set()).add(row["countermeasure"])  # type: ignore[arg-type]
    implemented: dict[object, set[object]] = {}
    absent: set[object] = set()
    result = store.query(_SAFEGUARDS, {"engagement": engagement})
    for row in result.dicts() if isinstance(result, SelectResult) else []:
        measure = row.get("countermeasure")
        if row.get("record") is not None:
            implemented.setdefault(measure, set()).add(row["record"])
        elif row.get("absence") is not None:
            absent.add(measure)

    def of_risk(risk: URIRef) -> tuple[Mitigation, ...]:
        found = []
        for measure in sorted(mitigating.get(risk, ())):
            records = implemented.get(measure)
            if records:
                iris = tuple(sorted(r for r in records if isinstance(r, URIRef)))
                found.append(Mitigation(measure, IN_PLACE, iris))
            else:
                found.append(
                    Mitigation(measure, KNOWN_ABSENT if measure in absent else NOT_RECORDED)
                )
        return tuple(found)

    return of_risk


def _reason_terms(reasons: Iterable[Reason]) -> Iterable[object]:
    for reason in reasons:
        yield from (reason.factor, reason.actor, reason.evidence)


# --------------------------------------------------------------------------- wording


def explain(reason: Reason, name: Callable[[object], str], subject: str) -> str:
    """One sentence that says why ``subject`` ("the risk", "the framework") applies; ``name``
    words a term (:meth:`Assessment.name`). A record that is a blank node has no name to
    show (the queries give no evidence for it), and the sentence says so."""
    factor, actor, evidence = (name(reason.factor), name(reason.actor), name(reason.evidence))
    named = reason.evidence is not None
    if reason.source == "asserted":
        who = f"The risk assessment {evidence}" if named else "An unnamed risk assessment"
        return f"{who} identifies it."
    if reason.source == "engagement type":
        via = "" if reason.factor == reason.evidence else f" (a kind of {factor})"
        return f"The engagement's type, {evidence}{via}, brings {subject} with it."
    if reason.source == "partner situation":
        shown = f"shown by {evidence}" if named else "shown by an unnamed record"
        return (
            f"The partner {actor} is in the situation '{factor}' ({shown}), "
            f"which brings {subject} with it."
        )
    if reason.source == "engagement situation":
        return f"The engagement's {evidence} is '{factor}', which brings {subject} with it."
    if reason.source == "context":
        example = f" (for example {evidence})" if named else ""
        return (
            f"{actor} backs a different partner in the same region in an overlapping period"
            f"{example}: '{factor}' brings {subject} with it."
        )
    return f"{reason.source}: {factor} ({evidence})."


# --------------------------------------------------------------------------- reports


def to_json(assessment: Assessment) -> dict[str, object]:
    """The assessment as plain JSON data (IRIs as strings, with labels)."""
    a = assessment

    def term(value: object) -> dict[str, str] | str | None:
        if value is None:
            return None
        if isinstance(value, URIRef):
            return {"iri": str(value), "label": a.name(value)}
        return str(value)

    def reasons(items: Iterable[Reason], subject: str) -> list[dict[str, object]]:
        return [
            {
                "source": r.source,
                "factor": term(r.factor),
                "actor": term(r.actor),
                "evidence": term(r.evidence),
                "explanation": explain(r, a.name, subject),
            }
            for r in items
        ]

    return {
        "engagement": term(a.engagement),
        "facts": [{"property": term(p), "value": term(v)} for p, v in a.facts],
        "risks": [
            {
                "risk": term(f.risk),
                "reasons": reasons(f.reasons, "the risk"),
                "countermeasures": [
                    {
                        "countermeasure": term(m.countermeasure),
                        "status": m.status,
                        "records": [term(r) for r in m.records],
                    }
                    for m in f.mitigations
                ],
            }
            for f in a.risks
        ],
        "frameworks": [
            {"framework": term(f.framework), "reasons": reasons(f.reasons, "the framework")}
            for f in a.frameworks
        ],
        "sources": [
            {
                "record": term(s.record),
                "source": term(s.source),
                "citation": s.citation,
                "confidence": term(s.confidence),
            }
            for s in a.sources
        ],
    }


def _sections(a: Assessment) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report's tables: (heading, column names, rows of plain text)."""
    risk_rows = [
        [a.name(f.risk), " ".join(explain(r, a.name, "the risk") for r in f.reasons)]
        for f in a.risks
    ]
    measure_rows = [
        [
            a.name(f.risk),
            a.name(m.countermeasure),
            m.status + (f" ({', '.join(a.name(r) for r in m.records)})" if m.records else ""),
        ]
        for f in a.risks
        for m in f.mitigations
    ]
    unmitigated = [
        [a.name(f.risk), "no countermeasure known", ""] for f in a.risks if not f.mitigations
    ]
    framework_rows = [
        [a.name(f.framework), " ".join(explain(r, a.name, "the framework") for r in f.reasons)]
        for f in a.frameworks
    ]
    fact_rows = [[a.name(p), a.name(v)] for p, v in a.facts]
    source_rows = [
        [
            a.name(s.record),
            s.citation or a.name(s.source),
            a.name(s.confidence) if s.confidence else "",
        ]
        for s in a.sources
    ]
    return [
        ("Facts", ["property", "value"], fact_rows),
        ("Risks", ["risk", "why"], risk_rows),
        ("Countermeasures", ["risk", "countermeasure", "status"], measure_rows + unmitigated),
        ("Legal frameworks", ["framework", "why"], framework_rows),
        ("Sources", ["record", "source", "confidence"], source_rows),
    ]


def summary(a: Assessment) -> str:
    """One sentence: how many risks, frameworks and missing countermeasures."""
    lacking = sorted({m.countermeasure for f in a.risks for m in f.lacking}, key=str)
    return (
        f"{len(a.risks)} risk(s) apply, {len(a.frameworks)} legal framework(s) govern it; "
        f"{len(lacking)} mitigating countermeasure(s) are not in place."
    )


def to_markdown(assessment: Assessment) -> str:
    """The assessment as a Markdown document."""
    a = assessment
    title = _markdown_text(a.name(a.engagement))
    lines = [f"# Risk assessment: {title}", "", f"`{a.engagement}`", "", summary(a)]
    for heading, columns, rows in _sections(a):
        lines += ["", f"## {heading}", ""]
        if not rows:
            lines.append("None recorded.")
            continue
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "---|" * len(columns))
        for row in rows:
            lines.append("| " + " | ".join(_markdown_text(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|&])")


def _markdown_text(text: str) -> str:
    """``text`` from the data as Markdown that shows it as it is, on one line: a label or a
    citation never becomes a heading break, a table cell break, emphasis, a link or raw HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def to_html(assessment: Assessment) -> str:
    """The assessment as a standalone HTML page."""
    a = assessment
    title = html.escape(f"Risk assessment: {a.name(a.engagement)}")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        f'<head><meta charset="utf-8"><title>{title}</title>',
        "<style>body{font-family:sans-serif;max-width:70em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em;"
        "vertical-align:top;text-align:left}</style></head>",
        "<body>",
        f"<h1>{title}</h1>",
        f"<p><code>{html.escape(str(a.engagement))}</code></p>",
        f"<p>{html.escape(summary(a))}</p>",
    ]
    for heading, columns, rows in _sections(a):
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if not rows:
            parts.append("<p>None recorded.</p>")
            continue
        parts.append(
            "<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in columns) + "</tr>"
        )
        parts.extend(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        parts.append("</table>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def report(assessment: Assessment, fmt: str) -> str:
    """The assessment as a document in ``fmt`` (markdown, html or json)."""
    if fmt == "markdown":
        return to_markdown(assessment)
    if fmt == "html":
        return to_html(assessment)
    if fmt == "json":
        return json.dumps(to_json(assessment), indent=2, ensure_ascii=False) + "\n"
    raise ParameterError(f"report format {fmt!r}: use one of {', '.join(REPORT_FORMATS)}")


__all__ = [
    "REPORT_FORMATS",
    "Assessment",
    "FrameworkFinding",
    "Mitigation",
    "Reason",
    "RiskFinding",
    "SourceCitation",
    "assess",
    "engagement_facts",
    "explain",
    "report",
    "summary",
    "to_html",
    "to_json",
    "to_markdown",
]
