"""Validate stage: JSON Schema files from schemas/ plus the rules a schema cannot say."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .blocks import block_kinds, get_block
from .blocks.base import SAME
from .errors import Problem, close_matches
from .loader import LoadedCourse
from .pages import RawPage, hazards_in
from .contents import PageLinks, is_local, leaves_course, raw_urls, resolve
from .gfm import to_html, walk
from .paths import PathProblem, ascii_name
from .resources import load_schema
from .schemacheck import is_valid
from .sourcemap import SourceMap, format_key

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

TYPE_NAMES = {
    "string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
    "object": "a mapping of 'key: value' lines", "array": "a list ('- item' lines or [a, b])", "null": "nothing",
}


def validate_course(loaded: LoadedCourse) -> list[Problem]:
    """Every problem of the course at once: parse errors, schema errors, cross-file rules."""
    problems = list(loaded.problems)
    if loaded.data is None:
        return problems + _page_problems(loaded)
    schema_errors = schema_problems(loaded.data, "course", loaded.smap)
    problems += schema_errors
    for rules in (_language_rules, _version_rules, _id_rules, _completion_rules):
        try:
            problems += rules(loaded)
        except (KeyError, TypeError, AttributeError, IndexError):
            # The rules read well-formed data; where it is not, the schema errors above say why.
            if not schema_errors:
                raise
    problems += _page_problems(loaded)
    if not any(not p.warning for p in problems) and not loaded.pages_alone:
        problems += _test_rules(loaded)
        problems += _translation_rules(loaded)
        problems += _staleness_rules(loaded)
        problems += loaded.unlisted  # while course.yaml has errors, a page may only look unlisted
    return problems


def schema_problems(data, schema_name: str, smap: SourceMap, prefix: tuple = ()) -> list[Problem]:
    """Problems of `data` against `schemas/<schema_name>.schema.json`, one per real mistake."""
    if is_valid(schema_name, data):  # the usual case, answered without loading jsonschema
        return []
    errors = list(_validator(schema_name).iter_errors(data))
    typos = {(tuple(e.absolute_path), close) for e in errors if e.validator == "additionalProperties"
             for close in _typo_targets(e)}
    out: list[Problem] = []
    for error in errors:
        if error.validator == "required" and (tuple(error.absolute_path), error.message.split("'")[1]) in typos:
            continue  # 'titel' is reported with "did you mean 'title'?"; "title is missing" would say it twice
        out.extend(_explain(error, smap, prefix))
    return out


def _typo_targets(error: ValidationError) -> list[str]:
    """The allowed keys that unknown keys of this mapping are close misspellings of."""
    allowed = error.schema.get("properties", {})
    if not isinstance(error.instance, dict):
        return []
    return [close[0] for extra in error.instance if extra not in allowed
            for close in [close_matches(extra, sorted(allowed), n=1, cutoff=0.6)] if close]


@lru_cache(maxsize=None)
def _validator(schema_name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(schema_name))


def _explain(error: ValidationError, smap: SourceMap, prefix: tuple) -> list[Problem]:
    path = tuple(error.absolute_path)
    kw, schema, inst = error.validator, error.schema, error.instance
    custom = schema.get("x-message")
    if kw == "additionalProperties" and isinstance(inst, dict):
        allowed = sorted(schema.get("properties", {}))
        out = []
        for extra in [k for k in inst if k not in schema.get("properties", {})]:
            close = close_matches(extra, allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
            msg = f"unknown key '{extra}'; {hint}"
            out.append(smap.problem(path + (extra,), msg, key=True, prefix=prefix))
        return out
    if kw == "required":
        missing = error.message.split("'")[1]
        return [Problem(*_loc(smap, path), format_key(prefix + path + (missing,)), "is missing; add it")]
    if kw == "not" and custom:
        return [smap.problem(path, custom, key=True, prefix=prefix)]
    if kw == "type" and path in smap.raw and isinstance(inst, bool | None) and "string" in schema["type"]:
        raw = smap.raw[path]
        return [smap.problem(path, f"{raw} without quotes means {_describe(inst)} in YAML; write it in quotes: \"{raw}\"", prefix=prefix)]
    if kw == "type":
        want = schema["type"]
        want = " or ".join(TYPE_NAMES.get(t, t) for t in (want if isinstance(want, list) else [want]))
        msg = f"expected {want}, got {_describe(inst)}"
        if custom:
            msg += f" ({custom})"
        return [smap.problem(path, msg, prefix=prefix)]
    if kw == "enum":
        choices = [str(c) for c in schema["enum"]]
        close = close_matches(str(inst), choices, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return [smap.problem(path, f"must be one of {', '.join(choices)}; got {_describe(inst)}{hint}", prefix=prefix)]
    if kw in ("minimum", "maximum"):
        lo, hi = schema.get("minimum"), schema.get("maximum")
        rng = f"between {lo} and {hi}" if lo is not None and hi is not None else (f"at least {lo}" if lo is not None else f"at most {hi}")
        return [smap.problem(path, f"must be {rng}; got {inst}", prefix=prefix)]
    if kw == "minItems":
        return [smap.problem(path, f"needs at least {schema['minItems']} entr{'y' if schema['minItems'] == 1 else 'ies'}", prefix=prefix)]
    if kw == "maxItems":
        return [smap.problem(path, f"has {len(inst)} entries; at most {schema['maxItems']} are allowed", prefix=prefix)]
    if kw == "uniqueItems":
        return [smap.problem(path, "lists the same value twice; keep one", prefix=prefix)]
    if kw in ("minLength", "minProperties"):
        return [smap.problem(path, custom or "is empty; write something here", prefix=prefix)]
    if kw == "pattern":
        msg = f"{_describe(inst)} {custom or 'has the wrong form'}"
        slug = _slug_for(inst, schema["pattern"])
        if slug:
            msg += f"; write it as '{slug}'"
        return [smap.problem(path, msg, prefix=prefix)]
    if kw in ("if", "allOf", "then", "else"):
        return []  # the nested errors say what is wrong
    return [smap.problem(path, custom or error.message, prefix=prefix)]


def _slug_for(value, pattern: str) -> str | None:
    """`value` as an id the pattern accepts (lowercase, æøå spelt out, '-' between words), if there is one."""
    if not isinstance(value, str):
        return None
    stem, dot, ext = value.rpartition(".") if value.endswith(".md") else (value, "", "")
    slug = ascii_name(stem.lower(), "a-z0-9").strip("-")
    candidate = f"{slug}{dot}{ext}"
    return candidate if slug and candidate != value and re.fullmatch(pattern, candidate) else None


def _loc(smap: SourceMap, path: tuple) -> tuple[str, int, int]:
    line, col = smap.locate(path)
    return smap.file, line, col


def _describe(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"'{value}'" if len(value) < 60 else f"'{value[:57]}...'"
    if isinstance(value, (int, float)):
        return str(value)
    return TYPE_NAMES["object" if isinstance(value, dict) else "array"]


def _language_rules(loaded: LoadedCourse) -> list[Problem]:
    """Every text in every course language, and no text in another."""
    data, smap, out = loaded.data, loaded.smap, []
    langs = data["languages"]
    if not isinstance(langs, list) or not all(isinstance(x, str) for x in langs):
        return out  # the schema error on languages comes first
    for field in ("title", "description"):
        texts = data.get(field)
        if texts is None:
            if field == "description" and not _typo_of(field, data):
                out.append(smap.problem((), "'description' is missing; add one sentence per language (LMSs show it)"))
            continue
        out += _langmap_rules(texts, (field,), langs, smap)
    for i, module in enumerate(data["modules"]):
        out += _langmap_rules(module["title"], ("modules", i, "title"), langs, smap)
    return out


def _typo_of(key: str, data: dict) -> bool:
    """True when `data` has an unknown key that is a misspelling of `key` (reported as such)."""
    known = load_schema("course").get("properties", {})
    return bool(close_matches(key, [k for k in data if k not in known], n=1, cutoff=0.6))


def _page_entries(data: dict) -> list[tuple[str, tuple]]:
    return [(p, ("modules", i, "pages", j)) for i, m in enumerate(data["modules"]) for j, p in enumerate(m["pages"])]


def _version_rules(loaded: LoadedCourse) -> list[Problem]:
    """A version like 1.10 unquoted is the number 1.1: say so (the raw text is used)."""
    raw = loaded.smap.raw.get(("version",))
    if raw is None or not isinstance(loaded.data.get("version"), int | float):
        return []
    message = f"{raw} is read as the number {loaded.data['version']}; write it in quotes: version: \"{raw}\""
    return [loaded.smap.problem(("version",), message, warning=True)]


def _id_rules(loaded: LoadedCourse) -> list[Problem]:
    """Module ids, page files and page ids are unique."""
    data, smap = loaded.data, loaded.smap
    out = _duplicates([(m["id"], ("modules", i, "id")) for i, m in enumerate(data["modules"])], smap, "module id")
    entries = _page_entries(data)
    out += _duplicates(entries, smap, "page")
    distinct: dict[str, tuple] = {}
    for p, k in entries:
        distinct.setdefault(p, k)  # each file once, at its first place
    out += _duplicates([(_page_id(p), k) for p, k in distinct.items()], smap, "page id (file name without folder and .md)")
    return out


def _completion_rules(loaded: LoadedCourse) -> list[Problem]:
    """The completion rule, the test page and the mastery score agree."""
    data, smap, out = loaded.data, loaded.smap, []
    langs, entries = loaded.langs or data["languages"], _page_entries(data)
    completion = data.get("completion") or {}
    test_pages = [(k, p) for (lang, p), page in loaded.pages.items() if lang == langs[0] and page.meta.get("test") is True
                  for k in [next(key for e, key in entries if e == p)]]
    test = completion.get("test", "passed" if test_pages else "none")
    unsure = any(not isinstance(page.meta.get("test", False), bool) for page in loaded.pages.values())
    if unsure or test not in ("passed", "answered", "none") or any((langs[0], p) not in loaded.pages for p, _ in entries):
        return out  # the schema error, or the page that could not be read, is the problem to fix first
    if len(test_pages) > 1:
        for key, _ in test_pages[1:]:
            out.append(smap.problem(key, f"only one page may be the test (test: true), and {test_pages[0][1]} is already; "
                                    "merge the two test pages"))
    if test in ("passed", "answered") and not test_pages:
        out.append(smap.problem(("completion", "test"), f"test: {test} needs a test page; add 'test: true' to the front matter of the test page, or set test: none"))
    if test == "none" and test_pages:
        out.append(smap.problem(("completion", "test"), f"the course has a test page ({test_pages[0][1]}) but test is none; set test: passed or test: answered"))
    if test == "passed" and "mastery_score" not in data:
        out.append(smap.problem((), "'mastery_score' is missing: test: passed needs the score (0-100) that passes, e.g. mastery_score: 80"))
    policy = data.get("test_policy")
    if isinstance(policy, dict):
        if not test_pages:
            out.append(smap.problem(("test_policy",), "the course has no test page; remove test_policy, or add 'test: true' "
                                    "to the front matter of the test page", key=True))
        if policy.get("solutions") == "after-last-attempt" and "attempts" not in policy:
            out.append(smap.problem(("test_policy", "solutions"), "after-last-attempt needs a number of attempts: add "
                                    "attempts (e.g. attempts: 3), or choose after-passing"))
    if test != "passed" and "mastery_score" in data:
        out.append(smap.problem(("mastery_score",), "is only used with completion test: passed; remove it (an LMS would turn 'completed' into passed/failed by it)"))
    return out


def _page_id(entry: str) -> str:
    return Path(entry).stem


def _langmap_rules(texts: dict, key: tuple, langs: list, smap: SourceMap) -> list[Problem]:
    out = []
    if not isinstance(texts, dict):
        return out  # the schema says it must be a mapping
    missing = [lang for lang in langs if lang not in texts]
    if missing:
        out.append(smap.problem(key, f"has no text for {', '.join(missing)}; add {missing[0]}: ..."))
    for lang in texts:
        if lang not in langs:
            out.append(smap.problem(key + (lang,), f"'{lang}' is not one of the course languages ({', '.join(langs)}); remove it or add it to languages", key=True))
    return out


def _duplicates(items: list[tuple[str, tuple]], smap: SourceMap, what: str) -> list[Problem]:
    seen: dict[str, tuple] = {}
    out = []
    for value, key in items:
        if value in seen:
            first_line = smap.locate(seen[value])[0]
            out.append(smap.problem(key, f"duplicate {what} '{value}' (first on line {first_line}); each must be unique"))
        else:
            seen[value] = key
    return out


def page_checks(loaded: LoadedCourse) -> None:
    """Each page's own checks, for `loaded.memo` to keep (a build reads a share of the pages ahead, parallel.py)."""
    _page_problems(loaded)


