"""Check a package from any tool (a zip, or the folder it unzips to) before an LMS sees it.

The zip may be hostile. Nothing is extracted: the central directory is judged by its declared
sizes first, and only the descriptor at the root is ever decompressed, in memory and with a cap.
The descriptor says the standard: imsmanifest.xml (SCORM 1.2), cmi5.xml or tincan.xml, each
checked by its module in checks/ (scorm12.py, cmi5.py, tincan.py).
"""

from __future__ import annotations

import logging
import os
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
    from .checks import get_checker

    return get_checker(descriptor)(data, where, names)


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
    from .checks import get_summary

    return {**get_summary(descriptor)(root), **size}
