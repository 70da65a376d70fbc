"""Storage backends behind one interface (:class:`Store`), chosen by a short spec string.

``open_store("oxigraph:PATH")`` (or just a directory path) opens the embedded, persistent
Oxigraph store, the default; ``open_store("memory")`` an rdflib dataset in memory;
``open_store("https://host/sparql", update_url=..., ...)`` a remote SPARQL 1.1 endpoint.
``oxigraph:`` with no path is an in-memory Oxigraph store.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from coopgraph.errors import ParameterError
from coopgraph.store.base import (
    AskResult,
    GraphResult,
    QueryResult,
    SelectResult,
    Store,
    Term,
)
from coopgraph.store.memory import MemoryStore
from coopgraph.store.oxigraph import OxigraphStore
from coopgraph.store.sparql import SparqlStore

__all__ = [
    "AskResult",
    "GraphResult",
    "MemoryStore",
    "OxigraphStore",
    "QueryResult",
    "SelectResult",
    "SparqlStore",
    "Store",
    "Term",
    "default_store_location",
    "open_store",
]

STORE_ENV = "COOPGRAPH_STORE"


def default_store_location() -> str:
    """The store used when none is named: ``$COOPGRAPH_STORE`` if set, else the per-user
    ``$XDG_DATA_HOME/coopgraph/store`` (``~/.local/share/coopgraph/store``)."""
    configured = os.environ.get(STORE_ENV)
    if configured:
        return configured
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return os.path.join(data_home, "coopgraph", "store")


def open_store(
    spec: str | os.PathLike[str] | None = None,
    *,
    allow_network: bool = False,
    update_url: str | None = None,
    gsp_url: str | None = None,
    user: str | None = None,
    password: str | None = None,
    auth: str | None = None,
    graphs: Sequence[str] | str | None = None,
    max_rows: int | None = None,
    timeout: float = 60.0,
    create: bool = True,
) -> Store:
    """Open the store that ``spec`` names (the default store when None).

    ``oxigraph:PATH`` or a plain path: embedded Oxigraph (the directory is created if
    ``create``, else a missing store is a StoreError);
    ``oxigraph:`` alone: Oxigraph in memory; ``memory``: rdflib in memory; an ``http(s)://``
    URL: a remote SPARQL endpoint, where the keyword options apply (``graphs``: the named
    graphs to scope queries to; the first receives loads that name no graph).
    Raises ParameterError naming a spec that is none of these.
    """
    text = os.fspath(spec) if spec is not None else default_store_location()
    text = text.strip()
    remote_options = {
        "update_url": update_url,
        "gsp_url": gsp_url,
        "user": user,
        "password": password,
        "auth": auth,
        "max_rows": max_rows,
        "graphs": graphs,
    }
    lower = text.lower()
    if lower.startswith(("http://", "https://")):
        if isinstance(graphs, str):
            graphs = [graphs]
        return SparqlStore(
            text,
            update_url=update_url,
            gsp_url=gsp_url,
            user=user,
            password=password,
            auth=auth,
            graphs=graphs,
            allow_network=allow_network,
            timeout=timeout,
            max_rows=max_rows,
        )
    given = [name for name, value in remote_options.items() if value is not None]
    if given:
        raise ParameterError(
            f"store {text!r}: {', '.join(given)} only apply to a remote SPARQL endpoint"
        )
    if lower == "memory":
        return MemoryStore(allow_network=allow_network)
    if lower.startswith("oxigraph:"):
        path = text[len("oxigraph:") :]
        return OxigraphStore(path or None, allow_network=allow_network, create=create)
    if not text or ("://" in text) or (":" in text.split(os.sep)[0] and os.name != "nt"):
        raise ParameterError(
            f"unknown store {text!r}: use oxigraph:PATH, a directory path, memory, "
            "or an http(s):// SPARQL endpoint URL"
        )
    return OxigraphStore(text, allow_network=allow_network, create=create)
