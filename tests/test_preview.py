"""`ilmpack preview` without a browser: what it refuses before it starts serving."""

from __future__ import annotations

import pytest

from ilmpack.cli import main
from ilmpack.errors import UsageProblem
from ilmpack.preview import Preview

from coursekit import SAMPLE


def test_a_language_the_course_lacks_is_a_usage_error_and_nothing_is_served(runner):
    result = runner.invoke(main, ["preview", str(SAMPLE), "--lang", "sv", "--no-open", "--port", "0"])
    assert result.exit_code == 2
    assert "the course has no language 'sv'; it has nb, nn" in result.stderr
    assert "Previewing" not in result.stdout


def test_a_missing_course_folder_fails_before_serving(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["preview", "nope", "--no-open", "--port", "0"])
    assert result.exit_code == 1
    assert result.stderr.startswith("nope: no such course folder; give the folder that holds course.yaml")


def test_a_format_without_a_player_says_what_preview_supports(tmp_path):
    with pytest.raises(UsageProblem) as raised:
        Preview(SAMPLE, fmt="cmi5")
    assert raised.value.format_message() == ("preview supports scorm12 for now, not 'cmi5'; "
                                             "build it with 'ilmpack build --format cmi5' and try it in your LMS")


def test_a_save_is_served_without_a_zip_being_made(make_course, monkeypatch):
    import threading
    import urllib.request
    import zipfile

    from ilmpack.preview import PreviewServer

    def no_zip(*args, **kwargs):
        raise AssertionError("the preview made or opened a zip")

    monkeypatch.setattr(zipfile, "ZipFile", no_zip)
    root = make_course()
    preview = Preview(root)
    server = PreviewServer(preview, 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()

    def page() -> str:
        url = f"http://127.0.0.1:{server.server_address[1]}/sco/nb/index.html"
        with urllib.request.urlopen(url) as response:
            return response.read().decode("utf-8")

    try:
        assert preview.rebuild().ok
        assert "Endret etter lagring" not in page()
        start = root / "nb" / "01-start.md"
        start.write_text(start.read_text(encoding="utf-8") + "\nEndret etter lagring.\n", encoding="utf-8")
        snapshot = preview.rebuild(["nb/01-start.md"])
        assert snapshot.ok and snapshot.generation == 2
        assert "Endret etter lagring." in page()
        assert not list(preview.work.rglob("*.zip"))
        assert [p.name for p in preview.work.iterdir() if p.name.startswith("site-")] == ["site-2"]  # the old one is gone
    finally:
        server.shutdown()
        preview.close()
        server.server_close()
        thread.join()
