"""The film and interview blocks: their rules, the WebVTT checks, and what the package holds."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from ilmpack.blocks._media import duration_view, webvtt_problems
from ilmpack.build import build_course
from ilmpack.errors import CourseError

from coursekit import write_media_course


def problems_of(root: Path) -> list[str]:
    with pytest.raises(CourseError) as info:
        build_course(root, root.parent / "out")
    return [str(p) for p in info.value.problems]


def with_page(root: Path, lang: str, old: str, new: str) -> None:
    page = root / lang / "01-media.md"
    text = page.read_text(encoding="utf-8")
    assert old in text, old
    page.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_media_course(tmp_path / "demo")


# --- rules beyond the schema


def test_audio_description_none_conflicts_with_a_described_version(course):
    with_page(course, "nb", "described: ../media/film-synstolket.webm\n",
              "described: ../media/film-synstolket.webm\naudio_description: none\nreason: Alt blir sagt.\n")
    assert problems_of(course) == ["demo/nb/01-media.md:14:20: audio_description: says none, but the film has described; "
                                   "remove audio_description and reason"]


def test_reason_without_audio_description_none(course):
    with_page(course, "nn", "audio_description: none\n", "")
    assert problems_of(course) == [
        "demo/nn/01-media.md:7:1: the film has no audio description: add described: ../media/film-synstolket.webm (the "
        "film with the picture described in speech) or descriptions: ../media/film.descriptions.vtt (the descriptions as "
        "timed text); if everything that matters in the picture is also said, write audio_description: none and a "
        "reason: for the learner (WCAG 1.2.5, required for video published from 2024)",
        "demo/nn/01-media.md:12:1: reason: only goes with audio_description: none; add that line or remove the reason"]


def test_audio_description_none_needs_a_reason(course):
    with_page(course, "nn", "reason: Alt som blir vist i filmen, blir òg sagt.\n", "")
    assert problems_of(course) == ["demo/nn/01-media.md:12:20: audio_description: none needs a reason: the learner reads "
                                   "it, e.g. reason: Alt som vises i filmen, blir også sagt."]


def test_described_captions_need_a_described_version(course):
    with_page(course, "nn", "captions: ../media/film.nn.vtt\n",
              "captions: ../media/film.nn.vtt\ndescribed_captions: ../media/film.nn.vtt\n")
    assert problems_of(course) == ["demo/nn/01-media.md:12:1: described_captions: are the captions of the described "
                                   "version; add described: with that film, or remove described_captions"]


def test_interview_with_both_audio_and_video(course):
    with_page(course, "nb", "audio: ../media/intervju.mp3\n", "audio: ../media/intervju.mp3\nvideo: ../media/film.webm\n")
    assert problems_of(course) == ["demo/nb/01-media.md:25:1: video: the interview has both audio and video; keep one of them"]


def test_sound_interview_has_no_captions(course):
    with_page(course, "nb", "audio: ../media/intervju.mp3\n", "audio: ../media/intervju.mp3\ncaptions: ../media/film.nb.vtt\n")
    assert problems_of(course) == ["demo/nb/01-media.md:25:1: captions: is for video, and this interview is sound (audio:): "
                                   "its transcript is the text version; remove captions"]


def test_video_interview_needs_captions(course):
    with_page(course, "nb", "audio: ../media/intervju.mp3\n", "video: ../media/film.webm\n")
    assert problems_of(course) == ["demo/nb/01-media.md:22:1: the interview video has no captions: add captions: "
                                   "../media/film.vtt, a WebVTT file with the captions in this page's language (deaf and "
                                   "hard-of-hearing learners need them, WCAG 1.2.2)"]


def test_a_speaker_listed_twice(course):
    with_page(course, "nb", "{id: ih, name: Ida Hansen", "{id: ka, name: Ida Hansen")
    assert problems_of(course) == [
        "demo/nb/01-media.md:27:10: speakers[1].id: speaker 'ka' is listed twice (first as speakers[0]); give each speaker their own id",
        "demo/nb/01-media.md:29:15: transcript[0].speaker: 'ih' is not one of the speakers; the speakers are ka"]


def test_missing_caption_file_is_named_at_its_key(course):
    (course / "media" / "film.nn.vtt").unlink()
    assert problems_of(course) == ["demo/nn/01-media.md:11:11: captions: no such file '../media/film.nn.vtt'"]


def test_media_names_follow_the_package_name_rules_at_their_key(course):
    (course / "media" / "film.webm").rename(course / "media" / "velkommen film.webm")
    with_page(course, "nb", "src: ../media/film.webm", "src: ../media/velkommen film.webm")
    with_page(course, "nn", "src: ../media/film.webm", "src: ../media/velkommen film.webm")
    message = ("src: the file name 'media/velkommen film.webm' has spaces or characters some LMSs cannot unzip; "
               "rename it to 'media/velkommen-film.webm' (a-z, 0-9, '.', '-', '_')")
    assert problems_of(course) == [f"demo/nb/01-media.md:9:6: {message}", f"demo/nn/01-media.md:9:6: {message}"]


def test_video_interview_gets_its_captions_in_the_page_language(course):
    for lang in ("nb", "nn"):
        with_page(course, lang, "audio: ../media/intervju.mp3\n",
                  f"video: ../media/film.webm\ncaptions: ../media/film.{lang}.vtt\nposter: ../media/plakat.png\n")
    pkg = {p.lang: p.path for p in build_course(course, course.parent / "out").packages}
    with zipfile.ZipFile(pkg["nn"]) as zf:
        html = zf.read("index.html").decode("utf-8")
    interview = html[html.index('data-interview="intervju-kari"'):]
    assert '<video class="ilm-player" controls preload="metadata" playsinline poster="media/plakat.png"' in interview
    assert '<track kind="captions" src="media/film.nn.vtt" srclang="nn" label="Norsk (nynorsk)" default>' in interview
    assert "<audio" not in interview


def test_translations_keep_the_film_id_and_the_speakers(course):
    with_page(course, "nn", "id: film-velkommen", "id: film-velkomen")
    with_page(course, "nn", "{id: ih, name: Ida Hansen", "{id: ida, name: Ida Hansen")
    with_page(course, "nn", "{speaker: ih,", "{speaker: ida,")
    assert problems_of(course) == [
        "demo/nn/01-media.md:7:5: id: 'film-velkomen' is 'film-velkommen' in demo/nb/01-media.md; translations change "
        "only the words: use the same id",
        "demo/nn/01-media.md:21:1: speakers: are ka, ida here but ka, ih in demo/nb/01-media.md; translations change "
        "only the words: keep the same speaker ids",
    ]


# --- WebVTT


def vtt(tmp_path: Path, text: str | bytes) -> list[str]:
    path = tmp_path / "c.vtt"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return [str(p).replace(str(tmp_path) + "/", "") for p in webvtt_problems(path)]


def test_webvtt_good_files_pass(tmp_path):
    assert vtt(tmp_path, "WEBVTT\n\n00:00.000 --> 00:01.500\nHei\n") == []
    assert vtt(tmp_path, "\ufeffWEBVTT - med tittel\r\n\r\nNOTE ok\r\n\r\n1\r\n01:00:00.000 --> 01:00:02.000 line:0 align:start\r\nHei\r\n") == []


@pytest.mark.parametrize("text, message", [
    ("", "c.vtt:1:1: a WebVTT file must start with the line WEBVTT, and this one does not. Put WEBVTT on the first line, then a blank line."),
    ("WEBVT\n\n00:00.000 --> 00:01.000\nHei\n",
     "c.vtt:1:1: a WebVTT file must start with the line WEBVTT, and this one does not. Put WEBVTT on the first line, then a blank line."),
    ("WEBVTT\n\n00:00.000 --> 00:01.000\nHei\n\n00:01.000 -> 00:02.000\n00:02.000 --> 0:03.000\nHå\n",
     "c.vtt:7:15: '0:03.000' is not a time; write it as 00:01.000 (minutes:seconds.milliseconds, hours first if needed)"),
    ("WEBVTT\n\n00:02.000 --> 00:01.000\nHei\n",
     "c.vtt:3:15: the cue ends at 00:01.000, not after it starts at 00:02.000; the end must be later"),
    ("WEBVTT\n\n00:02.000-->00:03.000\nHei\n",
     "c.vtt:3:1: '00:02.000-->00:03.000' is not a cue timing; write it as 00:01.000 --> 00:04.500 "
     "(minutes:seconds.milliseconds, hours first if needed)"),
    ("WEBVTT\n\nNOTE bare en merknad\n",
     "c.vtt:1:1: has no cues: add one per caption, a line like 00:01.000 --> 00:04.500 (minutes:seconds.milliseconds, "
     "hours first if needed) and the text below it"),
    (b"WEBVTT\n\n00:00.000 --> 00:01.000\nL\xf8nn\n", "c.vtt:4:2: the file is not UTF-8 text; save it as UTF-8 in your editor"),
])
def test_webvtt_faults_are_located(tmp_path, text, message):
    assert vtt(tmp_path, text) == [message]


def test_duration_as_text_or_yaml_base_60_number():
    assert duration_view("2:30") == {"text": "2:30", "iso": "PT2M30S"}
    assert duration_view(150) == {"text": "2:30", "iso": "PT2M30S"}  # `duration: 2:30` unquoted is 150 in YAML
    assert duration_view("1:02:03") == {"text": "1:02:03", "iso": "PT1H2M3S"}
    assert duration_view(2) == {"text": "0:02", "iso": "PT2S"}
    assert duration_view(None) is None


# --- the package


@pytest.fixture
def packages(course) -> dict[str, Path]:
    return {pkg.lang: pkg.path for pkg in build_course(course, course.parent / "out").packages}


def test_package_holds_the_media_and_the_page_points_at_them(packages):
    with zipfile.ZipFile(packages["nb"]) as zf:
        names = set(zf.namelist())
        html = zf.read("index.html").decode("utf-8")
        runtime = zf.read("assets/ilmpack.js").decode("utf-8")
        kinds = {i.filename: i.compress_type for i in zf.infolist()}
    assert "runtime/blocks/film.js (default)" in runtime
    for name in ("media/film.webm", "media/film.nb.vtt", "media/plakat.png", "media/film-synstolket.webm", "media/intervju.mp3"):
        assert name in names
        assert f'"{name}"' in html, name
    assert "media/film.nn.vtt" not in names  # each language packages its own captions only
    video = re.search(r"<video [^>]*>", html).group(0)
    assert 'preload="metadata"' in video and 'poster="media/plakat.png"' in video and "autoplay" not in html
    assert '<source src="media/film.webm" type="video/webm">' in html
    assert '<track kind="captions" src="media/film.nb.vtt" srclang="nb" label="Norsk (bokmål)" default>' in html
    assert '<time datetime="PT2S">0:02</time>' in html
    assert ('<track kind="descriptions" src="media/film.nb.descriptions.vtt" srclang="nb" label="Synstolking (tekst)">'
            in html and '<p class="ilm-visually-hidden" aria-live="polite" data-descriptions-live></p>' in html)
    assert '<audio class="ilm-player" controls preload="metadata"' in html
    assert '<source src="media/intervju.mp3" type="audio/mpeg">' in html
    # Films and sound are stored as they are; text tracks are deflated.
    assert kinds["media/film.webm"] == kinds["media/intervju.mp3"] == kinds["media/plakat.png"] == zipfile.ZIP_STORED
    assert kinds["media/film.nb.vtt"] == zipfile.ZIP_DEFLATED


def test_each_language_names_its_own_captions_and_texts(packages):
    with zipfile.ZipFile(packages["nn"]) as zf:
        names = set(zf.namelist())
        html = zf.read("index.html").decode("utf-8")
    assert "media/film.nn.vtt" in names and "media/film.nb.vtt" not in names
    assert "media/film-synstolket.webm" not in names  # the nn page gives a reason instead
    assert '<track kind="captions" src="media/film.nn.vtt" srclang="nn" label="Norsk (nynorsk)" default>' in html
    assert '<p class="ilm-media-note"><strong>Om synstolking:</strong> Alt som blir vist i filmen, blir òg sagt.</p>' in html
    assert "<strong>Kari Andersen</strong>, rådgjevar i NAV" in html
    assert '<p class="ilm-turn" data-speaker="ih"><strong>Ida Hansen:</strong> Kvifor bestiller de tolk?</p>' in html



@pytest.mark.parametrize("kind", ["film", "interview"])
def test_readme_examples_pass_the_schema_and_rules(kind):
    from coursekit import ROOT
    from ilmpack.blocks import get_block
    from ilmpack.sourcemap import parse_yaml
    from ilmpack.validate import schema_problems

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    body = re.search(rf"^```{kind}\n(.*?)^```$", readme, flags=re.S | re.M).group(1)
    data, smap = parse_yaml(body, "README.md")
    assert schema_problems(data, f"blocks/{kind}", smap) == []
    assert get_block(kind).rules(data, smap) == []
