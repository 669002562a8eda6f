"""Setup hooks for bad-input cases that static files cannot express.

Each hook is `name(tmp, course)`: `tmp` is the working folder the CLI runs in, `course` the course
folder inside it (already base + overlay). It may return {"launcher": [...]} to run the CLI through
a wrapper script instead of `python -m ilmpack` (for simulated disk-full and SIGINT).
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
import textwrap
import zipfile
from pathlib import Path

MiB = 1024 * 1024


# --- paths and files ---------------------------------------------------------------------------

def _outside(tmp: Path) -> Path:
    folder = tmp / "outside"
    folder.mkdir(exist_ok=True)
    return folder


def symlink_media_outside(tmp: Path, course: Path) -> None:
    """media/figur.png is a link to a file outside the course folder."""
    secret = _outside(tmp) / "secret.png"
    shutil.copyfile(course / "media" / "figur.png", secret)
    (course / "media" / "figur.png").unlink()
    (course / "media" / "figur.png").symlink_to(os.path.relpath(secret, course / "media"))


def symlink_media_folder_outside(tmp: Path, course: Path) -> None:
    """The whole media/ folder is a link to a folder outside the course."""
    outside = _outside(tmp)
    shutil.copyfile(course / "media" / "figur.png", outside / "figur.png")
    shutil.rmtree(course / "media")
    (course / "media").symlink_to(os.path.relpath(outside, course))


def symlink_page_outside(tmp: Path, course: Path) -> None:
    """nn/02-bilde.md is a link to a Markdown file outside the course."""
    target = _outside(tmp) / "02-bilde.md"
    shutil.copyfile(course / "nn" / "02-bilde.md", target)
    (course / "nn" / "02-bilde.md").unlink()
    (course / "nn" / "02-bilde.md").symlink_to(os.path.relpath(target, course / "nn"))


def symlink_inside(tmp: Path, course: Path) -> None:
    """nn/02-bilde.md links to nb/02-bilde.md's sibling copy inside the course: allowed."""
    (course / "shared").mkdir()
    shutil.move(course / "nn" / "02-bilde.md", course / "shared" / "02-bilde.md")
    (course / "nn" / "02-bilde.md").symlink_to("../shared/02-bilde.md")


def symlink_loop(tmp: Path, course: Path) -> None:
    """media/figur.png is a link to itself (a loop)."""
    (course / "media" / "figur.png").unlink()
    (course / "media" / "figur.png").symlink_to("figur.png")


def dangling_symlink(tmp: Path, course: Path) -> None:
    """media/figur.png is a link to a file that was deleted."""
    (course / "media" / "figur.png").unlink()
    (course / "media" / "figur.png").symlink_to("gammel-figur.png")


