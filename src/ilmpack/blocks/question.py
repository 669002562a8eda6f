"""```question: every question kind; a knowledge check on a page, a test item on the test page."""

from __future__ import annotations

import random
import unicodedata
from typing import Mapping

from markupsafe import Markup

from ..errors import Problem
from ..sourcemap import SourceMap
from .base import SAME, BlockKind, BlockPage, StateShare

OPTION_KEYS = "abcdefghijklmnopqrstuvwxyz"
SOURCE_KEYS = "123456789"  # matching: left items (SCORM 1.2 pairs are single characters: 1.a,2.c)
LIKERT_KEYS = "123456789"
FILL_IN_MAX_LENGTH = 40  # default longest answer a learner can type (it is kept in the 4096-character state)
NUMERIC_MAX_LENGTH = 20  # what the number field takes; a number is saved as typed, normalised
# Characters the runtime escapes as %XX in a typed answer it saves (separators of the saved state).
ESCAPED = "%|;,:"

# Keys that hold answers or structure: the LMS sees them, so they are the same in every language.
_SAME_VALUES = ("weight", "correct", "answer", "tolerance", "min", "max", "case_sensitive",
                "normalize_whitespace", "max_length")
_SAME_LENGTHS = ("options", "pairs", "distractors", "items", "scale")


