"""YAML parsing that remembers where every value came from (key path -> file:line:col)."""

from __future__ import annotations

from dataclasses import dataclass, field

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

    def locate(self, path: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """Line and column of `path`, or of its nearest ancestor that is known."""
        path = tuple(path)
        # A block list or mapping starts on the line after its key: point at the key instead.
        if (key or path in self.containers) and path in self.keys:
            return self.keys[path]
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def problem(self, path: KeyPath, message: str, *, key: bool = False, prefix: KeyPath = ()) -> Problem:
        """A problem located at `path`; `prefix` is prepended to the printed key path only."""
        line, col = self.locate(path, key=key)
        return Problem(self.file, line, col, format_key(tuple(prefix) + tuple(path)), message)


_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Scalars(SafeConstructor):
    """PyYAML's safe scalar rules (ints, bools, dates stay strings below)."""


# Dates and timestamps as plain strings: authors write versions and dates, never need datetime.
_Scalars.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


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
        m = e.problem_mark or e.context_mark
        line = m.line + 1 + line_offset if m else 1
        col = m.column + 1 if m else 0
        problems.append(Problem(file, line, col, "", _yaml_message(e, line_offset)))
        raise ValueError(problems) from e
    except yaml.YAMLError as e:  # e.g. a stream that is not text
        problems.append(Problem(file, 1 + line_offset, 0, "", f"not valid YAML: {e}"))
        raise ValueError(problems) from e

    constructor = _Scalars()

    def build(node: Node, path: KeyPath):
        smap.values[path] = mark(node)
        if isinstance(node, (MappingNode, SequenceNode)):
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
                key = str(constructor.construct_object(key_node))
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
            return constructor.construct_object(node)
        except yaml.constructor.ConstructorError as e:
            line, col = mark(node)
            problems.append(Problem(file, line, col, format_key(path), f"cannot read this value: {e.problem}"))
            return None

    data = build(root, ()) if root is not None else None
    if problems:
        raise ValueError(problems)
    return data, smap


def _yaml_message(e: yaml.MarkedYAMLError, line_offset: int) -> str:
    """PyYAML's message, made readable for authors who are not programmers."""
    problem = (e.problem or "").strip()
    context = (e.context or "").strip()
    if "'\\t'" in problem or "\\t" in problem:
        return "a tab character is not allowed in YAML; indent with spaces"
    if "found duplicate anchor" in problem:
        return f"not valid YAML: {problem}"
    if "mapping values are not allowed here" in problem:
        return ("not valid YAML: a ':' inside a value; put the value in quotes "
                "(e.g. title: \"Del 1: Innledning\")")
    if "could not find expected ':'" in problem:
        return "not valid YAML: expected 'key: value' on this line (a missing ':' or a stray line?)"
    if "found unhashable key" in problem:
        return "not valid YAML: a key must be plain text"
    msg = problem or context or "syntax error"
    if context and problem and context not in problem:
        started = e.context_mark
        if started and e.problem_mark and started.line != e.problem_mark.line:
            context += f" that starts on line {started.line + 1 + line_offset}"
        msg = f"{problem} ({context})"
    return f"not valid YAML: {msg}"
