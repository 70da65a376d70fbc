"""Synthetic coopgraph data of any size, for the benchmarks (validation, queries, networks).

``generate(n_triples, seed, defects=True) -> Path`` writes a Turtle file in the ontology's
vocabulary with the structure of real data: states and non-state actors of every kind
with labels, regions in a hierarchy, designation lists and terrorist or sanctions
designations with periods, and engagements of every type with providers, partners,
periods, places, situations and the safeguard records real engagements have (agreements,
secure channels, vetting, mandates, objectives, oversight, legal reviews), plus risk
assessments, impacts, actor events, memberships and case studies, all with sources.

With ``defects=True`` about one record in a hundred carries one of the mistakes that
validation must catch (typos in coopgraph terms, periods that end before they start,
an actor partnering itself, a state partner where the type forbids it, free-text dates,
ill-formed dates, untagged names, missing sources, malformed Wikidata links, lowercase
country codes, contradictions between coop:knownToLack and safeguards). Gaps that real
data has (intelligence sharing without an agreement, training without vetting, a
designated partner without a legal review) occur with or without ``defects``.

The same (n_triples, seed, defects) always gives the same file. Run as a script to write
one: ``python bench/synthetic.py 100000 --seed 1 -o data.ttl``.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

PREFIXES = """\
@prefix coop: <https://w3id.org/coopgraph/ontology#> .
@prefix data: <https://w3id.org/coopgraph/data/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

NON_STATE_CLASSES = (
    "InsurgentGroup",
    "RebelGroup",
    "SeparatistGroup",
    "Militia",
    "ProGovernmentMilitia",
    "CommunityMilitia",
    "CriminalNetwork",
    "CommunityGroup",
)
# (type, weight, allows a state partner)
ENGAGEMENT_TYPES = (
    ("IntelligenceSharing", 14, True),
    ("CounterterrorismCooperation", 6, True),
    ("TrainingAndExpertise", 10, True),
    ("JointTraining", 6, True),
    ("CapacityBuilding", 6, True),
    ("Advising", 5, True),
    ("WeaponsSupply", 9, True),
    ("MaterielAndLogistics", 9, True),
    ("Funding", 7, True),
    ("JointOperations", 5, True),
    ("DirectTroopSupport", 3, True),
    ("InfrastructureAccess", 3, True),
    ("TerritoryAccess", 3, False),
    ("OperationalSupport", 4, False),
    ("NegotiatedCeasefire", 3, True),
    ("StrategicDialogue", 3, True),
    ("ConfidenceBuilding", 2, True),
    ("Negotiation", 2, True),
)
INTELLIGENCE = {"IntelligenceSharing"}
TRAINING = {"TrainingAndExpertise", "JointTraining", "CapacityBuilding", "Advising"}
OVERSIGHT_CLASSES = ("Audit", "ReportingProtocol", "IndependentReview", "MonitoringAndEvaluation")
RISKS = (
    "Infiltration",
    "Espionage",
    "MissionCreep",
    "ArmsDiversion",
    "MisuseOfTraining",
    "LossOfControl",
    "AllegianceSwitching",
    "HumanRightsViolation",
    "LegalExposure",
    "EscalationAndMiscalculation",
)
IMPACT_TYPES = ("AllianceStrengthening", "PowerProjection", "ProvokingRivals", "StrainOnAlliance")
TRENDS = (
    "CyberCapabilities",
    "UnmannedSystems",
    "MultilateralCooperation",
    "DeeperJointIntelligence",
)
DEFECTS = (
    "typo-class",
    "typo-property",
    "end-before-start",
    "self-partner",
    "forbidden-state-partner",
    "free-text-date",
    "ill-formed-date",
    "untagged-label",
    "missing-source",
    "bad-wikidata",
    "lowercase-country-code",
    "known-lack-contradiction",
)


class _Writer:
    """Collects Turtle statements and counts their triples."""

    def __init__(self) -> None:
        self.lines: list[str] = [PREFIXES]
        self.triples = 0

    def subject(self, iri: str, *statements: tuple[str, str]) -> None:
        body = " ;\n    ".join(f"{p} {o}" for p, o in statements)
        self.lines.append(f"{iri} {body} .\n")
        self.triples += len(statements)


