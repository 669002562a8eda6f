"""Check a package from any tool (a zip, or the folder it unzips to) before an LMS sees it.

The zip may be hostile. Nothing is extracted: the central directory is judged by its declared
sizes first, and only the descriptor at the root is ever decompressed, in memory and with a cap.
The descriptor says the standard: imsmanifest.xml (SCORM 1.2, checked here), cmi5.xml or
tincan.xml (checked by checks/cmi5.py and checks/tincan.py).
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from .errors import Problem, display_path
from .xsd import CONTROL_FILES, NS_ADLCP, NS_IMSCP, NS_IMSMD, scorm12_schema

log = logging.getLogger(__name__)

MiB = 1024 * 1024
# Limits for a course package, with room to spare: ilmpack's own packages have tens of files and
# a few MiB; a course with hours of video stays under 2 GiB, which is also where many LMS upload
# limits and 32-bit unzippers stop.
MAX_ENTRIES = 20_000
# zipfile holds the whole central directory and one object per entry in memory: 16 MiB is room
# for 20,000 entries with long names, yet not for millions of tiny ones.
MAX_CENTRAL_DIR = 16 * MiB
MAX_TOTAL = 2 * 1024 * MiB
# Text, HTML and SVG deflate to 3-20:1; zeros and bombs reach 1000:1. Small files may compress
# well without harm, so the ratio only counts above a size that can hurt.
MAX_RATIO = 200
RATIO_MIN_SIZE = 10 * MiB
MAX_MANIFEST = 16 * MiB  # a manifest with a big LOM record is well under 1 MiB

MANIFEST = "imsmanifest.xml"
# Descriptor at the package root -> the standard it names, for messages.
STANDARDS = {MANIFEST: "SCORM 1.2", "cmi5.xml": "cmi5", "tincan.xml": "TinCan"}
DAMAGED = "not a zip file, or it is damaged/truncated; build or download it again"
TOO_MANY = f"the zip lists more than {MAX_ENTRIES} entries; that looks like a zip bomb, not course content"
NAME_WARNING = "some LMSs cannot unzip names with spaces or non-ASCII characters: rename it"
NS_IMSCP_2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ADLCP_SCORMTYPE = f"{{{NS_ADLCP}}}scormtype"

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
CMI_DECIMAL = re.compile(r"\d{0,3}(\.\d*)?")
CMI_TIMESPAN = re.compile(r"\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?")
DRIVE = re.compile(r"[A-Za-z]:")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
XSD_POSITION = re.compile(r", line \d+, column \d+$")
# Read errors of one entry: damaged data, unsupported method, encryption, lying sizes.
READ_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError)


def check_package(path: str | os.PathLike) -> list[Problem]:
    """Every problem of the package at `path` (a zip or an unzipped folder); empty when fine.

    Never raises: whatever the file holds, the answer is a list of problems.
    """
    return inspect_package(path)[1]


def inspect_package(path: str | os.PathLike) -> tuple[str | None, list[Problem]]:
    """(the standard its descriptor names, e.g. 'cmi5', or None; every problem), as check_package."""
    path = Path(path)
    found: list[str] = []
    label = display_path(path)
    try:
        if path.is_dir():
            problems = _check_folder(path, label, found)
        elif path.exists():
            problems = _check_zip(path, label, found)
        else:
            problems = [Problem(label, message="no such file or folder; give the path of a .zip package or of the folder it unzips to")]
    except Exception as e:  # the admin must get an answer, not a traceback, whatever the file holds
        log.exception("checking %s failed", label)
        problems = [Problem(label, message=f"ilmpack could not finish checking it ({type(e).__name__}: {e}); "
                                           "please report this as an ilmpack bug")]
    return (STANDARDS[found[0]] if found else None), sorted(set(problems))


def _check_zip(path: Path, label: str, found: list[str]) -> list[Problem]:
    try:
        fp = open(path, "rb")
    except OSError as e:
        return [Problem(label, message=f"cannot read it: {e.strerror or e}")]
    try:
        with fp:
            problems, names, descriptor, data = _read_zip(fp, label)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError, struct.error, OSError):
        # Offsets and versions from a damaged directory fail in zipfile or in our own seeks alike.
        return [Problem(label, message=DAMAGED)]
    if descriptor:
        found.append(descriptor)
    if data is None:
        return problems
    return problems + _descriptor_problems(descriptor, data, f"{label}:{descriptor}", names)


def _read_zip(fp, label: str) -> tuple[list[Problem], list[str], str | None, bytes | None]:
    """Zip-level problems, the stored file names, the descriptor's name and its bytes when it can be read safely."""
    problem = _central_directory_problem(fp, label)
    if problem:
        return [problem], [], None, None
    with zipfile.ZipFile(fp) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:  # the end record may understate the count
            return [Problem(label, message=TOO_MANY)], [], None, None
        layout, local_flags = _local_headers(fp, infos, label)
        if layout:
            return [layout], [], None, None
        problems = _entry_problems(infos, local_flags, label)
        names = [i.filename for i in infos if i.filename and not i.filename.endswith("/")]
        descriptor, located = _locate_manifest(names, label)
        if not descriptor:
            return problems + located, names, None, None
        data, read_problem = _read_zipped_manifest(zf, descriptor, label)
        return problems + ([read_problem] if read_problem else []), names, descriptor, data


