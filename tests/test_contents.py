"""What a package contains (contents.py): files a page names are packed from what cmark-gfm
renders, rewritten to their place in the package, and refused when they leave the course or are
active content; the package writer refuses a member name that climbs out, whatever asks for it."""

from __future__ import annotations

import zipfile

import pytest

from coursekit import PAGE_NB, TEST_NB, course_data
from ilmpack.build import build_course
from ilmpack.errors import BuildError, CourseError
from ilmpack.package import write_packages

CSP = '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; script-src \'self\''


def _index(zip_path) -> str:
    with zipfile.ZipFile(zip_path) as zf:
        return zf.read("index.html").decode("utf-8")


def _course(make_course, extra: str, files: dict | None = None, **settings):
    pages = {"nb/01-start.md": PAGE_NB + "\n" + extra + "\n", "nb/02-test.md": TEST_NB, **(files or {})}
    return make_course(course_data(**settings), files=pages)


def test_raw_media_tags_pack_their_files_and_point_at_them(make_course, tmp_path):
    root = _course(make_course, '<video controls src="../media/intervju.mp4">\n'
                   '  <track kind="captions" src="../media/intervju.vtt" srclang="nb">\n</video>\n\n'
                   '<audio controls><source src="../media/lyd.mp3" type="audio/mpeg"></audio>',
                   {"media/intervju.mp4": b"\0mp4", "media/intervju.vtt": "WEBVTT\n\n00:00.000 --> 00:01.000\nHei\n",
                    "media/lyd.mp3": b"ID3"})
    result = build_course(root, tmp_path / "out")
    zip_path = result.packages[0].path
    with zipfile.ZipFile(zip_path) as zf:
        assert {"media/intervju.mp4", "media/intervju.vtt", "media/lyd.mp3"} <= set(zf.namelist())
    html = _index(zip_path)
    assert 'src="media/intervju.mp4"' in html and 'src="media/intervju.vtt"' in html and 'src="media/lyd.mp3"' in html
    assert "../media/" not in html


def test_a_decorative_image_loses_the_mark_and_keeps_its_file(make_course, tmp_path):
    root = _course(make_course, '![](<../media/strek 2.png> "decorative") ![](../media/strek.png "dekorativ")',
                   {"media/strek.png": b"\x89PNG", "media/strek 2.png": b"\x89PNG"})
    with pytest.raises(CourseError) as raised:  # the name with a space is refused, in <...> too
        build_course(root, tmp_path / "out")
    assert [p.message for p in raised.value.problems] == [
        "the file name 'media/strek 2.png' has spaces or characters some LMSs cannot unzip; rename it to "
        "'media/strek-2.png' (a-z, 0-9, '.', '-', '_')"]
    (root / "nb" / "01-start.md").write_text(PAGE_NB + '\n![](../media/strek.png "dekorativ")\n', encoding="utf-8")
    html = _index(build_course(root, tmp_path / "out").packages[0].path)
    assert '<img src="media/strek.png" alt="">' in html and "dekorativ" not in html


def test_a_trusted_html_page_is_packed_with_the_policy_first(make_course, tmp_path):
    page = "<!DOCTYPE html>\n<script>document.title='ran'</script><html><head><title>x</title></head></html>\n"
    root = _course(make_course, "[Skjema](../media/skjema.html)", {"media/skjema.html": page}, trusted_html=True)
    out = tmp_path / "out"
    zip_path = build_course(root, out).packages[0].path
    with zipfile.ZipFile(zip_path) as zf:
        packed = zf.read("media/skjema.html").decode("utf-8")
    assert packed.startswith("<!DOCTYPE html>" + CSP)  # before the script that precedes <head>
    assert 'href="media/skjema.html"' in _index(zip_path)
    # The page that links it is not kept between builds: an edit of the HTML file alone reaches the package.
    (root / "media" / "skjema.html").write_text(page.replace("ran", "ran again"), encoding="utf-8")
    with zipfile.ZipFile(build_course(root, out).packages[0].path) as zf:
        assert "ran again" in zf.read("media/skjema.html").decode("utf-8")


def test_without_trusted_html_an_html_file_is_refused_and_nothing_written(make_course, tmp_path):
    root = _course(make_course, "[Skjema](../media/skjema.html)", {"media/skjema.html": "<p>x</p>"})
    with pytest.raises(CourseError) as raised:
        build_course(root, tmp_path / "out")
    assert str(raised.value.problems[0]).startswith(
        "demo/nb/01-start.md:16:10: '../media/skjema.html' is an HTML page, which can run script inside the LMS")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.zip"))


def test_an_svg_image_without_script_is_packed(make_course, tmp_path):
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'
    root = _course(make_course, "![En firkant](../media/f.svg)", {"media/f.svg": svg})
    with zipfile.ZipFile(build_course(root, tmp_path / "out").packages[0].path) as zf:
        assert zf.read("media/f.svg").decode() == svg


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../x", "a\x00b", "C:/x", "a\\..\\x", "./a", ""])
def test_the_writer_refuses_a_member_name_that_leaves_the_package(tmp_path, name):
    target = tmp_path / "p.zip"
    target.write_bytes(b"the good package")
    with pytest.raises(BuildError) as raised:
        write_packages([(target, {"index.html": b"x", name: b"secret"}, {})])
    assert f"ilmpack refused to write the package member {name!r}" in str(raised.value)
    assert target.read_bytes() == b"the good package"
    assert [p.name for p in tmp_path.iterdir()] == ["p.zip"]
