"""SCORM 1.2: the checks of imsmanifest.xml (check.py reads the zip, then calls `check`).

Well-formedness, the version (a SCORM 2004 manifest stops here), the XSD, the rules no XSD says,
and the files the manifest names; `summary` gives `check`'s answer for the admin.
"""

from __future__ import annotations

import posixpath
import re

from lxml import etree

from ..check import DRIVE, SCHEME, doctype_problems, missing_file, parse_xml
from ..errors import Problem
from ..xsd import CONTROL_FILES, NS_ADLCP, NS_IMSCP, NS_IMSMD, scorm12_schema

NS_IMSCP_2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ADLCP_SCORMTYPE = f"{{{NS_ADLCP}}}scormtype"

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
CMI_DECIMAL = re.compile(r"\d{0,3}(\.\d*)?")
CMI_TIMESPAN = re.compile(r"\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?")


def check(data: bytes, where: str, names: list[str]) -> list[Problem]:
    """Well-formedness, version, XSD, the rules beyond XSD, and the files the manifest names."""
    root, problems = parse_xml(data, where)
    if root is None:
        return problems
    version_problem = _version_problem(root, where)
    if version_problem:
        return [version_problem]
    return _schema_problems(root, where) + _ManifestRules(root, where, names).problems() + doctype_problems(root, where, "a SCORM manifest")


def _version_problem(root, where: str) -> Problem | None:
    """A SCORM 2004 or non-SCORM document stops the check: every rule after this would be noise."""
    qname = etree.QName(root)
    version = (root.findtext(f"{{{NS_IMSCP}}}metadata/{{{NS_IMSCP}}}schemaversion")
               or root.findtext(f"{{{NS_IMSCP_2004}}}metadata/{{{NS_IMSCP_2004}}}schemaversion") or "").strip()
    evidence = None
    if qname.namespace == NS_IMSCP_2004:
        evidence = f"namespace {NS_IMSCP_2004}"
    elif "2004" in version or "CAM 1.3" in version:
        evidence = f"schemaversion '{version}'"
    if evidence:
        return Problem(where, root.sourceline or 0, 0, "", f"this is a SCORM 2004 manifest ({evidence}), not SCORM 1.2; "
                                                           "upload it as SCORM 2004, or export it again as SCORM 1.2")
    if qname.namespace != NS_IMSCP or qname.localname != "manifest":
        return Problem(where, root.sourceline or 0, 0, "", f"the root element is '{qname.localname}' in namespace "
                                                           f"'{qname.namespace or ''}'; a SCORM 1.2 manifest is 'manifest' in {NS_IMSCP}")
    return None


def _schema_problems(root, where: str) -> list[Problem]:
    """XSD errors with their lines, namespaces shortened to the prefixes authors write."""
    schema = scorm12_schema()
    try:
        if schema.validate(root):
            return []
    except etree.XMLSchemaValidateError as e:  # e.g. entity references left unexpanded on purpose
        return [Problem(where, message=f"schema: the manifest cannot be validated ({e})")]
    out = []
    for error in schema.error_log:
        if "atomic type 'xs:ID'" in error.message:
            continue  # _ManifestRules says the same about identifiers, in plain words
        message = (error.message.replace(f"{{{NS_IMSCP}}}", "").replace(f"{{{NS_ADLCP}}}", "adlcp:")
                   .replace(f"{{{NS_IMSMD}}}", "imsmd:"))
        out.append(Problem(where, error.line or 0, 0, "", f"schema: {message}"))
    return out


def _cp(tag: str) -> str:
    return f"{{{NS_IMSCP}}}{tag}"


def _adlcp(tag: str) -> str:
    return f"{{{NS_ADLCP}}}{tag}"