def _central_directory_problem(fp, label: str) -> Problem | None:
    """Judge the central directory's size from the end record, before zipfile loads it into memory."""
    fp.seek(0, os.SEEK_END)
    size = fp.tell()
    tail_start = max(0, size - 22 - 65535)  # the end record, then a comment of at most 64 KiB
    fp.seek(tail_start)
    tail = fp.read()
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        return Problem(label, message=DAMAGED)
    entries, cd_size = struct.unpack("<4s4H2LH", tail[pos:pos + 22])[4:6]
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        # Zip64: the true figures are in the zip64 end record that the locator before it points to.
        locator_at = tail_start + pos - 20
        if locator_at >= 0:
            fp.seek(locator_at)
            locator = fp.read(20)
            if locator[:4] == b"PK\x06\x07":
                fp.seek(struct.unpack("<4sLQL", locator)[2])
                record = fp.read(56)
                if len(record) == 56 and record[:4] == b"PK\x06\x06":
                    entries, cd_size = struct.unpack("<4sQ2H2L4Q", record)[7:9]
    if entries > MAX_ENTRIES or cd_size > MAX_CENTRAL_DIR:
        return Problem(label, message=TOO_MANY)
    return None


def _entry_problems(infos: list[zipfile.ZipInfo], local_flags: list[int], label: str) -> list[Problem]:
    """Zip-level problems from declared names, sizes and flags; no entry is decompressed."""
    problems = []
    counts = Counter(i.filename for i in infos)
    for info, local in zip(infos, local_flags):
        name = info.filename
        problems.extend(Problem(label, message=f"entry {m}", warning=w) for m, w in _name_problems(name))
        found = []
        if stat.S_ISLNK(info.external_attr >> 16):
            found.append("is a symbolic link; an LMS drops it or follows it outside the package: zip the file itself")
        # Streaming unzippers read the local header, the others the central directory: either may say it.
        if (info.flag_bits | local) & 0x1:
            found.append("is encrypted; an LMS cannot unzip it: zip the package without a password")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            found.append(f"uses compression method {info.compress_type}; use deflate (or store) so that every LMS can unzip it")
        if counts[name] > 1:
            found.append(f"appears {counts[name]} times; an unzipper keeps only one of them")
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            found.append(f"unzips from {info.compress_size} bytes to {info.file_size // MiB} MiB ({ratio}:1, over "
                         f"{MAX_RATIO}:1); that looks like a zip bomb, not course content")
        problems.extend(Problem(label, message=f"entry '{name}' {m}") for m in found)
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL:
        problems.append(Problem(label, message=f"the files unzip to {total // MiB} MiB, more than {MAX_TOTAL // MiB} MiB; "
                                               "an LMS would refuse it or fill its disk"))
    return problems


