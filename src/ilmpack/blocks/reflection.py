"""```reflection: an open question with guiding sub-questions and a text box; the answer stays on the learner's device."""

from __future__ import annotations

from typing import Mapping

from ..errors import Problem
from ..sourcemap import SourceMap
from .base import SAME, BlockKind, BlockPage, StateShare


class ReflectionBlock(BlockKind):
    """A reflection task. The runtime keeps the text in the browser's localStorage and tells the LMS
    only that it was answered, unless course.yaml says `reflections: {send_text: true}`."""

    name = "reflection"
    config_key = "reflections"

    def translation_problems(self, base: Mapping, other: Mapping, smap: SourceMap, base_file: str) -> list[Problem]:
        """Same id, and as many guiding questions (a translation that drops one loses a question)."""
        out = super().translation_problems(base, other, smap, base_file)
        g0, g1 = base.get("guide", []), other.get("guide", [])
        if not out and len(g0) != len(g1):
            out.append(smap.problem(("guide",) if "guide" in other else (), f"has {len(g1)} guiding question{'' if len(g1) == 1 else 's'}, but {len(g0)} "
                                    f"in {base_file}; {SAME}: translate every one"))
        return out

    def view(self, data: Mapping, page: BlockPage) -> dict:
        """`r` for blocks/reflection.html: the prompt and guide as HTML, and whether the text goes to the LMS."""
        return {"r": {"id": data["id"], "prompt_html": page.inline(data["prompt"]),
                      "guide_html": [page.inline(g) for g in data.get("guide", [])],
                      "send_text": send_text(page.course)}}

    def state_size(self, blocks: list[tuple[Mapping, bool]], policy: Mapping, exact: Mapping) -> StateShare:
        """One digit per reflection (answered or not), never dropped."""
        return StateShare(len(blocks), {})

    def runtime_entry(self, data: Mapping, view: dict, page: BlockPage) -> dict:
        """The page it stands on. Whether the text goes to the LMS is in the markup
        (data-send-text), not here: the entry is in the state's fingerprint, and turning the
        option on or off must not make every learner start afresh."""
        return {"page": page.id}


def send_text(course: Mapping) -> bool:
    """course.yaml's `reflections.send_text` (default false: the LMS never gets the text)."""
    return bool((course.get("reflections") or {}).get("send_text", False))


BLOCK = ReflectionBlock()
