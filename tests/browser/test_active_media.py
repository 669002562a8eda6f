"""A course's own HTML page in a real browser: refused without trusted_html, and with it packed
with the course's Content-Security-Policy, which Chromium enforces: a script the page carries inline
does not run, even one placed before its <head>, and the browser reports the violation."""

from __future__ import annotations

import pytest
import yaml

from coursekit import PAGE_NB, TEST_NB, course_data
from ilmpack.build import build_course
from ilmpack.errors import CourseError

pytestmark = pytest.mark.browser

HOSTILE_PAGE = """<!DOCTYPE html>
<script>window.ranBeforeHead = true; document.title = 'ran';</script>
<html><head><title>Skjema</title></head>
<body><h1>Skjema</h1><img src=x onerror="window.ranHandler = true">
<script>window.ranInBody = true;</script></body></html>
"""
COLLECT = """window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.effectiveDirective));"""


def _course(tmp_path, trusted: bool):
    root = tmp_path / f"skjema-{'trusted' if trusted else 'untrusted'}"
    (root / "nb").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "course.yaml").write_text(yaml.safe_dump(course_data(trusted_html=trusted)), encoding="utf-8")
    (root / "nb" / "01-start.md").write_text(PAGE_NB + "\n[Skjema](../media/skjema.html)\n", encoding="utf-8")
    (root / "nb" / "02-test.md").write_text(TEST_NB, encoding="utf-8")
    (root / "media" / "skjema.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    return root


def test_a_linked_html_page_with_script_is_refused_without_trusted_html(tmp_path):
    with pytest.raises(CourseError) as raised:
        build_course(_course(tmp_path, trusted=False), tmp_path / "out")
    assert "'../media/skjema.html' is an HTML page, which can run script inside the LMS" in raised.value.problems[0].message
    assert not list((tmp_path / "out").glob("*.zip")) if (tmp_path / "out").exists() else True


def test_with_trusted_html_the_page_carries_the_policy_and_its_scripts_do_not_run(tmp_path, serve_course, browsing, lms_root):
    served = serve_course(_course(tmp_path, trusted=True))
    page = browsing.new_page()
    (lms_root / "c" / "unpoliced.html").write_text(HOSTILE_PAGE, encoding="utf-8")  # the file as written: its scripts run
    page.goto(browsing.base_url + "/c/unpoliced.html")
    assert page.evaluate("[window.ranBeforeHead, window.ranInBody, window.ranHandler]") == [True, True, True]
    page.context.add_init_script(COLLECT)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(browsing.base_url + served.path.replace("index.html", "media/skjema.html"))
    page.wait_for_function("window.__violations.length >= 3")
    assert page.locator("h1").inner_text() == "Skjema"  # the page itself shows
    ran = page.evaluate("[window.ranBeforeHead, window.ranInBody, window.ranHandler, document.title]")
    assert ran == [None, None, None, "Skjema"]
    assert set(page.evaluate("window.__violations")) >= {"script-src-elem", "script-src-attr"}
    assert any("Content Security Policy" in text for text in console)
    # The course page links it, in a tab of its own.
    page.goto(browsing.base_url + served.path)
    link = page.locator('a[href="media/skjema.html"]')
    assert link.get_attribute("target") == "_blank"
