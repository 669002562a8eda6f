"""A fast yes/no check of data against ilmpack's JSON Schemas; jsonschema explains a no.

jsonschema (with the referencing and attrs libraries it loads) takes longer to import than a
small course takes to build, and most runs check a valid course. This module compiles a schema
once per process into nested checks for exactly the keywords `schemas/` uses (Draft 2020-12
meaning), and refuses any other keyword when it compiles, so a schema that starts to use a new
one fails in the tests instead of being checked loosely. validate.py asks jsonschema for the
errors only when this check says no.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from .resources import load_schema

Check = Callable[[object], bool]
# Keywords that only describe: they never make data invalid.
ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples", "x-message"})
TYPES: dict[str, Callable[[object], bool]] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    # JSON Schema counts 2.0 as an integer (as jsonschema does).
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


class UnknownKeyword(ValueError):
    """A schema uses a keyword this checker does not implement."""


def is_valid(schema_name: str, data) -> bool:
    """Whether `data` is valid against `schemas/<schema_name>.schema.json`."""
    return _compiled(schema_name)(data)


@lru_cache(maxsize=None)
def _compiled(schema_name: str) -> Check:
    root = load_schema(schema_name)
    refs: dict[str, Check] = {}
    return _compile(root, root, refs)


def _compile(schema, root: dict, refs: dict[str, Check]) -> Check:
    """One schema (or subschema) as a function of the instance."""
    if schema is True:
        return lambda v: True
    if schema is False:
        return lambda v: False
    unknown = set(schema) - ANNOTATIONS - set(_KEYWORDS) - {"then", "else"}
    if unknown:
        raise UnknownKeyword(f"JSON Schema keyword(s) {', '.join(sorted(unknown))} not implemented in schemacheck.py")
    checks = [_KEYWORDS[k](schema[k], schema, root, refs) for k in _KEYWORDS if k in schema]
    checks = [c for c in checks if c is not None]
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(c(v) for c in checks)


def _equal(a, b) -> bool:
    """JSON equality: true is not 1, and 1 is 1.0."""
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _type(value, schema, root, refs) -> Check:
    tests = [TYPES[t] for t in (value if isinstance(value, list) else [value])]
    return lambda v: any(t(v) for t in tests)


def _enum(value, schema, root, refs) -> Check:
    return lambda v: any(_equal(v, choice) for choice in value)


def _const(value, schema, root, refs) -> Check:
    return lambda v: _equal(v, value)


def _pattern(value, schema, root, refs) -> Check:
    search = re.compile(value).search
    return lambda v: not isinstance(v, str) or search(v) is not None


def _bound(test: Callable[[object], bool], kind: str) -> Callable:
    """A keyword that applies to one type only, e.g. minLength to strings."""
    def make(value, schema, root, refs) -> Check:
        applies = TYPES[kind]
        return lambda v: not applies(v) or test(v, value)
    return make


def _unique(value, schema, root, refs) -> Check | None:
    if not value:
        return None
    return lambda v: not isinstance(v, list) or not any(_equal(v[i], v[j]) for i in range(len(v)) for j in range(i))


def _items(value, schema, root, refs) -> Check:
    item = _compile(value, root, refs)
    return lambda v: not isinstance(v, list) or all(item(x) for x in v)


def _properties(value, schema, root, refs) -> Check:
    props = {name: _compile(sub, root, refs) for name, sub in value.items()}
    return lambda v: not isinstance(v, dict) or all(check(v[name]) for name, check in props.items() if name in v)


def _additional(value, schema, root, refs) -> Check:
    known = set(schema.get("properties", {}))
    extra = _compile(value, root, refs)
    return lambda v: not isinstance(v, dict) or all(extra(v[k]) for k in v if k not in known)


def _required(value, schema, root, refs) -> Check:
    return lambda v: not isinstance(v, dict) or all(name in v for name in value)


def _not(value, schema, root, refs) -> Check:
    sub = _compile(value, root, refs)
    return lambda v: not sub(v)


def _all_of(value, schema, root, refs) -> Check:
    subs = [_compile(s, root, refs) for s in value]
    return lambda v: all(s(v) for s in subs)


def _if(value, schema, root, refs) -> Check:
    test = _compile(value, root, refs)
    then = _compile(schema.get("then", True), root, refs)
    otherwise = _compile(schema.get("else", True), root, refs)
    return lambda v: then(v) if test(v) else otherwise(v)


def _ref(value, schema, root, refs) -> Check:
    """A reference inside the same schema file (#/$defs/...), compiled when first used."""
    if not value.startswith("#"):
        raise UnknownKeyword(f"$ref {value!r}: only references inside the schema file are implemented")

    def check(v) -> bool:
        if value not in refs:
            target = root
            for part in filter(None, value[1:].split("/")):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            refs[value] = _compile(target, root, refs)
        return refs[value](v)
    return check


_KEYWORDS: dict[str, Callable] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "pattern": _pattern,
    "minLength": _bound(lambda v, n: len(v) >= n, "string"),
    "maxLength": _bound(lambda v, n: len(v) <= n, "string"),
    "minimum": _bound(lambda v, n: v >= n, "number"),
    "maximum": _bound(lambda v, n: v <= n, "number"),
    "minItems": _bound(lambda v, n: len(v) >= n, "array"),
    "maxItems": _bound(lambda v, n: len(v) <= n, "array"),
    "minProperties": _bound(lambda v, n: len(v) >= n, "object"),
    "uniqueItems": _unique,
    "items": _items,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "not": _not,
    "allOf": _all_of,
    "if": _if,
    "$ref": _ref,
}
