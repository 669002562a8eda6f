"""Links in a page: a packaged file or a web page opens in a tab of its own and never ends the session."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coursekit import TEST_NB, course_data

pytestmark = pytest.mark.browser

PAGE = """\
---
title: Lenker
---
Last ned [samtalearket (PDF)](../media/samtaleark.pdf) eller les [loven](https://lovdata.no/).
Se også [testen](02-test.md).
"""


@pytest.fixture
def links_course(tmp_path, serve_course):
    import yaml

    root = tmp_path / "lenker"
    (root / "nb").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "media" / "samtaleark.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    (root / "course.yaml").write_text(yaml.safe_dump(course_data(), allow_unicode=True), encoding="utf-8")
    (root / "nb" / "01-start.md").write_text(PAGE, encoding="utf-8")
    (root / "nb" / "02-test.md").write_text(TEST_NB, encoding="utf-8")
    return serve_course(root)


def test_a_packaged_file_opens_in_a_new_tab_and_the_session_goes_on(browsing, links_course):
    page = browsing.new_page()
    page.goto(f"{browsing.base_url}/harness.html")
    page.evaluate("options => startLms(options)", {"cmi": {"core": {"entry": "ab-initio"}}, "src": links_course.path})
    frame = page.frame(name="sco")
    pdf = frame.get_by_role("link", name="samtalearket (PDF) (åpnes i ny fane)")
    expect(pdf).to_have_attribute("target", "_blank")
    expect(frame.get_by_role("link", name="loven (åpnes i ny fane)")).to_have_attribute("rel", "noopener noreferrer")

    with page.context.expect_page() as opened:
        pdf.click()
    assert opened.value.url.endswith("/media/samtaleark.pdf")

    # The course is still there, on the same page, and the LMS session is open.
    expect(frame.locator("section.ilm-page:not([hidden])")).to_have_attribute("data-page-id", "01-start")
    called = [c["fn"] for c in page.evaluate("() => window.lmsLog")]
    assert "LMSFinish" not in called

    # A link to another page of the course stays in the course.
    frame.get_by_role("link", name="testen").click()
    expect(frame.locator("section.ilm-page:not([hidden])")).to_have_attribute("data-page-id", "02-test")