def _page_problems(loaded: LoadedCourse) -> list[Problem]:
    """Front matter, blocks and local links of every page that was read; block ids unique in each language.

    A page's own problems are taken from `loaded.memo` (pagememo.py) when its bytes and context
    are unchanged; the duplicate block ids are looked for across all pages on every run.
    """
    out: list[Problem] = []
    block_ids: dict[tuple[str, str], Problem] = {}
    memo = loaded.memo
    for (lang, entry), page in loaded.pages.items():
        key = memo.keys.get((lang, entry)) if memo is not None else None
        found = memo.checks(key) if key else None
        if found is None:
            found = page_problems(loaded, lang, entry, page)
            if key:
                memo.store_checks(key, *found)
        problems, ids = found
        out += problems
        for bid, first_here in ids:
            if (lang, bid) in block_ids:
                first = block_ids[(lang, bid)]
                out.append(Problem(first_here.file, first_here.line, first_here.column, "id",
                                   f"duplicate block id '{bid}' (first at {first.file}:{first.line}); ids must be unique in the course"))
            else:
                block_ids[(lang, bid)] = first_here
    return out


def page_problems(loaded: LoadedCourse, lang: str, entry: str, page: RawPage) -> tuple[list[Problem], list[tuple[str, Problem]]]:
    """One page's own problems, and (id, where) of each of its blocks whose id is valid, in order."""
    out: list[Problem] = []
    ids: list[tuple[str, Problem]] = []
    if page.has_front_matter:
        out += schema_problems(page.meta, "page", page.meta_map)
    for block in page.blocks:
        if block.data is None or not isinstance(block.data, dict):
            out.append(Problem(page.file, block.line, 1, "", f"the ```{block.kind} block must hold 'key: value' lines"))
            continue
        errs = schema_problems(block.data, f"blocks/{block.kind}", block.smap)
        out += errs
        bid = block.data.get("id")
        if isinstance(bid, str) and not errs:
            ids.append((bid, block.smap.problem(("id",), "")))
        if not errs:
            out += get_block(block.kind).rules(block.data, block.smap)
            out += _block_link_problems(loaded, loaded.page_files[(lang, entry)], block.data, block.smap)
            out += _block_file_problems(loaded, block, loaded.page_files[(lang, entry)])
    out += page.notes
    out += _link_problems(loaded, page, loaded.page_files[(lang, entry)])
    if not _trusted(loaded):
        out += _form_field_problems(page)
        hazards = [(page.file, line, col, "", what) for line, col, what in page.hazards]
        for block in page.blocks:
            hazards += _block_hazards(block.data, block.smap, ())
        out += [Problem(file, line, col, key, f"{what} is removed from the package, since it could run "
                        "inside the LMS; if you wrote or checked this HTML, set trusted_html: true in course.yaml",
                        warning=True) for file, line, col, key, what in hazards]
    return out, ids


