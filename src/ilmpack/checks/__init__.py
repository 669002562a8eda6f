"""Checkers of package descriptors, one module per standard (check.py reads the zip, then calls one).

Each module checks one standard's descriptor: `check(data, where, names) -> list[Problem]`, with
`names` the files stored in the package, and sums it up for `check`'s answer: `summary(root) ->
{title, languages, mastery_score}`. Found by the descriptor's file name.
"""

from __future__ import annotations

from importlib import import_module

CHECKERS = {"imsmanifest.xml": "scorm12", "cmi5.xml": "cmi5", "tincan.xml": "tincan"}


def get_checker(descriptor: str):
    """The `check` function for a descriptor file name (imsmanifest.xml, cmi5.xml, tincan.xml)."""
    return import_module(f".{CHECKERS[descriptor]}", __name__).check


def get_summary(descriptor: str):
    """The `summary` function for a descriptor file name."""
    return import_module(f".{CHECKERS[descriptor]}", __name__).summary
