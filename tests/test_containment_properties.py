"""Property test: no Markdown form, however written, brings a file from outside the course into a package.

Hypothesis writes pages with links, images, reference definitions and raw HTML in every form
cmark-gfm reads (nested brackets, destinations on the next line, angle brackets, containers such
as block quotes, lists, tables and <details>, entities, backslash escapes, percent escapes,
Unicode text) that point at a canary file beside the course, or at files of the build machine.
Whatever it writes: the canary's text is in no member of any package and in no message, no
member's name leaves the package, and `validate` fails whenever `build` refuses (one reading).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursekit import PAGE_NB, TEST_NB, course_data
from ilmpack.build import build_course, check_course
from ilmpack.errors import CourseError

SECRET = "containment-canary-" + os.urandom(8).hex()

# Ways to write '../../CANARY' (from course/nb/ to the canary beside the course) and other files outside.
DOT = st.sampled_from([".", "%2e", "%2E", "&#46;", "&period;", "\\.", "&#x2e;"])
SLASH = st.sampled_from(["/", "%2f", "%2F", "&#47;", "&sol;"])


@st.composite
def outside(draw) -> str:
    """A path from a page to a file outside the course, written in one of many encodings."""
    kind = draw(st.sampled_from(["up", "up", "up", "absolute", "proc", "link"]))
    if kind == "absolute":
        return draw(st.sampled_from(["/etc/hostname", "/proc/self/environ", "%2fetc%2fhostname", "file:///etc/hostname"]))
    if kind == "proc":
        return "../" * draw(st.integers(6, 12)) + "proc/self/environ"
    if kind == "link":
        return "../media/out/CANARY"  # media/out is a symlink to the folder above the course
    ups = "".join(draw(DOT) + draw(DOT) + draw(SLASH) for _ in range(draw(st.integers(2, 4))))
    return ups.replace("../../../", "../../media/../../", 1) + draw(st.sampled_from(["CANARY", "CANARY", "CANARY#x", "CANARY?y", "C%41NARY"]))


TEXT = st.lists(st.sampled_from(list("ab æøå*_`[]!\\") + ["\u202e", "\u00a0", "**", "[b]", "&amp;"]), max_size=8).map("".join)


@st.composite
def link(draw) -> str:
    """A link, an image, a reference, or raw HTML naming `outside()`."""
    url, text = draw(outside()), draw(TEXT).replace("\n", " ")
    form = draw(st.sampled_from(["inline", "angle", "nextline", "ref-before", "ref-after", "nested", "image",
                                 "raw-img", "raw-a", "raw-source", "raw-track", "raw-poster", "image-in-link"]))
    quote = draw(st.sampled_from(['"', "'", ""]))
    return {
        "inline": f"[{text}]({url})",
        "angle": f"[{text}](<{url}>)",
        "nextline": f"[{text}](\n{url} \"t\")",
        "ref-before": f"[r{len(text)}]: {url}\n\n[{text}][r{len(text)}]",
        "ref-after": f"[{text}][R]\n\n[r]:\n  {url}",
        "nested": f"[a [{text}] c]({url})",
        "image": f"![{text or 'x'}]({url})",
        "raw-img": f"<img src={quote}{url}{quote} alt=x>",
        "raw-a": f"tekst <a href={quote}{url}{quote}>{text}</a>",
        "raw-source": f"<picture><source srcset=\"../media/a.png 1x, {url} 2x\"><img src=\"../media/a.png\" alt=\"x\"></picture>",
        "raw-track": f"<video controls src=\"../media/a.mp4\"><track kind=\"captions\" src={quote}{url}{quote}></video>",
        "raw-poster": f"<video controls poster={quote}{url}{quote}></video>",
        "image-in-link": f"[![{text or 'x'}](../media/a.png)]({url})",
    }[form]


@st.composite
def contained(draw) -> str:
    """`link()` inside a container."""
    inner = draw(link())
    where = draw(st.sampled_from(["plain", "quote", "list", "quote-list", "table", "heading", "emphasis", "details"]))
    if where == "quote":
        return "\n".join("> " + line for line in inner.split("\n"))
    if where == "list":
        return "- x\n" + "\n".join("  " + line if i else "- " + line for i, line in enumerate(inner.split("\n")))
    if where == "quote-list":
        return "\n".join("> 1. " + line if i == 0 else ">    " + line for i, line in enumerate(inner.split("\n")))
    if where == "table" and "\n" not in inner:
        return f"| a | b |\n|---|---|\n| {inner} | c |"
    if where == "heading" and "\n" not in inner:
        return f"## {inner}"
    if where == "emphasis" and "\n" not in inner:
        return f"**_{inner}_**"
    if where == "details":
        return f"<details>\n<summary>Mer</summary>\n\n{inner}\n\n</details>"
    return inner


def _course(folder: Path, body: str, trusted: bool) -> Path:
    (folder / "CANARY").write_text(SECRET, encoding="utf-8")
    root = folder / "course"
    (root / "nb").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "media" / "a.png").write_bytes(b"\x89PNG")
    (root / "media" / "a.mp4").write_bytes(b"\0")
    (root / "media" / "out").symlink_to(folder, target_is_directory=True)
    import yaml

    (root / "course.yaml").write_text(yaml.safe_dump(course_data(trusted_html=trusted)), encoding="utf-8")
    (root / "nb" / "01-start.md").write_text(PAGE_NB + "\n" + body + "\n", encoding="utf-8")
    (root / "nb" / "02-test.md").write_text(TEST_NB, encoding="utf-8")
    return root


@settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(contained(), min_size=1, max_size=3), trusted=st.booleans())
def test_nothing_outside_the_course_reaches_a_package(parts, trusted):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        root = _course(folder, "\n\n".join(parts), trusted)
        try:
            check_course(root)
            valid = True
        except CourseError as e:
            valid = False
            assert SECRET not in str(e.problems)
        try:
            result = build_course(root, folder / "out", cache=False)
        except CourseError as e:
            assert not valid, f"build refused what validate let through: {e.problems}"
            assert SECRET not in str(e.problems)
            assert not (folder / "out").exists() or not list((folder / "out").glob("*.zip"))
            return
        assert valid, "validate refused what build packed"
        for package in result.packages:
            with zipfile.ZipFile(package.path) as zf:
                for info in zf.infolist():
                    assert ".." not in info.filename.split("/") and not info.filename.startswith("/"), info.filename
                    assert SECRET.encode() not in zf.read(info), f"the canary is in {info.filename}"
