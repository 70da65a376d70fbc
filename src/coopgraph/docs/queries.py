"""The canned queries as the reference shows them, read with the catalogue's header parser.

A query file whose header the catalogue refuses is still shown (its text, its file
name) with the parser's one-line complaint, so one bad header never breaks the build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from coopgraph.catalogue import CannedQuery, parse_header
from coopgraph.errors import InputError

_PREFIX = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


@dataclass(frozen=True)
class QueryDoc:
    """One query file: the parsed header when it is valid, else the reason it is not."""

    path: Path
    text: str
    query: CannedQuery | None
    problem: str | None = None

    @property
    def name(self) -> str:
        return self.query.name if self.query is not None else self.path.stem

    @property
    def title(self) -> str:
        return self.query.title if self.query is not None and self.query.title else self.name

    @property
    def anchor(self) -> str:
        return "query-" + re.sub(r"[^A-Za-z0-9_-]+", "-", self.name).strip("-")

    def local_names(self, namespace: str) -> set[str]:
        """Local names of the namespace's terms that the SPARQL (not the header) mentions,
        as full IRIs or as prefixed names with a prefix the query declares."""
        body = "\n".join(
            line for line in self.text.splitlines() if not line.lstrip().startswith("#")
        )
        names = set(re.findall(f"<{re.escape(namespace)}([A-Za-z_][\\w-]*)>", body))
        for prefix, declared in _PREFIX.findall(body):
            if declared == namespace:
                names |= set(re.findall(rf"(?<![\w:]){re.escape(prefix)}:([A-Za-z_][\w-]*)", body))
        return names


def read_query(path: Path) -> QueryDoc:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return QueryDoc(path, "", None, f"{path.name}: cannot be read ({error})")
    try:
        return QueryDoc(path, text, parse_header(text, path.name))
    except InputError as error:
        return QueryDoc(path, text, None, str(error))
