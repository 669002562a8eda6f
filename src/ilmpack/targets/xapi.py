"""What the xAPI standards (cmi5, TinCan) share: ids made from the course id, interaction definitions.

Ids are absolute IRIs under the course's `xapi.iri_base`: `<iri_base>/<course id>/<lang>` names the
course in one language, `.../question/<id>` (or `.../test/<page>/question/<id>` on the test page,
cmi5's best practice) its questions. The runtime derives a question's id the same way from the id
it is launched with (templates/assets/runtime/lms/xapi.js), so what the LRS records matches the
ids in `tincan.xml`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from lxml import etree

from ..errors import BuildError, Problem
from ..blocks.question import LIKERT_KEYS, OPTION_KEYS, SOURCE_KEYS
from ..xsd import xapi_schema_errors
from .base import Target

if TYPE_CHECKING:  # the tincan library and the renderer are imported only when a package is made
    from tincan import ActivityDefinition, InteractionComponent, LanguageMap

    from ..render import RenderedSco

# A domain that can never be registered (RFC 6761): stable and absolute, but not the publisher's own.
DEFAULT_IRI_BASE = "https://ilmpack.invalid/courses/"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
# Question kind -> xAPI interactionType (the runtime's record types, blocks/question.js KINDS).
QUESTION_TYPES = {"single": "choice", "multiple": "choice", "true-false": "true-false", "matching": "matching",
                  "ordering": "sequencing", "fill-in": "fill-in", "numeric": "numeric", "likert": "likert"}


def course_iri(course, lang: str) -> str:
    """The course's id in one language, e.g. https://kurs.example.no/likestilling/nb."""
    base = course.iri_base or DEFAULT_IRI_BASE
    return urljoin(base if base.endswith("/") else base + "/", f"{course.id}/{lang}")


def question_iri(activity: str, qid: str, test_page: str | None) -> str:
    """A question's activity id under the launched activity (mirrored by lms/xapi.js: questionId)."""
    if test_page:
        return f"{activity}/test/{test_page}/question/{qid}"
    return f"{activity}/question/{qid}"


@lru_cache(maxsize=8192)  # each language's package names every question in every language: the same texts again
def plain_text(markdown_text: str) -> str:
    """Markdown of a prompt or option as plain text (xAPI language maps hold no HTML)."""
    from lxml import html as lxml_html

    from ..render import inline_markdown

    html = str(inline_markdown(str(markdown_text)))
    if not html:
        return ""
    if "<" not in html and "&" not in html:  # no markup and no entity: the text is the HTML (most options)
        return " ".join(html.split())
    return re.sub(r"\s+", " ", lxml_html.fragment_fromstring(html, create_parent="div").text_content()).strip()


def course_questions(course) -> dict[str, dict]:
    """Question id -> {lang: (block data, page)} over every language, in course order."""
    out: dict[str, dict] = {}
    for lang in course.languages:
        for page in course.pages_in(lang):
            for block in page.blocks:
                if block.kind == "question" and block.data.get("kind") in QUESTION_TYPES:
                    out.setdefault(block.id, {})[lang] = (block.data, page)
    return out


def interaction_definitions(course, lang: str) -> dict[str, ActivityDefinition]:
    """Each question as a full xAPI interaction definition: names in every language of the course,
    the right answers as the package's language `lang` writes them (fill-in answers are words)."""
    from tincan import ActivityDefinition, InteractionComponentList

    out = {}
    for qid, texts in course_questions(course).items():
        data = texts[lang][0] if lang in texts else next(iter(texts.values()))[0]
        kind = data["kind"]
        prompt = _names(texts, lambda d: d["prompt"])
        definition = ActivityDefinition(type=INTERACTION_TYPE, name=prompt, description=prompt,
                                        interaction_type=QUESTION_TYPES[kind])
        patterns = _patterns(data)
        if patterns:
            definition.correct_responses_pattern = patterns
        for name, components in _components(data, texts).items():
            setattr(definition, name, InteractionComponentList(components))
        out[qid] = definition
    return out


def _names(texts: dict, pick) -> LanguageMap:
    """One text of a question in every language, as plain text."""
    from tincan import LanguageMap

    return LanguageMap({lang: plain_text(pick(data)) for lang, (data, _) in texts.items()})


def _patterns(data) -> list[str]:
    """correctResponsesPattern in xAPI's syntax, with the keys the runtime answers with."""
    kind = data["kind"]
    if kind == "true-false":
        return ["true" if data["correct"] else "false"]
    if kind in ("single", "multiple"):
        return ["[,]".join(OPTION_KEYS[i] for i, o in enumerate(data["options"]) if o.get("correct"))]
    if kind == "matching":
        return ["[,]".join(f"{SOURCE_KEYS[i]}[.]{OPTION_KEYS[i]}" for i in range(len(data["pairs"])))]
    if kind == "ordering":
        return ["[,]".join(OPTION_KEYS[i] for i in range(len(data["items"])))]
    if kind == "fill-in":
        case = "" if data.get("case_sensitive", False) else "{case_matters=false}"
        return [case + str(a) for a in data["answers"]]
    if kind == "numeric":
        if "answer" in data:
            tolerance = data.get("tolerance") or 0
            low, high = data["answer"] - tolerance, data["answer"] + tolerance
            return [f"{low:g}[:]{high:g}" if tolerance else f"{data['answer']:g}"]
        return [f"{data['min']:g}[:]{data['max']:g}"]
    return []  # likert: no right answer