def _block_link_problems(loaded: LoadedCourse, page_file: Path, value, smap: SourceMap, path: tuple = ()) -> list[Problem]:
    """Links in a block's texts (a prompt, feedback) that leave the course. Only a page's own text
    is read for the package's contents, so such a link packs nothing; but it would point the
    learner at a file of the build machine's path, so it is refused as on a page."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _block_link_problems(loaded, page_file, v, smap, path + (k,))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _block_link_problems(loaded, page_file, v, smap, path + (i,))]
    if not isinstance(value, str) or ("[" not in value and "<" not in value):
        return []
    found: list[str] = []

    def visit(node) -> None:
        urls = [url for _, _, _, url in raw_urls(node.value, True)] if node.kind == "html" else [node.value]
        for url in urls:
            problem = leaves_course(loaded.root, page_file.parent, url)
            if problem:
                found.append(problem)

    walk(value, visit)
    return [smap.problem(path, message) for message in found]


def _block_hazards(value, smap: SourceMap, path: tuple) -> list[tuple]:
    """Unsafe raw HTML in the text values of a block, located at each value."""
    if isinstance(value, dict):
        return [h for k, v in value.items() for h in _block_hazards(v, smap, path + (k,))]
    if isinstance(value, list):
        return [h for i, v in enumerate(value) for h in _block_hazards(v, smap, path + (i,))]
    found = hazards_in(value) if isinstance(value, str) else ()
    if found:
        line, col = smap.locate(path)
        return [(smap.file, line, col, format_key(path), what) for _, _, what in found]
    return []


def _block_file_problems(loaded: LoadedCourse, block, page_file: Path) -> list[Problem]:
    """The files a block names exist inside the course, under names every LMS can unzip."""
    out = []
    for key, written in get_block(block.kind).files(block.data):
        try:
            found = resolve(loaded.root, page_file.parent, written, "block", _trusted(loaded))
        except PathProblem as e:
            out.append(block.smap.problem(key, str(e)))
            continue
        out += get_block(block.kind).file_problems(key, found.path, block.smap)
    return out


def _link_problems(loaded: LoadedCourse, page: RawPage, page_file: Path) -> list[Problem]:
    """Every link, image and raw HTML file name of the page, read from the document cmark-gfm
    renders, checked where the package's contents are decided (contents.py)."""
    links = PageLinks(loaded.root, page_file, page.file, "", _trusted(loaded))
    links.unread(to_html(page.markdown, links.visit), page.markdown)
    return links.problems


