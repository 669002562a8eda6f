"""Output standards, one module each, picked by name from a registry.

The registry names each standard's module and class; a module is imported when its target is
first asked for, so naming the formats (the CLI's --format choices, a build answered from the
cache) imports none of the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Target

REGISTRY = {"scorm12": "scorm12:Scorm12Target", "cmi5": "cmi5:Cmi5Target", "tincan": "tincan:TinCanTarget"}


class _Targets(Mapping):
    """format name -> target class, imported on first use."""

    def __getitem__(self, name: str) -> type[Target]:
        module, cls = REGISTRY[name].split(":")
        return getattr(import_module(f"{__name__}.{module}"), cls)

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTRY)

    def __len__(self) -> int:
        return len(REGISTRY)


TARGETS: Mapping[str, type[Target]] = _Targets()


def get_target(name: str) -> type[Target]:
    """The target class registered under `name` (e.g. 'scorm12')."""
    return TARGETS[name]
