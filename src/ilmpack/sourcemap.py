"""YAML parsing that remembers where every value came from (key path -> file:line:col)."""

from __future__ import annotations

from dataclasses import dataclass, field

import re

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Problem

KeyPath = tuple  # of str (mapping keys) and int (sequence indexes)


def format_key(path: KeyPath) -> str:
    """`('modules', 0, 'pages', 1)` -> `modules[0].pages[1]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class SourceMap:
    """Where each key path of one YAML document sits in its file (1-based lines and columns)."""

    file: str
    values: dict = field(default_factory=dict)  # path -> (line, col) of the value
    keys: dict = field(default_factory=dict)  # path -> (line, col) of the mapping key
    containers: set = field(default_factory=set)  # paths whose value is a mapping or a list
    raw: dict = field(default_factory=dict)  # path -> the written text of a scalar YAML read as non-text

    def locate(self, path: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """Line and column of `path`, or of its nearest ancestor that is known."""
        path = tuple(path)
        # A block list or mapping starts on the line after its key: point at the key instead.
        if (key or path in self.containers) and path in self.keys:
            return self.keys[path]
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def problem(self, path: KeyPath, message: str, *, key: bool = False, prefix: KeyPath = (),
                warning: bool = False) -> Problem:
        """A problem located at `path`; `prefix` is prepended to the printed key path only."""
        line, col = self.locate(path, key=key)
        return Problem(self.file, line, col, format_key(tuple(prefix) + tuple(path)), message, warning)


_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Scalars(SafeConstructor):
    """PyYAML's safe scalar rules (ints, bools, dates stay strings below)."""


# Dates and timestamps as plain strings: authors write versions and dates, never need datetime.
_Scalars.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


# What constructing a tagged scalar can raise: an unknown tag, or a known one on text it cannot
# read ('!!int x' is a ValueError, '!!bool x' a KeyError inside PyYAML).
_UNREADABLE = (yaml.constructor.ConstructorError, ValueError, KeyError, TypeError, OverflowError)


def _tag_message(node: Node, error: Exception, what: str) -> str:
    """A YAML tag (`!!python/object:...`, `!!binary`, `!!int x`) the course format cannot read, in plain words."""
    tag = node.tag or ""
    shown = "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag
    if isinstance(error, yaml.constructor.ConstructorError) and shown:
        return f"the YAML tag '{shown}' is not allowed in a course; remove it and write the {what} as plain text"
    if shown:
        return f"'{node.value}' cannot be read as {shown}; remove the tag '{shown}' and write the {what} as plain text"
    return f"cannot read this {what}; write it as plain text"


def parse_yaml(text: str, file: str, *, line_offset: int = 0):
    """Parse one YAML document; return (data, SourceMap) or raise ValueError(list[Problem])."""
    smap = SourceMap(file)
    problems: list[Problem] = []

    def mark(node: Node) -> tuple[int, int]:
        m = node.start_mark
        return (m.line + 1 + line_offset, m.column + 1)

    try:
        # libyaml composes about ten times faster; the pure-Python parser re-reads a broken
        # document so that the messages (and their wording) are the same on every machine.
        try:
            root = yaml.compose(text, Loader=_FAST)
        except yaml.YAMLError:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        (line, col), message = _explain_yaml_error(e, text, file, line_offset)
        problems.append(Problem(file, line + line_offset, col, "", message))
        raise ValueError(problems) from e
    except yaml.YAMLError as e:  # e.g. a stream that is not text
        problems.append(Problem(file, 1 + line_offset, 0, "", f"not valid YAML: {e}"))
        raise ValueError(problems) from e

    constructor = _Scalars()
    seen: set[int] = set()

    def build(node: Node, path: KeyPath):
        smap.values[path] = mark(node)
        if isinstance(node, (MappingNode, SequenceNode)):
            # The composer links an alias (*name) to its anchored node: meeting a node twice is an
            # alias, and following it would expand a "billion laughs" document without end.
            if id(node) in seen:
                raise _AliasFound
            seen.add(id(node))
            smap.containers.add(path)
        if isinstance(node, MappingNode):
            out = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    line, col = mark(key_node)
                    problems.append(Problem(file, line, col, format_key(path), "a key must be plain text"))
                    continue
                if key_node.tag == "tag:yaml.org,2002:merge":
                    line, col = mark(key_node)
                    problems.append(Problem(file, line, col, format_key(path), "'<<' merge keys are not supported; write the keys out"))
                    continue
                try:
                    key = str(constructor.construct_object(key_node))
                except _UNREADABLE as e:  # a tag on the key: '? !!python/object x'
                    line, col = mark(key_node)
                    problems.append(Problem(file, line, col, format_key(path), _tag_message(key_node, e, "key")))
                    continue
                child = path + (key,)
                if key in out:
                    line, col = mark(key_node)
                    first = smap.keys[child]
                    problems.append(
                        Problem(file, line, col, format_key(child),
                                f"duplicate key (first given on line {first[0]}); keep one of them")
                    )
                    continue
                smap.keys[child] = mark(key_node)
                out[key] = build(value_node, child)
            return out
        if isinstance(node, SequenceNode):
            return [build(item, path + (i,)) for i, item in enumerate(node.value)]
        try:
            value = constructor.construct_object(node)
        except _UNREADABLE as e:  # '!!python/object', or '!!int x'
            line, col = mark(node)
            problems.append(Problem(file, line, col, format_key(path), _tag_message(node, e, "value")))
            return None
        if not isinstance(value, str) and not node.style and node.value != _canonical(value):
            smap.raw[path] = node.value  # 'no' read as false, '1.10' as 1.1: messages quote the text
        return value

    try:
        data = build(root, ()) if root is not None else None
    except _AliasFound:
        problems.append(_alias_problem(text, file, line_offset))
        data = None
    if problems:
        raise ValueError(problems)
    return data, smap


