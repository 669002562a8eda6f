"""SCORM 1.2: imsmanifest.xml as an lxml tree, validated, plus the control XSDs at the root."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from lxml import etree

from ..blocks import get_block
from ..blocks.base import StateShare
from ..errors import BuildError, Problem
from ..xsd import NS_ADLCP, NS_IMSCP, NS_IMSMD, control_files, schema_errors
from .base import Target

if TYPE_CHECKING:
    from ..render import RenderedSco

NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {None: NS_IMSCP, "adlcp": NS_ADLCP, "imsmd": NS_IMSMD, "xsi": NS_XSI}
SCHEMA_LOCATION = (f"{NS_IMSCP} imscp_rootv1p1p2.xsd "
                   f"{NS_ADLCP} adlcp_rootv1p2.xsd "
                   f"{NS_IMSMD} imsmd_rootv1p2p1.xsd")


def _cp(tag: str) -> str:
    return f"{{{NS_IMSCP}}}{tag}"


def _adlcp(tag: str) -> str:
    return f"{{{NS_ADLCP}}}{tag}"


def _md(tag: str) -> str:
    return f"{{{NS_IMSMD}}}{tag}"


class Scorm12Target(Target):
    """One SCO per language: index.html holds the SCORM session for the whole course."""

    format = "scorm12"
    runtime_adapter = "scorm12"
    launch = "index.html"

    @classmethod
    def course_problems(cls, course, loaded) -> list[Problem]:
        """SCORM 1.2 keeps the learner's state in 4096 characters: refuse a course whose state may not fit."""
        out = []
        for lang in course.languages:
            shares = state_shares(course, lang)
            essential, worst = suspend_data_size(course, lang, shares)
            if essential > SUSPEND_LIMIT:
                out.append(loaded.smap.problem(("modules",), f"{lang}: the course has too many pages for SCORM 1.2 to remember "
                                               f"which were seen ({essential} of {SUSPEND_LIMIT} characters); split it into several courses"))
            elif worst > SUSPEND_LIMIT:
                out.append(_largest_share_problem(course, loaded, lang, shares, worst))
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
        metadata.append(self.lom(sco.lang))
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

    def lom(self, lang: str) -> etree._Element:
        """Title, language and description as LOM: LMS catalogues and `ilmpack check` read them there."""
        lom = etree.Element(_md("lom"))
        general = etree.SubElement(lom, _md("general"))
        # course.schema.json keeps titles (200) and descriptions (1000) within LOM's limits.
        for tag, text in (("title", self.course.title[lang]), ("language", lang),
                          ("description", self.course.description.get(lang, ""))):
            if not text:
                continue
            el = etree.SubElement(general, _md(tag))
            if tag == "language":
                el.text = text
            else:
                langstring = etree.SubElement(el, _md("langstring"))
                langstring.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
                langstring.text = text
        return lom

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


def state_shares(course, lang: str, exact: Mapping | None = None) -> dict[str, StateShare]:
    """Each block kind's slice of the saved state at its longest, for one language.

    `exact` gives numbers a kind saves (the test's raw, correct and attempts) to get an exact
    length instead of the widest."""
    blocks: dict[str, list] = {}
    for page in course.pages_in(lang):
        for block in page.blocks:
            blocks.setdefault(block.kind, []).append((block.data, page.is_test))
    policy = {k: v for k, v in course.test_policy.as_config().items() if v is not None}
    shares = {}
    for kind, found in sorted(blocks.items()):
        share = get_block(kind).state_size(found, policy, exact or {})
        if share is not None:
            shares[kind] = share
    return shares


def suspend_data_size(course, lang: str, shares: dict[str, StateShare] | None = None, **exact) -> tuple[int, int]:
    """(essential, worst case) length of the runtime's suspend_data for one language.

    Mirrors the runtime (docs/CONTRACT.md, "State slices"): core.js writes
    "2|<fingerprint, 7>|<viewed>" and then "|<slice>" per block kind that saves state, each sized
    by its kind's `state_size`. Essential is what the runtime never drops (viewed pages, score);
    worst case adds every answer at its longest. `exact` (raw=, correct=, attempts=) gives the
    test's numbers for an exact length; by default they are the widest.
    """
    shares = state_shares(course, lang, exact) if shares is None else shares
    pages = course.pages_in(lang)
    essential = len("2|") + 7 + len("|") + -(-len(pages) // 4) + sum(1 + s.essential for s in shares.values())
    return essential, essential + sum(sum(s.blocks.values()) for s in shares.values())


def _largest_share_problem(course, loaded, lang: str, shares: dict[str, StateShare], worst: int) -> Problem:
    """The over-limit error, located at the block whose saved state may take the most."""
    kind, block_id, size = max(((k, b, n) for k, s in shares.items() for b, n in s.blocks.items()), key=lambda t: t[2])
    for page in course.pages_in(lang):
        for raw in loaded.pages[(lang, page.entry)].blocks:
            if raw.kind == kind and raw.data.get("id") == block_id:
                path, advice = get_block(kind).state_advice(raw.data)
                return raw.smap.problem(path, f"{lang}: a learner's saved answers may need {worst} characters, over SCORM 1.2's "
                                        f"{SUSPEND_LIMIT} (the LMS would refuse them and answers would be lost on resume); "
                                        f"this ```{kind} block takes the most ({size}): {advice}, or split the course")
    raise AssertionError(f"block {block_id} not found")  # shares are made from the same pages
