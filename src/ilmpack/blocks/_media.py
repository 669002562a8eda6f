"""What the film and interview blocks share: media types, WebVTT checks, durations, track views."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Mapping

from ..errors import Problem, display_path
from ..pages import decode_text
from ..sourcemap import SourceMap
from .base import BlockKind

# What every current browser plays, iPhones included (H.264/AAC in .mp4, VP8/VP9 in .webm, MP3, AAC).
VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm"}
AUDIO_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/mp4"}

TIME = re.compile(r"^(?:(?P<h>\d{2,}):)?(?P<m>[0-5]\d):(?P<s>[0-5]\d)\.(?P<ms>\d{3})$")
TIMING_EXAMPLE = "00:01.000 --> 00:04.500 (minutes:seconds.milliseconds, hours first if needed)"


def media_type(written: str) -> str:
    """The MIME type of a film or sound file by its extension (the schema allowed only these)."""
    suffix = PurePosixPath(written).suffix.lower()
    return VIDEO_TYPES.get(suffix) or AUDIO_TYPES[suffix]


def webvtt_problems(path: Path) -> list[Problem]:
    """The first fault that keeps a browser from showing a WebVTT file, located in that file.

    Browsers drop a file without the WEBVTT signature and skip cues whose timing they cannot
    read, silently: the learner just sees no captions. So the build checks the signature, every
    'start --> end' line and that there is at least one cue.
    """
    shown = display_path(path)
    try:
        text = decode_text(path.read_bytes(), shown)
    except ValueError as e:
        return e.args[0]
    lines = text.split("\n")
    if not re.match(r"WEBVTT(?:[ \t]|$)", lines[0]):
        looks_srt = any("-->" in line and "," in line for line in lines[:10])
        hint = (" This looks like a SubRip (.srt) file: convert it to WebVTT, or put WEBVTT and a blank line at the top "
                "and write the times with '.' instead of ','" if looks_srt else " Put WEBVTT on the first line, then a blank line")
        return [Problem(shown, 1, 1, "", f"a WebVTT file must start with the line WEBVTT, and this one does not.{hint}.")]
    cues = 0
    for number, line in enumerate(lines, 1):
        if "-->" not in line:
            continue  # cue text and notes cannot hold '-->', so every line with it is a cue timing
        cues += 1
        problem = _timing_problem(line)
        if problem:
            column, message = problem
            return [Problem(shown, number, column, "", message)]
    if not cues:
        return [Problem(shown, 1, 1, "", f"has no cues: add one per caption, a line like {TIMING_EXAMPLE} and the text below it")]
    return []


def _timing_problem(line: str) -> tuple[int, str] | None:
    """(column, message) when a cue timing line is not 'start --> end [settings]' with end after start."""
    m = re.match(r"^(?P<start>\S+)[ \t]+-->[ \t]+(?P<end>\S+)(?:[ \t].*)?$", line)
    if not m:
        return 1, f"'{line.strip()}' is not a cue timing; write it as {TIMING_EXAMPLE}"
    seconds = []
    for part in ("start", "end"):
        written = m.group(part)
        t = TIME.match(written)
        if not t:
            fix = written.replace(",", ".")
            why = (f"uses ',' before the milliseconds (SubRip style); WebVTT needs '.': {fix}" if TIME.match(fix)
                   else f"is not a time; write it as 00:01.000 (minutes:seconds.milliseconds, hours first if needed)")
            return m.start(part) + 1, f"'{written}' {why}"
        seconds.append(int(t["h"] or 0) * 3600 + int(t["m"]) * 60 + int(t["s"]) + int(t["ms"]) / 1000)
    if seconds[1] <= seconds[0]:
        return m.start("end") + 1, f"the cue ends at {m['end']}, not after it starts at {m['start']}; the end must be later"
    return None


def duration_view(value) -> dict | None:
    """{'text': '2:30', 'iso': 'PT2M30S'} from '2:30', '1:02:30' or whole seconds.

    Unquoted, YAML reads 2:30 as the number 150 (base 60), which is the same length in seconds.
    """
    if value is None:
        return None
    if isinstance(value, str):
        *h, m, s = (int(x) for x in value.split(":"))
        total = (h[0] if h else 0) * 3600 + m * 60 + s
    else:
        total = int(value)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    text = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    iso = "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s or not (h or m) else "")
    return {"text": text, "iso": iso}


class MediaBlock(BlockKind):
    """A block that plays course media: its files are the keys in FILES; its .vtt tracks are checked."""

    FILES: tuple[str, ...] = ()

    def files(self, data: Mapping) -> list[tuple[tuple, str]]:
        """(key path, written path) for each media key the block has."""
        return [((key,), data[key]) for key in self.FILES if isinstance(data.get(key), str)]

    def file_problems(self, key: tuple, path: Path, smap: SourceMap) -> list[Problem]:
        """Caption and description tracks are WebVTT that browsers can read; other files have no content rules."""
        return webvtt_problems(path) if path.suffix.lower() == ".vtt" else []


def captions_missing(smap: SourceMap, what: str, media: str | None) -> Problem:
    """The located error for a video without captions; the example is named after the video."""
    example = str(PurePosixPath(media).with_suffix(".vtt")) if media else "../media/film.vtt"
    return smap.problem((), f"{what} has no captions: add captions: {example}, a WebVTT file with the captions in "
                        "this page's language (deaf and hard-of-hearing learners need them, WCAG 1.2.2)")