class _AliasFound(Exception):
    """A YAML alias (*name) was met while building the data."""


def _canonical(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _alias_problem(text: str, file: str, line_offset: int) -> Problem:
    """Where the first alias is, and what to do (events carry the marks the nodes lost)."""
    anchors = {}
    for event in yaml.parse(text, Loader=_FAST):  # the parser that read the document reads it again
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent):
            m = event.start_mark
            where = f" refers to '&{anchor}' on line {anchors[anchor] + line_offset}" if anchor in anchors else ""
            return Problem(file, m.line + 1 + line_offset, m.column + 1, "",
                           f"'*{anchor}'{where}; references (aliases) are not supported: write the value out")
        if anchor:
            anchors[anchor] = event.start_mark.line + 1
    return Problem(file, 1 + line_offset, 1, "", "references (aliases) are not supported: write the value out")


YAML_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def _explain_yaml_error(e: yaml.MarkedYAMLError, text: str, file: str, line_offset: int = 0) -> tuple[tuple[int, int], str]:
    """Where a YAML syntax error really is (1-based, within `text`), and what to do, for authors who are not programmers.

    Line numbers quoted inside the message count from the file, so `line_offset` (the lines above
    `text` in its file, e.g. above a question block) is added to them.
    """
    problem = (e.problem or "").strip()
    context = (e.context or "").strip()
    pm, cm = e.problem_mark, e.context_mark
    at = (pm.line + 1, pm.column + 1) if pm else (cm.line + 1, cm.column + 1) if cm else (1, 0)
    opened = (cm.line + 1, cm.column + 1) if cm else at
    lines = YAML_LINE_BREAK.split(text)  # as PyYAML counts lines: NEL, LS and PS end a line too
    if "'\\t'" in problem or "\\t" in problem or (pm and "\t" in lines[pm.line][: pm.column + 1]
                                                  and "cannot start any token" in problem):
        return at, "a tab character is not allowed in YAML; indent with spaces"
    if context.startswith("while parsing a flow sequence"):
        return opened, ("not valid YAML: the list opened with '[' here is never closed; close it with ']', "
                        "or put the value in quotes if '[' is part of the text")
    if context.startswith("while parsing a flow mapping"):
        return opened, ("not valid YAML: the mapping opened with '{' here is never closed; close it with '}', "
                        "or put the value in quotes if '{' is part of the text")
    if context.startswith("while scanning a quoted scalar") and cm:
        quote = lines[cm.line][cm.column] if cm.column < len(lines[cm.line]) else '"'
        return opened, (f"not valid YAML: the quote '{quote}' that starts here is never closed; "
                        f"add the closing '{quote}' at the end of the value")
    if "found another document" in problem:
        name = file.replace("\\", "/").rsplit("/", 1)[-1]
        return at, f"not valid YAML: this '---' starts a second document; {name} must be one document: remove the line"
    if "mapping values are not allowed here" in problem and pm:
        return _colon_problem(lines, pm.line, pm.column, at, line_offset)
    if "could not find expected ':'" in problem:
        return at, "not valid YAML: expected 'key: value' on this line (a missing ':' or a stray line?)"
    if "found unhashable key" in problem:
        return at, "not valid YAML: a key must be plain text"
    if problem.startswith("expected <block end>") and cm:
        # PyYAML's words ("expected <block end>, but found '?'") mean: this line's indentation
        # fits no list or mapping open above it.
        return at, (f"not valid YAML: this line is not indented like the lines above it (from line {cm.line + 1 + line_offset}); "
                    "indent it like the key or '-' it belongs with: the keys of one mapping, and the '-' of one list, "
                    "start in the same column (use spaces)")
    msg = problem or context or "syntax error"
    if context and problem and context not in problem:
        if cm and pm and cm.line != pm.line:
            context += f" that starts on line {cm.line + 1 + line_offset}"
        msg = f"{problem} ({context})"
    return at, f"not valid YAML: {msg}"


def _colon_problem(lines: list[str], line: int, column: int, at: tuple[int, int],
                   line_offset: int = 0) -> tuple[tuple[int, int], str]:
    """A ':' where none may be: a key indented too far, or a value with ': ' that needs quotes."""
    text = lines[line]
    before = text[:column]
    if not re.match(r"^\s*(-\s+)?[^:#]+:\s", before):
        indent = len(text) - len(text.lstrip(" -"))
        key = before.strip(" -")
        for prev in range(line - 1, -1, -1):
            m = re.match(r"^(\s*(?:-\s+)?)([^\s:#][^:#]*):(\s|$)", lines[prev])
            if m and len(m.group(1)) < indent:
                return (line + 1, indent + 1), (f"not valid YAML: '{key}' is indented more than '{m.group(2).strip()}' "
                                                f"on line {prev + 1 + line_offset}; keys of one mapping must start in the same column")
    return at, "not valid YAML: a ':' inside a value; put the value in quotes (e.g. title: \"Del 1: Innledning\")"
