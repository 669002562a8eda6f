"""```conversation: questions for a group meeting at work, shown in the course and written as a printable handout."""

from __future__ import annotations

import re
from typing import Mapping

from markupsafe import Markup

from ..errors import Problem
from ..sourcemap import SourceMap
from .base import SAME, BlockKind, BlockPage


_BLOCK_START = re.compile(r"\s*<(p|ul|ol|h[1-6]|blockquote|table|pre|div|hr)[\s>/]")


class ConversationBlock(BlockKind):
    """Conversation material ("samtalemateriell"): a suggested time and numbered questions, plus a handout page."""

    name = "conversation"
    same_in_every_language = ("id", "minutes")

    def rules(self, data: Mapping, smap: SourceMap) -> list[Problem]:
        """The questions' own times fit in the time suggested for the whole conversation."""
        total = sum(q.get("minutes", 0) for q in data["questions"])
        if total > data["minutes"]:
            return [smap.problem(("minutes",), f"the questions' minutes add up to {total}, more than the {data['minutes']} "
                                 "suggested for the whole conversation; raise minutes here or lower them on the questions")]
        return []

    def translation_problems(self, base: Mapping, other: Mapping, smap: SourceMap, base_file: str) -> list[Problem]:
        """Same id and time, the same number of questions with the same times."""
        out = super().translation_problems(base, other, smap, base_file)
        q0, q1 = base.get("questions", []), other.get("questions", [])
        if len(q0) != len(q1):
            return out + [smap.problem(("questions",), f"has {_count(len(q1))}, but {len(q0)} in {base_file}; {SAME}")]
        for i, (a, b) in enumerate(zip(q0, q1)):
            if a.get("minutes") != b.get("minutes"):
                path = ("questions", i, "minutes") if "minutes" in b else ("questions", i)
                out.append(smap.problem(path, f"question {i + 1} has {_minutes(b)} here but {_minutes(a)} in {base_file}; "
                                        f"{SAME}: use the same minutes"))
        return out

    def view(self, data: Mapping, page: BlockPage) -> dict:
        """`c` for blocks/conversation.html; writes the handout page (and its stylesheet) into the package."""
        c = conversation_view(data, page.inline)
        page.write("assets/handout.css", "assets/handout.css", {})
        c["handout"] = page.write(f"handouts/{data['id']}.html", "handouts/conversation.html", {"c": c})
        return {"c": c}


def conversation_view(data: Mapping, inline) -> dict:
    """What the templates see of the material: its texts as HTML, times as numbers (the templates word them)."""
    return {"id": data["id"], "title": data["title"], "minutes": data["minutes"],
            "intro_html": as_blocks(inline(data.get("intro", ""))),
            "questions": [{"html": inline(q["text"]), "minutes": q.get("minutes")} for q in data["questions"]],
            "facilitator_html": as_blocks(inline(data.get("facilitator", "")))}


def as_blocks(html: Markup) -> Markup:
    """Text that stands on its own (an intro, notes) as paragraphs: `inline` unwraps a lone paragraph."""
    if not html or _BLOCK_START.match(html):
        return html
    return Markup("<p>") + html + Markup("</p>")


def _count(n: int) -> str:
    return f"{n} question{'' if n == 1 else 's'}"


def _minutes(question: Mapping) -> str:
    return f"minutes: {question['minutes']}" if "minutes" in question else "no minutes"


BLOCK = ConversationBlock()
