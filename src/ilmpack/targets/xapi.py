"""What the xAPI standards (cmi5, TinCan) share: ids made from the course id, interaction definitions.

Ids are absolute IRIs under the course's `xapi.iri_base`: `<iri_base>/<course id>/<lang>` names the
course in one language, `.../question/<id>` (or `.../test/<page>/question/<id>` on the test page,
cmi5's best practice) its questions. The runtime derives a question's id the same way from the id
it is launched with (templates/assets/runtime/lms/xapi.js), so what the LRS records matches the
ids in `tincan.xml`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin

from lxml import etree, html as lxml_html
from tincan import ActivityDefinition, InteractionComponent, InteractionComponentList, LanguageMap

from ..errors import BuildError, Problem
from ..render import RenderedSco, inline_markdown
from ..xsd import xapi_schema_errors
from .base import Target

# A domain that can never be registered (RFC 6761): stable and absolute, but not the publisher's own.
DEFAULT_IRI_BASE = "https://ilmpack.invalid/courses/"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
QUESTION_TYPES = {"single": "choice", "multiple": "choice", "true-false": "true-false"}


def course_iri(course, lang: str) -> str:
    """The course's id in one language, e.g. https://kurs.example.no/likestilling/nb."""
    base = course.iri_base or DEFAULT_IRI_BASE
    return urljoin(base if base.endswith("/") else base + "/", f"{course.id}/{lang}")


def question_iri(activity: str, qid: str, test_page: str | None) -> str:
    """A question's activity id under the launched activity (mirrored by lms/xapi.js: questionId)."""
    if test_page:
        return f"{activity}/test/{test_page}/question/{qid}"
    return f"{activity}/question/{qid}"


def plain_text(markdown_text: str) -> str:
    """Markdown of a prompt or option as plain text (xAPI language maps hold no HTML)."""
    html = str(inline_markdown(str(markdown_text)))
    if not html:
        return ""
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


def interaction_definitions(course) -> dict[str, ActivityDefinition]:
    """Each question as a full xAPI interaction definition, names in every language of the course."""
    out = {}
    for qid, texts in course_questions(course).items():
        first = next(iter(texts.values()))[0]
        kind = first["kind"]
        prompt = LanguageMap({lang: plain_text(data["prompt"]) for lang, (data, _) in texts.items()})
        definition = ActivityDefinition(type=INTERACTION_TYPE, name=prompt, description=prompt,
                                        interaction_type=QUESTION_TYPES[kind])
        if kind == "true-false":
            definition.correct_responses_pattern = ["true" if first["correct"] else "false"]
        else:
            keys = "abcdefghijklmnopqrstuvwxyz"
            definition.correct_responses_pattern = ["[,]".join(keys[i] for i, o in enumerate(first["options"]) if o.get("correct"))]
            definition.choices = InteractionComponentList([
                InteractionComponent(id=keys[i], description=LanguageMap(
                    {lang: plain_text(data["options"][i]["text"]) for lang, (data, _) in texts.items()}))
                for i in range(len(first["options"]))])
        out[qid] = definition
    return out


def definition_json(definition: ActivityDefinition) -> dict:
    """The definition as xAPI 1.0.3 JSON (the library's serializer, read back as data)."""
    return json.loads(definition.to_json("1.0.3"))


class XapiTarget(Target):
    """A package for an xAPI standard: index.html launched with the LRS in its URL, one descriptor."""

    launch = "index.html"
    runtime_helpers = ("xapi",)
    descriptor = ""  # cmi5.xml | tincan.xml
    label = ""  # cmi5 | TinCan, for messages

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
        return {"xapi": {"course": course_iri(self.course, lang),
                         "interactions": {qid: definition_json(d)
                                          for qid, d in interaction_definitions(self.course).items()}}}

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
