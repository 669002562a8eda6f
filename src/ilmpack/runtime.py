"""The browser runtime, assembled at build time from parts on the template search path.

Parts (docs/CONTRACT.md, "Browser runtime"), in this order:
`assets/runtime/core.js`, the helpers the standard's adapter builds on (`assets/runtime/lms/<helper>.js`,
e.g. `xapi` for cmi5 and TinCan), `assets/runtime/lms/<standard>.js`, `assets/runtime/lms/none.js`,
then `assets/runtime/blocks/<kind>.js` for each block kind in use that has a part, sorted by
name, then the boot line. Everything goes into one IIFE in strict mode; each part in a function
of its own, so parts meet only through the private `ILM` object. No Node, no bundler.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from jinja2 import Environment, TemplateNotFound

from .errors import BuildError
from .resources import data_dir

log = logging.getLogger(__name__)

PART_DIR = "assets/runtime"
FALLBACK_LMS = "none"


def runtime_parts(env: Environment, lms: str, kinds: Iterable[str], helpers: Iterable[str] = ()) -> list[str]:
    """Names of the parts, in order, relative to `assets/runtime/` (e.g. `lms/scorm12.js`)."""
    names = ["core.js", *(f"lms/{h}.js" for h in helpers), f"lms/{lms}.js"]
    if lms != FALLBACK_LMS:
        names.append(f"lms/{FALLBACK_LMS}.js")
    for kind in sorted(set(kinds)):
        if _exists(env, f"{PART_DIR}/blocks/{kind}.js"):
            names.append(f"blocks/{kind}.js")
    return names


def assemble_runtime(env: Environment, lms: str, kinds: Iterable[str], helpers: Iterable[str] = ()) -> str:
    """The one script the package carries as `assets/ilmpack.js`.

    `env` gives the template search path (a course's own part wins), `lms` names the standard's
    adapter (`scorm12`), `kinds` are the block kinds used on the course's pages; kinds without a
    part (non-interactive blocks) need none; `helpers` are parts the adapter builds on (`xapi`).
    """
    names = runtime_parts(env, lms, kinds, helpers)
    if _exists(env, "assets/ilmpack.js"):
        log.warning("templates/assets/ilmpack.js is not used any more: the runtime is assembled from "
                    "assets/runtime/ (replace a single part there instead)")
    default_dir = data_dir("templates").resolve()
    header, body = [], []
    for name in names:
        text, filename = _part(env, f"{PART_DIR}/{name}")
        origin = "default" if default_dir in Path(filename).resolve().parents else "overridden"
        header.append(f" *   runtime/{name} ({origin})")
        body.append(f"/* ==== runtime/{name} ==== */\n(function () {{\n{text.rstrip()}\n}})();\n")
    return (
        "/*\n * ilmpack runtime, assembled at build time from these parts (docs/CONTRACT.md):\n"
        + "\n".join(header)
        + "\n */\n(function () {\n\"use strict\";\nvar ILM = {};\n\n"
        + "\n".join(body)
        + f"\nILM.boot({json.dumps(lms)});\n}})();\n"
    )


# Runtime config keys that are not block kinds' entries (render.py and the targets write them).
CONFIG_KEYS = frozenset({"courseId", "lang", "version", "title", "masteryScore", "completion", "pages",
                         "strings", "fingerprint", "xapi"})


def fingerprint(config: dict, parts: Iterable[str] = ()) -> str:
    """7 characters naming the course structure the saved state depends on.

    FNV-1a (32 bit), base 36, zero-padded, over the page ids, every block kind's runtime entry
    (for questions: id, kind, page, option keys, right keys, scored) and the block parts (their
    state slices make up the saved state). The language is deliberately not part of it: page ids
    and block entries are the same in every language, so state saved by one language's package
    restores in another's.
    """
    entries = {k: v for k, v in config.items() if k not in CONFIG_KEYS}
    text = json.dumps([[p["id"] for p in config.get("pages", [])], entries, sorted(parts)],
                      ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    h = 0x811C9DC5
    for byte in text.encode("ascii"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return _base36(h).rjust(7, "0")


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _exists(env: Environment, name: str) -> bool:
    try:
        env.loader.get_source(env, name)
    except TemplateNotFound:
        return False
    return True


def _part(env: Environment, name: str) -> tuple[str, str]:
    try:
        text, filename, _ = env.loader.get_source(env, name)
    except TemplateNotFound as e:
        raise BuildError(f"runtime part '{name}' not found in the course's templates/, the project's or "
                         "ilmpack's defaults") from e
    return text, filename
