"""The per-user cache, ``$XDG_CACHE_HOME/coopgraph`` (``~/.cache/coopgraph``).

It holds only what is slow to compute and safe to lose: a missing, unreadable, corrupt or
unwritable cache costs time, never an answer, and never an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/coopgraph``, else ``~/.cache/coopgraph`` (it may not exist yet)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "coopgraph"


def read_json(path: Path) -> Any:
    """The JSON value stored at ``path``; ``None`` when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, value: Any, *, max_entries: int | None = None) -> None:
    """Store ``value`` at ``path`` if the cache is writable.

    With ``max_entries``, nothing new is stored once the directory holds that many entries: a
    cache fed by requests from the network must not fill the disk. A temporary file is renamed
    over the target, so a concurrent reader sees the old file or the new one, never half of one.
    """
    try:
        if max_entries is not None and path.parent.is_dir():
            with os.scandir(path.parent) as entries:
                if sum(1 for _ in entries) >= max_entries:
                    return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def remove_other_versions(directory: Path) -> None:
    """Delete the siblings of ``directory`` (named ``NAME-VERSION``) with the same ``NAME-``:
    what an earlier version of the code cached."""
    prefix = directory.name.rpartition("-")[0] + "-"
    with contextlib.suppress(OSError):
        for sibling in directory.parent.iterdir():
            if sibling != directory and sibling.name.startswith(prefix) and sibling.is_dir():
                shutil.rmtree(sibling, ignore_errors=True)
