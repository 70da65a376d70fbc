"""The domain knowledge the ontology states between individuals, as tables.

Which engagement types and situations carry which risks (``coop:carriesRisk``, with what
narrower types inherit through ``coop:broaderType``), which countermeasures mitigate
them (``coop:mitigates``) and which safeguard records put a countermeasure into
practice (``owl:hasValue`` restrictions on ``coop:implements``), and which legal
frameworks govern which types and situations (``coop:governs``), with their
jurisdiction (``coop:jurisdictionCode``). Nothing here is decided in Python: the
tables only read those statements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape

from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from coopgraph.docs.model import DECLARATION_TYPES, OntologyModel, TermKind
from coopgraph.docs.render import Renderer
from coopgraph.vocab import COOP

NONE = '<span class="none">none</span>'


@dataclass(frozen=True)
class Table:
    anchor: str
    title: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def knowledge_tables(model: OntologyModel, renderer: Renderer) -> list[Table]:
    """The risk, countermeasure and legal-framework tables; empty ones are left out."""
    writer = _Tables(model, renderer)
    tables = [writer.risk_factors(), writer.risks(), writer.countermeasures(), writer.frameworks()]
    return [t for t in tables if t.rows]


class _Tables:
    def __init__(self, model: OntologyModel, renderer: Renderer) -> None:
        self.model = model
        self.render = renderer
        self.graph = model.graph

    def _links(self, nodes: list[Node]) -> str:
        ordered = sorted(dict.fromkeys(nodes), key=self.render.sort_key)
        return ", ".join(self.render.node(n) for n in ordered) or NONE

    def _by_label(self, nodes: set[Node]) -> list[Node]:
        return sorted(nodes, key=self.render.sort_key)

    def _kind(self, node: Node) -> list[Node]:
        return [t for t in self.graph.objects(node, RDF.type) if t not in DECLARATION_TYPES]

    def _instances(self, cls: Node) -> set[Node]:
        """Documented individuals of the class or of one of its subclasses."""
        return {
            t.iri
            for t in self.model.terms.values()
            if t.kind is TermKind.INDIVIDUAL
            and any(cls == c or cls in self.model.ancestors(c) for c in self._kind(t.iri))
        }

    def risk_factors(self) -> Table:
        graph = self.graph
        factors = set(graph.subjects(COOP.carriesRisk, None)) | set(
            graph.objects(None, COOP.governs)
        )
        factors |= self._instances(COOP.RiskFactor)
        rows = []
        # Engagement types first, then situations by kind, each by label.
        types = self._instances(COOP.EngagementType)
        ordered = sorted(
            factors,
            key=lambda n: (
                n not in types,
                sorted(self.model.label(c) for c in self._kind(n)),
                self.render.sort_key(n),
            ),
        )
        for factor in ordered:
            broader = self.model.ancestors(factor, COOP.broaderType)
            inherited = [
                f"{self.render.node(r)} (from {self.render.node(b)})"
                for b in broader
                for r in self._by_label(set(graph.objects(b, COOP.carriesRisk)))
            ]
            rows.append(
                (
                    self.render.node(factor),
                    self._links(self._kind(factor)),
                    self._links(list(graph.objects(factor, COOP.carriesRisk))),
                    ", ".join(inherited) or NONE,
                    self._links(list(graph.subjects(COOP.governs, factor))),
                )
            )
        return Table(
            "table-risk-factors",
            "Engagement types and situations: the risks they carry and the law that governs them",
            "Risks stated with coop:carriesRisk; a narrower engagement type also carries the risks "
            "of its broader types (coop:broaderType); frameworks stated with coop:governs.",
            ("Engagement type or situation", "Kind", "Carries risks",
             "Inherited from broader types", "Governed by"),
            tuple(rows),
        )  # fmt: skip

    def risks(self) -> Table:
        graph = self.graph
        risks = self._instances(COOP.Risk) | set(graph.objects(None, COOP.carriesRisk))
        risks |= set(graph.objects(None, COOP.mitigates))
        rows = tuple(
            (
                self.render.node(risk),
                self._links(list(graph.objects(risk, SKOS.broader))),
                self._links(list(graph.subjects(COOP.carriesRisk, risk))),
                self._links(list(graph.subjects(COOP.mitigates, risk))),
            )
            for risk in self._by_label(risks)
        )
        return Table(
            "table-risks",
            "Risks: what carries them and what mitigates them",
            "The same statements read from the risk's side: coop:carriesRisk and coop:mitigates.",
            ("Risk", "Broader risk", "Carried by", "Mitigated by"),
            rows,
        )

    def countermeasures(self) -> Table:
        graph = self.graph
        implemented_by: dict[Node, list[Node]] = defaultdict(list)
        for restriction in graph.subjects(OWL.onProperty, COOP.implements):
            value = graph.value(restriction, OWL.hasValue)
            for cls in graph.subjects(RDFS.subClassOf, restriction):
                implemented_by[value].append(cls)  # type: ignore[index]
        measures = self._instances(COOP.Countermeasure) | set(graph.subjects(COOP.mitigates, None))
        rows = tuple(
            (
                self.render.node(measure),
                self._links(list(graph.objects(measure, COOP.mitigates))),
                self._links(implemented_by.get(measure, [])),
            )
            for measure in self._by_label(measures)
        )
        return Table(
            "table-countermeasures",
            "Countermeasures: the risks they mitigate and the records that implement them",
            "coop:mitigates; a record class implements a countermeasure through an owl:hasValue "
            "restriction on coop:implements (vetting records state theirs in the data).",
            ("Countermeasure", "Mitigates", "Implemented by records of class"),
            rows,
        )

    def frameworks(self) -> Table:
        graph = self.graph
        frameworks = self._instances(COOP.LegalFramework) | set(graph.subjects(COOP.governs, None))
        rows = []
        for framework in self._by_label(frameworks):
            codes = sorted(str(c) for c in graph.objects(framework, COOP.jurisdictionCode))
            jurisdiction = (
                ", ".join(
                    f"<strong>{escape(code)}</strong>: binds only providers whose country code is "
                    f"{escape(code)}"
                    for code in codes
                )
                or "international: binds every provider"
            )
            citations = sorted(str(c) for c in graph.objects(framework, COOP.officialCitation))
            rows.append(
                (
                    self.render.node(framework),
                    escape("; ".join(citations)) or NONE,
                    jurisdiction,
                    self._links(list(graph.objects(framework, COOP.partOfFramework))),
                    self._links(list(graph.objects(framework, COOP.governs))),
                )
            )
        return Table(
            "table-legal-frameworks",
            "Legal frameworks: what they govern and where they bind",
            "coop:governs, coop:officialCitation, coop:jurisdictionCode and coop:partOfFramework.",
            ("Legal framework", "Official citation", "Jurisdiction", "Part of", "Governs"),
            tuple(rows),
        )


def table_html(table: Table) -> str:
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    return (
        f'<section class="knowledge" id="{escape(table.anchor)}"><h3>{escape(table.title)}</h3>'
        f'<p class="caption">{escape(table.caption)}</p><div class="table-wrap"><table>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></section>"
    )
