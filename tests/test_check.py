"""Checking SCORM 1.2 packages from any tool: zip safety, manifest rules, the files it names."""

from __future__ import annotations

import shutil
import struct
import warnings
import zipfile
from pathlib import Path

import pytest

from ilmpack.build import build_course
from ilmpack.check import MAX_MANIFEST, check_package
from ilmpack.xsd import control_files

from coursekit import SAMPLE

DAMAGED = "not a zip file, or it is damaged/truncated; build or download it again"
CONTROL = {name: path.read_bytes() for name, path in control_files().items()}
M = "pkg.zip:imsmanifest.xml"

# A small hand-written package in the shape other tools make; line numbers below refer to it.
MANIFEST = """\
<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2" identifier="MAN-1">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1">
      <title>Kurs</title>
      <item identifier="ITEM-1" identifierref="RES-1">
        <title>Side</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-1" type="webcontent" adlcp:scormtype="sco" href="index.html?side=1#topp">
      <file href="index.html"/>
      <file href="media/Bilde.png"/>
    </resource>
  </resources>
</manifest>
"""


def package_files(manifest: str = MANIFEST) -> dict:
    return {"imsmanifest.xml": manifest, "index.html": "<p>Hei</p>", "media/Bilde.png": b"\x89PNG", **CONTROL}