def _sparse(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        f.truncate(size)


def huge_page(tmp: Path, course: Path) -> None:
    """A 6 MiB page (sparse: nothing is really written)."""
    _sparse(course / "nb" / "01-start.md", 6 * MiB)


def huge_page_just_over(tmp: Path, course: Path) -> None:
    """A page just over the 5 MiB limit."""
    _sparse(course / "nb" / "01-start.md", 5 * MiB + 4096)


def huge_course_yaml(tmp: Path, course: Path) -> None:
    """A 40 MiB course.yaml."""
    _sparse(course / "course.yaml", 40 * MiB)


def long_line_page(tmp: Path, course: Path) -> None:
    """A valid page whose second paragraph is one line of 2 MiB (under the 5 MiB limit)."""
    page = course / "nb" / "02-bilde.md"
    words = "ord " * (2 * MiB // 4)
    page.write_text(page.read_text(encoding="utf-8") + "\n" + words + "\n", encoding="utf-8")


def long_line_brackets(tmp: Path, course: Path) -> None:
    """A line of 20,000 '[' (a pasted mess): parsing must not take quadratic time."""
    page = course / "nb" / "02-bilde.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n" + "[" * 20_000 + "\n", encoding="utf-8")


def long_line_yaml_error(tmp: Path, course: Path) -> None:
    """course.yaml with a 300,000-character title (over the 200 allowed)."""
    path = course / "course.yaml"
    text = path.read_text(encoding="utf-8").replace("  nb: Demokurs", "  nb: " + "Lang tittel " * 25_000, 1)
    path.write_text(text, encoding="utf-8")


def many_knowledge_checks(tmp: Path, course: Path) -> None:
    """400 multiple-choice knowledge checks of 10 options: the answers cannot all fit in suspend_data."""
    for lang in ("nb", "nn"):
        blocks = []
        for i in range(400):
            options = "".join(f"  - text: Valg {j}\n" + ("    correct: true\n" if j == 0 else "") for j in range(10))
            blocks.append(f"```question\nid: k-{i}\nkind: multiple\nprompt: Spørsmål {i}\noptions:\n{options}```\n")
        (course / lang / "02-bilde.md").write_text("---\ntitle: Mange spørsmål\n---\n" + "\n".join(blocks), encoding="utf-8")


# --- output ------------------------------------------------------------------------------------

def out_under_a_file(tmp: Path, course: Path) -> None:
    """A regular file where the output folder's parent should be (fails for root too)."""
    (tmp / "notes.txt").write_text("not a folder\n", encoding="utf-8")


def package_path_is_a_folder(tmp: Path, course: Path) -> None:
    """build/demo-nb-scorm12.zip is a folder, so the finished zip cannot replace it."""
    target = tmp / "build" / "demo-nb-scorm12.zip"
    target.unlink()
    target.mkdir()
    (target / "keep.txt").write_text("someone's notes\n", encoding="utf-8")


def second_package_path_is_a_folder(tmp: Path, course: Path) -> None:
    """build/demo-nn-scorm12.zip is a folder: the nb package must not be replaced either."""
    target = tmp / "build" / "demo-nn-scorm12.zip"
    target.unlink()
    target.mkdir()
    (target / "keep.txt").write_text("someone's notes\n", encoding="utf-8")


def _launcher(tmp: Path, patch: str) -> dict:
    """A script that patches the library in-process, then runs the CLI as `python -m ilmpack` would."""
    script = tmp / "launch.py"
    script.write_text(textwrap.dedent(patch) + "\nfrom ilmpack.cli import main\nmain(prog_name='ilmpack')\n", encoding="utf-8")
    return {"launcher": [sys.executable, str(script)]}


# The zip writer streams files from disk (media, the SCORM XSDs) with shutil.copyfileobj: each
# package makes 5 such copies (4 XSDs + figur.png). The fault strikes at the third copy into the
# named package, whichever process writes it (a build may write its languages in two processes).
_FAIL_ON_COPY = """\
import errno, os, shutil, signal
import ilmpack.package as package
_copy, _write, _state = shutil.copyfileobj, package._write_temporary, {{"target": None, "calls": 0}}
def _write_temporary(target, *args, **kwargs):
    _state["target"], _state["calls"] = target.name, 0
    return _write(target, *args, **kwargs)
def copyfileobj(src, dst, length=0):
    _state["calls"] += 1
    if _state["target"] == "{target}" and _state["calls"] == 3:
        {action}
    return _copy(src, dst, length)
package._write_temporary = _write_temporary
shutil.copyfileobj = copyfileobj
"""


def disk_full_first_package(tmp: Path, course: Path) -> dict:
    """ENOSPC while the nb zip is being written."""
    return _launcher(tmp, _FAIL_ON_COPY.format(target="demo-nb-scorm12.zip",
                                               action='raise OSError(errno.ENOSPC, "No space left on device")'))


def disk_full_second_package(tmp: Path, course: Path) -> dict:
    """ENOSPC while the nn zip is written (after the nb zip was finished, or beside it)."""
    return _launcher(tmp, _FAIL_ON_COPY.format(target="demo-nn-scorm12.zip",
                                               action='raise OSError(errno.ENOSPC, "No space left on device")'))


def sigint_first_package(tmp: Path, course: Path) -> dict:
    """Ctrl-C (SIGINT) while the nb zip is being written."""
    return _launcher(tmp, _FAIL_ON_COPY.format(target="demo-nb-scorm12.zip", action="os.kill(os.getpid(), signal.SIGINT)"))


def sigint_second_package(tmp: Path, course: Path) -> dict:
    """Ctrl-C (SIGINT) while the nn zip is written (after the nb zip was finished, or beside it)."""
    return _launcher(tmp, _FAIL_ON_COPY.format(target="demo-nn-scorm12.zip", action="os.kill(os.getpid(), signal.SIGINT)"))


# --- packages for `ilmpack check` --------------------------------------------------------------

def _good_zip(tmp: Path) -> Path:
    """A good package built from the base course (the build folder is not there for check cases)."""
    from ilmpack.build import build_course

    good = build_course(Path(__file__).parent / "base", tmp / ".good", langs=["nb"]).packages[0].path
    shutil.move(good, tmp / "good.zip")
    shutil.rmtree(tmp / ".good")
    return tmp / "good.zip"


def _repack(tmp: Path, extra) -> None:
    """package.zip: the good package's entries, then `extra(zf)` adds hostile ones."""
    good = _good_zip(tmp)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tmp / "package.zip", "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        extra(dst)
    good.unlink()


def check_good_package(tmp: Path, course: Path) -> None:
    """ilmpack's own package: no problems."""
    shutil.move(_good_zip(tmp), tmp / "package.zip")


def check_zip_bomb(tmp: Path, course: Path) -> None:
    """An entry that unzips from about 20 KiB to 20 MiB of zeros (1000:1)."""
    def extra(zf):
        info = zipfile.ZipInfo("media/film.mp4", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w") as f:
            block = bytes(MiB)
            for _ in range(20):
                f.write(block)
    _repack(tmp, extra)


def check_traversal(tmp: Path, course: Path) -> None:
    """Entries that climb out of the unzip folder, and one with an absolute path."""
    def extra(zf):
        zf.writestr("../../evil.html", "<script>alert(1)</script>")
        zf.writestr("/etc/cron.d/evil", "* * * * * root true\n")
    _repack(tmp, extra)


def check_symlink_entry(tmp: Path, course: Path) -> None:
    """An entry stored as a symbolic link to /etc/passwd."""
    def extra(zf):
        info = zipfile.ZipInfo("media/passwd", date_time=(1980, 1, 1, 0, 0, 0))
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    _repack(tmp, extra)


def check_encrypted_entry(tmp: Path, course: Path) -> None:
    """index.html flagged as encrypted (zipfile cannot write encryption: the flag bits are set by hand)."""
    _repack(tmp, lambda zf: None)
    path = tmp / "package.zip"
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("index.html")
    data[info.header_offset + 6] |= 0x1  # local header's general purpose flags
    central = data.find(b"PK\x01\x02" + bytes(data[info.header_offset + 4:info.header_offset + 6]))
    while central >= 0:
        name_len = struct.unpack("<H", data[central + 28:central + 30])[0]
        if data[central + 46:central + 46 + name_len] == b"index.html":
            data[central + 8] |= 0x1
            break
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def check_truncated(tmp: Path, course: Path) -> None:
    """The good package cut off half way (an interrupted download)."""
    good = _good_zip(tmp)
    data = good.read_bytes()
    (tmp / "package.zip").write_bytes(data[: len(data) // 2])
    good.unlink()


def check_not_a_zip(tmp: Path, course: Path) -> None:
    """An HTML error page saved with a .zip name."""
    (tmp / "package.zip").write_text("<html><body>403 Forbidden</body></html>\n", encoding="utf-8")


def check_empty_file(tmp: Path, course: Path) -> None:
    """A zero-byte package.zip."""
    (tmp / "package.zip").write_bytes(b"")


def check_no_manifest(tmp: Path, course: Path) -> None:
    """A zip of web pages with no imsmanifest.xml."""
    with zipfile.ZipFile(tmp / "package.zip", "w") as zf:
        zf.writestr("index.html", "<h1>Hei</h1>")


def check_nested_manifest(tmp: Path, course: Path) -> None:
    """The package folder was zipped instead of its contents: everything sits under demo/."""
    good = _good_zip(tmp)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tmp / "package.zip", "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr("demo/" + info.filename, src.read(info))
    good.unlink()


def check_overlapping_entries(tmp: Path, course: Path) -> None:
    """A 'non-recursive' zip bomb: two central directory records point at the same local data."""
    with zipfile.ZipFile(tmp / "package.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", "<manifest/>")
        zf.writestr("a.html", "x" * 1000)
    data = bytearray((tmp / "package.zip").read_bytes())
    # Point the second central record (a.html) at the first local header, where imsmanifest.xml lives.
    second = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)
    data[second + 42:second + 46] = struct.pack("<L", 0)
    (tmp / "package.zip").write_bytes(bytes(data))


def course_is_a_file(tmp: Path, course: Path) -> None:
    """`course` is a regular file, not a folder."""
    course.write_text("id: demo\n", encoding="utf-8")


# --- cmi5 and TinCan packages for `ilmpack check` -----------------------------------------------

def _good_xapi_zip(tmp: Path, fmt: str) -> Path:
    """ilmpack's own cmi5 or TinCan package of the base course."""
    from ilmpack.build import build_course

    good = build_course(Path(__file__).parent / "base", tmp / ".good", fmt=fmt, langs=["nb"]).packages[0].path
    shutil.move(good, tmp / "good.zip")
    shutil.rmtree(tmp / ".good")
    return tmp / "good.zip"


def _rewrite_descriptor(tmp: Path, fmt: str, edit) -> None:
    """package.zip: the good package with its descriptor's text changed by `edit(text)`."""
    good = _good_xapi_zip(tmp, fmt)
    name = f"{fmt}.xml"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tmp / "package.zip", "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, edit(data.decode("utf-8")).encode("utf-8") if info.filename == name else data)
    good.unlink()


def check_good_cmi5_package(tmp: Path, course: Path) -> None:
    """ilmpack's own cmi5 package: no problems."""
    shutil.move(_good_xapi_zip(tmp, "cmi5"), tmp / "package.zip")


def check_good_tincan_package(tmp: Path, course: Path) -> None:
    """ilmpack's own TinCan package: no problems."""
    shutil.move(_good_xapi_zip(tmp, "tincan"), tmp / "package.zip")


def check_broken_cmi5(tmp: Path, course: Path) -> None:
    """A relative course id, the AU id used twice (a second AU), an AU url that is not in the zip and
    one that uses a launch parameter's name, no moveOn anywhere, and a masteryScore over 1."""
    def edit(text: str) -> str:
        head, au = text.split("  <au ", 1)
        au = "  <au " + au.replace("</courseStructure>\n", "")
        course_id = head.split('<course id="', 1)[1].split('"', 1)[0]
        head = head.replace(f'<course id="{course_id}"', '<course id="kurs/demo"')
        first = au.replace(' moveOn="Passed"', "").replace('masteryScore="0.8"', 'masteryScore="80"')
        second = au.replace(' moveOn="Passed"', "").replace("<url>index.html</url>", "<url>Index.html?actor=x</url>")
        return head + first + second + "</courseStructure>\n"
    _rewrite_descriptor(tmp, "cmi5", edit)


def check_broken_tincan(tmp: Path, course: Path) -> None:
    """Two launchable activities, one of them with a relative id and a launch file the zip lacks."""
    def edit(text: str) -> str:
        extra = ('    <activity id="demo-kurs" type="http://adlnet.gov/expapi/activities/course">\n'
                 '      <name lang="nb">Demo</name>\n      <description lang="nb">Demo</description>\n'
                 '      <launch lang="nb">start.html</launch>\n    </activity>\n  </activities>')
        return text.replace("  </activities>", extra, 1)
    _rewrite_descriptor(tmp, "tincan", edit)


# --- the hostile corpus (tests/hostile/cases): the canary file beside the course, reached another way


def symlink_media_to_canary(tmp: Path, course: Path) -> None:
    """media/ok.png is a symlink to the canary file beside the course."""
    (course / "media" / "ok.png").symlink_to(tmp / "CANARY")


def symlink_folder_to_parent(tmp: Path, course: Path) -> None:
    """media/opp is a symlink to the folder that holds the course (and the canary)."""
    (course / "media" / "opp").symlink_to(tmp, target_is_directory=True)


def canary_markdown(tmp: Path, course: Path) -> None:
    """A Markdown file beside the course, holding the canary."""
    (tmp / "CANARY.md").write_text((tmp / "CANARY").read_text(encoding="utf-8"), encoding="utf-8")

