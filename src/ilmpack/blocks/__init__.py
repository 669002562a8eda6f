"""Block kinds, one module each, found by name: a new kind is a module here, a schema and a template."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from .base import BlockKind, BlockPage

__all__ = ["BlockKind", "BlockPage", "block_kinds", "get_block"]


@lru_cache(maxsize=None)
def _registry() -> dict[str, BlockKind]:
    # Every module of this package but `base` defines BLOCK, an instance of its kind; finding
    # them by listing the package means adding a kind edits no shared list.
    kinds: dict[str, BlockKind] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base" or info.name.startswith("_"):
            continue
        block = importlib.import_module(f"{__name__}.{info.name}").BLOCK
        kinds[block.name] = block
    return dict(sorted(kinds.items()))


def block_kinds() -> frozenset[str]:
    """The names of the fenced block kinds, e.g. 'question'."""
    return frozenset(_registry())


def get_block(name: str) -> BlockKind:
    """The block kind registered under `name`."""
    return _registry()[name]