class _ManifestRules:
    """The SCORM 1.2 rules no XSD says (libxml2 checks no IDREF, and the rest are plain strings)."""

    def __init__(self, root, where: str, names: list[str]):
        self.root = root
        self.where = where
        self.names = set(names)
        self.by_lower = {n.lower(): n for n in sorted(names, reverse=True)}
        self.out: list[Problem] = []

    def problems(self) -> list[Problem]:
        """All rule problems of the manifest."""
        self.metadata()
        self.identifiers()
        self.organizations()
        self.items_and_resources()
        self.hrefs()
        self.control_files()
        return self.out

    def add(self, el, key: str, message: str, warning: bool = False) -> None:
        """A problem on the line of element `el`."""
        self.out.append(Problem(self.where, el.sourceline or 0, 0, key, message, warning=warning))

    def metadata(self) -> None:
        meta = self.root.find(_cp("metadata"))
        for tag, want in (("schema", "ADL SCORM"), ("schemaversion", "1.2")):
            el = meta.find(_cp(tag)) if meta is not None else None
            if el is None:
                self.add(meta if meta is not None else self.root, f"metadata/{tag}",
                         f"is missing; add <{tag}>{want}</{tag}> so that LMSs know the SCORM version")
            elif (el.text or "").strip() != want:
                self.add(el, f"metadata/{tag}", f"is '{(el.text or '').strip()}'; it must be '{want}'")

    def identifiers(self) -> None:
        seen: dict[str, int] = {}
        for el in self.root.iter(_cp("manifest"), _cp("organization"), _cp("item"), _cp("resource")):
            ident = el.get("identifier")
            if ident is None:
                continue  # the XSD reports a missing required identifier
            if not IDENTIFIER.fullmatch(ident):
                self.add(el, "@identifier", f"'{ident}' is not a usable identifier: start with a letter or '_', "
                                            "then only ASCII letters, digits, '.', '-' and '_'")
            if ident in seen:
                self.add(el, "@identifier", f"'{ident}' is already used on line {seen[ident]}; "
                                            "identifiers must be unique in the whole manifest")
            else:
                seen[ident] = el.sourceline or 0

    def organizations(self) -> None:
        orgs = self.root.find(_cp("organizations"))
        if orgs is None:
            return  # the XSD reports it
        ids = [o.get("identifier") for o in orgs.findall(_cp("organization"))]
        if not ids:
            self.add(orgs, "organizations", "has no organization; an LMS has nothing to launch")
        default = orgs.get("default")
        if default is not None and default not in ids:
            have = f"the organizations are {', '.join(map(str, ids))}" if ids else "there are none"
            self.add(orgs, "organizations/@default", f"'{default}' names no organization; {have}")

    def items_and_resources(self) -> None:
        resources = {r.get("identifier"): r for r in self.root.iter(_cp("resource"))}
        # An item may also point at a sub-manifest (IMS CP); rare, but not wrong.
        targets = set(resources) | {m.get("identifier") for m in self.root.iter(_cp("manifest")) if m is not self.root}
        launched: dict[str, str] = {}
        for item in self.root.iter(_cp("item")):
            ref = item.get("identifierref")
            if ref is None:
                if item.find(_cp("item")) is None:
                    self.add(item, "item", f"'{item.get('identifier')}' has no identifierref; an item without "
                                           "child items must launch a resource")
            elif ref not in targets:
                self.add(item, "item/@identifierref", f"'{ref}' names no resource")
            else:
                launched.setdefault(ref, item.get("identifier"))
        for dep in self.root.iter(_cp("dependency")):
            ref = dep.get("identifierref")
            if ref is not None and ref not in resources:
                self.add(dep, "dependency/@identifierref", f"'{ref}' names no resource")
        for ident, res in resources.items():
            if res.get(ADLCP_SCORMTYPE) is None:
                self.add(res, "resource/@adlcp:scormtype", f"resource '{ident}' has none; LMSs treat it as an asset: "
                                                           "no tracking. Add adlcp:scormtype=\"sco\" (or \"asset\")")
            if ident in launched and not res.get("href"):
                self.add(res, "resource/@href", f"resource '{ident}' is launched by item '{launched[ident]}' but has no href")
        for el in self.root.iter(_adlcp("masteryscore")):
            text = (el.text or "").strip()
            if not (CMI_DECIMAL.fullmatch(text) and text not in ("", ".") and float(text) <= 100):
                self.add(el, "adlcp:masteryscore", f"'{text}' is not a number from 0 to 100")
        for el in self.root.iter(_adlcp("maxtimeallowed")):
            text = (el.text or "").strip()
            if not CMI_TIMESPAN.fullmatch(text):
                self.add(el, "adlcp:maxtimeallowed", f"'{text}' is not a CMITimespan HHHH:MM:SS.SS, such as 0001:30:00")

    def hrefs(self) -> None:
        for res in self.root.iter(_cp("resource")):
            parent = res.getparent()
            # xml:base is joined the way LMSs do it (Moodle concatenates): resources + resource + href.
            base = (parent.get(XML_BASE, "") if parent is not None else "") + res.get(XML_BASE, "")
            if res.get("href"):
                self.href(res, "resource/@href", res.get("href"), base)
            for f in res.findall(_cp("file")):
                if f.get("href") is not None:
                    self.href(f, "file/@href", f.get("href"), base)

    def href(self, el, key: str, href: str, base: str) -> None:
        """One href: a relative path that stays in the package and names a stored file, exact case."""
        full = base + href.split("#")[0].split("?")[0]
        shown = f"'{href}'" + (f" (with xml:base: '{full}')" if base else "")
        if "\\" in full:
            return self.add(el, key, f"{shown} uses backslashes; use '/'")
        if full.startswith("/") or DRIVE.match(full) and full[2:3] in ("/", ""):
            return self.add(el, key, f"{shown} is an absolute path; make it relative to the package root")
        if SCHEME.match(full):
            return None  # a web address: the LMS launches it as it is, nothing to find in the package
        missing = missing_file(full, self.names, self.by_lower)
        return self.add(el, key, f"{shown}{missing}") if missing else None

    def control_files(self) -> None:
        """The four XSDs at the root, or where xsi:schemaLocation puts them; most LMSs never read them."""
        words = (self.root.get(f"{{{NS_XSI}}}schemaLocation") or "").split()
        location = dict(zip(words[::2], words[1::2]))
        wanted = [location.get(ns, name) for ns, name in zip((NS_IMSCP, NS_ADLCP, NS_IMSMD), CONTROL_FILES)]
        # ims_xml.xsd is imported by imscp_rootv1p1p2.xsd from its own folder.
        wanted.append(posixpath.join(posixpath.dirname(wanted[0]), CONTROL_FILES[3]))
        wanted = [posixpath.normpath(w) for w in wanted if not SCHEME.match(w)]  # a web address is not ours to check
        missing = [w for w in wanted if w not in self.names]
        if missing:
            self.add(self.root, "", f"schema files missing: {', '.join(missing)}; most LMSs do not need them, "
                                    "but validating ones (such as SCORM Cloud) reject the package", warning=True)


def summary(root) -> dict:
    """Title, languages and mastery score as the manifest states them (languages: LOM `language`
    and `xml:lang`, often nothing in packages from other tools)."""
    orgs = root.find(_cp("organizations"))
    org = None
    if orgs is not None:
        found = orgs.findall(_cp("organization"))
        org = next((o for o in found if o.get("identifier") == orgs.get("default")), found[0] if found else None)
    title = (org.findtext(_cp("title")) or "").strip() if org is not None else ""
    languages = {(el.text or "").strip() for el in root.iter(f"{{{NS_IMSMD}}}language")}
    languages |= {el.get(XML_LANG) for el in root.iter() if el.get(XML_LANG)}
    scores = []
    for el in root.iter(_adlcp("masteryscore")):
        value = float((el.text or "").strip())
        if value not in scores:
            scores.append(value)
    scores = [int(s) if s.is_integer() else s for s in scores]
    return {
        "title": title or None,
        "languages": sorted(lang for lang in languages if lang and lang != "x-none"),
        # One number for a package with one SCO (or SCOs that agree), a list when they differ.
        "mastery_score": (scores[0] if len(scores) == 1 else scores) if scores else None,
    }
