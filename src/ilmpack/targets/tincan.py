"""TinCan: tincan.xml with one launchable course activity and the questions it reports on.

One package per language. The course activity's id is the one the runtime gets as `activity_id`
from an LMS that follows Rustici's launch; the question activities are described (name,
interaction type, right answers, choices) so an LMS or LRS can show readable reports.
"""

from __future__ import annotations

from lxml import etree

from ..xsd import NS_TINCAN
from .xapi import COURSE_TYPE, INTERACTION_TYPE, XapiTarget, course_iri, course_questions, langstrings, question_iri


def _t(tag: str) -> str:
    return f"{{{NS_TINCAN}}}{tag}"


class TinCanTarget(XapiTarget):
    """TinCan (Rustici launch): index.html launched with the LRS endpoint, auth and actor in its URL."""

    format = "tincan"
    runtime_adapter = "tincan"
    descriptor = "tincan.xml"
    label = "TinCan"

    def tree(self, sco) -> etree._Element:
        """tincan > activities > the course activity (launch) and one activity per question."""
        lang, c = sco.lang, self.course
        course_id = course_iri(c, lang)
        root = etree.Element(_t("tincan"), nsmap={None: NS_TINCAN})
        activities = etree.SubElement(root, _t("activities"))
        course = etree.SubElement(activities, _t("activity"), id=course_id, type=COURSE_TYPE)
        langstrings(course, "name", dict(c.title), lang, NS_TINCAN)
        langstrings(course, "description", dict(c.description or c.title), lang, NS_TINCAN)
        etree.SubElement(course, _t("launch"), lang=lang).text = self.launch
        definitions = self.interactions(lang)
        for qid, texts in course_questions(c).items():
            page = texts[lang][1] if lang in texts else next(iter(texts.values()))[1]
            self._question(activities, question_iri(course_id, qid, page.id if page.is_test else None),
                           definitions[qid], lang)
        return root

    @staticmethod
    def _question(parent, activity_id: str, d: dict, lang: str) -> None:
        """One question activity, from its xAPI definition (tincan.xsd spells the patterns singular)."""
        act = etree.SubElement(parent, _t("activity"), id=activity_id, type=INTERACTION_TYPE)
        langstrings(act, "name", d["name"], lang, NS_TINCAN)
        langstrings(act, "description", d["description"], lang, NS_TINCAN)
        etree.SubElement(act, _t("interactionType")).text = d["interactionType"]
        if d.get("correctResponsesPattern"):  # likert has none
            patterns = etree.SubElement(act, _t("correctResponsePatterns"))
            for pattern in d["correctResponsesPattern"]:
                etree.SubElement(patterns, _t("correctResponsePattern")).text = pattern
        for list_name in ("choices", "scale", "source", "target", "steps"):
            if d.get(list_name):
                components = etree.SubElement(act, _t(list_name))
                for comp in d[list_name]:
                    component = etree.SubElement(components, _t("component"))
                    etree.SubElement(component, _t("id")).text = comp["id"]
                    langstrings(component, "description", comp["description"], lang, NS_TINCAN)