def _trusted(loaded: LoadedCourse) -> bool:
    return isinstance(loaded.data, dict) and loaded.data.get("trusted_html") is True


def _form_field_problems(page: RawPage) -> list[Problem]:
    """Form fields in raw HTML are removed from the package: say so, and what to use."""
    # The kinds that take an answer are the ones the runtime tracks (a config entry); a film asks nothing.
    kinds = ", ".join(f"```{k}" for k in sorted(block_kinds()) if get_block(k).config_key)
    return [Problem(page.file, line, col, "", f"<{tag}> in raw HTML is removed from the package (pages cannot hold form "
                    f"fields); to ask the learner something, use a block ({kinds}), see the author's guide", warning=True)
            for line, col, tag in page.form_fields]


def _test_rules(loaded: LoadedCourse) -> list[Problem]:
    """Each block kind's rules for its blocks on the test page under the course's test_policy."""
    data = loaded.data
    policy = data.get("test_policy") or {}
    out = []
    if not loaded.langs:
        return out
    lang = loaded.langs[0]  # the source language first, when it is checked in this run
    for module in data["modules"]:
        for entry in module["pages"]:
            page = loaded.pages[(lang, entry)]
            if page.meta.get("test") is not True:
                continue
            by_kind: dict[str, list] = {}
            for block in page.blocks:
                by_kind.setdefault(block.kind, []).append((block.data, block.smap))
            for kind, blocks in by_kind.items():
                out += get_block(kind).test_rules(blocks, policy, loaded.smap)
    return out


