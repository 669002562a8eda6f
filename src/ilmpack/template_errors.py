"""Errors in templates (a course's own, usually) as located problems an author can act on."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import TemplateSyntaxError, UndefinedError

from .errors import Problem, display_path

OPENING = {"if", "for", "block", "macro", "call", "filter", "with", "raw", "autoescape", "trans"}
TAG = re.compile(r"{%-?\s*(end)?(\w+)")


def syntax_problem(e: TemplateSyntaxError) -> Problem:
    """`the {% if %} on line 1 is never closed` rather than Jinja's parser vocabulary."""
    file = display_path(e.filename) if e.filename else (e.name or "template")
    message = f"template error: {e.message}"
    if e.message and e.message.startswith("Unexpected end of template") and e.source:
        unclosed = _innermost_unclosed(e.source)
        if unclosed:
            tag, line = unclosed
            message = f"template error: the {{% {tag} %}} on line {line} is never closed; add {{% end{tag} %}}"
    return Problem(file, e.lineno or 0, 0, "", message)


def undefined_problem(e: UndefinedError, template_dirs: list[Path]) -> Problem:
    """The name the template uses that ilmpack does not provide, at the template line that uses it."""
    tb, where = e.__traceback__, None
    while tb is not None:  # Jinja rewrites frames so that template lines appear as their own
        if any(Path(tb.tb_frame.f_code.co_filename).is_relative_to(d) for d in template_dirs):
            where = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    attr = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", str(e))
    name = next((g for g in attr.groups() if g), "?") if attr else "?"
    if where is None:
        return Problem("template", 0, 0, "", f"the template uses '{name}', which ilmpack does not provide")
    file, line = where
    with open(file, encoding="utf-8") as f:
        text = f.read().split("\n")[line - 1] if line else ""
    used = re.search(rf"[\w.]*\b{re.escape(name)}\b", text)
    return Problem(display_path(file), line, 0, "",
                   f"the template uses '{used.group(0) if used else name}', which ilmpack does not provide; "
                   "fix the name, or delete the file to use ilmpack's template")


def _innermost_unclosed(source: str) -> tuple[str, int] | None:
    stack: list[tuple[str, int]] = []
    for lineno, line in enumerate(source.split("\n"), 1):
        for m in TAG.finditer(line):
            closing, tag = m.group(1), m.group(2)
            if closing and stack and stack[-1][0] == tag:
                stack.pop()
            elif not closing and tag in OPENING:
                stack.append((tag, lineno))
    return stack[-1] if stack else None
