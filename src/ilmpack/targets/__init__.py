"""Output standards, one module each, picked by name from a registry."""

from __future__ import annotations

from .base import Target
from .cmi5 import Cmi5Target
from .scorm12 import Scorm12Target
from .tincan import TinCanTarget

TARGETS: dict[str, type[Target]] = {t.format: t for t in (Scorm12Target, Cmi5Target, TinCanTarget)}


def get_target(name: str) -> type[Target]:
    """The target class registered under `name` (e.g. 'scorm12')."""
    return TARGETS[name]
