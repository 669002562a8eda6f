"""cmi5: cmi5.xml (one course, one AU) as an lxml tree, validated against CourseStructure.xsd.

One package per language, as for SCORM 1.2: each language is a course of its own in the LMS with
one AU. One package holding an AU per language would not do: cmi5 satisfies a course only when
every AU's moveOn is met, so a learner would have to take the course in every language. The
titles and descriptions carry every language of the course (the package's own first), so an LMS
that shows them in the learner's language can.
"""

from __future__ import annotations

from lxml import etree

from ..xsd import NS_CMI5
from .xapi import XapiTarget, course_iri, langstrings


def _c(tag: str) -> str:
    return f"{{{NS_CMI5}}}{tag}"


class Cmi5Target(XapiTarget):
    """cmi5 (Quartz): index.html is the AU; it talks to the LMS's LRS by the launch URL."""

    format = "cmi5"
    runtime_adapter = "cmi5"
    descriptor = "cmi5.xml"
    label = "cmi5"

    def identifiers(self, lang: str) -> dict[str, str]:
        """Course and AU ids: absolute IRIs, stable across builds, distinct per language."""
        course = course_iri(self.course, lang)
        return {"course": course, "au": f"{course}/au"}

    def move_on(self) -> str:
        """Passed when a test decides, Completed otherwise: never NotApplicable (satisfied unlaunched)."""
        return "Passed" if self.course.completion.test == "passed" else "Completed"

    def tree(self, sco) -> etree._Element:
        """courseStructure > course, au (title, description, url)."""
        lang, c = sco.lang, self.course
        ids = self.identifiers(lang)
        root = etree.Element(_c("courseStructure"), nsmap={None: NS_CMI5})
        course = etree.SubElement(root, _c("course"), id=ids["course"])
        au = etree.Element(_c("au"), id=ids["au"], moveOn=self.move_on(), launchMethod="AnyWindow")
        if c.completion.test == "passed" and c.mastery_score is not None:
            au.set("masteryScore", f"{c.mastery_score / 100:.4f}".rstrip("0").rstrip("."))  # 0-1, 4 decimals
        for element in (course, au):
            for tag, texts in (("title", c.title), ("description", c.description or c.title)):
                langstrings(etree.SubElement(element, _c(tag)), "langstring", dict(texts), lang, NS_CMI5)
        etree.SubElement(au, _c("url")).text = self.launch
        root.append(au)
        return root