class _Generator:
    def __init__(self, n_triples: int, seed: int, defects: bool) -> None:
        self.target = n_triples
        self.random = random.Random(seed)
        self.defects = defects
        self.out = _Writer()
        self.defect_counter = 0

    # ------------------------------------------------------------------ helpers

    def defect(self) -> str | None:
        """A defect to plant in the next record, about once in a hundred records."""
        if self.defects and self.random.random() < 0.01:
            self.defect_counter += 1
            return DEFECTS[self.defect_counter % len(DEFECTS)]
        return None

    def year(self, low: int = 1990, high: int = 2024) -> int:
        return self.random.randint(low, high)

    def date(self, year: int) -> str:
        if self.random.random() < 0.4:
            return f'"{year}"^^xsd:gYear'
        month, day = self.random.randint(1, 12), self.random.randint(1, 28)
        return f'"{year}-{month:02d}-{day:02d}"^^xsd:date'

    def source(self) -> str:
        return self.random.choice(self.sources)

    def record(self, iri: str, cls: str, *statements: tuple[str, str]) -> None:
        """A sourced record (with a defect now and then in its source or class)."""
        defect = self.defect()
        extra: list[tuple[str, str]] = []
        if defect != "missing-source":
            extra.append(("coop:hasSource", self.source()))
        if defect == "typo-class":
            cls = cls[:-2] + cls[-1] + cls[-2]  # coop:Engagemetn, a swapped pair of letters
        self.out.subject(iri, ("a", f"coop:{cls}"), *statements, *extra)

    # ------------------------------------------------------------------ the world

    def generate(self) -> str:
        scale = max(1, self.target // 10_000)
        self.sources = [f"data:source-{i}" for i in range(20 * scale)]
        for i, source in enumerate(self.sources):
            self.out.subject(
                source,
                ("a", "coop:Source"),
                (
                    "dcterms:bibliographicCitation",
                    f'"Report {i} on external support, {self.year()}."',
                ),
            )
        self.regions()
        self.states()
        self.non_state_actors(40 * scale)
        self.designations()
        self.case_studies: list[list[str]] = []
        number = 0
        while self.out.triples < self.target:
            self.engagement(number)
            number += 1
        self.finish_case_studies()
        return "".join(self.out.lines)

    def regions(self) -> None:
        self.countries = [f"data:country-{i}" for i in range(30)]
        self.region_iris = [f"data:region-{i}" for i in range(8)]
        for i, region in enumerate(self.region_iris):
            self.out.subject(region, ("a", "coop:Region"), ("rdfs:label", f'"Wide region {i}"@en'))
        self.places = []
        for i in range(120):
            place = f"data:place-{i}"
            self.places.append(place)
            self.out.subject(
                place,
                ("a", "coop:Region"),
                ("rdfs:label", f'"Province {i}"@en'),
                ("coop:withinRegion", self.region_iris[i % len(self.region_iris)]),
                ("coop:inCountry", self.countries[i % len(self.countries)]),
            )

    def states(self) -> None:
        self.state_iris = list(self.countries)
        for i, state in enumerate(self.state_iris):
            code = chr(65 + i // 26) + chr(65 + i % 26)
            defect = self.defect()
            if defect == "lowercase-country-code":
                code = code.lower()
            label = f'"State {i}"' if defect == "untagged-label" else f'"State {i}"@en'
            self.out.subject(
                state, ("a", "coop:State"), ("rdfs:label", label), ("coop:countryCode", f'"{code}"')
            )
        self.un = "data:united-nations"
        self.out.subject(
            self.un, ("a", "coop:InternationalOrganisation"), ("rdfs:label", '"United Nations"@en')
        )
        self.lists = []
        for i, authority in enumerate([self.un, *self.state_iris[:5]]):
            listing = f"data:list-{i}"
            self.lists.append((listing, authority))
            self.out.subject(
                listing,
                ("a", "coop:DesignationList"),
                ("rdfs:label", f'"Designation list {i}"@en'),
                ("coop:maintainedBy", authority),
            )

    def non_state_actors(self, count: int) -> None:
        self.actors = []
        for i in range(count):
            actor = f"data:group-{i}"
            self.actors.append(actor)
            defect = self.defect()
            statements = [
                ("a", f"coop:{self.random.choice(NON_STATE_CLASSES)}"),
                ("rdfs:label", f'"Group {i}"' if defect == "untagged-label" else f'"Group {i}"@en'),
                ("coop:operatesIn", self.random.choice(self.places)),
                ("coop:existedFrom", self.date(self.year(1960, 2015))),
            ]
            if self.random.random() < 0.2:
                wikidata = f"http://www.wikidata.org/entity/Q{100000 + i}"
                if defect == "bad-wikidata":
                    wikidata = f"https://www.wikidata.org/wiki/Q{100000 + i}"
                statements.append(("skos:exactMatch", f"<{wikidata}>"))
            self.out.subject(actor, *statements)

    def designations(self) -> None:
        self.designated: dict[str, tuple[int, int | None]] = {}
        for i, actor in enumerate(self.actors):
            if self.random.random() >= 0.12:
                continue
            listing, authority = self.random.choice(self.lists)
            start = self.year(1997, 2020)
            end = self.year(start + 1, 2025) if self.random.random() < 0.3 else None
            terrorist = self.random.random() < 0.7
            if terrorist:
                self.designated[actor] = (start, end)
            statements = [
                ("coop:designatedActor", actor),
                ("coop:designatingAuthority", authority),
                ("coop:underList", listing),
                ("coop:startDate", self.date(start)),
            ]
            if end is not None:
                statements.append(("coop:endDate", self.date(end)))
            cls = "TerroristDesignation" if terrorist else "SanctionsDesignation"
            self.record(f"data:designation-{i}", cls, *statements)

    # ------------------------------------------------------------------ engagements

    def engagement(self, number: int) -> None:
        iri = f"data:engagement-{number}"
        types = [t for t, _, _ in ENGAGEMENT_TYPES]
        weights = [w for _, w, _ in ENGAGEMENT_TYPES]
        kind = self.random.choices(types, weights)[0]
        provider = self.random.choice(self.state_iris)
        partner = self.random.choice(self.actors)
        defect = self.defect()
        if defect == "self-partner":
            partner = provider
        elif defect == "forbidden-state-partner":
            kind = "TerritoryAccess"
            partner = self.random.choice([s for s in self.state_iris if s != provider])
        start = self.year(1995, 2022)
        end = self.year(start + 1, 2025) if self.random.random() < 0.7 else None
        start_text = self.date(start)
        if defect == "free-text-date":
            start_text = f'"spring {start}"'
        elif defect == "ill-formed-date":
            start_text = f'"{start}-13-01"^^xsd:date'
        statements = [
            ("coop:provider", provider),
            ("coop:partner" if defect != "typo-property" else "coop:partnr", partner),
            ("coop:engagementType", f"coop:{kind}"),
            ("coop:startDate", start_text),
            ("coop:place", self.random.choice(self.places)),
            (
                "coop:formality",
                self.random.choice(("coop:Formal", "coop:SemiFormal", "coop:Informal")),
            ),
            ("coop:visibility", self.random.choice(("coop:Overt", "coop:Covert"))),
            ("coop:supportMode", "coop:ActiveSupport"),
            (
                "coop:arrangement",
                self.random.choice(("coop:BilateralArrangement", "coop:CoalitionArrangement")),
            ),
            (
                "coop:confidence",
                self.random.choice(("coop:HighConfidence", "coop:MediumConfidence")),
            ),
        ]
        if end is not None:
            end_year = start - 2 if defect == "end-before-start" else end
            statements.append(("coop:endDate", self.date(end_year)))
        if self.random.random() < 0.5:
            statements.append(("coop:hostStateConsent", "coop:ConsentGiven"))
        statements += self.safeguards(iri, kind, partner, start, end, defect)
        self.record(iri, "Engagement", *statements)
        self.follow_ups(iri, partner, start)

    def safeguards(
        self,
        engagement: str,
        kind: str,
        partner: str,
        start: int,
        end: int | None,
        defect: str | None,
    ) -> list[tuple[str, str]]:
        links: list[tuple[str, str]] = []
        source = ("coop:hasSource", self.source())
        if kind in INTELLIGENCE:
            if self.random.random() < 0.8:
                agreement = f"{engagement}-agreement"
                self.out.subject(
                    agreement,
                    ("a", "coop:Agreement"),
                    ("rdfs:label", '"Information-sharing arrangement"@en'),
                    ("coop:startDate", self.date(start)),
                    source,
                )
                links.append(("coop:restsOnAgreement", agreement))
            if self.random.random() < 0.7:
                channel = f"{engagement}-channel"
                self.out.subject(channel, ("a", "coop:SecureChannel"), source)
                links.append(("coop:hasSecureChannel", channel))
        if kind in TRAINING and self.random.random() < 0.85:
            vetting = f"{engagement}-vetting"
            self.out.subject(
                vetting,
                ("a", "coop:Vetting"),
                ("coop:implements", "coop:HumanRightsVetting"),
                source,
            )
            links.append(("coop:hasVetting", vetting))
        if self.random.random() < 0.5:
            mandate = f"{engagement}-mandate"
            self.out.subject(
                mandate,
                ("a", "coop:Mandate"),
                ("coop:legalBasis", '"Executive decision of the providing state"'),
                ("coop:purpose", '"Degrade the common adversary"'),
                ("coop:limits", '"No combat role for the provider\'s forces"'),
                source,
            )
            links.append(("coop:hasMandate", mandate))
        if self.random.random() < 0.4:
            objective = f"{engagement}-objective"
            self.out.subject(
                objective,
                ("a", "coop:Objective"),
                ("coop:measure", '"Area held by the adversary"'),
                ("coop:targetDate", self.date((end or start) + 1)),
                source,
            )
            links.append(("coop:hasObjective", objective))
        if self.random.random() < 0.35 or defect == "known-lack-contradiction":
            oversight = f"{engagement}-oversight"
            cls = self.random.choice(OVERSIGHT_CLASSES)
            if defect == "known-lack-contradiction":
                cls = "Audit"  # an audit, yet the engagement is said to lack regular audits
                links.append(("coop:knownToLack", "coop:RegularAudits"))
            self.out.subject(oversight, ("a", f"coop:{cls}"), source)
            links.append(("coop:hasOversight", oversight))
        if partner in self.designated and self.random.random() < 0.9:
            review = f"{engagement}-legal-review"
            self.out.subject(
                review, ("a", "coop:LegalReview"), ("coop:date", self.date(start)), source
            )
            links.append(("coop:hasLegalReview", review))
        lacks_vetting = kind in TRAINING and all(p != "coop:hasVetting" for p, _ in links)
        if lacks_vetting and self.random.random() < 0.5:
            links.append(("coop:knownToLack", "coop:HumanRightsVetting"))
        return links

    def follow_ups(self, engagement: str, partner: str, start: int) -> None:
        roll = self.random.random()
        if roll < 0.08:
            self.record(
                f"{engagement}-assessment",
                "RiskAssessment",
                ("coop:assessedEngagement", engagement),
                ("coop:identifiesRisk", f"coop:{self.random.choice(RISKS)}"),
                ("coop:date", self.date(start + 1)),
            )
        elif roll < 0.13:
            self.record(
                f"{engagement}-impact",
                "Impact",
                ("coop:impactOf", engagement),
                ("coop:impactType", f"coop:{self.random.choice(IMPACT_TYPES)}"),
                ("coop:affectedActor", self.random.choice(self.state_iris)),
            )
        elif roll < 0.15:
            self.record(
                f"{engagement}-switch",
                "AllegianceChange",
                ("coop:changingActor", partner),
                ("coop:newAlly", self.random.choice(self.state_iris)),
                ("coop:date", self.date(start + 2)),
                ("coop:affectsEngagement", engagement),
            )
        elif roll < 0.16:
            self.record(
                f"{engagement}-allegation",
                "AbuseAllegation",
                ("coop:reportedActor", partner),
                ("coop:date", self.date(start + 1)),
            )
        if self.random.random() < 0.01 or not self.case_studies:
            self.case_studies.append([])
        self.case_studies[-1].append(engagement)

    def finish_case_studies(self) -> None:
        for i, engagements in enumerate(self.case_studies):
            statements = [
                ("rdfs:label", f'"Case study {i}"@en'),
                ("coop:outcome", '"Mixed results, documented by the sources"'),
                ("coop:illustratesTrend", f"coop:{self.random.choice(TRENDS)}"),
                *(("coop:includesEngagement", e) for e in engagements),
            ]
            self.record(f"data:case-study-{i}", "CaseStudy", *statements)


def generate(
    n_triples: int, seed: int = 1, defects: bool = True, path: str | Path | None = None
) -> Path:
    """Write (or reuse) a synthetic data set of about ``n_triples`` triples; its path.

    Without ``path`` the file goes to the temporary directory, named after the arguments,
    and is reused if it exists (the output depends only on the arguments).
    """
    if path is None:
        name = f"coopgraph-synthetic-{n_triples}-{seed}-{'defects' if defects else 'clean'}.ttl"
        path = Path(tempfile.gettempdir()) / name
        if path.is_file():
            return path
    path = Path(path)
    text = _Generator(n_triples, seed, defects).generate()
    partial = path.with_suffix(".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("triples", type=int, help="about how many triples to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clean", action="store_true", help="plant no defects")
    parser.add_argument("-o", "--output", help="the Turtle file to write")
    args = parser.parse_args()
    print(generate(args.triples, args.seed, not args.clean, args.output))


if __name__ == "__main__":
    main()
