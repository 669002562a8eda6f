"""ilmpack's own templates compiled when the wheel is built, so that a first build need not compile them.

Jinja turns a template into Python code before it can render it; for the templates a small
course uses, that takes longer than the rest of its build (some 50 ms of 0.2 s). An installed
ilmpack keeps compiled templates in the user's cache folder (render.py), but a first build (in
CI, say: a fresh machine, a fresh pip install) starts with none. So the wheel carries them:
`hatch_build.py` calls `compile_templates` on `templates/`, which writes each template as the
Python module Jinja makes of it, into `ilmpack/compiled_templates/`, with an index of the source
each was made from. pip byte-compiles these modules when it installs the wheel, as it does
ilmpack's own code, so loading one costs about as much as importing a small module.

A compiled template is used only for the very source it was made from (by SHA-256), by the same
Jinja version and Environment options (`options_key`); anything else (a source checkout, an
edited installed template, another Jinja) compiles as before. This module imports nothing of
ilmpack: the build hook loads it by its path.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from types import CodeType

FOLDER = "compiled_templates"  # inside the installed package, beside templates/
INDEX = "index.json"
# The Environment options ilmpack renders with (render.py); those that shape the compiled code
# are in `options_key` too, so a change to them leaves compiled templates unused, never wrong.
OPTIONS = {"autoescape": True, "keep_trailing_newline": True}
# Not compiled: the runtime's parts and the new course's files are read as they are, not rendered.
SKIPPED = ("assets/runtime/", "new-course/")
SUFFIXES = (".html", ".md", ".css", ".js")
SHIPPED = Path(__file__).parent / FOLDER


def options_key(env) -> str:
    """What, besides a template's source, the code Jinja compiles from it depends on."""
    import jinja2

    return json.dumps([jinja2.__version__, repr(env.autoescape), env.keep_trailing_newline, env.trim_blocks,
                       env.lstrip_blocks, env.newline_sequence, env.optimized, env.is_async,
                       env.block_start_string, env.block_end_string, env.variable_start_string,
                       env.variable_end_string, env.comment_start_string, env.comment_end_string,
                       env.line_statement_prefix, env.line_comment_prefix, sorted(env.extensions),
                       env.finalize is None, env.code_generator_class.__qualname__])


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def compile_templates(templates: Path, out: Path) -> list[Path]:
    """Write each template under `templates` as Jinja's Python module of it, and the index, into
    `out`; return the files written. A file that is not a valid template is left out (it is
    read as it is, or its error is reported when a build uses it)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateSyntaxError

    env = Environment(loader=FileSystemLoader(str(templates)), undefined=StrictUndefined, **OPTIONS)
    out.mkdir(parents=True, exist_ok=True)
    written, entries = [], {}
    for name in env.list_templates():
        if name.startswith(SKIPPED) or not name.endswith(SUFFIXES):
            continue
        source = env.loader.get_source(env, name)[0]
        try:
            code = env.compile(source, name, raw=True)
        except TemplateSyntaxError:
            continue
        module = f"t_{hashlib.sha256(name.encode('utf-8')).hexdigest()[:20]}.py"
        (out / module).write_text(code, encoding="utf-8")
        written.append(out / module)
        entries[name] = {"module": module, "sha256": source_hash(source)}
    (out / INDEX).write_text(json.dumps({"options": options_key(env), "templates": entries}, indent=1, sort_keys=True),
                             encoding="utf-8")
    return [*written, out / INDEX]


@lru_cache(maxsize=1)
def index() -> dict:
    """The shipped templates by name ({} when none were shipped, as in a source checkout)."""
    try:
        body = json.loads((SHIPPED / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return body if isinstance(body, dict) and isinstance(body.get("templates"), dict) else {}


def compiled(env, name: str, source: str, filename: str) -> CodeType | None:
    """The code of template `name` as shipped, if it was compiled from exactly `source` with
    `env`'s Jinja and options; its file name is `filename` (tracebacks and error messages name
    the template file). None otherwise."""
    from importlib.machinery import SourceFileLoader

    shipped = index()
    entry = shipped.get("templates", {}).get(name)
    if not isinstance(entry, dict) or entry.get("sha256") != source_hash(source) or shipped.get("options") != options_key(env):
        return None
    path = SHIPPED / str(entry.get("module"))
    try:
        code = SourceFileLoader(f"ilmpack.{FOLDER}.{path.stem}", str(path)).get_code(f"ilmpack.{FOLDER}.{path.stem}")
    except (OSError, ImportError, SyntaxError, ValueError):
        return None
    return _renamed(code, filename) if code is not None else None


def _renamed(code: CodeType, filename: str) -> CodeType:
    consts = tuple(_renamed(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)
