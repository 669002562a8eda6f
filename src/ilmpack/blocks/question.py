"""```question: single, multiple and true-false; a knowledge check on a page, scored on the test page."""

from __future__ import annotations

from typing import Mapping

from markupsafe import Markup

from ..errors import Problem
from ..sourcemap import SourceMap
from .base import SAME, BlockKind, BlockPage

OPTION_KEYS = "abcdefghijklmnopqrstuvwxyz"


class QuestionBlock(BlockKind):
    """A question: its options are keyed a, b, c ... (t/f for true-false) in the runtime and the LMS."""

    name = "question"
    same_in_every_language = ("id", "kind")
    config_key = "questions"

    def rules(self, data: Mapping, smap: SourceMap) -> list[Problem]:
        """Single choice has exactly one right option, multiple choice at least one."""
        if data["kind"] == "true-false":
            return []
        right = sum(1 for o in data["options"] if o.get("correct") is True)
        if data["kind"] == "single" and right != 1:
            return [smap.problem(("options",), f"a single-choice question needs exactly one option with correct: true; it has {right}")]
        if data["kind"] == "multiple" and right < 1:
            return [smap.problem(("options",), "a multiple-choice question needs at least one option with correct: true")]
        return []

    def translation_problems(self, base: Mapping, other: Mapping, smap: SourceMap, base_file: str) -> list[Problem]:
        """Same id and kind, same options in the same order, the same ones right."""
        out = super().translation_problems(base, other, smap, base_file)
        if out:
            return out
        if base.get("correct") != other.get("correct"):
            out.append(smap.problem(("correct",), f"is {_describe(other.get('correct'))} here but {_describe(base.get('correct'))} "
                                    f"in {base_file}; {SAME}, not the answers"))
        o0, o1 = base.get("options", []), other.get("options", [])
        if len(o0) != len(o1):
            return out + [smap.problem(("options",), f"has {len(o1)} options, but {len(o0)} in {base_file}; {SAME}")]
        for i, (a, b) in enumerate(zip(o0, o1)):
            if bool(a.get("correct")) != bool(b.get("correct")):
                path = ("options", i, "correct") if "correct" in b else ("options", i)
                out.append(smap.problem(path, f"option {i + 1} is {'right' if b.get('correct') else 'wrong'} here but "
                                        f"{'right' if a.get('correct') else 'wrong'} in {base_file}; {SAME}, not the answers"))
        return out

    def view(self, data: Mapping, page: BlockPage) -> dict:
        """`q` for blocks/question.html (docs/CONTRACT.md)."""
        return {"q": question_view(data, scored=page.is_test, inline=page.inline)}

    def runtime_entry(self, data: Mapping, view: dict, page: BlockPage) -> dict:
        """Kind, options and right answers by key; the runtime scores and journals with them."""
        q = view["q"]
        return {"kind": q["kind"], "scored": q["scored"], "page": page.id,
                "options": [o["key"] for o in q["options"]],
                "correct": [o["key"] for o in q["options"] if o["correct"]]}


def question_view(data: Mapping, *, scored: bool, inline) -> dict:
    """The template's view of a question block: options keyed a, b, c ... (t/f for true-false)."""
    if data["kind"] == "true-false":
        options = [{"key": key, "html": Markup(""), "correct": value == data["correct"], "feedback_html": Markup("")}
                   for key, value in (("t", True), ("f", False))]
    else:
        options = [{"key": OPTION_KEYS[i], "html": inline(str(o["text"])), "correct": bool(o.get("correct")),
                    "feedback_html": inline(o.get("feedback", ""))} for i, o in enumerate(data["options"])]
    return {"id": data["id"], "kind": data["kind"], "scored": scored, "prompt_html": inline(data["prompt"]),
            "options": options, "explanation_html": inline(data.get("explanation", ""))}


def _describe(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "nothing" if value is None else repr(value)


BLOCK = QuestionBlock()
