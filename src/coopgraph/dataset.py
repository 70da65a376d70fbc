"""The dataset the commands work on when the user names no store: ontology plus data, embedded.

By default it is the bundled ontology and the example knowledge base; with ``data`` files it is
the bundled ontology and those files. Either way it is loaded into an in-memory Oxigraph store,
the embedded default, so the canned queries run on an engine that scales.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import resources
from importlib.abc import Traversable

from coopgraph import rdfio
from coopgraph.store import Store, open_store
from coopgraph.vocab import example_files, ontology_file

ONTOLOGY_GRAPH = "https://w3id.org/coopgraph/graph/ontology"
"""The named graph that holds the bundled ontology in a dataset opened here."""
EXAMPLES_GRAPH = "https://w3id.org/coopgraph/graph/examples"
"""The named graph that holds the bundled example knowledge base."""
DATA_GRAPH = "https://w3id.org/coopgraph/graph/data"
"""The named graph that holds the user's files."""


def _load_shipped(store: Store, file: Traversable, graph: str) -> None:
    with resources.as_file(file) as path:
        store.load(path, graph=graph)


def open_dataset(
    data: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    *,
    allow_network: bool = False,
) -> Store:
    """An in-memory Oxigraph store with the ontology and the data (by default the example
    knowledge base), each in its own named graph; ``allow_network`` lets its queries use
    SERVICE and FROM <url>.

    Unreadable or malformed files raise InputError naming the file. The caller closes the store.
    """
    target = open_store("oxigraph:", allow_network=allow_network)
    try:
        _load_shipped(target, ontology_file(), ONTOLOGY_GRAPH)
        if data:
            for path in rdfio.one_or_many(data):
                target.load(path, graph=DATA_GRAPH)
        else:
            for file in example_files():
                _load_shipped(target, file, EXAMPLES_GRAPH)
    except BaseException:
        target.close()
        raise
    return target
