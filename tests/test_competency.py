"""The competency questions of the domain brief (1-12), answered over the example knowledge base.

The expected answers are written down here as exact Python data, derived by hand from the
example data (examples/*.ttl) and the ontology's domain knowledge (coop:carriesRisk,
coop:broaderType, coop:mitigates, coop:governs, the hasValue restrictions that tie classes to
situations and countermeasures). Each query test runs the canned query (``queries/*.rq``,
through :func:`coopgraph.catalogue.run_select`) over the example knowledge base (ontology and
examples) in the embedded store. CQ11 (the network) is answered by the network module,
``coopgraph.network``.

Conventions shared by all answers
* Terms are written as compact names (``data:...``, ``coop:...``); literals as their lexical
  form (dates as written: ``"2015"`` or ``"2019-10-17"``); a missing value as None.
* Periods: an xsd:gYear start counts from 1 January, an xsd:gYear end until 31 December; no
  end means ongoing, no start means "since ever". Two periods are in force together when
  they overlap.
* Only the columns named in each test are compared; a query may return more.

``test_expected_answers_name_existing_terms`` checks that every term written below exists in
the example data or in the ontology, so that a rename in the data cannot leave them stale.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef

from coopgraph.catalogue import run_select
from coopgraph.dataset import open_dataset
from coopgraph.store import Store
from coopgraph.vocab import COOP, DATA, example_files, ontology_file

# The source of a risk or of a legal framework (CQ1, CQ3). The canned queries may spell them
# out ("engagement type", "partner situation", "engagement situation"); both are accepted.
SOURCE_KINDS = {
    "asserted": "asserted",
    "type": "type",
    "engagement type": "type",
    "partner": "partner",
    "partner situation": "partner",
    "engagement": "engagement",
    "engagement situation": "engagement",
    "context": "context",
}


# ----------------------------------------------------------------------------- helpers


def iri(compact: str) -> str:
    """The full IRI of a compact ``data:`` or ``coop:`` name, as a query parameter."""
    prefix, local = compact.split(":", 1)
    return str({"data": DATA, "coop": COOP}[prefix][local])


def compact(value: Any) -> Any:
    """A result value as written in the expected answers."""
    if value is None:
        return None
    if isinstance(value, Literal):
        python = value.toPython()
        return python if isinstance(python, bool) else str(value)
    text = str(value)
    for prefix, namespace in (("data:", str(DATA)), ("coop:", str(COOP))):
        if text.startswith(namespace):
            return prefix + text[len(namespace) :]
    return text


def rows(result: Any) -> list[dict[str, Any]]:
    """The rows of a query result as {column: value}.

    Accepts the store's SelectResult (``variables`` and ``rows``), rdflib's result (``vars``
    and tuples) or any iterable of mappings.
    """
    variables = getattr(result, "variables", None) or getattr(result, "vars", None)
    if variables is not None:
        names = [str(v) for v in variables]
        return [dict(zip(names, row, strict=True)) for row in getattr(result, "rows", result)]
    return [dict(row) for row in result]


@functools.cache
def _example_store() -> Store:
    """The bundled ontology and example knowledge base in the embedded store (kept open for
    the session)."""
    return open_dataset()


def answer(name: str, params: Mapping[str, str], columns: Iterable[str]) -> set[tuple[Any, ...]]:
    """Run canned query ``name`` and keep ``columns`` of each row, compacted."""
    columns = list(columns)
    bound = {key: URIRef(value) for key, value in params.items()}
    return {
        tuple(compact(row.get(column)) for column in columns)
        for row in rows(run_select(_example_store(), name, bound))
    }


def kinds(found: set[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    """Normalise the last column (a source kind) to the short names used below."""
    return {(*row[:-1], SOURCE_KINDS.get(row[-1], row[-1])) for row in found}


# ----------------------------------------------------------------------------- CQ1
# Which risks apply to engagement E, and why?
#
# Derivation (mechanical, from the ontology and the data):
#   asserted    a coop:RiskAssessment of E (coop:assessedEngagement) identifies the risk;
#   type        E's coop:engagementType, or a broader type (coop:broaderType, transitively),
#               coop:carriesRisk it;
#   partner     a situation of E's partner carries it: by the partner's class (a subclass of
#               coop:NonStateArmedGroup -> coop:NonStateArmedPartner; coop:CriminalNetwork ->
#               coop:CriminalPartner) or by a record about the partner (a sub-property of
#               coop:concernsActor) whose class indicates a situation (terrorist designation
#               -> UnderTerroristDesignation, sanctions designation -> UnderSanctions,
#               allegiance change and agreement breach -> UnreliablePartnerRecord, abuse
#               allegation -> CredibleAbuseAllegations), counted only if the record's period
#               (a designation: start to end; an event: its date onwards) overlaps E's;
#   engagement  E's own formality, visibility, support mode, arrangement or host-state
#               consent (sub-properties of coop:engagementSituation) carries it;
#   context     coop:CompetingExternalSponsors carries it, when another state backs a
#               different partner at E's place, or at a place within it or containing it
#               (coop:withinRegion), in an overlapping period.
# The risk hierarchy (skos:broader between risks) is not expanded. A risk with two reasons
# has two rows.
# Assumed columns of cq01-risks: engagement, risk, source (+ factor, actor, evidence).

# US weapons supply to the SDF (2015-, Formal, Overt, bilateral, no Syrian consent).
CQ01_US_SDF_WEAPONS = {
    # DoD Inspector General audit (data:ra-dodig-ctef) and Turkey's assessment
    ("coop:ArmsDiversion", "asserted"),
    ("coop:ControlAndOversightRisk", "asserted"),
    # coop:WeaponsSupply carries these four
    ("coop:ArmsDiversion", "type"),
    ("coop:ArmsProliferation", "type"),
    ("coop:HumanitarianLawViolation", "type"),
    ("coop:PowerImbalance", "type"),
    # the SDF are a militia, so a non-state armed partner
    ("coop:AdverseSelection", "partner"),
    ("coop:AllegianceSwitching", "partner"),
    ("coop:ControlAndOversightRisk", "partner"),
    ("coop:MisalignedInterests", "partner"),
    ("coop:MoralHazard", "partner"),
    # ... and have an unreliable record: the allegiance change of 13 October 2019
    # (data:ac-sdf-2019), during the ongoing engagement (AllegianceSwitching again)
    ("coop:AgreementBetrayal", "partner"),
    # coop:ConsentAbsent (formal, overt, active, bilateral carry nothing)
    ("coop:EscalationAndMiscalculation", "engagement"),
    ("coop:SovereigntyDispute", "engagement"),
    # Turkey backs the SNA in northeast Syria (Peace Spring, October 2019)
    ("coop:EscalationAndMiscalculation", "context"),
    ("coop:PowerImbalance", "context"),
    ("coop:RegionalDestabilisation", "context"),
}

# Colombia's negotiation with the AUC (2002-2006, Formal, Overt, bilateral, own territory).
CQ01_COLOMBIA_AUC_NEGOTIATION = {
    # coop:Negotiation carries UnderminingPeaceProcesses; its broader type
    # coop:MilitaryDiplomacy carries MisalignedInterests
    ("coop:UnderminingPeaceProcesses", "type"),
    ("coop:MisalignedInterests", "type"),
    # the AUC is a pro-government militia: a non-state armed partner
    ("coop:AdverseSelection", "partner"),
    ("coop:AllegianceSwitching", "partner"),
    ("coop:ControlAndOversightRisk", "partner"),
    ("coop:MisalignedInterests", "partner"),
    ("coop:MoralHazard", "partner"),
    # US FTO designation 2001-09-10 to 2014-07-15, in force during the talks (LegalExposure,
    # ValuesConflict); the Mapiripan massacre allegation of 1997 (HumanRightsViolation,
    # HumanitarianLawViolation, LegalExposure)
    ("coop:LegalExposure", "partner"),
    ("coop:ValuesConflict", "partner"),
    ("coop:HumanRightsViolation", "partner"),
    ("coop:HumanitarianLawViolation", "partner"),
}

# Saudi negotiation with the Houthis (2023 only, SemiFormal): the Houthis' US designations
# (January-February 2021; 2024; 2025) were not in force in 2023, so no designation risk.
CQ01_SAUDI_HOUTHIS_NEGOTIATION = {
    ("coop:UnderminingPeaceProcesses", "type"),
    ("coop:MisalignedInterests", "type"),
    ("coop:AdverseSelection", "partner"),
    ("coop:AllegianceSwitching", "partner"),
    ("coop:ControlAndOversightRisk", "partner"),
    ("coop:MisalignedInterests", "partner"),
    ("coop:MoralHazard", "partner"),
    # coop:SemiFormal carries MissionCreep
    ("coop:MissionCreep", "engagement"),
}


@pytest.mark.parametrize(
    ("engagement", "expected"),
    [
        ("data:eng-us-sdf-weapons", CQ01_US_SDF_WEAPONS),
        ("data:eng-colombia-auc-negotiation", CQ01_COLOMBIA_AUC_NEGOTIATION),
        ("data:eng-saudi-houthis-negotiation", CQ01_SAUDI_HOUTHIS_NEGOTIATION),
    ],
)
def test_cq01_risks(engagement: str, expected: set[tuple[str, str]]) -> None:
    found = answer("applicable-risks", {"engagement": iri(engagement)}, ["risk", "source"])
    assert kinds(found) == expected


# ----------------------------------------------------------------------------- CQ2
# Which countermeasures mitigate those risks, and which of them does E lack?
#
# For every risk of CQ1, each countermeasure with coop:mitigates that risk, and its status:
#   "in place"      one of E's safeguard records (any sub-property of coop:hasSafeguard)
#                   implements it, stated (coop:implements) or implied by the record's class
#                   (Agreement -> FormalAgreements, Mandate -> ClearMandates, Objective ->
#                   ScopedObjectives, Audit -> RegularAudits, ReportingProtocol ->
#                   ReportingRequirements, IndependentReview -> IndependentReviews,
#                   MonitoringAndEvaluation -> ContinuousMonitoring, LegalReview ->
#                   PriorLegalReview, SecureChannel -> SecureCommunications);
#   "known absent"  E coop:knownToLack it and no record implements it;
#   "not recorded"  otherwise. E lacks the countermeasures that are not "in place".
# Assumed columns of cq02-countermeasures: engagement, risk, countermeasure, status (+ record).

# In place through data:mandate-sec1209, data:vetting-sec1209 (designation screening and
# human rights vetting), data:reporting-lead-ig-oir and data:reporting-sec1209 (reporting),
# data:audit-dodig-ctef (audits).
CQ02_US_SDF_WEAPONS = {
    ("coop:AdverseSelection", "coop:DesignationScreening", "in place"),
    ("coop:AdverseSelection", "coop:HumanRightsVetting", "in place"),
    ("coop:AgreementBetrayal", "coop:FormalAgreements", "not recorded"),
    ("coop:AgreementBetrayal", "coop:TrustBuilding", "not recorded"),
    ("coop:AllegianceSwitching", "coop:ContinuousMonitoring", "not recorded"),
    ("coop:AllegianceSwitching", "coop:TrustBuilding", "not recorded"),
    ("coop:ArmsDiversion", "coop:EndUseMonitoring", "not recorded"),
    ("coop:ArmsDiversion", "coop:RegularAudits", "in place"),
    ("coop:ArmsProliferation", "coop:EndUseMonitoring", "not recorded"),
    ("coop:ControlAndOversightRisk", "coop:ClearMandates", "in place"),
    ("coop:ControlAndOversightRisk", "coop:FormalAgreements", "not recorded"),
    ("coop:ControlAndOversightRisk", "coop:IndependentReviews", "not recorded"),
    ("coop:ControlAndOversightRisk", "coop:RegularAudits", "in place"),
    ("coop:ControlAndOversightRisk", "coop:ReportingRequirements", "in place"),
    ("coop:EscalationAndMiscalculation", "coop:ClearMandates", "in place"),
    ("coop:EscalationAndMiscalculation", "coop:RegularStrategicDialogue", "not recorded"),
    ("coop:HumanitarianLawViolation", "coop:HumanRightsVetting", "in place"),
    ("coop:HumanitarianLawViolation", "coop:IndependentReviews", "not recorded"),
    ("coop:HumanitarianLawViolation", "coop:PriorLegalReview", "not recorded"),
    ("coop:MisalignedInterests", "coop:FormalAgreements", "not recorded"),
    ("coop:MisalignedInterests", "coop:RegularStrategicDialogue", "not recorded"),
    ("coop:MisalignedInterests", "coop:ScopedObjectives", "not recorded"),
    ("coop:MoralHazard", "coop:RegularAudits", "in place"),
    ("coop:MoralHazard", "coop:ReportingRequirements", "in place"),
    ("coop:RegionalDestabilisation", "coop:StakeholderParticipation", "not recorded"),
    ("coop:SovereigntyDispute", "coop:PriorLegalReview", "not recorded"),
    ("coop:SovereigntyDispute", "coop:StakeholderParticipation", "not recorded"),
}

# In place through data:agr-santa-fe-de-ralito (formal agreements),
# data:mandate-colombia-demobilisation, data:obj-auc-demobilisation and
# data:monitoring-mapp-oea (monitoring, and stakeholder participation stated).
CQ02_COLOMBIA_AUC_NEGOTIATION = {
    ("coop:AdverseSelection", "coop:DesignationScreening", "not recorded"),
    ("coop:AdverseSelection", "coop:HumanRightsVetting", "not recorded"),
    ("coop:AllegianceSwitching", "coop:ContinuousMonitoring", "in place"),
    ("coop:AllegianceSwitching", "coop:TrustBuilding", "not recorded"),
    ("coop:ControlAndOversightRisk", "coop:ClearMandates", "in place"),
    ("coop:ControlAndOversightRisk", "coop:FormalAgreements", "in place"),
    ("coop:ControlAndOversightRisk", "coop:IndependentReviews", "not recorded"),
    ("coop:ControlAndOversightRisk", "coop:RegularAudits", "not recorded"),
    ("coop:ControlAndOversightRisk", "coop:ReportingRequirements", "not recorded"),
    ("coop:HumanRightsViolation", "coop:HumanRightsVetting", "not recorded"),
    ("coop:HumanRightsViolation", "coop:IndependentReviews", "not recorded"),
    ("coop:HumanitarianLawViolation", "coop:HumanRightsVetting", "not recorded"),
    ("coop:HumanitarianLawViolation", "coop:IndependentReviews", "not recorded"),
    ("coop:HumanitarianLawViolation", "coop:PriorLegalReview", "not recorded"),
    ("coop:LegalExposure", "coop:DesignationScreening", "not recorded"),
    ("coop:LegalExposure", "coop:PriorLegalReview", "not recorded"),
    ("coop:MisalignedInterests", "coop:FormalAgreements", "in place"),
    ("coop:MisalignedInterests", "coop:RegularStrategicDialogue", "not recorded"),
    ("coop:MisalignedInterests", "coop:ScopedObjectives", "in place"),
    ("coop:MoralHazard", "coop:RegularAudits", "not recorded"),
    ("coop:MoralHazard", "coop:ReportingRequirements", "not recorded"),
    ("coop:UnderminingPeaceProcesses", "coop:StakeholderParticipation", "in place"),
    ("coop:ValuesConflict", "coop:HumanRightsVetting", "not recorded"),
}

# No safeguard is recorded for the Saudi talks.
CQ02_SAUDI_HOUTHIS_NEGOTIATION = {
    ("coop:AdverseSelection", "coop:DesignationScreening", "not recorded"),
    ("coop:AdverseSelection", "coop:HumanRightsVetting", "not recorded"),
    ("coop:AllegianceSwitching", "coop:ContinuousMonitoring", "not recorded"),
    ("coop:AllegianceSwitching", "coop:TrustBuilding", "not recorded"),
    ("coop:ControlAndOversightRisk", "coop:ClearMandates", "not recorded"),
    ("coop:ControlAndOversightRisk", "coop:FormalAgreements", "not recorded"),
    ("coop:ControlAndOversightRisk", "coop:IndependentReviews", "not recorded"),
    ("coop:ControlAndOversightRisk", "coop:RegularAudits", "not recorded"),
    ("coop:ControlAndOversightRisk", "coop:ReportingRequirements", "not recorded"),
    ("coop:MisalignedInterests", "coop:FormalAgreements", "not recorded"),
    ("coop:MisalignedInterests", "coop:RegularStrategicDialogue", "not recorded"),
    ("coop:MisalignedInterests", "coop:ScopedObjectives", "not recorded"),
    ("coop:MissionCreep", "coop:ClearMandates", "not recorded"),
    ("coop:MissionCreep", "coop:ContinuousMonitoring", "not recorded"),
    ("coop:MissionCreep", "coop:ReportingRequirements", "not recorded"),
    ("coop:MissionCreep", "coop:ScopedObjectives", "not recorded"),
    ("coop:MoralHazard", "coop:RegularAudits", "not recorded"),
    ("coop:MoralHazard", "coop:ReportingRequirements", "not recorded"),
    ("coop:UnderminingPeaceProcesses", "coop:StakeholderParticipation", "not recorded"),
}


@pytest.mark.parametrize(
    ("engagement", "expected"),
    [
        ("data:eng-us-sdf-weapons", CQ02_US_SDF_WEAPONS),
        ("data:eng-colombia-auc-negotiation", CQ02_COLOMBIA_AUC_NEGOTIATION),
        ("data:eng-saudi-houthis-negotiation", CQ02_SAUDI_HOUTHIS_NEGOTIATION),
    ],
)
def test_cq02_countermeasures(engagement: str, expected: set[tuple[str, str, str]]) -> None:
    found = answer(
        "countermeasure-gaps",
        {"engagement": iri(engagement)},
        ["risk", "countermeasure", "status"],
    )
    assert found == expected


# ----------------------------------------------------------------------------- CQ3
# Which legal frameworks govern E?
#
# A framework governs E when it coop:governs one of E's risk factors, found as in CQ1 (type
# or broader type; partner situation by class or by a record in force; the engagement's own
# situations; context), once per kind of reason. A national framework (with a
# coop:jurisdictionCode) binds only engagements whose provider has that coop:countryCode:
# the US Leahy laws and material-support statutes apply to US providers only.
# Assumed columns of cq03-legal-frameworks: engagement, framework, source (+ factor, actor,
# evidence).

CQ03_US_SDF_WEAPONS = {
    # coop:WeaponsSupply is governed by these four (the Leahy laws: US provider)
    ("coop:ArmsTradeTreaty", "type"),
    ("coop:LeahyLawDefense", "type"),
    ("coop:LeahyLawState", "type"),
    ("coop:SovereigntyAndConsent", "type"),
    ("coop:UNCharterArticle2-4", "type"),
    # coop:ConsentAbsent
    ("coop:SovereigntyAndConsent", "engagement"),
    ("coop:UNCharterArticle2-4", "engagement"),
    # coop:NonStateArmedPartner
    ("coop:AdditionalProtocolII", "partner"),
    ("coop:CommonArticle3", "partner"),
}

# Partner situations: non-state armed partner (Common Article 3, AP II), terrorist
# designation in force (UNSC 1373; 18 U.S.C. 2339A/B are US law and the provider is
# Colombia), credible abuse allegations (Common Article 3, human rights law; the Leahy laws
# are US law). Negotiation and military diplomacy are governed by nothing.
CQ03_COLOMBIA_AUC_NEGOTIATION = {
    ("coop:AdditionalProtocolII", "partner"),
    ("coop:CommonArticle3", "partner"),
    ("coop:InternationalHumanRightsLaw", "partner"),
    ("coop:UNSCResolution1373", "partner"),
}

CQ03_SAUDI_HOUTHIS_NEGOTIATION = {
    ("coop:AdditionalProtocolII", "partner"),
    ("coop:CommonArticle3", "partner"),
}

# German weapons for the Peshmerga: the same type as the US case, but the Leahy laws do not
# bind a German provider, and the Government of Iraq consented.
CQ03_GERMANY_PESHMERGA_WEAPONS = {
    ("coop:ArmsTradeTreaty", "type"),
    ("coop:SovereigntyAndConsent", "type"),
    ("coop:UNCharterArticle2-4", "type"),
    ("coop:AdditionalProtocolII", "partner"),
    ("coop:CommonArticle3", "partner"),
}


@pytest.mark.parametrize(
    ("engagement", "expected"),
    [
        ("data:eng-us-sdf-weapons", CQ03_US_SDF_WEAPONS),
        ("data:eng-colombia-auc-negotiation", CQ03_COLOMBIA_AUC_NEGOTIATION),
        ("data:eng-saudi-houthis-negotiation", CQ03_SAUDI_HOUTHIS_NEGOTIATION),
        ("data:eng-germany-peshmerga-weapons", CQ03_GERMANY_PESHMERGA_WEAPONS),
    ],
)
def test_cq03_legal_frameworks(engagement: str, expected: set[tuple[str, str]]) -> None:
    found = answer("governing-frameworks", {"engagement": iri(engagement)}, ["framework", "source"])
    assert kinds(found) == expected


# ----------------------------------------------------------------------------- CQ4
# Which engagements lack a mandate, scoped objectives, oversight or vetting?
#
# For every engagement, each kind it has no record of: coop:Mandate (coop:hasMandate),
# coop:Objective (coop:hasObjective), coop:OversightMechanism (coop:hasOversight: audits,
# reporting protocols, independent reviews, monitoring) and coop:Vetting (coop:hasVetting).
# Status "known absent" when E coop:knownToLack a countermeasure of that kind (ClearMandates;
# ScopedObjectives; RegularAudits, ReportingRequirements, IndependentReviews or
# ContinuousMonitoring; HumanRightsVetting or DesignationScreening), else "not recorded".
# The Enterprise (data:eng-us-contras-enterprise) is known to lack reporting and audits but
# has independent reviews (after the fact), so it does not lack oversight.
# Assumed columns of cq04-missing-safeguards: engagement, provider, lacking, status.

_M = "coop:Mandate"
_OB = "coop:Objective"
_OV = "coop:OversightMechanism"
_V = "coop:Vetting"
_ALL = {_M, _OB, _OV, _V}

CQ04_LACKING = {
    "data:eng-colombia-auc-negotiation": {_V},
    "data:eng-colombia-auc-operational-support": _ALL,
    "data:eng-elsalvador-contras-infrastructure": _ALL,
    "data:eng-germany-peshmerga-training": {_OB, _V},
    "data:eng-germany-peshmerga-weapons": _ALL,
    "data:eng-honduras-contras-territory": _ALL,
    "data:eng-iran-hezbollah-capacity-building": _ALL,
    "data:eng-iran-hezbollah-funding": _ALL,
    "data:eng-iran-hezbollah-weapons": _ALL,
    "data:eng-iran-houthis-weapons": _ALL,
    "data:eng-iran-na-weapons": _ALL,
    "data:eng-nigeria-cjtf-funding": _ALL,
    "data:eng-nigeria-cjtf-intelligence": _ALL,
    "data:eng-nigeria-cjtf-joint-operations": _ALL,
    "data:eng-pakistan-taliban-logistics": _ALL,
    "data:eng-russia-dpr-ceasefire": {_M, _V},
    "data:eng-russia-dpr-troop-support": _ALL,
    "data:eng-russia-dpr-weapons": _ALL,
    "data:eng-russia-lpr-ceasefire": {_M, _V},
    "data:eng-russia-lpr-weapons": _ALL,
    "data:eng-russia-na-weapons": _ALL,
    "data:eng-rwanda-m23-territory": _ALL,
    "data:eng-rwanda-m23-troop-support": _ALL,
    "data:eng-rwanda-m23-troop-support-2022": _ALL,
    "data:eng-rwanda-m23-weapons": _ALL,
    "data:eng-saudi-houthis-negotiation": _ALL,
    "data:eng-southafrica-local-partners": _ALL,
    "data:eng-turkey-sna-afrin": _ALL,
    "data:eng-turkey-sna-funding": _ALL,
    "data:eng-turkey-sna-peace-spring": _ALL,
    "data:eng-uae-securitybelt-capacity-building": _ALL,
    "data:eng-us-awakening-dialogue": _ALL,
    "data:eng-us-awakening-intelligence": _ALL,
    "data:eng-us-awakening-joint-operations": _ALL,
    "data:eng-us-contras-capacity-building": {_OB, _V},
    "data:eng-us-contras-enterprise": {_M, _OB, _V},
    "data:eng-us-contras-funding-1986": _ALL,
    "data:eng-us-contras-funding-covert": {_OB, _V},
    "data:eng-us-contras-weapons": {_OB, _V},
    "data:eng-us-na-advising": {_OB, _OV, _V},
    "data:eng-us-na-funding": _ALL,
    "data:eng-us-na-intelligence": _ALL,
    "data:eng-us-na-joint-operations": {_OB, _OV, _V},
    "data:eng-us-na-negotiation": _ALL,
    "data:eng-us-nsf-capacity-building": set(),  # mandate, objective, oversight and vetting
    "data:eng-us-nsf-weapons": {_OB},
    "data:eng-us-sdf-capacity-building": {_OB},
    "data:eng-us-sdf-ceasefire-2019": _ALL,
    "data:eng-us-sdf-counterterrorism": {_OB, _V},
    "data:eng-us-sdf-funding": {_OB},
    "data:eng-us-sdf-intelligence": {_OB, _V},
    "data:eng-us-sdf-joint-operations": {_OB, _V},
    "data:eng-us-sdf-security-mechanism": _ALL,
    "data:eng-us-sdf-troop-presence": {_OB, _V},
    "data:eng-us-sdf-weapons": {_OB},
    "data:eng-us-soi-funding": {_V},
}
# The army's collusion with the AUC is known to lack a mandate (coop:knownToLack
# coop:ClearMandates): the paramilitaries were outlawed.
CQ04_KNOWN_ABSENT = {("data:eng-colombia-auc-operational-support", _M)}

CQ04_EXPECTED = {
    (
        engagement,
        kind,
        "known absent" if (engagement, kind) in CQ04_KNOWN_ABSENT else "not recorded",
    )
    for engagement, lacking in CQ04_LACKING.items()
    for kind in lacking
}


def test_cq04_missing_safeguards() -> None:
    found = answer("missing-safeguards", {}, ["engagement", "lacking", "status"])
    assert found == CQ04_EXPECTED


# ----------------------------------------------------------------------------- CQ5
# With which non-state actors does state S cooperate, how, and when?
#
# Each engagement with S as provider and a coop:NonStateActor (any subclass) as partner:
# (partner, engagement type, start, end); end None = ongoing.
# Assumed columns of cq05-state-partners: state, partner, engagement, engagementType, start,
# end.

CQ05_UNITED_STATES = {
    ("data:AnbarAwakening", "coop:IntelligenceSharing", "2006", "2008-09-01"),
    ("data:AnbarAwakening", "coop:JointOperations", "2006", "2008-09-01"),
    ("data:AnbarAwakening", "coop:StrategicDialogue", "2006", "2008-09-01"),
    ("data:Contras", "coop:CapacityBuilding", "1981", "1984"),
    ("data:Contras", "coop:Funding", "1981", "1984"),
    ("data:Contras", "coop:Funding", "1986", "1988"),
    ("data:Contras", "coop:MaterielAndLogistics", "1984", "1986"),
    ("data:Contras", "coop:WeaponsSupply", "1981", "1984"),
    ("data:NewSyrianForces", "coop:CapacityBuilding", "2015", "2015-10-09"),
    ("data:NewSyrianForces", "coop:WeaponsSupply", "2015", "2015-10-09"),
    ("data:NorthernAlliance", "coop:Advising", "2001-10-19", "2001-12-22"),
    ("data:NorthernAlliance", "coop:Funding", "2001-09-26", "2001-12-22"),
    ("data:NorthernAlliance", "coop:IntelligenceSharing", "2001-09-26", "2001-12-22"),
    ("data:NorthernAlliance", "coop:JointOperations", "2001-10-07", "2001-12-22"),
    ("data:NorthernAlliance", "coop:Negotiation", "2001-11-27", "2001-12-05"),
    ("data:SonsOfIraq", "coop:Funding", "2007", "2009"),
    ("data:SyrianDemocraticForces", "coop:CapacityBuilding", "2016", None),
    ("data:SyrianDemocraticForces", "coop:ConfidenceBuilding", "2019", "2019"),
    ("data:SyrianDemocraticForces", "coop:CounterterrorismCooperation", "2019", None),
    ("data:SyrianDemocraticForces", "coop:ForeignTroopPresence", "2015", None),
    ("data:SyrianDemocraticForces", "coop:Funding", "2017", None),
    ("data:SyrianDemocraticForces", "coop:IntelligenceSharing", "2015", None),
    ("data:SyrianDemocraticForces", "coop:JointOperations", "2015", None),
    ("data:SyrianDemocraticForces", "coop:NegotiatedCeasefire", "2019-10-17", "2019-10-22"),
    ("data:SyrianDemocraticForces", "coop:WeaponsSupply", "2015", None),
}

CQ05_IRAN = {
    ("data:Hezbollah", "coop:CapacityBuilding", "1982", None),
    ("data:Hezbollah", "coop:Funding", "1982", None),
    ("data:Hezbollah", "coop:WeaponsSupply", "1982", None),
    ("data:Houthis", "coop:WeaponsSupply", "2015", None),
    ("data:NorthernAlliance", "coop:WeaponsSupply", "1996", "2001"),
}


@pytest.mark.parametrize(
    ("state", "expected"),
    [("data:UnitedStates", CQ05_UNITED_STATES), ("data:Iran", CQ05_IRAN)],
)
def test_cq05_state_partners(state: str, expected: set[tuple[Any, ...]]) -> None:
    found = answer(
        "state-partners",
        {"state": iri(state)},
        ["partner", "engagementType", "start", "end"],
    )
    assert found == expected


# ----------------------------------------------------------------------------- CQ6
# Which engagements involve a partner designated as a terrorist organisation, by whom, and
# was the designation in force during the engagement?
#
# Every (engagement, partner, terrorist designation of the partner at any time): the
# authority and whether the designation's period overlaps the engagement's (True/False; a
# query may say "in force"/"not in force"). Sanctions designations (the M23's UN listing)
# are not terrorist designations. The Saudi talks of 2023 fall between the Houthis'
# revoked 2021 designation and those of 2024 and 2025: not in force.
# Assumed columns of cq06-designated-partners: engagement, partner, designation, authority,
# list, designatedFrom, designatedUntil, inForce.

CQ06_DESIGNATED = {
    (
        "data:eng-colombia-auc-negotiation",
        "data:AUC",
        "data:des-us-fto-auc",
        "data:UnitedStates",
        True,
    ),
    (
        "data:eng-colombia-auc-operational-support",
        "data:AUC",
        "data:des-us-fto-auc",
        "data:UnitedStates",
        True,  # 1997-2001 (to 31 December 2001) overlaps the listing of 10 September 2001
    ),
    (
        "data:eng-iran-hezbollah-capacity-building",
        "data:Hezbollah",
        "data:des-eu-hezbollah-military-wing",
        "data:EuropeanUnion",
        True,
    ),
    (
        "data:eng-iran-hezbollah-capacity-building",
        "data:Hezbollah",
        "data:des-us-fto-hezbollah",
        "data:UnitedStates",
        True,
    ),
    (
        "data:eng-iran-hezbollah-funding",
        "data:Hezbollah",
        "data:des-eu-hezbollah-military-wing",
        "data:EuropeanUnion",
        True,
    ),
    (
        "data:eng-iran-hezbollah-funding",
        "data:Hezbollah",
        "data:des-us-fto-hezbollah",
        "data:UnitedStates",
        True,
    ),
    (
        "data:eng-iran-hezbollah-weapons",
        "data:Hezbollah",
        "data:des-eu-hezbollah-military-wing",
        "data:EuropeanUnion",
        True,
    ),
    (
        "data:eng-iran-hezbollah-weapons",
        "data:Hezbollah",
        "data:des-us-fto-hezbollah",
        "data:UnitedStates",
        True,
    ),
    (
        "data:eng-iran-houthis-weapons",
        "data:Houthis",
        "data:des-us-fto-ansarallah-2021",
        "data:UnitedStates",
        True,
    ),
    (
        "data:eng-iran-houthis-weapons",
        "data:Houthis",
        "data:des-us-fto-ansarallah-2025",
        "data:UnitedStates",
        True,
    ),
    (
        "data:eng-iran-houthis-weapons",
        "data:Houthis",
        "data:des-us-sdgt-houthis-2024",
        "data:UnitedStates",
        True,
    ),
    (
        "data:eng-saudi-houthis-negotiation",
        "data:Houthis",
        "data:des-us-fto-ansarallah-2021",
        "data:UnitedStates",
        False,
    ),
    (
        "data:eng-saudi-houthis-negotiation",
        "data:Houthis",
        "data:des-us-fto-ansarallah-2025",
        "data:UnitedStates",
        False,
    ),
    (
        "data:eng-saudi-houthis-negotiation",
        "data:Houthis",
        "data:des-us-sdgt-houthis-2024",
        "data:UnitedStates",
        False,
    ),
}

IN_FORCE = {"in force": True, "not in force": False, True: True, False: False}


def test_cq06_designated_partners() -> None:
    found = answer(
        "designated-partners",
        {},
        ["engagement", "partner", "designation", "authority", "inForce"],
    )
    assert {(*row[:-1], IN_FORCE[row[-1]]) for row in found} == CQ06_DESIGNATED


# ----------------------------------------------------------------------------- CQ7
# Which partners switched allegiance or broke an agreement, and which engagements did that
# affect?
#
# Each coop:AllegianceChange (coop:changingActor) and coop:AgreementBreach
# (coop:breachingActor) by an actor that is a partner in some engagement, once per engagement
# it affected (coop:affectsEngagement; None if it names none).
# Assumed columns of cq07-allegiance-changes: partner, event, kind, date, formerAlly, newAlly,
# agreement, engagement.

CQ07_UNRELIABLE = {
    (
        "data:AnbarAwakening",
        "data:ac-anbar-tribes-2006",
        "coop:AllegianceChange",
        "data:eng-us-awakening-dialogue",
    ),
    (
        "data:AnbarAwakening",
        "data:ac-anbar-tribes-2006",
        "coop:AllegianceChange",
        "data:eng-us-awakening-intelligence",
    ),
    (
        "data:AnbarAwakening",
        "data:ac-anbar-tribes-2006",
        "coop:AllegianceChange",
        "data:eng-us-awakening-joint-operations",
    ),
    (
        "data:DonetskPeoplesRepublic",
        "data:breach-dpr-debaltseve",
        "coop:AgreementBreach",
        "data:eng-russia-dpr-ceasefire",
    ),
    (
        "data:DonetskPeoplesRepublic",
        "data:breach-dpr-debaltseve",
        "coop:AgreementBreach",
        "data:eng-russia-dpr-troop-support",
    ),
    (
        "data:SyrianDemocraticForces",
        "data:ac-sdf-2019",
        "coop:AllegianceChange",
        "data:eng-us-sdf-troop-presence",
    ),
}


def test_cq07_allegiance_changes() -> None:
    found = answer("unreliable-partners", {}, ["partner", "event", "kind", "engagement"])
    assert found == CQ07_UNRELIABLE


# ----------------------------------------------------------------------------- CQ8
# Which regions host engagements by two or more states backing different partners?
#
# A region R is reported for two engagements E1, E2 whose providers are two different
# states (coop:State) backing different partners in overlapping periods, when R is E1's
# place and E2's place is R or lies within R (coop:withinRegion, transitively): R is the
# broader of the two places. Both states appear, each with the partner it backs there (the
# query gives one row per state, partner and engagement, not the pairs: on dense data the
# pairs run into millions of rows).
# The South African engagement (no dates) is at a region that contains no other.
# Assumed columns of competing-sponsors: region, state, partner (+ engagement).

CQ08_CONTESTED = {
    # Afghanistan 1996-2001: Pakistan backs the Taliban; Iran, Russia and (in 2001) the
    # United States back the Northern Alliance (Iran and Russia act in northern Afghanistan,
    # within the Pakistani engagement's place)
    ("data:AfghanistanTerritory", "data:Iran", "data:NorthernAlliance"),
    ("data:AfghanistanTerritory", "data:Pakistan", "data:Taliban"),
    ("data:AfghanistanTerritory", "data:Russia", "data:NorthernAlliance"),
    ("data:AfghanistanTerritory", "data:UnitedStates", "data:NorthernAlliance"),
    # Northern Syria: Turkey backs the SNA (funding in northern Syria; Peace Spring in the
    # northeast, October 2019), the United States the SDF (northeast Syria, 2015-)
    ("data:NortheastSyria", "data:Turkey", "data:SyrianNationalArmy"),
    ("data:NortheastSyria", "data:UnitedStates", "data:SyrianDemocraticForces"),
    ("data:NorthernSyria", "data:Turkey", "data:SyrianNationalArmy"),
    ("data:NorthernSyria", "data:UnitedStates", "data:SyrianDemocraticForces"),
    # Yemen 2016-2019: Iran backs the Houthis, the UAE the Security Belt (southern Yemen)
    ("data:YemenTerritory", "data:Iran", "data:Houthis"),
    ("data:YemenTerritory", "data:UnitedArabEmirates", "data:SecurityBeltForces"),
}


def test_cq08_contested_regions() -> None:
    found = answer("competing-sponsors", {}, ["region", "state", "partner"])
    assert found == CQ08_CONTESTED


# ----------------------------------------------------------------------------- CQ9
# Which case studies illustrate engagement type T, and with what outcomes?
#
# Each case study that includes (coop:includesEngagement) an engagement of type T or of a
# narrower type (coop:broaderType, transitively), with its outcomes (coop:outcome).
# Assumed columns of cq09-case-studies-by-type: type, caseStudy, outcome, engagement,
# engagementType.

CQ09_INTELLIGENCE_SHARING = {
    ("data:case-afghanistan-2001", "data:eng-us-na-intelligence", "coop:IntelligenceSharing"),
    ("data:case-anbar-awakening", "data:eng-us-awakening-intelligence", "coop:IntelligenceSharing"),
    ("data:case-nigeria-cjtf", "data:eng-nigeria-cjtf-intelligence", "coop:IntelligenceSharing"),
    ("data:case-us-sdf", "data:eng-us-sdf-intelligence", "coop:IntelligenceSharing"),
}

CQ09_INTELLIGENCE_SHARING_OUTCOMES = {
    "data:case-afghanistan-2001": {
        "Before 2001 Pakistan backed the Taliban while Russia and Iran supplied the Northern "
        "Alliance; Human Rights Watch held that this outside support fuelled abuses by all sides.",
        "The Bonn Agreement of 5 December 2001 set up an Interim Administration, in office from "
        "22 December 2001, in which Northern Alliance leaders held the ministries of defence, "
        "interior and foreign affairs.",
        "With CIA teams, US special forces and US air power, Northern Alliance forces took "
        "Mazar-i-Sharif on 9 November and Kabul on 13 November 2001, and the Taliban gave up "
        "Kandahar in early December 2001.",
    },
    "data:case-anbar-awakening": {
        "Security responsibility for Anbar passed to Iraq on 1 September 2008.",
        "The Sons of Iraq grew to roughly 100,000 members by 2008; their payment passed to the "
        "Government of Iraq in 2008-2009, which integrated only part of them.",
        "Violence in Iraq fell sharply in 2007; Biddle, Friedman and Shapiro attribute the decline "
        "to the interaction of the US surge with the Awakening rather than to either alone.",
    },
    "data:case-nigeria-cjtf": {
        "Abuses by CJTF members were reported, including the recruitment of children, and Crisis "
        "Group warned that the vigilantes' future after the war was unresolved.",
        "The CJTF, formed in Maiduguri in 2013, helped the security forces drive Boko Haram out "
        "of the city, and its members became targets of Boko Haram reprisals.",
    },
    "data:case-us-sdf": {
        "Arming the YPG-led SDF strained US relations with NATO ally Turkey, which attacked "
        "SDF-held areas in 2018 (Afrin) and in October 2019 (Operation Peace Spring); after the "
        "US withdrawal from the border in October 2019 the SDF let Syrian government forces into "
        "parts of the border area.",
        "The partnership enabled targeted operations, intelligence sharing and capacity building "
        "that significantly degraded ISIS territorial control (the source article's assessment).",
        "With coalition air and artillery support the SDF took Raqqa in October 2017 and ISIS's "
        "last territory, at Baghuz, on 23 March 2019.",
    },
}

# coop:TrainingAndExpertise itself is used by no engagement: every row comes from a narrower
# type (joint training, capacity building, advising).
CQ09_TRAINING_AND_EXPERTISE = {
    ("data:case-afghanistan-2001", "data:eng-us-na-advising", "coop:Advising"),
    ("data:case-germany-peshmerga", "data:eng-germany-peshmerga-training", "coop:JointTraining"),
    (
        "data:case-iran-hezbollah",
        "data:eng-iran-hezbollah-capacity-building",
        "coop:CapacityBuilding",
    ),
    ("data:case-us-contras", "data:eng-us-contras-capacity-building", "coop:CapacityBuilding"),
    ("data:case-us-nsf", "data:eng-us-nsf-capacity-building", "coop:CapacityBuilding"),
    ("data:case-us-sdf", "data:eng-us-sdf-capacity-building", "coop:CapacityBuilding"),
    ("data:case-yemen", "data:eng-uae-securitybelt-capacity-building", "coop:CapacityBuilding"),
}


def test_cq09_case_studies_by_type_intelligence_sharing() -> None:
    params = {"type": iri("coop:IntelligenceSharing")}
    found = answer("case-studies-by-type", params, ["caseStudy", "engagement", "engagementType"])
    assert found == CQ09_INTELLIGENCE_SHARING
    outcomes = answer("case-studies-by-type", params, ["caseStudy", "outcome"])
    assert outcomes == {
        (case, outcome)
        for case, texts in CQ09_INTELLIGENCE_SHARING_OUTCOMES.items()
        for outcome in texts
    }


def test_cq09_case_studies_by_type_broader_type() -> None:
    found = answer(
        "case-studies-by-type",
        {"type": iri("coop:TrainingAndExpertise")},
        ["caseStudy", "engagement", "engagementType"],
    )
    assert found == CQ09_TRAINING_AND_EXPERTISE


# ----------------------------------------------------------------------------- CQ10
# Which intelligence-sharing engagements have no agreement or no secure channel?
#
# Each engagement of type coop:IntelligenceSharing (or narrower) without a coop:Agreement
# (coop:restsOnAgreement) or without a coop:SecureChannel (coop:hasSecureChannel), once per
# missing kind; status "known absent" if it coop:knownToLack FormalAgreements /
# SecureCommunications, else "not recorded". Only the US-Northern Alliance engagement of 2001
# has a secure channel (the CIA liaison team); none rests on an agreement.
# Assumed columns of cq10-intelligence-without-safeguards: engagement, provider, partner,
# lacking, status.

CQ10_GAPS = {
    ("data:eng-nigeria-cjtf-intelligence", "coop:Agreement", "not recorded"),
    ("data:eng-nigeria-cjtf-intelligence", "coop:SecureChannel", "not recorded"),
    ("data:eng-us-awakening-intelligence", "coop:Agreement", "not recorded"),
    ("data:eng-us-awakening-intelligence", "coop:SecureChannel", "not recorded"),
    ("data:eng-us-na-intelligence", "coop:Agreement", "not recorded"),
    ("data:eng-us-sdf-intelligence", "coop:Agreement", "not recorded"),
    ("data:eng-us-sdf-intelligence", "coop:SecureChannel", "not recorded"),
}


def test_cq10_intelligence_without_safeguards() -> None:
    found = answer("intelligence-sharing-gaps", {}, ["engagement", "lacking", "status"])
    assert found == CQ10_GAPS


# ----------------------------------------------------------------------------- CQ11
# Who brokers between states; which clusters of actors cooperate; what chains link S to A?
#
# Over the cooperation network as coopgraph.network projects it, restricted to engagement
# edges (an undirected edge between each provider and each partner of an engagement; the
# memberships, alliances, events and rivalries are not counted):
# * clusters: the connected components with more than one actor (every other actor is
#   alone);
# * brokers: actors joined to two states that are not joined to each other, with the pairs
#   that only this broker joins ("separated": removing it disconnects the two states);
# * chains: the shortest paths between two actors.

CQ11_CLUSTERS = {
    frozenset(
        {
            "data:AnbarAwakening",
            "data:Contras",
            "data:DonetskPeoplesRepublic",
            "data:ElSalvador",
            "data:Hezbollah",
            "data:Honduras",
            "data:Houthis",
            "data:Iran",
            "data:LuhanskPeoplesRepublic",
            "data:NewSyrianForces",
            "data:NorthernAlliance",
            "data:Russia",
            "data:SaudiArabia",
            "data:SonsOfIraq",
            "data:SyrianDemocraticForces",
            "data:UnitedStates",
        }
    ),
    frozenset({"data:AUC", "data:Colombia"}),
    frozenset({"data:CivilianJointTaskForce", "data:Nigeria"}),
    frozenset({"data:Germany", "data:Peshmerga"}),
    frozenset({"data:M23", "data:Rwanda"}),
    frozenset({"data:Pakistan", "data:Taliban"}),
    frozenset({"data:SecurityBeltForces", "data:UnitedArabEmirates"}),
    frozenset({"data:SouthAfrica", "data:SouthAfricaLocalPartners"}),
    frozenset({"data:SyrianNationalArmy", "data:Turkey"}),
}

# Broker -> the state pairs it joins; all of them are separated pairs (no other chain).
CQ11_BROKERS = {
    "data:Contras": {
        frozenset({"data:ElSalvador", "data:Honduras"}),
        frozenset({"data:ElSalvador", "data:UnitedStates"}),
        frozenset({"data:Honduras", "data:UnitedStates"}),
    },
    "data:Houthis": {frozenset({"data:Iran", "data:SaudiArabia"})},
    "data:NorthernAlliance": {
        frozenset({"data:Iran", "data:Russia"}),
        frozenset({"data:Iran", "data:UnitedStates"}),
        frozenset({"data:Russia", "data:UnitedStates"}),
    },
}

CQ11_CHAINS = {
    ("data:UnitedStates", "data:Hezbollah"): [
        ["data:UnitedStates", "data:NorthernAlliance", "data:Iran", "data:Hezbollah"]
    ],
    ("data:Russia", "data:Houthis"): [
        ["data:Russia", "data:NorthernAlliance", "data:Iran", "data:Houthis"]
    ],
    ("data:SaudiArabia", "data:NorthernAlliance"): [
        ["data:SaudiArabia", "data:Houthis", "data:Iran", "data:NorthernAlliance"]
    ],
}


def knowledge_graph() -> Graph:
    graph = Graph()
    graph.parse(data=ontology_file().read_text(encoding="utf-8"), format="turtle")
    for file in example_files():
        graph.parse(data=file.read_text(encoding="utf-8"), format="turtle")
    return graph


def test_cq11_network_brokers_clusters_chains() -> None:
    import networkx as nx

    from coopgraph import network
    from coopgraph.store import MemoryStore

    store = MemoryStore()
    store.add(knowledge_graph())
    projected = network.project(store)

    simple = network.cooperation_graph(projected)  # engagement edges only
    clusters = {
        frozenset(compact(URIRef(n)) for n in component)
        for component in nx.connected_components(simple)
        if len(component) > 1
    }
    assert clusters == CQ11_CLUSTERS

    brokers = {
        compact(URIRef(b.actor.iri)): {
            frozenset(compact(URIRef(a.iri)) for a in pair) for pair in b.state_pairs
        }
        for b in network.brokers(projected)
    }
    assert brokers == CQ11_BROKERS
    separated = {
        compact(URIRef(b.actor.iri)): {
            frozenset(compact(URIRef(a.iri)) for a in pair) for pair in b.separated_pairs
        }
        for b in network.brokers(projected)
    }
    assert separated == CQ11_BROKERS

    for (source, target), chains in CQ11_CHAINS.items():
        found = network.paths(projected, iri(source), iri(target))
        assert [[compact(URIRef(a.iri)) for a in p.actors] for p in found] == chains


# ----------------------------------------------------------------------------- CQ12
# Which impacts on third states (allies, rivals) did an engagement have?
#
# Each coop:Impact of an engagement (coop:impactOf) on an actor (coop:affectedActor) that is
# neither its provider nor its partner, with the impact type and the actor's relation to a
# provider: "rival" (coop:rivalOf either way), "ally" (members of one coop:Alliance, or of one
# organisation through coop:Membership: NATO, the Global Coalition), None when neither.
# Assumed columns of cq12-third-state-impacts: engagement, impact, impactType, affectedActor,
# relation.

CQ12_IMPACTS = {
    (
        "data:eng-iran-hezbollah-weapons",
        "data:imp-iran-hezbollah-israel",
        "coop:PowerProjection",
        "data:Israel",
        "rival",
    ),
    (
        "data:eng-iran-houthis-weapons",
        "data:imp-iran-houthis-saudi",
        "coop:ProvokingRivals",
        "data:SaudiArabia",
        "rival",
    ),
    (
        "data:eng-russia-dpr-ceasefire",
        "data:imp-russia-minsk-normandy",
        "coop:UnderminingDiplomaticFrameworks",
        "data:France",
        None,
    ),
    (
        "data:eng-russia-dpr-ceasefire",
        "data:imp-russia-minsk-normandy",
        "coop:UnderminingDiplomaticFrameworks",
        "data:Germany",
        None,
    ),
    (
        "data:eng-rwanda-m23-weapons",
        "data:imp-rwanda-m23-uk",
        "coop:StrainOnAlliance",
        "data:UnitedKingdom",
        None,
    ),
    (
        "data:eng-turkey-sna-peace-spring",
        "data:imp-turkey-sna-us",
        "coop:StrainOnAlliance",
        "data:UnitedStates",
        "ally",
    ),
    (
        "data:eng-us-contras-funding-covert",
        "data:imp-us-contras-honduras",
        "coop:SovereigntyAmbiguity",
        "data:Honduras",
        None,
    ),
    (
        "data:eng-us-sdf-troop-presence",
        "data:imp-us-sdf-troops-syria",
        "coop:SovereigntyAmbiguity",
        "data:Syria",
        None,
    ),
    (
        "data:eng-us-sdf-weapons",
        "data:imp-us-sdf-weapons-turkey",
        "coop:StrainOnAlliance",
        "data:Turkey",
        "ally",
    ),
    ("data:eng-us-soi-funding", "data:imp-soi-dependency", "coop:Dependency", "data:Iraq", None),
}

IMPACT_COLUMNS = ["engagement", "impact", "impactType", "affectedActor", "relation"]


def test_cq12_third_state_impacts() -> None:
    assert answer("third-party-impacts", {}, IMPACT_COLUMNS) == CQ12_IMPACTS


def test_cq12_third_state_impacts_of_one_engagement() -> None:
    found = answer(
        "third-party-impacts",
        {"engagement": iri("data:eng-us-sdf-weapons")},
        IMPACT_COLUMNS,
    )
    assert found == {row for row in CQ12_IMPACTS if row[0] == "data:eng-us-sdf-weapons"}


# ----------------------------------------------------------------------------- the answers' terms


def _compact_names(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if re.fullmatch(r"(?:data|coop):[\w-]+", value):
            yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _compact_names(key)
            yield from _compact_names(item)
    elif isinstance(value, Iterable):
        for item in value:
            yield from _compact_names(item)


def test_expected_answers_name_existing_terms() -> None:
    """Every term named in the answers above exists in the example data or the ontology."""
    graph = knowledge_graph()
    subjects = {str(s) for s in graph.subjects()}
    answers = [value for name, value in globals().items() if name.startswith("CQ")]
    names = set(_compact_names(answers))
    assert len(names) > 100
    missing = sorted(name for name in names if iri(name) not in subjects)
    assert missing == []
