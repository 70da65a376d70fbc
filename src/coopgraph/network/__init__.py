"""The cooperation network: an explicit projection of the knowledge graph onto networkx.

rdflib's generic converters make every triple an edge; an analyst means something else:
actors are the nodes and the records that join them (engagements, alliances, memberships,
splits, allegiance changes) are the edges. :func:`project` reads any store
(:mod:`coopgraph.store`: embedded Oxigraph, rdflib in memory, a remote SPARQL endpoint) with a
few plain SELECTs and builds a :class:`networkx.MultiDiGraph` with the schema below.

Node and edge ids
    A node id is the actor's IRI (a blank node is ``_:id``). An edge's key is the IRI of the
    record it comes from (the engagement, alliance, membership or event); a rivalry's key is
    the IRI of ``coop:rivalOf``. An engagement with several providers or partners gives one
    edge per provider and partner, all with the engagement's key.

Node attributes (every actor: an instance of coop:Actor or a subclass, or the object of a
property whose range is coop:Actor)
    ``label``          rdfs:label, else skos:prefLabel (English or untagged first), else the
                       IRI's local name
    ``kind``           IRI of the actor's most specific coopgraph class (the deepest of its
                       classes under coop:Actor; coop:Actor when only the range says so)
    ``kind_label``     the label of that class ("state", "pro-government militia")
    ``existed_from``, ``existed_until``
                       coop:existedFrom / coop:existedUntil as written (``"2014"``,
                       ``"2019-03-23"``) or None
    ``designations``   list of dicts, one per coop:Designation of the actor: ``iri``,
                       ``kind`` and ``kind_label`` (its class, e.g. terrorist designation),
                       ``authority`` and ``authority_label``, ``start``, ``end``

Edge attributes (every edge)
    ``relation``       the edge kind, one of :data:`RELATIONS`:
                       ``engagement``        provider -> partner (coop:Engagement)
                       ``alliance``          between every two members of a coop:Alliance,
                                             once, from the smaller IRI to the larger
                       ``membership``        member -> organisation (coop:Membership)
                       ``split``, ``merger`` original actor -> resulting actor (coop:Split,
                                             coop:Merger)
                       ``allegiance_change`` changing actor -> former ally (``side`` =
                                             ``"former"``) and -> new ally (``side`` =
                                             ``"new"``) (coop:AllegianceChange)
                       ``rivalry``           coop:rivalOf, once per pair, smaller IRI first
    ``iri``            the record's IRI (None for a rivalry)
    ``sources``        the bibliographic citations of the record's coop:hasSource (the
                       source IRI when it has none), sorted; not on rivalries

Engagement edges also have
    ``engagement_type``, ``engagement_type_label``
                       coop:engagementType (the most specific one when several) or None
    ``start``, ``end`` coop:startDate / coop:endDate as written; no end = ongoing
    ``formality``, ``formality_label``
                       coop:formality (coop:Formal, coop:SemiFormal, coop:Informal) or None
    ``places``         the coop:place regions, sorted IRIs

Alliance and membership edges have ``start`` and ``end``; split, merger and allegiance-change
edges have ``date``.

Graph attributes
    ``window``             the dates kept (``"all dates"``, ``"as of 2015"``, ``"between
                           2014 and 2016"``)
    ``engagement_types``   {type IRI: {``label``, ``broader``: the broader types}}
    ``regions``            {region IRI: {``label``, ``within``: the regions it lies in}}
    ``actor_kinds``        {class IRI: {``label``, ``broader``: its actor superclasses}}
    ``engagement_type_filter``, ``region_filter``
                           the restrictions asked for, when any

Options: ``window`` (:func:`as_of`, :func:`between`) keeps what overlaps a period (a year
covers the whole year; an open end is ongoing), ``engagement_types`` and ``regions`` keep the
engagements of those types (narrower ones included) or places (regions within them
included); :func:`restrict` says exactly what stays.

The analyses (:mod:`coopgraph.network.analysis`), exports (:mod:`coopgraph.network.export`)
and pictures (:mod:`coopgraph.network.picture`) read this graph; ``coopgraph network ...``
runs each from the command line.
"""

from coopgraph.network.analysis import (
    Broker,
    Changes,
    Community,
    Competition,
    Path,
    brokers,
    centrality,
    changes,
    communities,
    competing_sponsors,
    cooperation_graph,
    ego,
    paths,
)
from coopgraph.network.export import write
from coopgraph.network.periods import Window, as_of, between
from coopgraph.network.projection import RELATIONS, project, restrict

__all__ = [
    "RELATIONS",
    "Broker",
    "Changes",
    "Community",
    "Competition",
    "Path",
    "Window",
    "as_of",
    "between",
    "brokers",
    "centrality",
    "changes",
    "communities",
    "competing_sponsors",
    "cooperation_graph",
    "draw",
    "ego",
    "paths",
    "project",
    "restrict",
    "write",
]


def __getattr__(name: str) -> object:
    # The picture needs matplotlib (0.4 s to import): loaded only when asked for.
    if name == "draw":
        from coopgraph.network.picture import draw

        return draw
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
