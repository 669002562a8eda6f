"""```film: a video with captions in the page's language, a transcript and audio description."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Mapping

from ..errors import Problem
from ..sourcemap import SourceMap
from ._media import MediaBlock, captions_missing, duration_view, media_type
from .base import BlockPage



def _no_description(src: str) -> str:
    """What to add when a film has no audio description, with file names made from the film's."""
    stem = str(PurePosixPath(src).with_suffix(""))
    return (f"the film has no audio description: add described: {stem}-synstolket{PurePosixPath(src).suffix} (the film "
            f"with the picture described in speech) or descriptions: {stem}.descriptions.vtt (the descriptions as timed "
            "text); if everything that matters in the picture is also said, write audio_description: none and a "
            "reason: for the learner (WCAG 1.2.5, required for video published from 2024)")


class FilmBlock(MediaBlock):
    """A film: HTML5 video, captions on by default, a transcript to open, a described version or a reason."""

    FILES = ("src", "poster", "captions", "descriptions", "described", "described_captions")
    name = "film"

    def rules(self, data: Mapping, smap: SourceMap) -> list[Problem]:
        """Captions always; an audio description, or audio_description: none with the reason why."""
        out = []
        if "captions" not in data:
            out.append(captions_missing(smap, "the film", data.get("src")))
        described = [k for k in ("described", "descriptions") if k in data]
        if data.get("audio_description") == "none":
            if described:
                out.append(smap.problem(("audio_description",), f"says none, but the film has {described[0]}; "
                                        "remove audio_description and reason"))
            elif "reason" not in data:
                out.append(smap.problem(("audio_description",), "none needs a reason: the learner reads it, e.g. "
                                        "reason: Alt som vises i filmen, blir også sagt."))
        elif not described:
            out.append(smap.problem((), _no_description(data["src"])))
        if "reason" in data and "audio_description" not in data:
            out.append(smap.problem(("reason",), "only goes with audio_description: none; add that line or remove the reason", key=True))
        if "described_captions" in data and "described" not in data:
            out.append(smap.problem(("described_captions",), "are the captions of the described version; add described: "
                                    "with that film, or remove described_captions", key=True))
        return out

    def view(self, data: Mapping, page: BlockPage) -> dict:
        """`film` for blocks/film.html: package paths, the page language's tracks, rendered texts."""
        captions = page.file(data["captions"])
        described = None
        if "described" in data:
            described = {"src": page.file(data["described"]), "type": media_type(data["described"]),
                         "captions": page.file(data["described_captions"]) if "described_captions" in data else captions}
        return {"film": {
            "id": data["id"],
            "title_html": page.inline(data["title"]),
            "src": page.file(data["src"]),
            "type": media_type(data["src"]),
            "poster": page.file(data["poster"]) if "poster" in data else None,
            "captions": captions,
            "descriptions": page.file(data["descriptions"]) if "descriptions" in data else None,
            "described": described,
            "reason_html": page.inline(data["reason"]) if data.get("audio_description") == "none" else None,
            "transcript_html": page.inline(data.get("transcript", "")),
            "duration": duration_view(data.get("duration")),
        }}


BLOCK = FilmBlock()
