"""SCORM 1.2: imsmanifest.xml as an lxml tree, validated, plus the control XSDs at the root."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ..blocks import get_block
from ..errors import BuildError, Problem
from ..render import RenderedSco
from ..xsd import NS_ADLCP, NS_IMSCP, control_files, schema_errors
from .base import Target

NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {None: NS_IMSCP, "adlcp": NS_ADLCP, "xsi": NS_XSI}
SCHEMA_LOCATION = (f"{NS_IMSCP} imscp_rootv1p1p2.xsd "
                   f"{NS_ADLCP} adlcp_rootv1p2.xsd")


def _cp(tag: str) -> str:
    return f"{{{NS_IMSCP}}}{tag}"


def _adlcp(tag: str) -> str:
    return f"{{{NS_ADLCP}}}{tag}"


class Scorm12Target(Target):
    """One SCO per language: index.html holds the SCORM session for the whole course."""

    format = "scorm12"
    runtime_adapter = "scorm12"
    launch = "index.html"

    @classmethod
    def course_problems(cls, course, loaded) -> list[Problem]:
        """SCORM 1.2 keeps the learner's state in 4096 characters: warn before learners lose answers."""
        out = []
        for lang in course.languages:
            essential, worst = suspend_data_size(course, lang)
            if essential > SUSPEND_LIMIT:
                out.append(loaded.smap.problem(("modules",), f"{lang}: the course has too many pages for SCORM 1.2 to remember "
                                               f"which were seen ({essential} of {SUSPEND_LIMIT} characters); split it into several courses"))
            elif worst > SUSPEND_LIMIT:
                out.append(loaded.smap.problem(("modules",), f"{lang}: a learner's answers may need {worst} characters, over "
                                               f"SCORM 1.2's {SUSPEND_LIMIT}; on resume some knowledge-check answers will be "
                                               "forgotten (progress and score are always kept). Use fewer knowledge checks, "
                                               "or split the course", warning=True))
        return out

    def identifiers(self, lang: str) -> dict[str, str]:
        """Stable ids from the course id and language: a re-upload updates the same course."""
        base = f"{self.course.id}-{lang}"
        return {"manifest": f"MANIFEST-{base}", "org": f"ORG-{base}", "item": f"ITEM-{base}", "resource": f"RES-{base}"}

    def manifest(self, sco: RenderedSco, content_files: list[str]) -> etree._Element:
        """The manifest tree for one language's package."""
        ids = self.identifiers(sco.lang)
        title = self.course.title[sco.lang]
        root = etree.Element(_cp("manifest"), nsmap=NSMAP, identifier=ids["manifest"], version=self.course.version[:20])
        root.set(f"{{{NS_XSI}}}schemaLocation", SCHEMA_LOCATION)
        metadata = etree.SubElement(root, _cp("metadata"))
        etree.SubElement(metadata, _cp("schema")).text = "ADL SCORM"
        etree.SubElement(metadata, _cp("schemaversion")).text = "1.2"
        orgs = etree.SubElement(root, _cp("organizations"), default=ids["org"])
        org = etree.SubElement(orgs, _cp("organization"), identifier=ids["org"], structure="hierarchical")
        etree.SubElement(org, _cp("title")).text = title[:200]
        item = etree.SubElement(org, _cp("item"), identifier=ids["item"], identifierref=ids["resource"], isvisible="true")
        etree.SubElement(item, _cp("title")).text = title[:200]
        # Only a course judged by a test gets a mastery score: with one, Moodle and other LMSs
        # rewrite the status to passed/failed by score at LMSFinish.
        if self.course.completion.test == "passed":
            etree.SubElement(item, _adlcp("masteryscore")).text = str(self.course.mastery_score)
        resources = etree.SubElement(root, _cp("resources"))
        res = etree.SubElement(resources, _cp("resource"), identifier=ids["resource"], type="webcontent", href=self.launch)
        res.set(_adlcp("scormtype"), "sco")
        for path in sorted(content_files):
            etree.SubElement(res, _cp("file"), href=path)
        return root

    def package_files(self, sco: RenderedSco) -> tuple[dict[str, bytes], dict[str, Path]]:
        """Manifest, control XSDs, launch page, runtime and media."""
        content = sorted(set(sco.files) | set(sco.media))
        tree = self.manifest(sco, content)
        errors = schema_errors(tree)
        if errors:  # a bug in ilmpack, not in the course: say so plainly
            raise BuildError("internal error: the generated imsmanifest.xml does not validate: " + "; ".join(errors))
        files = {"imsmanifest.xml": etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)}
        files.update(sco.files)
        disk = dict(sco.media)
        disk.update(control_files())
        return files, disk


SUSPEND_LIMIT = 4096  # CMIString4096 in SCORM 1.2


def suspend_data_size(course, lang: str, *, raw: int = 100, correct: int | None = None,
                      attempts: int = 999) -> tuple[int, int]:
    """(essential, worst case) length of the runtime's suspend_data for one language.

    Mirrors the runtime (docs/CONTRACT.md, "State text"): core.js writes
    "2|<fingerprint, 7>|<viewed>|<question slice>" and blocks/question.js's slice is
    "<raw:correct:attempts:answers>;<checks>;<draft>". Essential is what the runtime never drops
    (viewed pages, score); worst case adds every answer at its longest, with a retake's draft
    next to the submitted answers. The test's numbers default to their widest (100 %, every
    question right, 999 attempts, where the runtime caps them); give them to get an exact length.
    """
    pages = course.pages_in(lang)
    questions = [(b.data, p.is_test) for p in pages for b in p.blocks if b.kind == "question"]
    scored = sum(1 for _, s in questions if s)

    def answers(want_scored: bool) -> int:
        widths = [len(q.get("options", [])) if q["kind"] == "multiple" else 1 for q, s in questions if s == want_scored]
        return sum(widths) + max(0, len(widths) - 1)

    essential = len("2|") + 7 + len("|") + -(-len(pages) // 4)
    # Other kinds' slices ("|" and the text each), by their own reckoning.
    extra_essential = extra_worst = 0
    for kind in sorted({b.kind for p in pages for b in p.blocks} - {"question"}):
        size = get_block(kind).state_size([b.data for p in pages for b in p.blocks if b.kind == kind])
        if size is not None:
            extra_essential += 1 + size[0]
            extra_worst += 1 + size[1]
    essential += extra_essential
    if questions:
        right = scored if correct is None else correct
        test = len(f"{raw}:{right}:{min(attempts, 999)}:") if scored else 0
        essential += len("|") + test + len(";;")
        return essential, essential + 2 * answers(True) + answers(False) + extra_worst - extra_essential
    return essential, essential + extra_worst - extra_essential