class QuestionBlock(BlockKind):
    """A question. Its parts are keyed by single characters (a, b, c; 1, 2, 3; t/f), as SCORM 1.2 wants."""

    name = "question"
    same_in_every_language = ("id", "kind")
    config_key = "questions"

    def rules(self, data: Mapping, smap: SourceMap) -> list[Problem]:
        """What each kind needs beyond the schema: right options, distinct texts, one kind of numeric answer."""
        kind = data["kind"]
        if kind in ("single", "multiple"):
            right = sum(1 for o in data["options"] if o.get("correct") is True)
            if kind == "single" and right != 1:
                return [smap.problem(("options",), f"a single-choice question needs exactly one option with correct: true; it has {right}")]
            if kind == "multiple" and right < 1:
                return [smap.problem(("options",), "a multiple-choice question needs at least one option with correct: true")]
        if kind == "matching":
            out = _distinct(smap, [(("pairs", i, "left"), p["left"]) for i, p in enumerate(data["pairs"])], "left item")
            rights = [(("pairs", i, "right"), p["right"]) for i, p in enumerate(data["pairs"])]
            rights += [(("distractors", i), d) for i, d in enumerate(data.get("distractors", []))]
            out += _distinct(smap, rights, "choice on the right (with the distractors)")
            if len(rights) > len(OPTION_KEYS):
                out.append(smap.problem(("distractors",), f"gives {len(rights)} choices on the right with the pairs; "
                                        f"at most {len(OPTION_KEYS)} are allowed: remove distractors"))
            return out
        if kind == "ordering":
            return _distinct(smap, [(("items", i), t) for i, t in enumerate(data["items"])], "item")
        if kind == "fill-in":
            return _fill_in_rules(data, smap)
        if kind == "numeric":
            return _numeric_rules(data, smap)
        return []

    def test_rules(self, blocks: list[tuple[Mapping, SourceMap]], policy: Mapping, policy_smap: SourceMap) -> list[Problem]:
        """On the test page: likert only unscored, some weight to score, and draw no more than the pool."""
        out = []
        weighted = 0
        for data, smap in blocks:
            weight = data.get("weight", 1)
            if data["kind"] == "likert" and weight != 0:
                path = ("weight",) if "weight" in data else ("kind",)
                out.append(smap.problem(path, "a likert question is never right or wrong, so it cannot count in the test; "
                                        "write weight: 0 to ask it on the test page unscored, or move it to another page"))
            elif weight > 0:
                weighted += 1
        if blocks and not weighted and not out:
            data, smap = blocks[0]
            out.append(smap.problem(("weight",) if "weight" in data else ("id",), "every question on the test page has "
                                    "weight 0, so there is no score; give at least one question a weight above 0"))
        draw = policy.get("draw")
        if draw is not None and draw > weighted:
            out.append(policy_smap.problem(("test_policy", "draw"), f"draws {draw} questions, but the test page has only "
                                           f"{weighted} that count (weight above 0); draw at most {weighted}, or add questions"))
        return out

    def translation_problems(self, base: Mapping, other: Mapping, smap: SourceMap, base_file: str) -> list[Problem]:
        """Same id, kind, answers, weights and settings; the same number of options, pairs, items and steps."""
        out = super().translation_problems(base, other, smap, base_file)
        if out:
            return out
        for key in _SAME_VALUES:
            if base.get(key) == other.get(key):
                continue
            if key not in other:
                out.append(smap.problem((), f"'{key}' is missing here but is {_describe(base[key])} in {base_file}; "
                                        f"{SAME}, not the answers: add {key}: {_describe(base[key])}"))
            else:
                out.append(smap.problem((key,), f"is {_describe(other[key])} here but {_describe(base.get(key))} "
                                        f"in {base_file}; {SAME}, not the answers"))
        for key in _SAME_LENGTHS:
            n0, n1 = len(base.get(key, [])), len(other.get(key, []))
            if n0 != n1:
                out.append(smap.problem((key,) if key in other else (), f"has {n1} {key}, but {n0} in {base_file}; {SAME}"))
        if out:
            return out
        for i, (a, b) in enumerate(zip(base.get("options", []), other.get("options", []))):
            if bool(a.get("correct")) != bool(b.get("correct")):
                path = ("options", i, "correct") if "correct" in b else ("options", i)
                out.append(smap.problem(path, f"option {i + 1} is {'right' if b.get('correct') else 'wrong'} here but "
                                        f"{'right' if a.get('correct') else 'wrong'} in {base_file}; {SAME}, not the answers"))
        return out

    def view(self, data: Mapping, page: BlockPage) -> dict:
        """`q` for blocks/question.html (docs/CONTRACT.md)."""
        return {"q": question_view(data, scored=page.is_test, inline=page.inline, lang=page.lang)}

    def runtime_entry(self, data: Mapping, view: dict, page: BlockPage) -> dict:
        """What the runtime scores, saves and reports with: keys, right answers, weight."""
        q = view["q"]
        entry = {"kind": q["kind"], "scored": q["scored"], "page": page.id, "weight": q["weight"]}
        kind = q["kind"]
        if kind in ("single", "multiple", "true-false", "likert"):
            entry["options"] = [o["key"] for o in q["options"]]
            entry["correct"] = [o["key"] for o in q["options"] if o["correct"]]
        elif kind == "matching":
            entry["sources"] = [p["key"] for p in q["pairs"]]
            entry["targets"] = sorted(t["key"] for t in q["targets"])
            entry["correct"] = [p["key"] + "." + p["match"] for p in q["pairs"]]
        elif kind == "ordering":
            entry["correct"] = [i["key"] for i in q["solution_sequence"]]
            entry["initial"] = [i["key"] for i in q["sequence"]]
        elif kind == "fill-in":
            # The accepted answers are words of the page's language: they stand in the markup
            # (data-answers), so the entry, and the state's fingerprint, is the same in every language.
            entry.update(caseSensitive=data.get("case_sensitive", False),
                         normalizeWhitespace=data.get("normalize_whitespace", True), maxLength=q["max_length"])
        elif kind == "numeric":
            entry.update({k: data[k] for k in ("answer", "tolerance", "min", "max") if k in data})
        return entry

    def state_size(self, blocks: list[tuple[Mapping, bool]], policy: Mapping, exact: Mapping) -> StateShare | None:
        """The questions' slice of the saved state (blocks/question.js), worst case per question.

        "<raw>:<correct>:<attempts>:<test answers>;<checks>;<draft>", and with shuffle or draw
        ";<seed>:<drawn>": a test's answers are either submitted or a retake's draft, never both.
        Essential is the result and the attempt's seed and draw; every answer can be dropped when
        the LMS's limit is near.
        """
        if not blocks:
            return None
        test = [d for d, scored in blocks if scored]
        essential = len(";;")
        if test:
            raw = exact.get("raw", 100)
            correct = exact.get("correct", len(test))
            attempts = min(exact.get("attempts", policy.get("attempts", 999)), 999)
            essential += len(f"{raw}:{correct}:{attempts}:")
        if policy.get("shuffle") or policy.get("draw"):
            essential += len(";") + 8 + len(":") + (-(-len(test) // 4) if policy.get("draw") else 0)
        per_block = {}
        for group in (test, [d for d, scored in blocks if not scored]):
            for i, data in enumerate(group):
                per_block[data["id"]] = answer_size(data) + (1 if i else 0)  # the comma before it
        return StateShare(essential, per_block)

    def state_advice(self, data: Mapping) -> tuple[tuple, str]:
        """Where to point an author whose course's state is too large, and what to shorten there."""
        if data["kind"] == "fill-in":
            return (("max_length",) if "max_length" in data else ("answers",)), \
                f"lower max_length (now {data.get('max_length', FILL_IN_MAX_LENGTH)}): a typed answer may take 3 characters a letter"
        return ("id",), "use fewer questions or options"


def answer_size(data: Mapping) -> int:
    """The longest saved answer of one question, in characters."""
    kind = data["kind"]
    if kind == "multiple":
        return len(data["options"])
    if kind == "matching":
        return len(data["pairs"])
    if kind == "ordering":
        return len(data["items"])
    if kind == "fill-in":
        return 3 * data.get("max_length", FILL_IN_MAX_LENGTH)  # every letter may be escaped as %XX
    if kind == "numeric":
        return NUMERIC_MAX_LENGTH
    return 1


def question_view(data: Mapping, *, scored: bool, inline, lang: str = "en") -> dict:
    """The template's view of a question block: parts keyed by single characters."""
    kind = data["kind"]
    q = {"id": data["id"], "kind": kind, "scored": scored, "prompt_html": inline(data["prompt"]),
         "weight": 0 if kind == "likert" else data.get("weight", 1), "explanation_html": inline(data.get("explanation", "")),
         "options": [], "pairs": [], "targets": [], "sequence": [], "solution": ""}
    if kind == "true-false":
        q["options"] = [{"key": key, "html": Markup(""), "correct": value == data["correct"], "feedback_html": Markup("")}
                        for key, value in (("t", True), ("f", False))]
    elif kind in ("single", "multiple"):
        q["options"] = [{"key": OPTION_KEYS[i], "html": inline(str(o["text"])), "correct": bool(o.get("correct")),
                         "feedback_html": inline(o.get("feedback", ""))} for i, o in enumerate(data["options"])]
    elif kind == "likert":
        q["options"] = [{"key": LIKERT_KEYS[i], "html": inline(str(t)), "correct": False, "feedback_html": Markup("")}
                        for i, t in enumerate(data["scale"])]
    elif kind == "matching":
        rights = [p["right"] for p in data["pairs"]] + list(data.get("distractors", []))
        targets = [{"key": OPTION_KEYS[i], "html": inline(str(t)), "text": str(t)} for i, t in enumerate(rights)]
        # Listed in an order of their own (never the pairs' order), so it gives nothing away.
        q["targets"] = [targets[i] for i in first_order(data["id"] + "/targets", len(targets))]
        q["pairs"] = [{"key": SOURCE_KEYS[i], "html": inline(str(p["left"])), "match": OPTION_KEYS[i],
                       "match_html": targets[i]["html"]} for i, p in enumerate(data["pairs"])]
    elif kind == "ordering":
        items = [{"key": OPTION_KEYS[i], "html": inline(str(t))} for i, t in enumerate(data["items"])]
        q["sequence"] = [items[i] for i in first_order(data["id"], len(items))]
        q["solution_sequence"] = items
    elif kind == "fill-in":
        q["max_length"] = data.get("max_length", FILL_IN_MAX_LENGTH)
        q["answers"] = [str(a) for a in data["answers"]]
        q["solution"] = q["answers"][0]
    elif kind == "numeric":
        q["solution"] = numeric_solution(data, lang)
    return q


def first_order(seed: str, n: int) -> list[int]:
    """The order an ordering question first shows its items in: shuffled by its id, never already right."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    if order == sorted(order):
        order = order[1:] + order[:1]
    return order


def numeric_solution(data: Mapping, lang: str) -> str:
    """The right answer as the learner's language writes numbers: '3,5 (± 0,1)', '3-4'."""
    if "answer" in data:
        text = _number(data["answer"], lang)
        if data.get("tolerance"):
            text += f" (± {_number(data['tolerance'], lang)})"
        return text
    return f"{_number(data['min'], lang)}–{_number(data['max'], lang)}"


def _number(value, lang: str) -> str:
    text = f"{value:.10f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return text.replace(".", ",").replace("-", "−") if lang in ("nb", "nn", "no") else text


def normalize_answer(text: str, *, case_sensitive: bool, normalize_whitespace: bool) -> str:
    """A fill-in answer as the runtime compares it: NFC (so 'å' typed either way is one letter), case, spaces."""
    text = unicodedata.normalize("NFC", str(text))
    if normalize_whitespace:
        text = " ".join(text.split())
    return text if case_sensitive else text.lower()


def _fill_in_rules(data: Mapping, smap: SourceMap) -> list[Problem]:
    out = []
    limit = data.get("max_length", FILL_IN_MAX_LENGTH)
    seen: dict[str, int] = {}
    for i, answer in enumerate(data["answers"]):
        text = str(answer)
        norm = normalize_answer(text, case_sensitive=data.get("case_sensitive", False),
                                normalize_whitespace=data.get("normalize_whitespace", True))
        if not norm.strip():
            out.append(smap.problem(("answers", i), "is empty; write an answer the learner can type"))
        elif _units(text) > limit:
            out.append(smap.problem(("answers", i), f"is {_units(text)} characters, longer than the {limit} a learner can type; "
                                    f"set max_length: {_units(text)} or shorten the answer"))
        elif norm in seen:
            out.append(smap.problem(("answers", i), f"is the same answer as answers[{seen[norm]}] when compared as the learner's "
                                    "answer is (case and spaces as the settings say); remove one"))
        else:
            seen[norm] = i
    return out


def _units(text: str) -> int:
    """Length as the browser counts it for maxlength (UTF-16 units: an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


def _numeric_rules(data: Mapping, smap: SourceMap) -> list[Problem]:
    has_answer, has_range = "answer" in data, ("min" in data or "max" in data)
    if has_answer and has_range:
        key = "min" if "min" in data else "max"
        return [smap.problem((key,), "give either answer (with an optional tolerance) or a range min..max, not both")]
    if not has_answer and not has_range:
        return [smap.problem(("kind",), "a numeric question needs its right answer: answer: 3.5 (and tolerance: 0.1 "
                             "if near is good enough), or a range min: 3 and max: 4")]
    if has_range:
        for key in ("min", "max"):
            if key not in data:
                return [smap.problem((), f"'{key}' is missing; a range needs both min and max")]
        if data["min"] >= data["max"]:
            return [smap.problem(("max",), f"must be above min ({data['min']}); got {data['max']}")]
        if "tolerance" in data:
            return [smap.problem(("tolerance",), "only goes with answer; a range min..max already says how near is good enough")]
    return []


def _distinct(smap: SourceMap, texts: list[tuple[tuple, object]], what: str) -> list[Problem]:
    seen: dict[str, tuple] = {}
    out = []
    for path, text in texts:
        folded = _fold(str(text))
        if folded in seen:
            out.append(smap.problem(path, f"is the same {what} as on line {smap.locate(seen[folded])[0]}; "
                                    "a learner could not tell them apart: make each one different"))
        else:
            seen[folded] = path
    return out


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _describe(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "nothing" if value is None else repr(value)


BLOCK = QuestionBlock()