def _translation_rules(loaded: LoadedCourse) -> list[Problem]:
    """Across languages a page keeps its test flag and each block its id, kind and answers."""
    data = loaded.data
    langs = loaded.langs  # the source language first, when it is checked in this run
    out = []
    if not langs:
        return out
    for module in data["modules"]:
        for entry in module["pages"]:
            base = loaded.pages[(langs[0], entry)]
            for lang in langs[1:]:
                other = loaded.pages[(lang, entry)]
                if bool(base.meta.get("test")) != bool(other.meta.get("test")):
                    out.append(other.meta_map.problem(("test",), f"differs from {base.file}; the test page must be the same in every language"))
                out += _block_differences(base, other)
    return out


def _staleness_rules(loaded: LoadedCourse) -> list[Problem]:
    """A translation last committed before its source page was changed may be out of date."""
    langs = loaded.data["languages"]
    out = []
    for (lang, entry), when in sorted(loaded.changed.items()):
        source = loaded.changed.get((langs[0], entry))
        if lang == langs[0] or (lang, entry) not in loaded.pages or source is None or when >= source:
            continue
        out.append(Problem(loaded.pages[(lang, entry)].file, 0, 0, "", f"last changed (in git) on {_day(when)}, before its "
                           f"source {langs[0]}/{entry} was changed on {_day(source)}; bring the translation up to date "
                           "(a commit of this file ends this warning)", warning=True))
    return out


def _day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _block_differences(base: RawPage, other: RawPage) -> list[Problem]:
    """Where a translated page's blocks differ from the first language's, key by key."""
    if len(base.blocks) != len(other.blocks):
        line = other.blocks[0].line if other.blocks else 1
        return [Problem(other.file, line, 1, "", f"has {len(other.blocks)} blocks, but {base.file} has {len(base.blocks)}; "
                        f"{SAME}: every block is in every language")]
    out = []
    for b0, b1 in zip(base.blocks, other.blocks):
        if b0.kind != b1.kind:
            out.append(Problem(other.file, b1.line, 1, "", f"a ```{b1.kind} block stands where {base.file} has a ```{b0.kind} "
                               f"block; {SAME}: keep the blocks in the same order"))
            continue
        out += get_block(b1.kind).translation_problems(b0.data, b1.data, b1.smap, base.file)
    return out


__all__ = ["validate_course", "schema_problems", "is_local"]
