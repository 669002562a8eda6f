"""Output standards, one module each, picked by name from a registry."""

from __future__ import annotations

from .base import Target
from .scorm12 import Scorm12Target

TARGETS: dict[str, type[Target]] = {t.format: t for t in (Scorm12Target,)}


def get_target(name: str) -> type[Target]:
    """The target class registered under `name` (e.g. 'scorm12')."""
    return TARGETS[name]