def _components(data, texts: dict) -> dict[str, list[InteractionComponent]]:
    """choices, source/target, steps or scale, each component named in every language."""
    from tincan import InteractionComponent

    def parts(keys: str, count: int, pick) -> list[InteractionComponent]:
        return [InteractionComponent(id=keys[i], description=_names(texts, lambda d, i=i: pick(d)[i]))
                for i in range(count)]

    kind = data["kind"]
    if kind in ("single", "multiple"):
        return {"choices": parts(OPTION_KEYS, len(data["options"]), lambda d: [o["text"] for o in d["options"]])}
    if kind == "matching":
        rights = lambda d: [p["right"] for p in d["pairs"]] + list(d.get("distractors", []))  # noqa: E731
        return {"source": parts(SOURCE_KEYS, len(data["pairs"]), lambda d: [p["left"] for p in d["pairs"]]),
                "target": parts(OPTION_KEYS, len(rights(data)), rights)}
    if kind == "ordering":
        return {"choices": parts(OPTION_KEYS, len(data["items"]), lambda d: d["items"])}
    if kind == "likert":
        return {"scale": parts(LIKERT_KEYS, len(data["scale"]), lambda d: d["scale"])}
    return {}


def _not_json(value):
    raise TypeError(f"not JSON: {type(value).__name__}")


def definition_json(definition: ActivityDefinition) -> dict:
    """The definition as xAPI 1.0.3 JSON (the library's serializer, read back as data)."""
    return json.loads(definition.to_json("1.0.3"))


class XapiTarget(Target):
    """A package for an xAPI standard: index.html launched with the LRS in its URL, one descriptor."""

    launch = "index.html"
    runtime_helpers = ("xapi",)
    # The LRS (and cmi5's fetch URL) arrive in the launch URL, so the build cannot name them: the
    # pages may connect to their own origin, any https server, and an LRS on this machine (a
    # developer's or a test's, over plain http). Only the package's own script runs (script-src
    # 'self'), and it sends statements nowhere but the endpoint the LMS gave it.
    csp_connect = "'self' https: http://localhost:* http://127.0.0.1:*"
    descriptor = ""  # cmi5.xml | tincan.xml
    label = ""  # cmi5 | TinCan, for messages

    def __init__(self, course):
        super().__init__(course)
        self._interactions: dict[str, dict[str, dict]] = {}  # lang -> question id -> definition (interactions)

    @classmethod
    def course_problems(cls, course, loaded) -> list[Problem]:
        """Without xapi.iri_base the ids are stable but not the publisher's own: say so, once."""
        if course.iri_base:
            return []
        return [loaded.smap.problem(("id",), "xapi.iri_base is not set, so the cmi5 and TinCan ids are made under "
                                    f"{DEFAULT_IRI_BASE}, which any publisher could use: add 'xapi: {{iri_base: "
                                    "https://<a web address your organisation controls>/}' to course.yaml before the "
                                    "first upload (the ids must never change once learners have results)", warning=True)]

    def runtime_config(self, lang: str) -> dict:
        """The `xapi` entry of the runtime config: the course's id and the questions' definitions."""
        return {"xapi": {"course": course_iri(self.course, lang), "interactions": self.interactions(lang)}}

    def interactions(self, lang: str) -> dict[str, dict]:
        """Each question's xAPI definition as JSON data (the runtime config and tincan.xml hold them):
        made once a language, and with the build cache (`self.memo`) kept between builds under a
        key of every language's question data (300 questions cost 0.2 s to define)."""
        made = self._interactions
        if lang in made:
            return made[lang]
        key = None
        if self.memo is not None:
            questions = [[qid, code, data] for qid, texts in course_questions(self.course).items()
                         for code, (data, _) in texts.items()]
            try:
                text = json.dumps(["xapi-interactions", lang, questions], sort_keys=True, ensure_ascii=False,
                                  default=lambda v: dict(v) if isinstance(v, Mapping) else _not_json(v))
                key = hashlib.sha256(text.encode("utf-8")).hexdigest()
            except (TypeError, ValueError):  # a value JSON cannot hold: defined every time
                key = None
        kept = self.memo.extras.get(key) if key else None
        if not isinstance(kept, dict):
            kept = {qid: definition_json(d) for qid, d in interaction_definitions(self.course, lang).items()}
        if key:
            self.memo.extras_used[key] = kept
        made[lang] = kept
        return kept

    def tree(self, sco: RenderedSco) -> etree._Element:
        """The descriptor (cmi5.xml or tincan.xml) as an lxml tree."""
        raise NotImplementedError

    def package_files(self, sco: RenderedSco) -> tuple[dict[str, bytes], dict[str, Path]]:
        """The descriptor, validated against its XSD, then the launch page, runtime and media."""
        tree = self.tree(sco)
        errors = xapi_schema_errors(self.format, tree)
        if errors:  # a bug in ilmpack, not in the course: say so plainly
            raise BuildError(f"internal error: the generated {self.descriptor} does not validate: " + "; ".join(errors))
        files = {self.descriptor: etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)}
        files.update(sco.files)
        return files, dict(sco.media)


def langstrings(parent: etree._Element, tag: str, texts: dict[str, str], lang_first: str, ns: str) -> None:
    """One `<tag lang=xx>` child a language, the package's own language first."""
    for lang in sorted(texts, key=lambda code: code != lang_first):
        etree.SubElement(parent, f"{{{ns}}}{tag}", lang=lang).text = texts[lang]
