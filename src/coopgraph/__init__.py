"""coopgraph: a knowledge graph toolkit about military cooperation between states and non-state
actors.

The public API (imported lazily, so ``import coopgraph`` stays cheap and the CLI loads only what
a command needs):

* ``open_store(spec)``, ``open_dataset(files)``: a store behind one interface
  (embedded Oxigraph, rdflib in memory, any SPARQL 1.1 endpoint);
* ``validate(files)``: SHACL validation against the bundled ontology and shapes;
* ``run_query(store, name, params)``: a canned query with parameters bound as RDF terms;
* ``assess(store, engagement)``: the risks of an engagement, why, their countermeasures and law;
* ``check(files)``, ``materialise(graph)``: HermiT consistency and OWL 2 RL materialisation;
* ``project(store)``: the cooperation network as a networkx graph.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from coopgraph.errors import (
    CoopgraphError,
    InputError,
    NetworkRefusedError,
    ParameterError,
    ParseError,
    StoreError,
    UnknownTermError,
)
from coopgraph.vocab import COOP, DATA

__version__ = "0.1.0"

_LAZY = {
    "open_store": "coopgraph.store",
    "open_dataset": "coopgraph.dataset",
    "run_query": "coopgraph.catalogue",
    "assess": "coopgraph.risks",
    "check": "coopgraph.reason",
    "materialise": "coopgraph.reason",
    "project": "coopgraph.network",
}

# Imported eagerly: the function shadows the submodule of the same name, and must do so
# before anything else imports coopgraph.validate (which would bind the module instead).
from coopgraph.validate import validate  # noqa: E402

__all__ = [
    "COOP",
    "DATA",
    "CoopgraphError",
    "InputError",
    "NetworkRefusedError",
    "ParameterError",
    "ParseError",
    "StoreError",
    "UnknownTermError",
    "__version__",
    "validate",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    # PEP 562: load the capability's module on first use.
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'coopgraph' has no attribute {name!r}")
