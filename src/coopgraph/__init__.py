"""coopgraph: a knowledge graph toolkit about military cooperation between states and non-state actors."""

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
]
