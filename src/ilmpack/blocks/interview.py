"""```interview: a sound or video recording with a transcript whose speakers are named."""

from __future__ import annotations

from typing import Mapping

from ..errors import Problem, close_matches
from ..sourcemap import SourceMap
from ._media import MediaBlock, captions_missing, duration_view, media_type
from .base import SAME, BlockPage



class InterviewBlock(MediaBlock):
    """An interview: <audio> or <video>, the speakers named once, the transcript as a dialogue."""

    FILES = ("audio", "video", "poster", "captions")
    name = "interview"

    def rules(self, data: Mapping, smap: SourceMap) -> list[Problem]:
        """One recording; captions for video (none for sound); every turn by a listed speaker."""
        out = []
        media = [k for k in ("audio", "video") if k in data]
        if not media:
            out.append(smap.problem((), "the interview has no recording: add audio: ../media/<name>.mp3 "
                                    "or video: ../media/<name>.mp4"))
        elif len(media) == 2:
            out.append(smap.problem(("video",), "the interview has both audio and video; keep one of them", key=True))
        elif media == ["video"] and "captions" not in data:
            out.append(captions_missing(smap, "the interview video", data["video"]))
        elif media == ["audio"]:
            for key, why in (("captions", "its transcript is the text version"), ("poster", "a player for sound has no picture")):
                if key in data:
                    out.append(smap.problem((key,), f"is for video, and this interview is sound (audio:): {why}; remove {key}",
                                            key=True))
        ids: dict[str, int] = {}
        for i, speaker in enumerate(data["speakers"]):
            if speaker["id"] in ids:
                out.append(smap.problem(("speakers", i, "id"), f"speaker '{speaker['id']}' is listed twice "
                                        f"(first as speakers[{ids[speaker['id']]}]); give each speaker their own id"))
            ids.setdefault(speaker["id"], i)
        if "transcript" not in data:
            out.append(smap.problem((), "the interview has no transcript: add transcript: with one line per turn, "
                                    "- {speaker: <id>, text: ...}; learners who cannot hear read it (WCAG 1.2.1)"))
        for i, turn in enumerate(data.get("transcript", [])):
            if turn["speaker"] not in ids:
                close = close_matches(turn["speaker"], list(ids), n=1, cutoff=0.5)
                hint = f"did you mean '{close[0]}'?" if close else f"the speakers are {', '.join(ids)}"
                out.append(smap.problem(("transcript", i, "speaker"), f"'{turn['speaker']}' is not one of the speakers; {hint}"))
        return out

    def translation_problems(self, base: Mapping, other: Mapping, smap: SourceMap, base_file: str) -> list[Problem]:
        """The same id, and the same people (speaker ids) in the same order; their roles are words."""
        out = super().translation_problems(base, other, smap, base_file)
        ids0 = [s.get("id") for s in base.get("speakers", [])]
        ids1 = [s.get("id") for s in other.get("speakers", [])]
        if not out and ids0 != ids1:
            out.append(smap.problem(("speakers",), f"are {', '.join(map(str, ids1))} here but {', '.join(map(str, ids0))} "
                                    f"in {base_file}; {SAME}: keep the same speaker ids", key=True))
        return out

    def view(self, data: Mapping, page: BlockPage) -> dict:
        """`interview` for blocks/interview.html: the recording, the speakers and the turns by name."""
        speakers = {s["id"]: s for s in data["speakers"]}
        turns = []
        for turn in data["transcript"]:
            html = page.inline(str(turn["text"]))
            turns.append({"speaker": turn["speaker"], "name": speakers[turn["speaker"]]["name"], "html": html,
                          "paragraphs": "<p>" in html})  # several paragraphs: the name goes on a line of its own
        written = data.get("video") or data["audio"]
        return {"interview": {
            "id": data["id"],
            "title_html": page.inline(data["title"]),
            "element": "video" if "video" in data else "audio",
            "src": page.file(written),
            "type": media_type(written),
            "poster": page.file(data["poster"]) if "poster" in data else None,
            "captions": page.file(data["captions"]) if "captions" in data else None,
            "speakers": [{"id": s["id"], "name": s["name"], "role": s.get("role", "")} for s in data["speakers"]],
            "turns": turns,
            "duration": duration_view(data.get("duration")),
        }}


BLOCK = InterviewBlock()