def _local_headers(fp, infos: list[zipfile.ZipInfo], label: str) -> tuple[Problem | None, list[int]]:
    """Each entry's local header flags, or the problem if the directory points at no header, past the end, or at shared data."""
    fp.seek(0, os.SEEK_END)
    size = fp.tell()
    spans, flags = [], []
    for info in infos:
        fp.seek(info.header_offset)
        header = fp.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            return Problem(label, message=f"{DAMAGED} (entry '{info.filename}' points to no data)"), []
        local_flags, = struct.unpack("<H", header[6:8])
        name_len, extra_len = struct.unpack("<2H", header[26:30])
        end = info.header_offset + 30 + name_len + extra_len + info.compress_size
        if end > size:
            return Problem(label, message=f"{DAMAGED} (entry '{info.filename}' runs past the end of the file)"), []
        spans.append((info.header_offset, end, info.filename))
        flags.append(local_flags)
    spans.sort()
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        if start < end:
            # Overlapping entries are how 'non-recursive' zip bombs multiply one compressed block.
            return Problem(label, message=f"entries '{first}' and '{second}' share their data; that is a zip bomb trick "
                                          "(or a damaged zip), not course content"), []
    return None, flags


def _name_problems(name: str) -> list[tuple[str, bool]]:
    """(message, warning) for a stored file name: traversal and separators, then portability."""
    if not name:
        return [("'' has no name; the zip is damaged or was made by a broken tool", False)]
    out = []
    plain = name.replace("\\", "/")
    if "\\" in name:
        out.append((f"'{name}' uses backslashes; zip paths use '/', and an LMS on Linux makes one odd file name of it", False))
    if plain.startswith("/") or DRIVE.match(plain):
        out.append((f"'{name}' is an absolute path; an unzipper could write outside the package folder", False))
    elif ".." in plain.split("/"):
        out.append((f"'{name}' climbs out of the package folder with '..'; an unzipper could write outside it", False))
    if not name.isascii() or " " in name:
        out.append((f"'{name}': {NAME_WARNING}", True))
    return out


def _locate_manifest(names: list[str], label: str) -> tuple[str | None, list[Problem]]:
    """Which descriptor is at the root with its exact name (imsmanifest.xml first)? If none, say where one is."""
    for descriptor in STANDARDS:
        if descriptor in names:
            return descriptor, []
    for descriptor in STANDARDS:
        root_variants = [n for n in names if n.lower() == descriptor]
        if root_variants:
            return None, [Problem(label, message=f"the {'manifest' if descriptor == MANIFEST else 'descriptor'} is named "
                                                 f"'{root_variants[0]}'; it must be '{descriptor}', in lower case")]
    nested = sorted((n for n in names if n.rsplit("/", 1)[-1] in STANDARDS and "/" in n), key=lambda n: (n.count("/"), n))
    if nested:
        folder, descriptor = nested[0].rsplit("/", 1)
        return None, [Problem(label, message=f"{descriptor} is in folder {folder}/; zip the folder's contents, not the folder")]
    return None, [Problem(label, message=f"no {MANIFEST} at the root; this is not a SCORM package "
                                         "(nor cmi5 or TinCan: no cmi5.xml or tincan.xml either)")]


def _read_zipped_manifest(zf: zipfile.ZipFile, descriptor: str, label: str) -> tuple[bytes | None, Problem | None]:
    """The descriptor's bytes, read in memory with a cap (None when an entry problem already says why not)."""
    info = zf.getinfo(descriptor)
    if info.flag_bits & 0x1:
        return None, None
    if info.file_size > MAX_MANIFEST:
        return None, Problem(label, message=f"{descriptor} is {info.file_size // MiB} MiB, more than {MAX_MANIFEST // MiB} MiB; "
                                            "it was not read")
    try:
        # zipfile stops at the declared size and then checks the CRC, so a header that lies about
        # the size gives an error here, never a flood of memory; the cap is a second fence.
        with zf.open(info) as f:
            return f.read(MAX_MANIFEST + 1)[:MAX_MANIFEST], None
    except READ_ERRORS as e:
        return None, Problem(label, message=f"{descriptor} cannot be unzipped ({e}); build or download the package again")


def _check_folder(folder: Path, label: str, found: list[str]) -> list[Problem]:
    names = []
    for dirpath, _dirs, files in os.walk(folder):  # links to folders are not followed: no loops
        rel = Path(dirpath).relative_to(folder)
        names += [(rel / f).as_posix() if rel.parts else f for f in files]
    problems = [Problem(label, message=f"file {m}", warning=w) for n in names for m, w in _name_problems(n)]
    descriptor, located = _locate_manifest(names, label)
    if not descriptor:
        return problems + located
    found.append(descriptor)
    manifest = folder / descriptor
    where = display_path(manifest)
    if not manifest.is_file():  # a link to /dev/zero, say
        return problems + [Problem(where, message="is not a regular file; it was not read")]
    with open(manifest, "rb") as f:
        data = f.read(MAX_MANIFEST + 1)
    if len(data) > MAX_MANIFEST:
        return problems + [Problem(where, message=f"is more than {MAX_MANIFEST // MiB} MiB; it was not read")]
    return problems + _descriptor_problems(descriptor, data, where, names)