def write_zip(path: Path, files: dict) -> Path:
    """A deflated zip; keys are names or ZipInfo objects (for links and odd attributes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names some tests want
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                zf.writestr(name, data)
    return path


def patch_entry(path: Path, name: str, **fields: int) -> None:
    """Make the central directory lie about one entry: flags, sizes or where its data starts."""
    layout = {"flags": (8, "<H"), "compress_size": (20, "<L"), "file_size": (24, "<L"), "offset": (42, "<L")}
    data = bytearray(path.read_bytes())
    pos = data.find(b"PK\x01\x02")
    while data[pos + 46:pos + 46 + struct.unpack_from("<H", data, pos + 28)[0]].decode() != name:
        pos = data.find(b"PK\x01\x02", pos + 46)
    for field, value in fields.items():
        offset, fmt = layout[field]
        struct.pack_into(fmt, data, pos + offset, value)
    if "flags" in fields:  # the local header carries the flags too
        struct.pack_into("<H", data, struct.unpack_from("<L", data, pos + 42)[0] + 6, fields["flags"])
    path.write_bytes(bytes(data))


def offset_of(path: Path, name: str) -> int:
    with zipfile.ZipFile(path) as zf:
        return zf.getinfo(name).header_offset


@pytest.fixture(autouse=True)
def here(tmp_path, monkeypatch):
    """Work in tmp_path, so that problems name 'pkg.zip'."""
    monkeypatch.chdir(tmp_path)


def check(files: dict, name: str = "pkg.zip") -> list[str]:
    return [str(p) for p in check_package(write_zip(Path(name), files))]


def check_manifest(manifest: str, **extra) -> list[str]:
    return check({**package_files(manifest), **extra})


# --- packages that pass ---------------------------------------------------------------------

def test_a_package_built_by_ilmpack_passes(tmp_path):
    built = build_course(SAMPLE, tmp_path / "build").packages
    assert [p.lang for p in built] == ["nb", "nn", "en"]
    for pkg in built:
        assert check_package(pkg.path) == []
    with zipfile.ZipFile(built[0].path) as zf:
        zf.extractall(tmp_path / "unzipped")
    assert check_package(tmp_path / "unzipped") == []


def test_a_hand_written_package_passes_with_query_and_fragment_in_the_launch_href():
    assert check(package_files()) == []


def test_xml_base_is_applied_to_hrefs():
    manifest = MANIFEST.replace("<resources>", '<resources xml:base="content/">').replace(
        'href="index.html?', 'xml:base="sco/" href="index.html?').replace('href="media/Bilde.png"', 'href="../media/Bilde.png"')
    files = {**CONTROL, "imsmanifest.xml": manifest, "content/sco/index.html": "<p>Hei</p>", "content/media/Bilde.png": b"png"}
    assert check(files) == []
    del files["content/media/Bilde.png"]
    assert check(files) == [f"{M}:19: file/@href: '../media/Bilde.png' (with xml:base: 'content/sco/../media/Bilde.png'): "
                            "no such file in the package"]


# --- the zip itself -------------------------------------------------------------------------

def test_not_a_zip():
    Path("pkg.zip").write_text("<html>404 Not Found</html>")
    assert [str(p) for p in check_package("pkg.zip")] == [f"pkg.zip: {DAMAGED}"]


def test_truncated_zip():
    data = write_zip(Path("full.zip"), package_files()).read_bytes()
    Path("pkg.zip").write_bytes(data[: len(data) // 2])
    assert [str(p) for p in check_package("pkg.zip")] == [f"pkg.zip: {DAMAGED}"]


def test_no_such_file():
    assert [str(p) for p in check_package("gone.zip")] == ["gone.zip: no such file or folder; give the path of a .zip package or of the folder it unzips to"]


def test_central_directory_pointing_past_the_data():
    path = write_zip(Path("pkg.zip"), package_files())
    patch_entry(path, "index.html", offset=path.stat().st_size - 10)
    assert [str(p) for p in check_package(path)] == [f"pkg.zip: {DAMAGED} (entry 'index.html' points to no data)"]


def test_overlapping_entries_are_a_zip_bomb_trick():
    path = write_zip(Path("pkg.zip"), package_files())
    patch_entry(path, "index.html", offset=offset_of(path, "imsmanifest.xml"))
    assert [str(p) for p in check_package(path)] == [
        "pkg.zip: entries 'index.html' and 'imsmanifest.xml' share their data; that is a zip bomb trick "
        "(or a damaged zip), not course content"]


def test_zip_bomb_by_compression_ratio():
    path = write_zip(Path("pkg.zip"), {**package_files(), "media/zeros.bin": bytes(11 * 1024 * 1024)})
    with zipfile.ZipFile(path) as zf:
        packed = zf.getinfo("media/zeros.bin").compress_size
    ratio = 11 * 1024 * 1024 // packed
    assert [str(p) for p in check_package(path)] == [
        f"pkg.zip: entry 'media/zeros.bin' unzips from {packed} bytes to 11 MiB ({ratio}:1, over 200:1); "
        "that looks like a zip bomb, not course content"]


def test_zip_bomb_by_declared_total_size():
    path = write_zip(Path("pkg.zip"), {**package_files(), "media/film.mp4": b"x" * 100})
    patch_entry(path, "media/film.mp4", file_size=3 * 1024**3)
    compressed = zipfile.ZipFile(path).getinfo("media/film.mp4").compress_size
    assert [str(p) for p in check_package(path)] == [
        f"pkg.zip: entry 'media/film.mp4' unzips from {compressed} bytes to 3072 MiB ({3 * 1024**3 // compressed}:1, over "
        "200:1); that looks like a zip bomb, not course content",
        "pkg.zip: the files unzip to 3072 MiB, more than 2048 MiB; an LMS would refuse it or fill its disk"]


def test_manifest_whose_header_understates_its_size_is_read_only_up_to_that_size():
    # 40 MiB of trailing spaces (well-formed XML) deflate to a few KiB; the header claims 2,000 bytes.
    path = write_zip(Path("pkg.zip"), package_files(MANIFEST + " " * (40 * 1024 * 1024)))
    patch_entry(path, "imsmanifest.xml", file_size=2000)
    assert [str(p) for p in check_package(path)] == [
        "pkg.zip: imsmanifest.xml cannot be unzipped (Bad CRC-32 for file 'imsmanifest.xml'); "
        "build or download the package again"]


def test_manifest_declared_bigger_than_the_cap_is_not_read():
    path = write_zip(Path("pkg.zip"), package_files())
    patch_entry(path, "imsmanifest.xml", file_size=MAX_MANIFEST + 1)
    packed = zipfile.ZipFile(path).getinfo("imsmanifest.xml").compress_size
    assert [str(p) for p in check_package(path)] == [
        f"pkg.zip: entry 'imsmanifest.xml' unzips from {packed} bytes to 16 MiB ({(MAX_MANIFEST + 1) // packed}:1, "
        "over 200:1); that looks like a zip bomb, not course content",
        "pkg.zip: imsmanifest.xml is 16 MiB, more than 16 MiB; it was not read"]


@pytest.mark.parametrize("understated", [False, True])
def test_too_many_entries(understated):
    path = write_zip(Path("pkg.zip"), {f"f{i}": b"" for i in range(20_001)})
    if understated:  # the end record claims 5 entries; zipfile reads all 20,001 anyway
        data = bytearray(path.read_bytes())
        struct.pack_into("<2H", data, len(data) - 22 + 8, 5, 5)
        path.write_bytes(bytes(data))
    assert [str(p) for p in check_package(path)] == [
        "pkg.zip: the zip lists more than 20000 entries; that looks like a zip bomb, not course content"]


@pytest.mark.parametrize("name, message", [
    ("../evil.sh", "climbs out of the package folder with '..'; an unzipper could write outside it"),
    ("media/../../evil.sh", "climbs out of the package folder with '..'; an unzipper could write outside it"),
    ("/etc/cron.d/evil", "is an absolute path; an unzipper could write outside the package folder"),
    ("C:/Windows/evil.dll", "is an absolute path; an unzipper could write outside the package folder"),
    ("media\\Bilde2.png", "uses backslashes; zip paths use '/', and an LMS on Linux makes one odd file name of it"),
])
def test_entries_that_leave_the_package_or_use_backslashes(name, message):
    assert check({**package_files(), name: b"x"}) == [f"pkg.zip: entry '{name}' {message}"]


def test_symlink_entry():
    link = zipfile.ZipInfo("media/passwd")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    assert check({**package_files(), link: "/etc/passwd"}) == [
        "pkg.zip: entry 'media/passwd' is a symbolic link; an LMS drops it or follows it outside the package: zip the file itself"]


@pytest.mark.parametrize("where", ["central directory", "local header only"])
def test_encrypted_entry(where):
    path = write_zip(Path("pkg.zip"), {**package_files(), "media/secret.txt": b"garbage"})
    if where == "central directory":
        patch_entry(path, "media/secret.txt", flags=0x1)
    else:
        data = bytearray(path.read_bytes())
        data[offset_of(path, "media/secret.txt") + 6] |= 0x1
        path.write_bytes(bytes(data))
    assert [str(p) for p in check_package(path)] == [
        "pkg.zip: entry 'media/secret.txt' is encrypted; an LMS cannot unzip it: zip the package without a password"]


def test_duplicate_entries():
    files = package_files()
    files[zipfile.ZipInfo("index.html")] = "<p>Other</p>"
    assert check(files) == ["pkg.zip: entry 'index.html' appears 2 times; an unzipper keeps only one of them"]


def test_names_with_spaces_or_non_ascii_are_warnings():
    problems = check_package(write_zip(Path("pkg.zip"), {**package_files(), "media/min fil.pdf": b"x", "media/bjørn.png": b"x"}))
    assert [str(p) for p in problems] == [
        "pkg.zip: warning: entry 'media/bjørn.png': some LMSs cannot unzip names with spaces or non-ASCII characters: rename it",
        "pkg.zip: warning: entry 'media/min fil.pdf': some LMSs cannot unzip names with spaces or non-ASCII characters: rename it"]
    assert all(p.warning for p in problems)


# --- where the manifest is ------------------------------------------------------------------

def test_manifest_in_a_folder():
    assert check({f"kurs/{name}": data for name, data in package_files().items()}) == [
        "pkg.zip: imsmanifest.xml is in folder kurs/; zip the folder's contents, not the folder"]


def test_missing_manifest():
    files = package_files()
    del files["imsmanifest.xml"]
    assert check(files) == ["pkg.zip: no imsmanifest.xml at the root; this is not a SCORM package "
                            "(nor cmi5 or TinCan: no cmi5.xml or tincan.xml either)"]


def test_manifest_with_wrong_case():
    files = package_files()
    files["IMSManifest.xml"] = files.pop("imsmanifest.xml")
    assert check(files) == ["pkg.zip: the manifest is named 'IMSManifest.xml'; it must be 'imsmanifest.xml', in lower case"]


# --- the manifest ---------------------------------------------------------------------------

def test_malformed_xml_reports_line_and_column():
    assert check_manifest(MANIFEST.replace("<title>Side</title>", "<title>Side</tittel>")) == [
        f"{M}:11:29: not well-formed XML: Opening and ending tag mismatch: title line 11 and tittel"]


def test_scorm_2004_manifest():
    manifest = (MANIFEST.replace("http://www.imsproject.org/xsd/imscp_rootv1p1p2", "http://www.imsglobal.org/xsd/imscp_v1p1")
                .replace("<schemaversion>1.2", "<schemaversion>2004 4th Edition"))
    assert check_manifest(manifest) == [
        f"{M}:2: this is a SCORM 2004 manifest (namespace http://www.imsglobal.org/xsd/imscp_v1p1), not SCORM 1.2; "
        "upload it as SCORM 2004, or export it again as SCORM 1.2"]


def test_scorm_2004_schemaversion_in_a_1_2_namespace():
    assert check_manifest(MANIFEST.replace("<schemaversion>1.2", "<schemaversion>CAM 1.3")) == [
        f"{M}:2: this is a SCORM 2004 manifest (schemaversion 'CAM 1.3'), not SCORM 1.2; "
        "upload it as SCORM 2004, or export it again as SCORM 1.2"]


def test_wrong_schema_and_schemaversion():
    manifest = MANIFEST.replace("<schema>ADL SCORM", "<schema>SCORM").replace("<schemaversion>1.2", "<schemaversion>1.3")
    assert check_manifest(manifest) == [f"{M}:4: metadata/schema: is 'SCORM'; it must be 'ADL SCORM'",
                                        f"{M}:5: metadata/schemaversion: is '1.3'; it must be '1.2'"]


def test_xsd_violation_element_order():
    manifest = MANIFEST.replace("<title>Side</title>\n        <adlcp:masteryscore>80</adlcp:masteryscore>",
                                "<adlcp:masteryscore>80</adlcp:masteryscore>\n        <title>Side</title>")
    assert check_manifest(manifest) == [f"{M}:12: schema: Element 'title': This element is not expected."]


def test_xsd_violation_scorm_2004_attribute_spelling():
    assert check_manifest(MANIFEST.replace("adlcp:scormtype", "adlcp:scormType")) == [
        f"{M}:17: schema: Element 'resource', attribute 'adlcp:scormType': No matching global attribute declaration "
        "available, but demanded by the strict wildcard.",
        f"{M}:17: resource/@adlcp:scormtype: resource 'RES-1' has none; LMSs treat it as an asset: no tracking. "
        "Add adlcp:scormtype=\"sco\" (or \"asset\")"]


def test_dangling_identifierref():
    assert check_manifest(MANIFEST.replace('identifierref="RES-1"', 'identifierref="RES-9"')) == [
        f"{M}:10: item/@identifierref: 'RES-9' names no resource"]


def test_leaf_item_without_identifierref_and_dangling_dependency():
    manifest = (MANIFEST.replace(' identifierref="RES-1"', "")
                .replace('<file href="media/Bilde.png"/>', '<file href="media/Bilde.png"/>\n      <dependency identifierref="SHARED"/>'))
    assert check_manifest(manifest) == [
        f"{M}:10: item: 'ITEM-1' has no identifierref; an item without child items must launch a resource",
        f"{M}:20: dependency/@identifierref: 'SHARED' names no resource"]


def test_launched_resource_without_href():
    assert check_manifest(MANIFEST.replace(' href="index.html?side=1#topp"', "")) == [
        f"{M}:17: resource/@href: resource 'RES-1' is launched by item 'ITEM-1' but has no href"]


def test_missing_file_listed():
    files = package_files()
    del files["media/Bilde.png"]
    assert check(files) == [f"{M}:19: file/@href: 'media/Bilde.png': no such file in the package"]


def test_case_mismatch_gets_a_hint():
    files = package_files(MANIFEST.replace('href="index.html?', 'href="Index.html?'))
    files["media/bilde.png"] = files.pop("media/Bilde.png")
    assert check(files) == [
        f"{M}:17: resource/@href: 'Index.html?side=1#topp': no such file; did you mean 'index.html'? "
        "(names are case-sensitive on the LMS)",
        f"{M}:19: file/@href: 'media/Bilde.png': no such file; did you mean 'media/bilde.png'? "
        "(names are case-sensitive on the LMS)"]


@pytest.mark.parametrize("href, message", [
    ("/media/Bilde.png", "is an absolute path; make it relative to the package root"),
    ("../Bilde.png", "points outside the package"),
    ("media\\Bilde.png", "uses backslashes; use '/'"),
])
def test_bad_file_hrefs(href, message):
    assert check_manifest(MANIFEST.replace('href="media/Bilde.png"', f'href="{href}"')) == [
        f"{M}:19: file/@href: '{href}' {message}"]


def test_missing_scormtype():
    assert check_manifest(MANIFEST.replace(' adlcp:scormtype="sco"', "")) == [
        f"{M}:17: resource/@adlcp:scormtype: resource 'RES-1' has none; LMSs treat it as an asset: no tracking. "
        "Add adlcp:scormtype=\"sco\" (or \"asset\")"]


@pytest.mark.parametrize("score", ["120", "80%", "-1", ""])
def test_bad_masteryscore(score):
    assert check_manifest(MANIFEST.replace(">80<", f">{score}<")) == [
        f"{M}:12: adlcp:masteryscore: '{score}' is not a number from 0 to 100"]


def test_bad_maxtimeallowed():
    manifest = MANIFEST.replace("<adlcp:masteryscore>80</adlcp:masteryscore>",
                                "<adlcp:maxtimeallowed>30 min</adlcp:maxtimeallowed>")
    assert check_manifest(manifest) == [
        f"{M}:12: adlcp:maxtimeallowed: '30 min' is not a CMITimespan HHHH:MM:SS.SS, such as 0001:30:00"]


def test_duplicate_identifiers():
    assert check_manifest(MANIFEST.replace('identifier="RES-1"', 'identifier="ITEM-1"').replace(
        'identifierref="RES-1"', 'identifierref="ITEM-1"')) == [
        f"{M}:17: @identifier: 'ITEM-1' is already used on line 10; identifiers must be unique in the whole manifest"]


def test_identifier_that_is_no_xml_name():
    assert check_manifest(MANIFEST.replace('identifier="MAN-1"', 'identifier="1 kurs"')) == [
        f"{M}:2: @identifier: '1 kurs' is not a usable identifier: start with a letter or '_', "
        "then only ASCII letters, digits, '.', '-' and '_'"]


def test_default_organization_that_does_not_resolve():
    assert check_manifest(MANIFEST.replace('default="ORG-1"', 'default="ORG-2"')) == [
        f"{M}:7: organizations/@default: 'ORG-2' names no organization; the organizations are ORG-1"]


def test_no_organization():
    start, end = MANIFEST.index("    <organization "), MANIFEST.index("  </organizations>")
    manifest = MANIFEST[:start] + MANIFEST[end:]
    assert check_manifest(manifest.replace(' default="ORG-1"', "")) == [
        f"{M}:7: organizations: has no organization; an LMS has nothing to launch"]


def test_missing_control_files_are_a_warning():
    files = package_files()
    del files["ims_xml.xsd"], files["imsmd_rootv1p2p1.xsd"]
    problems = check_package(write_zip(Path("pkg.zip"), files))
    assert [str(p) for p in problems] == [
        f"{M}:2: warning: schema files missing: imsmd_rootv1p2p1.xsd, ims_xml.xsd; most LMSs do not need them, "
        "but validating ones (such as SCORM Cloud) reject the package"]


def test_control_files_where_schema_location_points():
    manifest = MANIFEST.replace('identifier="MAN-1"', 'identifier="MAN-1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                                'xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 xsd/imscp_rootv1p1p2.xsd '
                                'http://www.adlnet.org/xsd/adlcp_rootv1p2 xsd/adlcp_rootv1p2.xsd '
                                'http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 xsd/imsmd_rootv1p2p1.xsd"')
    files = {name: data for name, data in package_files(manifest).items() if name not in CONTROL}
    assert check({**files, **{f"xsd/{name}": data for name, data in CONTROL.items()}}) == []


def test_doctype_is_reported():
    manifest = MANIFEST.replace("<manifest ", '<!DOCTYPE manifest [<!ENTITY kurs "Kurs">]>\n<manifest ', 1)
    doctype = (f"{M}: has a DOCTYPE; a SCORM manifest needs none, and an LMS's XML parser may expand its entities "
               "(a 'billion laughs' attack): remove it")
    assert check_manifest(manifest) == [doctype]
    # Entities stay unexpanded, so the XSD cannot see the text they stand for.
    assert check_manifest(manifest.replace("<title>Kurs</title>", "<title>&kurs;</title>")) == [
        doctype, f"{M}: schema: the manifest cannot be validated (Internal error in XML Schema validation.)"]


def test_billion_laughs_is_not_expanded():
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    manifest = MANIFEST.replace("<manifest ", f'<!DOCTYPE manifest [<!ENTITY l0 "ha">{laughs}]>\n<manifest ', 1)
    problems = check_manifest(manifest.replace("<title>Kurs</title>", "<title>&l9;</title>"))
    # libxml2 2.11 and later refuse the amplification outright; older ones leave the entity unexpanded.
    assert problems in ([f"{M}:1:5: not well-formed XML: Maximum entity amplification factor exceeded, "
                         "see xmlCtxtSetMaxAmplification."],
                        [f"{M}: has a DOCTYPE; a SCORM manifest needs none, and an LMS's XML parser may expand its "
                         "entities (a 'billion laughs' attack): remove it"])


def test_every_problem_is_reported_at_once():
    manifest = (MANIFEST.replace('default="ORG-1"', 'default="ORG-2"').replace(">80<", ">high<")
                .replace(' adlcp:scormtype="sco"', ""))
    files = {**package_files(manifest), "../evil.sh": b"x"}
    del files["media/Bilde.png"]
    assert check(files) == [
        "pkg.zip: entry '../evil.sh' climbs out of the package folder with '..'; an unzipper could write outside it",
        f"{M}:7: organizations/@default: 'ORG-2' names no organization; the organizations are ORG-1",
        f"{M}:12: adlcp:masteryscore: 'high' is not a number from 0 to 100",
        f"{M}:17: resource/@adlcp:scormtype: resource 'RES-1' has none; LMSs treat it as an asset: no tracking. "
        "Add adlcp:scormtype=\"sco\" (or \"asset\")",
        f"{M}:19: file/@href: 'media/Bilde.png': no such file in the package"]


# --- an unzipped folder ---------------------------------------------------------------------

def test_folder_in_place_of_a_zip(tmp_path):
    folder = tmp_path / "pkg"
    for name, data in package_files(MANIFEST.replace(">80<", ">abc<")).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data.encode() if isinstance(data, str) else data)
    assert [str(p) for p in check_package("pkg")] == [
        "pkg/imsmanifest.xml:12: adlcp:masteryscore: 'abc' is not a number from 0 to 100"]
    shutil.move(folder / "imsmanifest.xml", folder / "media" / "imsmanifest.xml")
    assert [str(p) for p in check_package("pkg")] == [
        "pkg: imsmanifest.xml is in folder media/; zip the folder's contents, not the folder"]