def _descriptor_problems(descriptor: str, data: bytes, where: str, names: list[str]) -> list[Problem]:
    """The checker of the descriptor's standard."""
    if descriptor == MANIFEST:
        return _manifest_problems(data, where, names)
    from .checks import get_checker

    return get_checker(descriptor)(data, where, names)


def _manifest_problems(data: bytes, where: str, names: list[str]) -> list[Problem]:
    """Well-formedness, version, XSD, the rules beyond XSD, and the files the manifest names."""
    root, problems = parse_xml(data, where)
    if root is None:
        return problems
    version_problem = _version_problem(root, where)
    if version_problem:
        return [version_problem]
    return _schema_problems(root, where) + _ManifestRules(root, where, names).problems() + doctype_problems(root, where, "a SCORM manifest")


def parse_xml(data: bytes, where: str):
    """(root element, []) or (None, [the well-formedness problem]); never resolves entities or the network."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        line, column = e.position if e.position else (e.lineno or 0, 0)
        return None, [Problem(where, line or 0, column or 0, "", f"not well-formed XML: {XSD_POSITION.sub('', e.msg or str(e))}")]
    if root is None:
        return None, [Problem(where, message="not well-formed XML: no root element")]
    return root, []


def doctype_problems(root, where: str, what: str) -> list[Problem]:
    """A DOCTYPE is not expanded here (resolve_entities=False), but an LMS's parser may be less careful."""
    if not root.getroottree().docinfo.doctype:
        return []
    return [Problem(where, message=f"has a DOCTYPE; {what} needs none, and an LMS's XML parser "
                                   "may expand its entities (a 'billion laughs' attack): remove it")]


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


def missing_file(path: str, names: set[str], by_lower: dict[str, str]) -> str:
    """'' when the relative `path` (no query or fragment) names a stored file, exact case; else what is wrong.

    `by_lower` maps lower-cased names to the stored ones, for the "did you mean" hint.
    """
    parts: list[str] = []
    for part in unquote(path).split("/"):
        if part == "..":
            if not parts:
                return " points outside the package"
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    joined = "/".join(parts)
    if joined in names or path in names:
        return ""
    real = by_lower.get(joined.lower())
    if real:
        return f": no such file; did you mean '{real}'? (names are case-sensitive on the LMS)"
    return ": no such file in the package"


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


def package_summary(path: str | os.PathLike) -> dict:
    """What an admin checks before uploading: title, standard, languages, size and mastery score.

    Read from the descriptor, for a package in which `check_package` found no errors (so the zip
    is sound and its descriptor is small and well-formed). `languages` is what the descriptor
    states (SCORM 1.2: LOM `language`, `xml:lang`, often nothing; cmi5 and TinCan: the languages
    of the titles); `bytes` is None for a folder.
    """
    path = Path(path)
    if path.is_dir():
        sizes = [os.path.getsize(os.path.join(d, f)) for d, _dirs, files in os.walk(path) for f in files]
        descriptor = next(d for d in STANDARDS if (path / d).is_file())
        data = (path / descriptor).read_bytes()[:MAX_MANIFEST]
        packed = None
    else:
        with zipfile.ZipFile(path) as zf:
            sizes = [i.file_size for i in zf.infolist() if not i.is_dir()]
            descriptor = next(d for d in STANDARDS if d in zf.namelist())
            data = _read_zipped_manifest(zf, descriptor, "")[0] or b""
        packed = path.stat().st_size
    root = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False))
    size = {"standard": STANDARDS[descriptor], "files": len(sizes), "bytes": packed, "unzipped_bytes": sum(sizes)}
    if descriptor != MANIFEST:
        from .checks import get_summary

        return {**get_summary(descriptor)(root), **size}
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
        **size,
        # One number for a package with one SCO (or SCOs that agree), a list when they differ.
        "mastery_score": (scores[0] if len(scores) == 1 else scores) if scores else None,
    }
